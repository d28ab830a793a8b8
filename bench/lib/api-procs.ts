// Processes and HTTP for bench/api.ts: starting a server child (bench/lib/api-server.ts),
// optionally pinned to a core and under GNU time; timing one GET; running the load generator
// (bench/lib/api-load.ts); and reading the CPU time of processes from /proc.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LoadResult } from './api-load.ts';
import type { ServerReport, ServerStats } from './api-server.ts';
import { repoRoot } from './machine.ts';
import { GNU_TIME, hasGnuTime } from './measure.ts';

const SERVER = join(repoRoot, 'bench', 'lib', 'api-server.ts');

/**
 * The Node options of `npm start` (the root package.json's task:start, `node <options>
 * api/src/main.ts`): Maillage's servers run with them here too, so the benchmark measures what
 * is deployed.
 */
export const START_NODE_OPTIONS: readonly string[] = (() => {
  const start = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts['task:start'] ?? '';
  const m = /\bnode((?:\s+--\S+)*)\s+api\/src\/main\.ts/.exec(start);
  if (!m) throw new Error(`package.json task:start does not run "node … api/src/main.ts": ${start}`);
  return m[1]!.trim().split(/\s+/).filter(Boolean);
})();
const LOAD = join(repoRoot, 'bench', 'lib', 'api-load.ts');
const TASKSET = '/usr/bin/taskset';

/** True when processes can be pinned to a core (util-linux taskset) and there are at least 2. */
export function canPin(cores: number): boolean {
  return cores >= 2 && existsSync(TASKSET);
}

function pinned(cpu: number | undefined, cmd: string, args: string[]): [string, string[]] {
  return cpu === undefined || !existsSync(TASKSET) ? [cmd, args] : [TASKSET, ['-c', String(cpu), cmd, ...args]];
}

export interface ServerChild {
  port: number;
  /** The Node process's own pid (not GNU time's or taskset's). */
  pid: number;
  base: string;
  /** SIGTERM, then its report, and GNU time's peak RSS (KiB) when it ran under it. */
  stop(): Promise<{ report: ServerReport | null; gnuMaxRssKiB: number | null }>;
}

export interface ServerChildOptions {
  mode: 'app' | 'hello';
  url?: string;
  /** Hello mode: the sizes of the bodies it answers at /b/0, /b/1, … */
  bodyBytes?: number[];
  trace?: boolean;
  /** Pin to this core (taskset -c). */
  cpu?: number;
  /** Run under GNU time -f %M (peak RSS of the whole process, as the kernel counts it). */
  gnuTime?: boolean;
  /** The server's tile cache size (buildApp's tiles.cacheBytes); 0 builds every tile. */
  cacheBytes?: number;
  /** Sample process.memoryUsage() every 10 ms for the peaks of its parts. */
  sampleMemory?: boolean;
  /** Node options for the server; default: START_NODE_OPTIONS for `app`, none for `hello` (a bare Fastify). */
  nodeOptions?: readonly string[];
}

/** Starts api-server.ts and waits for its ready line (60 s at most). */
export async function startServer(options: ServerChildOptions): Promise<ServerChild> {
  const dir = mkdtempSync(join(tmpdir(), 'maillage-bench-api-'));
  const reportFile = join(dir, 'report.json');
  const timeFile = join(dir, 'time.txt');
  const nodeOptions = options.nodeOptions ?? (options.mode === 'app' ? START_NODE_OPTIONS : []);
  const args = [...nodeOptions, SERVER, '--mode', options.mode, '--report', reportFile,
    ...(options.url ? ['--url', options.url] : []),
    ...(options.bodyBytes !== undefined ? ['--body-bytes', options.bodyBytes.join(',')] : []),
    ...(options.trace ? ['--trace'] : []),
    ...(options.cacheBytes !== undefined ? ['--cache-bytes', String(options.cacheBytes)] : []),
    ...(options.sampleMemory ? ['--sample-memory'] : [])];
  const gnu = options.gnuTime === true && hasGnuTime();
  const [cmd, argv] = gnu
    ? pinned(options.cpu, GNU_TIME, ['-f', '%M', '-o', timeFile, process.execPath, ...args])
    : pinned(options.cpu, process.execPath, args);
  // Load shedding off (MAILLAGE_MAX_EVENT_LOOP_DELAY_MS=0): on a machine shared with other work
  // it can trip on a busy start-up, and a 503 is cheaper than the request it replaces, so it
  // would spoil latencies and flatter requests per second alike.
  const env = options.mode === 'app' ? { ...process.env, MAILLAGE_MAX_EVENT_LOOP_DELAY_MS: '0' } : process.env;
  const child: ChildProcess = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'], env });
  let output = '';
  child.stderr!.on('data', (c: Buffer) => {
    output = (output + c.toString('utf8')).slice(-10_000);
  });
  const closed = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  const cleanup = () => rmSync(dir, { recursive: true, force: true });
  const ready = await new Promise<{ port: number; pid: number }>((resolve, reject) => {
    let buffer = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the ${options.mode} server did not start in 60 s:\n${output}`));
    }, 60_000);
    child.stdout!.on('data', (c: Buffer) => {
      buffer += c.toString('utf8');
      const line = buffer.split('\n').find((l) => l.startsWith('{"ready"'));
      if (line) {
        clearTimeout(timer);
        resolve(JSON.parse(line) as { port: number; pid: number });
      }
    });
    void closed.then((code) => {
      clearTimeout(timer);
      reject(new Error(`the ${options.mode} server exited (${code}) before it was ready:\n${output}`));
    });
  }).catch((error: unknown) => {
    cleanup();
    throw error;
  });
  let stopped: ReturnType<ServerChild['stop']> | undefined;
  return {
    port: ready.port,
    pid: ready.pid,
    base: `http://127.0.0.1:${ready.port}`,
    stop() {
      stopped ??= (async () => {
        try {
          process.kill(ready.pid, 'SIGTERM');
        } catch {
          // already gone
        }
        const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
        const code = await closed;
        clearTimeout(timer);
        try {
          if (code !== 0) throw new Error(`the ${options.mode} server exited with ${code}:\n${output}`);
          const report = existsSync(reportFile) ? JSON.parse(readFileSync(reportFile, 'utf8')) as ServerReport : null;
          const gnuMaxRssKiB = gnu && existsSync(timeFile) ? Number(readFileSync(timeFile, 'utf8').trim().split('\n').pop()) : null;
          return { report, gnuMaxRssKiB: Number.isFinite(gnuMaxRssKiB) ? gnuMaxRssKiB : null };
        } finally {
          cleanup();
        }
      })();
      return stopped;
    },
  };
}

/** One connection, kept alive between requests: requests are timed one at a time. */
export const agent = new Agent({ keepAlive: true, maxSockets: 1 });

export interface Timed {
  status: number;
  /** Body bytes as received (compressed when the server compressed). */
  bytes: number;
  /** Until the response headers, and until the last body byte, ms. */
  ttfbMs: number;
  totalMs: number;
  headers: Record<string, string | string[] | undefined>;
  body?: Buffer;
}

/** GET, reading the whole body; `keepBody` keeps it (else it is only counted). */
export function timedGet(url: string, headers: Record<string, string> = {}, keepBody = false): Promise<Timed> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = request(url, { agent, headers }, (res) => {
      const ttfbMs = performance.now() - started;
      let bytes = 0;
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => {
        bytes += c.length;
        if (keepBody) chunks.push(c);
      });
      res.on('end', () => resolve({
        status: res.statusCode ?? 0, bytes, ttfbMs, totalMs: performance.now() - started, headers: res.headers,
        ...(keepBody ? { body: Buffer.concat(chunks) } : {}),
      }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

const PSQL = ['/usr/lib/postgresql/15/bin/psql', '/usr/bin/psql'].find((p) => existsSync(p)) ?? 'psql';

/** Runs SQL with psql on a database URL (stops at the first error); unaligned output. */
export function psqlAt(url: string, command: string): string {
  return execFileSync(PSQL, ['-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-d', url, '-c', command], {
    encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'],
  }).trim();
}

export async function getJson<T>(url: string): Promise<T> {
  const r = await timedGet(url, {}, true);
  if (r.status !== 200) throw new Error(`GET ${url}: ${r.status} ${r.body?.toString('utf8').slice(0, 300)}`);
  return JSON.parse(r.body!.toString('utf8')) as T;
}

export const serverStats = (base: string) => getJson<ServerStats>(`${base}/__bench/stats`);

/** Runs api-load.ts (autocannon) in its own process, pinned to `cpu` when given; `statuses` counts answers by status. */
export async function runLoad(options: {
  base: string; paths: readonly string[]; connections: number; seconds: number; gzip: boolean; cpu?: number; statuses?: boolean;
}): Promise<LoadResult> {
  const [cmd, argv] = pinned(options.cpu, process.execPath, [LOAD, '--url', options.base, '--paths', JSON.stringify(options.paths),
    '--connections', String(options.connections), '--seconds', String(options.seconds), ...(options.gzip ? ['--gzip'] : []),
    ...(options.statuses ? ['--statuses'] : [])]);
  const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => {
    out += c.toString('utf8');
  });
  child.stderr.on('data', (c: Buffer) => {
    err = (err + c.toString('utf8')).slice(-5000);
  });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve);
  });
  const line = out.split('\n').find((l) => l.startsWith('{'));
  if (code !== 0 || !line) throw new Error(`the load generator failed (${code}):\n${err}`);
  return JSON.parse(line) as LoadResult;
}

const CLK_TCK = 100;

/**
 * utime + stime of one process, ms (null when it is gone); with `reaped`, plus the CPU of its
 * children that have exited and been waited for (cutime + cstime).
 */
export function processCpuMs(pid: number, reaped = false): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may hold spaces.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(f[11]) + Number(f[12]) + (reaped ? Number(f[13]) + Number(f[14]) : 0);
    return (ticks * 1000) / CLK_TCK;
  } catch {
    return null;
  }
}

/**
 * A process and its children, live or exited (a PostgreSQL postmaster, its backends, and the
 * backends that have closed since): total CPU, ms. Grows monotonically, so differences hold.
 */
export function processTreeCpuMs(pid: number): number {
  let total = processCpuMs(pid, true) ?? 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) total += processCpuMs(Number(entry)) ?? 0;
    } catch {
      // gone meanwhile
    }
  }
  return total;
}

/** Fraction of all cores busy, from /proc/stat: call once to start, then the returned function to read. */
export function busySince(): () => number | null {
  const read = () => {
    try {
      const n = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
      return { idle: (n[3] ?? 0) + (n[4] ?? 0), total: n.reduce((a, b) => a + b, 0) };
    } catch {
      return null;
    }
  };
  const a = read();
  return () => {
    const b = read();
    if (!a || !b || b.total === a.total) return null;
    return 1 - (b.idle - a.idle) / (b.total - a.total);
  };
}
