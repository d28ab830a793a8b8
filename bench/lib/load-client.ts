// The load generator of bench/load.ts, in its own process: autocannon against one server, the
// given paths in turn on every connection, counting answers by status and the 503s that carry
// Retry-After; prints one JSON line. bench/lib/api-load.ts is the same without the status
// counts (bench/api.ts measures throughput, this measures what a client is answered).
//
//   node bench/lib/load-client.ts --url http://127.0.0.1:PORT --paths '["/a","/b?bbox=1,2,3,4"]' --connections 100 --seconds 60
//
// --paths is a JSON array: a bbox holds commas.
import { createRequire } from 'node:module';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { LoadResult } from './api-load.ts';

export interface StatusLoadResult extends LoadResult {
  /** Answers per HTTP status. */
  statuses: Record<string, number>;
  /** 503 answers, and how many of them carried a Retry-After header. */
  unavailable: number;
  unavailableWithRetryAfter: number;
}

interface Histogram { mean: number; p50: number; p99: number; total: number }
interface AutocannonResult {
  requests: Histogram;
  latency: Histogram;
  throughput: Histogram;
  non2xx: number;
  errors: number;
  timeouts: number;
  duration: number;
  statusCodeStats: Record<string, { count: number }>;
}
type OnResponse = (status: number, body: string, context: unknown, headers: Record<string, string | string[]>) => void;
type Autocannon = (options: Record<string, unknown>) => Promise<AutocannonResult>;

/** Runs this file as a child process (so the load generator's CPU is not the caller's) and returns its result. */
export async function runStatusLoad(options: { base: string; paths: readonly string[]; connections: number; seconds: number }): Promise<StatusLoadResult> {
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), '--url', options.base, '--paths', JSON.stringify(options.paths),
    '--connections', String(options.connections), '--seconds', String(options.seconds)], { stdio: ['ignore', 'pipe', 'pipe'] });
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
  return JSON.parse(line) as StatusLoadResult;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { url: { type: 'string' }, paths: { type: 'string' }, connections: { type: 'string' }, seconds: { type: 'string' } },
  });
  if (!values.url || !values.paths) throw new Error('usage: load-client.ts --url URL --paths \'["/a","/b"]\' [--connections 100] [--seconds 60]');
  const require = createRequire(new URL('../../tests/package.json', import.meta.url));
  const autocannon = require('autocannon') as Autocannon;
  // Bodies are not read (see api-load.ts): keeping them would make the client the bottleneck.
  const queue = require('autocannon/lib/pipelinedRequestsQueue.js') as { prototype: { addBody(data: unknown): void } };
  queue.prototype.addBody = () => undefined;

  let unavailable = 0;
  let unavailableWithRetryAfter = 0;
  const onResponse: OnResponse = (status, _body, _context, headers) => {
    if (status !== 503) return;
    unavailable++;
    if (Object.keys(headers).some((k) => k.toLowerCase() === 'retry-after')) unavailableWithRetryAfter++;
  };
  const r = await autocannon({
    url: values.url,
    connections: Number(values.connections ?? 100),
    duration: Number(values.seconds ?? 60),
    // What a browser sends: tiles and JSON come compressed.
    headers: { 'accept-encoding': 'gzip' },
    requests: (JSON.parse(values.paths) as string[]).map((path) => ({ method: 'GET', path, onResponse })),
  });
  const result: StatusLoadResult = {
    rpsMean: r.requests.mean,
    rpsMedian: r.requests.p50,
    requests: r.requests.total,
    latencyP50: r.latency.p50,
    latencyP99: r.latency.p99,
    bytesPerSecond: r.throughput.mean,
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
    durationS: r.duration,
    statuses: Object.fromEntries(Object.entries(r.statusCodeStats).map(([s, v]) => [s, v.count])),
    unavailable,
    unavailableWithRetryAfter,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
