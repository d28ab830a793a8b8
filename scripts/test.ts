// `npm test` (through scripts/bootstrap.mjs): type-check and lint, then the integration suite
// once per database mode (PGlite, then a PostGIS server), then the browser suite against a
// running portal. Every step runs even when an earlier one failed, so one run shows everything;
// the exit code is non-zero when any step failed, and the last line is `N passed, N failed`.
import { randomBytes } from 'node:crypto';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../tests/support/free-port.ts';
import { postgisAvailable, startPostgisCluster } from '../tests/support/pg-cluster.ts';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const vitestBin = join(root, 'tests', 'node_modules', 'vitest', 'vitest.mjs');
const reportDir = join(root, 'artifacts', 'test-results');
const chromium = '/usr/bin/chromium';
const portalStartTimeoutMs = 180_000;

type Status = 'passed' | 'failed' | 'not run';
interface StepResult {
  step: string;
  status: Status;
  seconds: number;
  passed: number;
  failed: number;
  skipped: number;
  note: string;
}

const results: StepResult[] = [];
/** Things to stop if we are interrupted: the temporary cluster, the portal. */
const cleanups = new Set<() => Promise<void> | void>();

function banner(text: string): void {
  console.log(`\n━━━ ${text} ━━━`);
}

/** Runs a command with live output; resolves with its exit code (1 when it could not start). */
function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: root, env, stdio: ['ignore', 'inherit', 'inherit'] });
    child.once('error', (error) => {
      console.error(`maillage test: could not run ${cmd}: ${error.message}`);
      resolve(1);
    });
    child.once('close', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
}

async function step(name: string, body: () => Promise<Omit<StepResult, 'step' | 'seconds'>>): Promise<void> {
  banner(name);
  const started = performance.now();
  let result: Omit<StepResult, 'step' | 'seconds'>;
  try {
    result = await body();
  } catch (error) {
    console.error(error);
    result = { status: 'failed', passed: 0, failed: 0, skipped: 0, note: error instanceof Error ? error.message.split('\n')[0]! : String(error) };
  }
  const seconds = (performance.now() - started) / 1000;
  results.push({ step: name, seconds, ...result });
  console.log(`━━━ ${name}: ${result.status}${result.note ? ` (${result.note})` : ''}, ${seconds.toFixed(1)} s`);
}

function notRun(note: string, required = false): Omit<StepResult, 'step' | 'seconds'> {
  console.log(`NOT RUN: ${note}`);
  return { status: required ? 'failed' : 'not run', passed: 0, failed: 0, skipped: 0, note };
}

interface VitestJson {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  numTodoTests: number;
  numTotalTests: number;
  success: boolean;
}

/** Runs Vitest with a config, live output plus a JSON report we count from. */
async function vitest(config: string, report: string, env: NodeJS.ProcessEnv): Promise<Omit<StepResult, 'step' | 'seconds'>> {
  mkdirSync(reportDir, { recursive: true });
  const outputFile = join(reportDir, `${report}.json`);
  rmSync(outputFile, { force: true });
  const code = await run(
    process.execPath,
    [vitestBin, 'run', '--config', config, '--reporter=default', '--reporter=json', `--outputFile.json=${outputFile}`],
    env,
  );
  if (!existsSync(outputFile)) {
    return { status: 'failed', passed: 0, failed: 0, skipped: 0, note: `vitest exited ${code} without a report` };
  }
  const json = JSON.parse(readFileSync(outputFile, 'utf8')) as VitestJson;
  const counts = { passed: json.numPassedTests, failed: json.numFailedTests, skipped: json.numPendingTests + json.numTodoTests };
  if (code === 0 && json.success && json.numTotalTests > 0) return { status: 'passed', ...counts, note: '' };
  const note = json.numTotalTests === 0 ? 'no tests ran' : code !== 0 && counts.failed === 0 ? `vitest exited ${code}` : '';
  return { status: 'failed', ...counts, note };
}

function withoutDatabaseUrl(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.DATABASE_URL;
  return env;
}

const suiteConfig = 'tests/vitest.config.ts';

async function checkStep() {
  const code = await run('pnpm', ['run', 'task:check']);
  return code === 0 ? { status: 'passed' as const, passed: 0, failed: 0, skipped: 0, note: '' } : { status: 'failed' as const, passed: 0, failed: 0, skipped: 0, note: `exit ${code}` };
}

async function postgisStep() {
  const given = process.env.DATABASE_URL;
  if (given) return vitest(suiteConfig, 'postgis', process.env);
  if (!postgisAvailable()) {
    return notRun(
      'PostGIS mode: PostGIS is not installed (Debian: apt-get install postgresql-15-postgis-3), or set DATABASE_URL',
      process.env.MAILLAGE_REQUIRE_POSTGIS === '1',
    );
  }
  const started = performance.now();
  const cluster = await startPostgisCluster();
  cleanups.add(cluster.stop);
  console.log(`temporary PostGIS cluster at ${cluster.url} (started in ${((performance.now() - started) / 1000).toFixed(1)} s)`);
  try {
    return await vitest(suiteConfig, 'postgis', { ...process.env, DATABASE_URL: cluster.url });
  } finally {
    cleanups.delete(cluster.stop);
    await cluster.stop();
  }
}

/** Starts `node api/src/main.ts` and resolves with the URL it prints once listening. */
async function startPortal(env: NodeJS.ProcessEnv): Promise<{ url: string; stop(): Promise<void> }> {
  const child: ChildProcess = spawn(process.execPath, ['api/src/main.ts'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };
  child.stderr?.on('data', (chunk: Buffer) => process.stderr.write(prefixLines('[portal] ', chunk)));
  const url = await new Promise<string>((resolve, reject) => {
    let seen: string | undefined = '';
    const timer = setTimeout(() => reject(new Error(`the portal did not print "Maillage: http://…" within ${portalStartTimeoutMs / 1000} s`)), portalStartTimeoutMs);
    child.stdout?.on('data', (chunk: Buffer) => {
      process.stdout.write(prefixLines('[portal] ', chunk));
      if (seen === undefined) return;
      seen += chunk.toString('utf8');
      // main.ts prints this line once it is listening.
      const match = /^Maillage: (http:\/\/\S+)/m.exec(seen);
      if (match?.[1]) {
        seen = undefined;
        clearTimeout(timer);
        resolve(match[1].replace(/\/$/, ''));
      }
    });
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`the portal exited (${code ?? signal}) before it was listening`));
    });
  }).catch(async (error: unknown) => {
    await stop();
    throw error;
  });
  return { url, stop };
}

function prefixLines(prefix: string, chunk: Buffer): string {
  return chunk.toString('utf8').replace(/^(?=.)/gm, prefix);
}

async function browserStep() {
  if (process.env.MAILLAGE_BROWSER_TESTS === '0') return notRun('browser tests: MAILLAGE_BROWSER_TESTS=0');
  if (!existsSync(chromium)) return notRun(`browser tests: ${chromium} is missing (Debian: apt-get install chromium)`);
  if (!existsSync(join(root, 'tests', 'browser'))) return notRun('browser tests: tests/browser does not exist yet');

  const buildCode = await run('pnpm', ['--filter', '@maillage/web', 'build']);
  if (buildCode !== 0) return { status: 'failed' as const, passed: 0, failed: 0, skipped: 0, note: `web build exited ${buildCode}` };

  const dataDir = mkdtempSync(join(tmpdir(), 'maillage-portal-'));
  const port = await freePort();
  // The portal gets its own embedded database with the demo data; never a server from
  // DATABASE_URL, which the demo import would write into.
  const env = { ...withoutDatabaseUrl(), PORT: String(port), HOST: '127.0.0.1', MAILLAGE_PGLITE_DIR: dataDir, MAILLAGE_DEMO: '1' };
  const started = performance.now();
  let portal: Awaited<ReturnType<typeof startPortal>> | undefined;
  try {
    // An admin for the participation story (moderation), made with the CLI a deployment uses.
    const admin = { email: 'admin@maillage.test', password: randomBytes(12).toString('base64url') };
    const adminCode = await run(process.execPath, ['api/src/cli/create-admin.ts', '--email', admin.email, '--name', 'Modération'],
      { ...env, MAILLAGE_ADMIN_PASSWORD: admin.password });
    if (adminCode !== 0) return { status: 'failed' as const, passed: 0, failed: 0, skipped: 0, note: `create-admin exited ${adminCode}` };
    portal = await startPortal(env);
    cleanups.add(portal.stop);
    console.log(`portal listening at ${portal.url} (started in ${((performance.now() - started) / 1000).toFixed(1)} s)`);
    return await vitest('tests/browser/vitest.config.ts', 'browser', {
      ...process.env,
      MAILLAGE_BASE_URL: portal.url,
      MAILLAGE_CHROMIUM: chromium,
      MAILLAGE_TEST_ADMIN_EMAIL: admin.email,
      MAILLAGE_TEST_ADMIN_PASSWORD: admin.password,
    });
  } finally {
    if (portal) {
      cleanups.delete(portal.stop);
      await portal.stop();
    }
    rmSync(dataDir, { recursive: true, force: true });
  }
}

function summary(): void {
  const rows = results.map((r) => [r.step, r.status, String(r.passed), String(r.failed), String(r.skipped), `${r.seconds.toFixed(1)} s`, r.note]);
  const header = ['step', 'result', 'passed', 'failed', 'skipped', 'time', 'note'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  banner('summary');
  console.log(line(header));
  console.log(line(widths.map((w) => '─'.repeat(w))));
  for (const row of rows) console.log(line(row));
  const passed = results.reduce((n, r) => n + r.passed, 0);
  const failed = results.reduce((n, r) => n + r.failed, 0);
  const failedSteps = results.filter((r) => r.status === 'failed').map((r) => r.step);
  if (failedSteps.length) console.log(`\nFAILED: ${failedSteps.join(', ')}`);
  console.log(`${passed} passed, ${failed} failed`);
}

async function interrupted(signal: NodeJS.Signals): Promise<void> {
  console.error(`\nmaillage test: ${signal}, cleaning up…`);
  for (const cleanup of cleanups) {
    try {
      await cleanup();
    } catch (error) {
      console.error(error);
    }
  }
  process.exit(signal === 'SIGINT' ? 130 : 143);
}
process.once('SIGINT', (s) => void interrupted(s));
process.once('SIGTERM', (s) => void interrupted(s));

await step('check (tsc, svelte-check, eslint)', checkStep);
await step('tests: PGlite', () => vitest(suiteConfig, 'pglite', withoutDatabaseUrl()));
await step(process.env.DATABASE_URL ? 'tests: PostGIS (DATABASE_URL)' : 'tests: PostGIS (temporary cluster)', postgisStep);
await step('browser tests (Chromium)', browserStep);
summary();
process.exit(results.some((r) => r.status === 'failed') ? 1 : 0);
