// The load generator of bench/api.ts, in its own process: autocannon against one server, the
// given paths in turn on every connection; prints autocannon's summary as one JSON line.
//
//   node bench/lib/api-load.ts --url http://127.0.0.1:PORT --paths /a,/b --connections 50 --seconds 10 [--gzip]
//
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
}
type Autocannon = (options: Record<string, unknown>) => Promise<AutocannonResult>;

const { values } = parseArgs({
  options: {
    url: { type: 'string' },
    paths: { type: 'string' },
    connections: { type: 'string' },
    seconds: { type: 'string' },
    gzip: { type: 'boolean' },
  },
});
if (!values.url || !values.paths) throw new Error('usage: api-load.ts --url URL --paths /a,/b [--connections 50] [--seconds 10] [--gzip]');

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
const paths = values.paths.split(',');
const r = await autocannon({
  url: values.url,
  connections: Number(values.connections ?? 50),
  duration: Number(values.seconds ?? 10),
  headers: values.gzip ? { 'accept-encoding': 'gzip' } : {},
  requests: paths.map((path) => ({ method: 'GET', path })),
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
};
process.stdout.write(`${JSON.stringify(result)}\n`);
