// What the numbers were measured on: cores, memory, CPU, versions, and the code's commit.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, release, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface Machine {
  nproc: number;
  ramGiB: number;
  cpu: string;
  kernel: string;
  node: string;
  loadavg: number[];
}

export function machine(): Machine {
  return {
    nproc: availableParallelism(),
    ramGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    cpu: cpus()[0]?.model ?? 'unknown',
    kernel: release(),
    node: process.version,
    loadavg: loadavg().map((l) => Math.round(l * 100) / 100),
  };
}

function run(cmd: string, args: string[]): string | null {
  try {
    return execFileSync(cmd, args, { cwd: repoRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

/** HEAD, and whether the code measured differs from it (uncommitted changes under `paths`). */
export function gitState(paths: readonly string[]): { commit: string | null; dirty: boolean | null } {
  const commit = run('git', ['rev-parse', '--short', 'HEAD']);
  const status = run('git', ['status', '--porcelain', '--', ...paths]);
  return { commit, dirty: status === null ? null : status.length > 0 };
}

export function packageVersion(packageDir: string): string | null {
  try {
    return (JSON.parse(readFileSync(join(repoRoot, packageDir, 'package.json'), 'utf8')) as { version?: string }).version ?? null;
  } catch {
    return null;
  }
}

export function commandVersion(cmd: string, args: string[]): string | null {
  return run(cmd, args);
}
