// One HTTP server for bench/api.ts, in its own process so that its CPU and peak RSS are its own:
//
//   node bench/lib/api-server.ts --mode app --url postgres://…/db [--trace] [--cache-bytes N] [--sample-memory] [--report out.json]
//   node bench/lib/api-server.ts --mode hello --body-bytes 1297,33742,… [--report out.json]
//
// `app` is Maillage as `npm start` serves it (createDb, then buildApp) without the web app;
// `hello` is a bare Fastify whose one route, GET /b/<i>, answers a fixed body of the i-th size of
// --body-bytes (random bytes, like gzip): a hello-world of the same response sizes as the tiles. Both listen on 127.0.0.1 (free port) and print one JSON line,
// `{"ready":true,"port":…,"pid":…}`, on stdout. SIGTERM closes them; the report (peak RSS, CPU)
// is written to --report on the way out.
//
// Bench-only routes, outside /api: GET /__bench/stats (RSS, peak RSS, CPU so far) and, with
// --trace, GET /__bench/trace, the timings of the requests since the last call: arrival, every
// database query (pg's Client#query, start and end) and the end of the response. Tracing adds
// a few microseconds per query; it is what splits an endpoint's time into phases.
// --cache-bytes is buildApp's tiles.cacheBytes (0: no tile is kept, every request builds it).
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { IncomingMessage, ServerResponse } from 'node:http';

export interface ServerReport {
  mode: 'app' | 'hello';
  /** process.resourceUsage().maxRSS, KiB, at exit. */
  maxRssKiB: number;
  /** User + system CPU of this process, ms. */
  cpuMs: number;
  peakKiB: ServerStats['peakKiB'];
}

export interface ServerStats {
  rssKiB: number;
  maxRssKiB: number;
  cpuMs: number;
  /** Peaks of process.memoryUsage() sampled every 10 ms (a spike shorter than that can be missed; maxRssKiB cannot). */
  peakKiB: { rss: number; heapTotal: number; heapUsed: number; external: number; arrayBuffers: number };
}

/** One traced request: times in ms since the process started (performance.now()). */
export interface RequestTrace {
  url: string;
  start: number;
  /** When the body (or its first chunk) was handed to Node's http response. */
  handed: number;
  end: number;
  /** Each database query: start, end, and the first 60 characters of its SQL. */
  queries: { start: number; end: number; sql: string }[];
  bytes: number;
}

const { values } = parseArgs({
  options: {
    mode: { type: 'string' },
    url: { type: 'string' },
    'body-bytes': { type: 'string' },
    trace: { type: 'boolean' },
    'cache-bytes': { type: 'string' },
    'sample-memory': { type: 'boolean' },
    report: { type: 'string' },
  },
});
const mode = values.mode === 'hello' ? 'hello' : 'app';
if (mode === 'app' && !values.url) throw new Error('usage: api-server.ts --mode app --url URL [--trace] | --mode hello --body-bytes N');

// bench/ is no workspace package: Fastify is the one the API depends on.
const { default: Fastify } = await import('../../api/node_modules/fastify/fastify.js');
type App = import('../../api/node_modules/fastify/fastify.js').FastifyInstance;

// With --sample-memory, the peaks of what makes up the RSS (V8 heap, Buffers, the rest), sampled
// every 10 ms: where the memory goes.
const peak = { rss: 0, heapTotal: 0, heapUsed: 0, external: 0, arrayBuffers: 0 };
const sample = () => {
  const m = process.memoryUsage();
  for (const k of Object.keys(peak) as (keyof typeof peak)[]) peak[k] = Math.max(peak[k], m[k]);
};
if (values['sample-memory']) setInterval(sample, 10).unref();
const stats = (): ServerStats => {
  sample();
  const u = process.resourceUsage();
  const kib = (v: number) => Math.round(v / 1024);
  return {
    rssKiB: kib(process.memoryUsage.rss()), maxRssKiB: u.maxRSS, cpuMs: (u.userCPUTime + u.systemCPUTime) / 1000,
    peakKiB: { rss: kib(peak.rss), heapTotal: kib(peak.heapTotal), heapUsed: kib(peak.heapUsed), external: kib(peak.external), arrayBuffers: kib(peak.arrayBuffers) },
  };
};

let app: App;
let close: () => Promise<void>;
if (mode === 'hello') {
  // GET /b/<i> answers body i: a list of sizes lets a load mix have the same sizes as a tile mix.
  const bodies = (values['body-bytes'] ?? '12').split(',').map((n) => randomBytes(Number(n)));
  app = Fastify({ logger: false });
  app.get('/b/:i', async (request, reply) => reply.type('application/octet-stream').send(bodies[Number((request.params as { i: string }).i)] ?? bodies[0]));
  close = () => app.close();
} else {
  const traces: RequestTrace[] = [];
  let current: RequestTrace | undefined;
  if (values.trace) {
    // The pg module createDb loads (resolved from sql/, where it is a dependency): the same instance.
    const require = createRequire(new URL('../../sql/src/db.ts', import.meta.url));
    const pg = require('pg') as { Client: { prototype: { query: (...args: unknown[]) => unknown } } };
    const query = pg.Client.prototype.query;
    pg.Client.prototype.query = function traced(this: unknown, ...args: unknown[]) {
      const text = typeof args[0] === 'string' ? args[0] : (args[0] as { text?: string } | undefined)?.text ?? '';
      const result = query.apply(this, args);
      const trace = current;
      if (trace && result instanceof Promise) {
        const q = { start: performance.now(), end: Number.NaN, sql: text.replace(/\s+/g, ' ').trim().slice(0, 60) };
        trace.queries.push(q);
        const done = () => {
          q.end = performance.now();
        };
        result.then(done, done);
      }
      return result;
    };
  }
  const [{ createDb }, { buildApp }] = await Promise.all([
    import('../../sql/src/index.ts'),
    import('../../api/src/app.ts'),
  ]);
  const handle = await createDb({ url: values.url });
  app = await buildApp({ handle, tiles: values['cache-bytes'] === undefined ? {} : { cacheBytes: Number(values['cache-bytes']) } });
  app.get('/__bench/trace', async () => traces.splice(0));
  if (values.trace) {
    // Requests are sent one at a time when traced: one current request at a time.
    app.server.prependListener('request', (req: IncomingMessage, res: ServerResponse) => {
      if (req.url?.startsWith('/__bench')) return;
      const trace: RequestTrace = { url: req.url ?? '', start: performance.now(), handed: Number.NaN, end: Number.NaN, queries: [], bytes: 0 };
      current = trace;
      const write = res.write.bind(res);
      const end = res.end.bind(res);
      const count = (chunk: unknown) => {
        if (Number.isNaN(trace.handed)) trace.handed = performance.now();
        if (typeof chunk === 'string') trace.bytes += Buffer.byteLength(chunk);
        else if (chunk instanceof Uint8Array) trace.bytes += chunk.byteLength;
      };
      res.write = ((chunk: unknown, ...rest: never[]) => {
        count(chunk);
        return write(chunk as never, ...rest);
      }) as typeof res.write;
      res.end = ((chunk?: unknown, ...rest: never[]) => {
        if (chunk !== undefined && typeof chunk !== 'function') count(chunk);
        return end(chunk as never, ...rest);
      }) as typeof res.end;
      res.once('finish', () => {
        trace.end = performance.now();
        traces.push(trace);
        if (current === trace) current = undefined;
      });
    });
  }
  close = async () => {
    await app.close();
    await handle.close();
  };
}
app.get('/__bench/stats', async () => stats());

const address = await app.listen({ host: '127.0.0.1', port: 0 });
process.stdout.write(`${JSON.stringify({ ready: true, port: Number(new URL(address).port), pid: process.pid })}\n`);

process.once('SIGTERM', () => {
  void close().finally(() => {
    const s = stats();
    const report: ServerReport = { mode, maxRssKiB: s.maxRssKiB, cpuMs: s.cpuMs, peakKiB: s.peakKiB };
    if (values.report) writeFileSync(values.report, JSON.stringify(report));
    process.exit(0);
  });
});
