// The load generator of bench/api.ts and bench/load.ts, in its own process: autocannon against
// one server, the given paths in turn on every connection; prints autocannon's summary as one
// JSON line. With --statuses it also counts the answers by status and the 503s that carry
// Retry-After (what a client is answered; off for pure throughput, where it costs a callback
// per response).
//
//   node bench/lib/api-load.ts --url http://127.0.0.1:PORT --paths '["/a","/b?bbox=1,2,3,4"]' --connections 50 --seconds 10 [--gzip] [--statuses]
//
// --paths is a JSON array: a bbox holds commas.
// autocannon is a devDependency of @maillage/tests (bench/ is no workspace package).
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';

export interface LoadResult {
  /** Requests per second: mean and median of the per-second counts. */
  rpsMean: number;
  rpsMedian: number;
  requests: number;
  /** Latency, ms. */
  latencyP50: number;
  latencyP99: number;
  /** Response bytes per second (bodies and headers). */
  bytesPerSecond: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  durationS: number;
  /** With --statuses: answers per HTTP status, and the 503s (how many with a Retry-After header). */
  statuses?: Record<string, number>;
  unavailable?: number;
  unavailableWithRetryAfter?: number;
}

interface Histogram { mean: number; p50: number; p99: number; average: number; total: number }
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

const { values } = parseArgs({
  options: {
    url: { type: 'string' },
    paths: { type: 'string' },
    connections: { type: 'string' },
    seconds: { type: 'string' },
    gzip: { type: 'boolean' },
    statuses: { type: 'boolean' },
  },
});
if (!values.url || !values.paths) throw new Error('usage: api-load.ts --url URL --paths \'["/a","/b"]\' [--connections 50] [--seconds 10] [--gzip] [--statuses]');

const require = createRequire(new URL('../../tests/package.json', import.meta.url));
let autocannon: Autocannon;
try {
  autocannon = require('autocannon') as Autocannon;
} catch (error) {
  throw new Error('autocannon is missing: pnpm install (it is a devDependency of @maillage/tests)', { cause: error });
}
// autocannon keeps every response body as a string (`body += chunk`, PipelinedRequestsQueue#addBody),
// which UTF-8-decodes each chunk: cheap for an ASCII hello-world, ~10 ms per 750 kB of gzip for a
// tile, so the load generator, not the server, would set the pace for binary bodies. Nothing here
// reads bodies (no verifyBody/expectBody): keep none.
const queue = require('autocannon/lib/pipelinedRequestsQueue.js') as { prototype: { addBody(data: unknown): void } };
queue.prototype.addBody = () => undefined;
const paths = JSON.parse(values.paths) as string[];
let unavailable = 0;
let unavailableWithRetryAfter = 0;
const onResponse: OnResponse = (status, _body, _context, headers) => {
  if (status !== 503) return;
  unavailable++;
  if (Object.keys(headers).some((k) => k.toLowerCase() === 'retry-after')) unavailableWithRetryAfter++;
};
const r = await autocannon({
  url: values.url,
  connections: Number(values.connections ?? 50),
  duration: Number(values.seconds ?? 10),
  headers: values.gzip ? { 'accept-encoding': 'gzip' } : {},
  requests: paths.map((path) => ({ method: 'GET', path, ...(values.statuses ? { onResponse } : {}) })),
});
const result: LoadResult = {
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
  ...(values.statuses ? {
    statuses: Object.fromEntries(Object.entries(r.statusCodeStats).map(([s, v]) => [s, v.count])),
    unavailable,
    unavailableWithRetryAfter,
  } : {}),
};
process.stdout.write(`${JSON.stringify(result)}\n`);
