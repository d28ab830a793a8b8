// Load on the read paths: what clients are answered when 100 of them ask at once, on a PostGIS
// server (a throwaway cluster) loaded with the demo territory (Mayenne and the Pays de la Loire
// bundle, importers/src/demo.ts), the API as `npm start` runs it, in a child process
// (bench/lib/api-server.ts; event-loop shedding off there, the database-queue limits at their
// defaults: 503 once the oldest query waiting for one of the pool's 10 connections has waited
// 1 s, MAILLAGE_MAX_DB_WAIT_MS, or once 1,000 wait, MAILLAGE_MAX_DB_QUEUE).
//
//   tiles     a mix of vector tiles (communes, places) over six Mayenne towns at z8–z14, in the
//             server's tile cache as deployed (64 MiB), so mostly cache hits after the first pass
//   items     OGC API Features, places in a bbox around each town, limit=100
//   commune   GET /api/communes/:code, what a commune page reads, for 60 Mayenne communes
//   needs     GET /api/analysis/needs?categories=cafe_bar,grocery&max_km=5&scope=departement:53
//   items-unshed, commune-unshed, needs-unshed
//             the same with the database-queue limits off: every request waits its turn; what
//             the default limits' shedding changes
//   overload  needs again, at MAILLAGE_LOAD_OVERLOAD_CONNECTIONS (default 200) connections, with
//             the default limits: the API must answer 503 with Retry-After past them, and
//             /api/health (probed every 500 ms meanwhile) must keep answering
//
// autocannon (bench/lib/api-load.ts with --statuses, its own process) with MAILLAGE_LOAD_CONNECTIONS (100)
// connections for MAILLAGE_LOAD_SECONDS (60) per case; the load generator, the API and
// PostgreSQL share the machine. Prints a Markdown table; writes bench/results/load-<date>.json.
// Run: `node bench/run.ts --only load` (`--only load/needs` for one case).
// MAILLAGE_BENCH_LOAD_URL=postgres://… reuses a database where the demo is loaded.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { lonLatToTile } from '../api/src/tiles/grid.ts';
import { loadDemo } from '../importers/src/demo.ts';
import { createDb } from '../sql/src/index.ts';
import type { LoadResult } from './lib/api-load.ts';
import { processCpuMs, runLoad, startServer, timedGet, type ServerChild } from './lib/api-procs.ts';
import type { Benchmark, BenchOptions } from './lib/bench.ts';
import { gitState, machine } from './lib/machine.ts';
import { machineBusy } from './lib/measure.ts';
import { BenchServer, postgisAvailable } from './lib/postgis.ts';
import { fmt, markdownTable, median } from './lib/stats.ts';

const CASES = ['tiles', 'items', 'commune', 'needs', 'items-unshed', 'commune-unshed', 'needs-unshed', 'overload'] as const;
type CaseId = (typeof CASES)[number];

const positive = (name: string, fallback: number): number => {
  const n = Number(process.env[name] ?? fallback);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number, got "${process.env[name]}"`);
  return n;
};
const SECONDS = positive('MAILLAGE_LOAD_SECONDS', 60);
const CONNECTIONS = positive('MAILLAGE_LOAD_CONNECTIONS', 100);
const OVERLOAD_CONNECTIONS = positive('MAILLAGE_LOAD_OVERLOAD_CONNECTIONS', 200);
/** The database-queue limits (api/src/plugins/external/under-pressure.ts): the defaults, or off. */
type Limits = Record<'MAILLAGE_MAX_DB_QUEUE' | 'MAILLAGE_MAX_DB_WAIT_MS', string | undefined>;
const DEFAULT_LIMITS: Limits = { MAILLAGE_MAX_DB_QUEUE: undefined, MAILLAGE_MAX_DB_WAIT_MS: undefined };
const NO_LIMITS: Limits = { MAILLAGE_MAX_DB_QUEUE: '0', MAILLAGE_MAX_DB_WAIT_MS: '0' };
const DATABASE = 'bench_load';

const TOWNS = {
  Laval: [-0.7699, 48.0706],
  Mayenne: [-0.6136, 48.3031],
  'Château-Gontier': [-0.7036, 47.8286],
  Évron: [-0.4006, 48.1547],
  Craon: [-0.9497, 47.8483],
  Ernée: [-0.9322, 48.2975],
} as const satisfies Record<string, readonly [number, number]>;

/** Each town's tile and its east and south neighbours, per layer and zoom: 6 towns × 3 × 4 zooms × 2 layers, fewer where they coincide. */
function tilePaths(): string[] {
  const out = new Set<string>();
  for (const layer of ['communes', 'places']) {
    for (const z of [8, 10, 12, 14]) {
      for (const [lon, lat] of Object.values(TOWNS)) {
        const t = lonLatToTile(lon, lat, z);
        for (const [dx, dy] of [[0, 0], [1, 0], [0, 1]] as const) out.add(`/api/tiles/${layer}/${z}/${t.x + dx}/${t.y + dy}.mvt`);
      }
    }
  }
  return [...out];
}

const itemsPaths = (): string[] => Object.values(TOWNS).map(([lon, lat]) =>
  `/api/ogc/collections/places/items?bbox=${[lon - 0.06, lat - 0.04, lon + 0.06, lat + 0.04].map((v) => v.toFixed(4)).join(',')}&limit=100`);

const NEEDS = '/api/analysis/needs?categories=cafe_bar,grocery&max_km=5&scope=departement:53';

interface Row {
  id: CaseId;
  what: string;
  paths: number;
  connections: number;
  result: Required<LoadResult>;
  apiCores: number | null;
  postgresCores: number | null;
  busyBefore: number | null;
  health?: { probes: number; ok: number; statuses: Record<string, number>; medianMs: number; maxMs: number };
}

/**
 * Every path answers 2xx once, in turn, before the clock starts: warm caches and JIT, and no
 * load is measured on a broken path. A 503 (the queries of the previous case still draining) is
 * retried after its Retry-After, for a minute at most.
 */
async function warm(base: string, paths: readonly string[]): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (const path of paths) {
    for (;;) {
      const r = await timedGet(`${base}${path}`, { 'accept-encoding': 'gzip' });
      if (r.status >= 200 && r.status < 300) break;
      if (r.status !== 503 || Date.now() > deadline) throw new Error(`GET ${path}: ${r.status} before the load started`);
      await new Promise((resolve) => setTimeout(resolve, 1000 * Number(r.headers['retry-after'] ?? 1)));
    }
  }
}

/** GET /api/health every 500 ms until stopped: statuses and latencies. */
function probeHealth(base: string): () => Promise<NonNullable<Row['health']>> {
  const samples: { status: number; ms: number }[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const t0 = performance.now();
      const status = await timedGet(`${base}/api/health`).then((r) => r.status, () => 0);
      samples.push({ status, ms: performance.now() - t0 });
      await new Promise((r) => setTimeout(r, 500));
    }
  })();
  return async () => {
    running = false;
    await loop;
    const statuses: Record<string, number> = {};
    for (const s of samples) statuses[s.status] = (statuses[s.status] ?? 0) + 1;
    return { probes: samples.length, ok: samples.filter((s) => s.status === 200).length, statuses,
      medianMs: median(samples.map((s) => s.ms)), maxMs: Math.max(...samples.map((s) => s.ms)) };
  };
}

async function measureCase(server: ServerChild, db: BenchServer | null, c: { id: CaseId; what: string; paths: string[]; connections: number; probe?: boolean }): Promise<Row> {
  await warm(server.base, c.paths);
  const busyBefore = await machineBusy();
  const api0 = processCpuMs(server.pid);
  const pg0 = db?.cpuSeconds() ?? null;
  const stopProbe = c.probe ? probeHealth(server.base) : null;
  console.log(`  ${c.id}: ${c.paths.length} paths, ${c.connections} connections, ${SECONDS} s…`);
  const loaded = await runLoad({ base: server.base, paths: c.paths, connections: c.connections, seconds: SECONDS, gzip: true, statuses: true });
  const { statuses, unavailable, unavailableWithRetryAfter } = loaded;
  if (statuses === undefined || unavailable === undefined || unavailableWithRetryAfter === undefined) throw new Error('the load generator did not count statuses');
  const result = { ...loaded, statuses, unavailable, unavailableWithRetryAfter };
  const health = stopProbe ? await stopProbe() : undefined;
  const api1 = processCpuMs(server.pid);
  const pg1 = db?.cpuSeconds() ?? null;
  return {
    id: c.id, what: c.what, paths: c.paths.length, connections: c.connections, result, busyBefore,
    apiCores: api0 !== null && api1 !== null ? (api1 - api0) / 1000 / result.durationS : null,
    postgresCores: pg0 !== null && pg1 !== null ? (pg1 - pg0) / result.durationS : null,
    ...(health ? { health } : {}),
  };
}

function report(rows: Row[]): void {
  console.log(`\n### Load, ${SECONDS} s per case (PostGIS, demo territory)\n`);
  console.log(markdownTable(
    ['case', 'request', 'paths', 'connections', 'requests', 'req/s', '2xx/s', 'p50 ms', 'p99 ms', 'non-2xx', 'errors', 'timeouts', '503', '503 with Retry-After', 'API cores', 'PostgreSQL cores', 'machine busy before'],
    rows.map((r) => [r.id, r.what, String(r.paths), String(r.connections), String(r.result.requests), fmt(r.result.rpsMean, 0),
      fmt((r.result.requests - r.result.non2xx) / r.result.durationS, 0), fmt(r.result.latencyP50, 0),
      fmt(r.result.latencyP99, 0), String(r.result.non2xx), String(r.result.errors), String(r.result.timeouts), String(r.result.unavailable),
      String(r.result.unavailableWithRetryAfter), fmt(r.apiCores, 2), fmt(r.postgresCores, 2), r.busyBefore === null ? '—' : `${fmt(r.busyBefore * 100, 0)} %`]),
    [false, false, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true],
  ));
  for (const r of rows) {
    console.log(`\n${r.id}: statuses ${Object.entries(r.result.statuses).map(([s, n]) => `${s}×${n}`).join(', ')}`);
    if (r.health) {
      console.log(`${r.id}: /api/health probed ${r.health.probes} times during the load: ${Object.entries(r.health.statuses).map(([s, n]) => `${s}×${n}`).join(', ')}; `
        + `median ${fmt(r.health.medianMs, 0)} ms, max ${fmt(r.health.maxMs, 0)} ms`);
    }
  }
}

/** Runs `f` on an API server started with these database-queue limits (read from the environment at start). */
async function withServer(url: string, limits: Limits, f: (server: ServerChild) => Promise<void>): Promise<void> {
  const previous = Object.fromEntries(Object.keys(limits).map((k) => [k, process.env[k]])) as Limits;
  const apply = (values: Limits) => {
    for (const [k, v] of Object.entries(values)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };
  apply(limits);
  let server: ServerChild;
  try {
    server = await startServer({ mode: 'app', url });
  } finally {
    apply(previous);
  }
  try {
    await f(server);
  } finally {
    await server.stop();
  }
}

async function run(options: BenchOptions): Promise<void> {
  const want = (c: CaseId) => options.selected(`load/${c}`);
  if (!CASES.some(want)) return;
  const reuse = process.env.MAILLAGE_BENCH_LOAD_URL;
  if (!reuse && !postgisAvailable()) throw new Error('PostGIS is not installed (Debian: apt-get install -y postgresql-15-postgis-3)');
  let cluster: BenchServer | null = null;
  const rows: Row[] = [];
  try {
    if (!reuse) {
      cluster = await BenchServer.start();
      cluster.createDatabase(DATABASE);
    }
    const url = reuse ?? cluster!.url(DATABASE);
    const handle = await createDb({ url, poolSize: 2 });
    let communes: string[];
    try {
      if (cluster) {
        const t0 = performance.now();
        await loadDemo(handle.db);
        cluster.psql('VACUUM ANALYZE', DATABASE);
        console.log(`  demo territory loaded in ${fmt((performance.now() - t0) / 1000)} s (not measured)`);
      }
      communes = (await handle.db.selectFrom('communes').select('code').where('departement', '=', '53').orderBy('code').limit(60).execute()).map((r) => r.code);
    } finally {
      await handle.close();
    }
    if (communes.length === 0) throw new Error('no commune of Mayenne (53) in the database: is the demo loaded?');

    const reads = [
      { id: 'tiles', what: 'GET /api/tiles/{communes,places}/{8,10,12,14}/x/y.mvt', paths: tilePaths() },
      { id: 'items', what: 'GET /api/ogc/collections/places/items?bbox=…&limit=100', paths: itemsPaths() },
      { id: 'commune', what: 'GET /api/communes/:code (53…)', paths: communes.map((code) => `/api/communes/${code}`) },
      { id: 'needs', what: `GET ${NEEDS}`, paths: [NEEDS] },
    ] as const;
    if (reads.some((c) => want(c.id))) {
      await withServer(url, DEFAULT_LIMITS, async (server) => {
        for (const c of reads) if (want(c.id)) rows.push(await measureCase(server, cluster, { ...c, paths: [...c.paths], connections: CONNECTIONS }));
      });
    }
    const unshed = reads.filter((c) => c.id !== 'tiles' && want(`${c.id}-unshed` as CaseId));
    if (unshed.length) {
      await withServer(url, NO_LIMITS, async (server) => {
        for (const c of unshed) {
          rows.push(await measureCase(server, cluster, {
            id: `${c.id}-unshed` as CaseId, what: `${c.what}, database-queue limits off`, paths: [...c.paths], connections: CONNECTIONS,
          }));
        }
      });
    }
    if (want('overload')) {
      await withServer(url, DEFAULT_LIMITS, async (server) => {
        rows.push(await measureCase(server, cluster, {
          id: 'overload', what: `GET ${NEEDS}, ${OVERLOAD_CONNECTIONS} connections, default limits`, paths: [NEEDS], connections: OVERLOAD_CONNECTIONS, probe: true,
        }));
        const after = await timedGet(`${server.base}${NEEDS}`);
        console.log(`  overload: after the load, ${NEEDS} answers ${after.status} in ${fmt(after.totalMs, 0)} ms`);
      });
    }
  } finally {
    await cluster?.stop();
  }
  report(rows);
  const file = join(options.resultsDir, `load-${new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19)}.json`);
  writeFileSync(file, JSON.stringify({ machine: machine(), git: gitState(['api', 'sql', 'bench']), seconds: SECONDS, rows }));
  console.log(`\nraw data: ${file}`);
}

export const benchmark: Benchmark = {
  name: 'load',
  description: `read paths under ${CONNECTIONS} connections × ${SECONDS} s on PostGIS (demo territory): req/s, p50, p99, non-2xx, 503; overload sheds with 503 + Retry-After`,
  cases: CASES,
  run,
};
