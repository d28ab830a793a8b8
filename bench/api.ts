// Open-data API benchmark: Maillage's HTTP endpoints against the work they cannot avoid, on a
// PostGIS server loaded with all communes of France (35,228 polygons) and the 16,180 OSM places
// of the Pays de la Loire, imported by bench/lib/import-child.ts as the import benchmark does.
//
//   1. tiles-uncached    an uncached vector tile through HTTP ÷ the same tile's SQL (the
//                        repository's mvtTile) run directly, per tile of a fixed set; goal: the
//                        median of the per-tile ratios ≤ 1.2
//   2. items             GeoJSON items, 5,000 communes (all, and in a bbox; no compression and a
//                        browser's Accept-Encoding) ÷ countFeatures ‖ the page in ONE query
//                        (listPage: featurePages with one page of 5,000), concurrently: the same
//                        rows as the same feature JSON text, built by PostgreSQL, 7 decimals. The
//                        endpoint reads them in pages of 1,000 while it sends; goal ≤ 1.3
//   3. tiles-cached-rps  cached tiles, requests per second (autocannon, 50 connections, 10 s) ÷ a
//                        bare Fastify answering bodies of the same sizes; servers on core 0, the
//                        load generator on core 1; goal ≥ 0.7
//   4. export-rss        peak RSS of the server while it streams every commune as GeoJSON; goal
//                        ≤ 300 MB
//
// Every server is a child process (bench/lib/api-server.ts) on 127.0.0.1. "Uncached" tiles are
// measured on a server whose tile cache is off (buildApp's tiles.cacheBytes = 0), fresh for each
// round and warmed up on other tiles first. Traced servers time each pg query, which splits
// endpoint times into phases; EXPLAIN ANALYZE of the repository's own SQL and a what-if (a
// smaller V8 young generation for the export) are evidence, reported apart from the verdicts.
//
// Latency: max(5, --runs) rounds; load and export: --runs (at least 3 for the export). Prints
// Markdown tables, writes bench/results/api-<date>.json. Run: `node bench/run.ts --only api`.
// MAILLAGE_BENCH_API_URL=postgres://… reuses a database already loaded so (no import), to iterate.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { brotliCompressSync, constants as zlibConstants, gzipSync, zstdCompressSync } from 'node:zlib';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { zstdOptions } from '../api/src/compression.ts';
import { requireLayer, type LayerDefinition } from '../api/src/layers/registry.ts';
import { countFeatures, featurePages, type Bbox, type FeatureFilter, whereClause } from '../api/src/repositories/features.repository.ts';
import { mvtTile } from '../api/src/repositories/tiles.repository.ts';
import { packTile } from '../api/src/tiles/cache.ts';
import { lonLatToTile, type TileCoord } from '../api/src/tiles/grid.ts';
import { DEFAULT_TILE_OPTIONS } from '../api/src/tiles/layout.ts';
import { dataDir } from '../importers/src/demo.ts';
import { createDb, type DbHandle } from '../sql/src/index.ts';
import type { LoadResult } from './lib/api-load.ts';
import { busySince, canPin, getJson, processCpuMs, processTreeCpuMs, psqlAt, runLoad, serverStats, START_NODE_OPTIONS, startServer, timedGet, type ServerChild } from './lib/api-procs.ts';
import type { RequestTrace, ServerStats } from './lib/api-server.ts';
import type { Benchmark, BenchOptions } from './lib/bench.ts';
import type { ChildReport } from './lib/import-child.ts';
import { gitState, machine, repoRoot } from './lib/machine.ts';
import { hasGnuTime, machineBusy, measure } from './lib/measure.ts';
import { BenchServer, postgisAvailable } from './lib/postgis.ts';
import { fmt, markdownTable, median, medianOf } from './lib/stats.ts';

const CASES = ['tiles-uncached', 'items', 'tiles-cached-rps', 'export-rss'] as const;
type CaseId = (typeof CASES)[number];

export const benchmark: Benchmark = {
  name: 'api',
  description: 'open-data API on all communes of France + Pays de la Loire places: tiles and items vs their SQL, cached tiles vs bare Fastify, export memory',
  cases: CASES,
  run,
};

const GOALS = { tileRatio: 1.2, itemsRatio: 1.3, rpsRatio: 0.7, exportMB: 300 } as const;
const FILES = {
  polygons: 'communes_metropole_2018.geojson.gz',
  list: 'communes_france_2026.csv',
  epci: 'epci_france_2026.csv',
  points: 'paysdelaloire_hors85_poi_osm_2019.geojson.gz',
} as const;
const EXPECTED_POINTS = 16_180;
const IMPORT_CHILD = join(repoRoot, 'bench', 'lib', 'import-child.ts');
const DATABASE = 'bench_api';

const TOWNS = {
  Nantes: [-1.5536, 47.2184],
  Laval: [-0.7699, 48.0706],
  'Le Mans': [0.1996, 48.0061],
  Paris: [2.3522, 48.8566],
} as const satisfies Record<string, readonly [number, number]>;
type Town = keyof typeof TOWNS;

/** The fixed tile set: communes from a region-wide zoom down to a town, places clustered (z8) and single (z12, z14). */
const TILE_SET: readonly (readonly ['communes' | 'places', number, Town])[] = [
  ['communes', 5, 'Nantes'], ['communes', 5, 'Paris'],
  // Laval's z7 tile is Nantes's: Le Mans's is the next one east.
  ['communes', 7, 'Nantes'], ['communes', 7, 'Le Mans'],
  ['communes', 9, 'Nantes'], ['communes', 9, 'Laval'],
  ['communes', 11, 'Nantes'], ['communes', 11, 'Laval'],
  ['places', 8, 'Nantes'], ['places', 8, 'Laval'],
  ['places', 12, 'Nantes'], ['places', 12, 'Laval'],
  ['places', 14, 'Nantes'], ['places', 14, 'Laval'],
];

/** 5,000 communes: the first 5,000 of France (code order), and 5,000 of a box over the west. */
const ITEMS_LIMIT = 5000;
const ITEMS_BBOX: Bbox = [-5.2, 46.2, 1.5, 49.8];
const ITEM_VARIANTS = [
  { id: 'all', label: `limit=${ITEMS_LIMIT}`, bbox: undefined },
  { id: 'bbox', label: `limit=${ITEMS_LIMIT}&bbox=${ITEMS_BBOX.join(',')}`, bbox: ITEMS_BBOX },
] as const;
/** No compression (the API's own cost), and what a browser sends (the cost a browser sees). */
const ENCODINGS = [
  { id: 'identity', header: 'identity' },
  { id: 'browser', header: 'gzip, deflate, br, zstd' },
] as const;

/**
 * Export runs: as curl asks, as a browser asks (both with npm start's Node options), and a
 * what-if without them (Node's default V8 young generation): what the start command's flag buys.
 */
const EXPORT_VARIANTS = [
  { id: 'identity', header: 'identity', nodeOptions: undefined, whatIf: false },
  { id: 'browser', header: ENCODINGS[1].header, nodeOptions: undefined, whatIf: false },
  { id: 'identity, no Node options', header: 'identity', nodeOptions: [], whatIf: true },
] as const;

const LOAD = { connections: 50, seconds: 10 } as const;
/** A run of the machine busier than this just before it (other users) gets flagged. */
const BUSY = 0.25;

interface TileDef {
  id: string;
  layer: LayerDefinition;
  town: Town;
  tile: TileCoord;
  path: string;
}

function tileDef(layerId: 'communes' | 'places', z: number, town: Town, dy = 0): TileDef {
  const [lon, lat] = TOWNS[town];
  const t = lonLatToTile(lon, lat, z);
  const tile = { z, x: t.x, y: t.y + dy };
  return { id: `${layerId}/${z}/${tile.x}/${tile.y}`, layer: requireLayer(layerId), town, tile, path: `/api/tiles/${layerId}/${z}/${tile.x}/${tile.y}.mvt` };
}

/** The items page as one statement (a page size that covers the limit): the SQL baseline. */
async function listPage(db: DbHandle['db'], layer: LayerDefinition, filter: FeatureFilter): Promise<string[]> {
  const out: string[] = [];
  for await (const page of featurePages(db, layer, whereClause(layer, filter), { offset: 0, limit: ITEMS_LIMIT, pageSize: ITEMS_LIMIT })) out.push(...page);
  return out;
}

const itemsPath = (bbox: Bbox | undefined) =>
  `/api/ogc/collections/communes/items?limit=${ITEMS_LIMIT}${bbox ? `&bbox=${bbox.join(',')}` : ''}`;

async function time<T>(f: () => Promise<T>): Promise<[number, T]> {
  const t0 = performance.now();
  const v = await f();
  return [performance.now() - t0, v];
}

/**
 * Phases of one traced request, ms: before the first query, the queries (first start to last
 * end), after them until the body is handed to Node's http response (build), then until the
 * response is finished (send: the bytes handed to the kernel).
 */
interface Phases { serverMs: number; preMs: number; dbMs: number; postMs: number; buildMs: number; sendMs: number; queryMs: number[] }
function phases(t: RequestTrace | undefined): Phases | null {
  if (!t || t.queries.length === 0) return null;
  const first = Math.min(...t.queries.map((q) => q.start));
  const last = Math.max(...t.queries.map((q) => q.end));
  return {
    serverMs: t.end - t.start, preMs: first - t.start, dbMs: last - first, postMs: t.end - last,
    buildMs: t.handed - last, sendMs: t.end - t.handed, queryMs: t.queries.map((q) => q.end - q.start),
  };
}
const medianPhase = (ps: (Phases | null)[], k: 'serverMs' | 'preMs' | 'dbMs' | 'postMs' | 'buildMs' | 'sendMs') => medianOf(ps.map((p) => p?.[k]));
const medianQuery = (ps: (Phases | null)[], i: number) => medianOf(ps.map((p) => p?.queryMs[i]));
/** Median over the samples of (client time − server time): HTTP on loopback and the client's own work. */
const clientOverhead = (endpointMs: number[], ps: (Phases | null)[]) => medianOf(endpointMs.map((e, i) => (ps[i] ? e - ps[i].serverMs : null)));

interface TileResult {
  def: TileDef;
  status: number | null;
  rawBytes: number | null;
  gzipBytes: number | null;
  endpointMs: number[];
  ttfbMs: number[];
  mvtSqlMs: number[];
  phases: (Phases | null)[];
}

interface ItemsResult {
  variant: (typeof ITEM_VARIANTS)[number];
  encoding: (typeof ENCODINGS)[number];
  path: string;
  matched: number | null;
  returned: number | null;
  bytes: number | null;
  contentEncoding: string | null;
  endpointMs: number[];
  ttfbMs: number[];
  phases: (Phases | null)[];
}

interface ItemsSql { bothMs: number[]; countMs: number[]; listMs: number[] }

interface LoadTarget { id: string; label: string; server: 'app' | 'hello'; paths: string[]; baseline?: string }
interface LoadSample extends LoadResult { serverCores: number | null; postgresCores: number | null; machineBusy: number | null; busyBefore: number | null }

interface ExportSample { encoding: string; contentEncoding: string; peakParts: ServerStats['peakKiB'] | null; status: number; bytes: number; seconds: number; rssBeforeMiB: number; maxRssBeforeMiB: number; peakRssMiB: number | null; gnuPeakRssMiB: number | null }

interface Explained { query: string; planningMs: number | null; executionMs: number | null; plan: string }

export async function run(options: BenchOptions): Promise<void> {
  const want = (c: CaseId) => options.selected(`api/${c}`);
  const cases = CASES.filter(want);
  if (cases.length === 0) return;
  const data = dataDir();
  const missing = Object.values(FILES).filter((f) => !existsSync(join(data, f)));
  if (missing.length) throw new Error(`data bundle files not found in ${data}: ${missing.join(', ')} (set MAILLAGE_DATA_DIR)`);
  if (!postgisAvailable()) throw new Error('PostGIS is not installed (Debian: apt-get install -y postgresql-15-postgis-3)');
  if (want('tiles-cached-rps') && !existsSync(join(repoRoot, 'tests', 'node_modules', 'autocannon'))) {
    throw new Error('autocannon is missing: run pnpm install (it is a devDependency of @maillage/tests)');
  }

  const began = performance.now();
  const latencyRounds = Math.max(5, options.runs);
  const m = machine();
  const pin = canPin(m.nproc);
  const warnings: string[] = [];
  if (!pin) warnings.push(`servers and load generator are NOT pinned to separate cores (${m.nproc} core(s), taskset ${existsSync('/usr/bin/taskset') ? 'present' : 'missing'})`);
  if (m.nproc < 2) warnings.push('fewer than 2 cores: the load generator and the server share one');

  let server: BenchServer | undefined;
  let handle: DbHandle | undefined;
  const children = new Set<ServerChild>();
  const cleanup = async () => {
    for (const c of children) await c.stop().catch(() => undefined);
    children.clear();
    const h = handle;
    handle = undefined;
    if (h) await h.close();
    const s = server;
    server = undefined;
    if (s) await s.stop();
  };
  const onSignal = () => {
    void cleanup().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const start = async (o: Parameters<typeof startServer>[0]) => {
    const c = await startServer(o);
    children.add(c);
    return c;
  };
  const stop = async (c: ServerChild) => {
    children.delete(c);
    return c.stop();
  };

  try {
    // ---- the database: all communes of France, then the Pays de la Loire places, ANALYZEd
    // (or, with MAILLAGE_BENCH_API_URL, a database already loaded so, to iterate faster).
    const reuse = process.env.MAILLAGE_BENCH_API_URL;
    if (!reuse) server = await BenchServer.start();
    const url = reuse ?? server!.url(DATABASE);
    if (server) server.createDatabase(DATABASE);
    else warnings.push(`reused the database of MAILLAGE_BENCH_API_URL (${new URL(url).host}): not imported by this run`);
    const postgis = psqlAt(url, 'SELECT postgis_full_version()');
    console.log(`PostGIS server on ${new URL(url).host}: ${postgis}${server ? ' (fsync off)' : ''}`);
    const importS: Record<string, number> = {};
    for (const job of server ? ['communes', 'osm-points'] as const : []) {
      const reportFile = join(tmpdir(), `maillage-bench-api-import-${process.pid}.json`);
      const sample = await measure({
        cmd: process.execPath,
        args: [IMPORT_CHILD, '--engine', 'postgis', '--url', url, '--job', job, '--data', data, '--report', reportFile],
        reportFile,
        timeoutMs: 10 * 60_000,
      });
      const r = sample.report as ChildReport | undefined;
      if (!r || r.outcome !== 'committed' || !r.inserted) throw new Error(`import ${job} did not commit rows: ${JSON.stringify(r)}`);
      if (job === 'osm-points' && r.inserted !== EXPECTED_POINTS) throw new Error(`${r.inserted} places inserted, expected ${EXPECTED_POINTS}`);
      importS[job] = sample.wallS;
      console.log(`  imported ${job}: ${r.inserted} rows in ${fmt(sample.wallS)} s (not part of the benchmark)`);
      rmSync(reportFile, { force: true });
      // As bench/import.ts does: without statistics on the fresh communes, the places import is
      // many times slower (PostgreSQL's JIT on a bad plan), and when autovacuum gets there is chance.
      psqlAt(url, 'ANALYZE');
    }
    if (server) {
      psqlAt(url, 'VACUUM ANALYZE');
      psqlAt(url, 'CHECKPOINT');
    }
    const rows = {
      communes: Number(psqlAt(url, 'SELECT count(*) FROM communes')),
      places: Number(psqlAt(url, 'SELECT count(*) FROM places')),
    };
    const postmasterPid = Number(readFileSync(join(psqlAt(url, 'SHOW data_directory'), 'postmaster.pid'), 'utf8').split('\n')[0]);

    handle = await createDb({ url, migrate: false });
    const db = handle.db;
    const tiles = TILE_SET.map(([l, z, town]) => tileDef(l, z, town));
    // Warm-up tiles: the southern neighbours of the measured ones (same layers, zooms and code paths).
    const warmTiles = TILE_SET.filter(([, z]) => z >= 7).map(([l, z, town]) => tileDef(l, z, town, 1))
      .filter((t, i, all) => all.findIndex((o) => o.id === t.id) === i);
    const ids = new Set(tiles.map((t) => t.id));
    if (ids.size !== tiles.length) throw new Error(`the tile set has duplicates: ${tiles.map((t) => t.id).join(', ')}`);
    const overlap = warmTiles.filter((t) => ids.has(t.id));
    if (overlap.length) throw new Error(`warm-up tiles would be cached before they are measured: ${overlap.map((t) => t.id).join(', ')}`);

    // PostgreSQL's buffers and the OS cache hold the data before anything is measured.
    for (const t of [...tiles, ...warmTiles]) await mvtTile(db, t.layer, t.tile, DEFAULT_TILE_OPTIONS);
    const communes = requireLayer('communes');
    for (const v of ITEM_VARIANTS) await listPage(db, communes, { bbox: v.bbox });

    // ---- 1 and 2: latency, one fresh server process per round.
    const tileResults: TileResult[] = tiles.map((def) => ({
      def, status: null, rawBytes: null, gzipBytes: null, endpointMs: [], ttfbMs: [], mvtSqlMs: [], phases: [],
    }));
    const itemResults: ItemsResult[] = ITEM_VARIANTS.flatMap((variant) => ENCODINGS.map((encoding) => ({
      variant, encoding, path: itemsPath(variant.bbox), matched: null, returned: null, bytes: null, contentEncoding: null,
      endpointMs: [], ttfbMs: [], phases: [],
    })));
    const itemsSql = new Map<string, ItemsSql>(ITEM_VARIANTS.map((v) => [v.id, { bothMs: [], countMs: [], listMs: [] }]));
    const latencyBusy: number[] = [];
    const itemBodies = new Map<string, Buffer>();
    if (want('tiles-uncached') || want('items')) {
      console.log(`\n  latency: ${latencyRounds} rounds, each on a fresh server process, tile cache off (endpoint, then the same SQL from this process)`);
      for (let round = 1; round <= latencyRounds; round++) {
        const busy = await machineBusy(300);
        if (busy !== null) latencyBusy.push(busy);
        const app = await start({ mode: 'app', url, trace: true, cacheBytes: 0 });
        try {
          // Warm-up: JIT, the pool's connection, the plan caches; none of the measured tiles.
          for (const t of warmTiles) await timedGet(app.base + t.path, { 'accept-encoding': 'gzip' });
          if (want('items')) for (const r of itemResults) await timedGet(app.base + r.path, { 'accept-encoding': r.encoding.header });
          await getJson<RequestTrace[]>(`${app.base}/__bench/trace`);

          // What each traced request was, in order (warm-ups included, to keep traces aligned).
          const sent: { kind: 'tile' | 'items' | 'warm'; index: number }[] = [];
          if (want('tiles-uncached')) {
            for (const [i, r] of tileResults.entries()) {
              const res = await timedGet(app.base + r.def.path, { 'accept-encoding': 'gzip' });
              sent.push({ kind: 'tile', index: i });
              r.status = res.status;
              r.endpointMs.push(res.totalMs);
              r.ttfbMs.push(res.ttfbMs);
              r.gzipBytes = res.bytes;
              const [mvtMs, mvt] = await time(() => mvtTile(db, r.def.layer, r.def.tile, DEFAULT_TILE_OPTIONS));
              r.mvtSqlMs.push(mvtMs);
              r.rawBytes = mvt.byteLength;
            }
          }
          if (want('items')) {
            for (const v of ITEM_VARIANTS) {
              for (const [i, r] of itemResults.entries()) {
                if (r.variant.id !== v.id) continue;
                // Right before: the pool's second connection, closed after 10 s idle (pg's default), is open again.
                await timedGet(app.base + r.path, { 'accept-encoding': r.encoding.header });
                sent.push({ kind: 'warm', index: -1 });
                const res = await timedGet(app.base + r.path, { 'accept-encoding': r.encoding.header }, round === 1);
                sent.push({ kind: 'items', index: i });
                if (res.status !== 200) throw new Error(`GET ${r.path}: ${res.status} ${res.body?.toString('utf8').slice(0, 300)}`);
                r.endpointMs.push(res.totalMs);
                r.ttfbMs.push(res.ttfbMs);
                r.bytes = res.bytes;
                r.contentEncoding = typeof res.headers['content-encoding'] === 'string' ? res.headers['content-encoding'] : 'identity';
                if (res.body && r.encoding.id === 'identity') {
                  const doc = JSON.parse(res.body.toString('utf8')) as { numberMatched: number; numberReturned: number };
                  r.matched = doc.numberMatched;
                  r.returned = doc.numberReturned;
                  itemBodies.set(r.variant.id, res.body);
                }
              }
              // The SQL the endpoint runs, as it runs it: count and page at once, on two connections.
              const filter = { bbox: v.bbox, equals: [], condition: undefined };
              const s = itemsSql.get(v.id)!;
              await Promise.all([countFeatures(db, communes, filter), listPage(db, communes, filter)]);
              const [both] = await time(() => Promise.all([countFeatures(db, communes, filter), listPage(db, communes, filter)]));
              s.bothMs.push(both);
              s.countMs.push((await time(() => countFeatures(db, communes, filter)))[0]);
              s.listMs.push((await time(() => listPage(db, communes, filter)))[0]);
            }
          }
          const traces = await getJson<RequestTrace[]>(`${app.base}/__bench/trace`);
          if (traces.length !== sent.length) {
            warnings.push(`round ${round}: ${traces.length} traces for ${sent.length} requests: phases not split`);
            // Keep phases[i] the i-th sample's.
            for (const s of sent) {
              if (s.kind === 'tile') tileResults[s.index]!.phases.push(null);
              else if (s.kind === 'items') itemResults[s.index]!.phases.push(null);
            }
          } else {
            for (const [k, s] of sent.entries()) {
              const t = traces[k]!;
              const path = s.kind === 'tile' ? tileResults[s.index]!.def.path : s.kind === 'items' ? itemResults[s.index]!.path : t.url;
              if (t.url !== path) throw new Error(`trace ${k} is of ${t.url}, expected ${path}`);
              const p = phases(t);
              if (s.kind === 'tile') tileResults[s.index]!.phases.push(p);
              else if (s.kind === 'items') itemResults[s.index]!.phases.push(p);
            }
          }
        } finally {
          await stop(app);
        }
        const done = tileResults.filter((r) => r.endpointMs.length === round);
        process.stdout.write(`  round ${round}/${latencyRounds}: tiles ${fmt(median(done.map((r) => r.endpointMs.at(-1)!)), 1)} ms median endpoint` +
          (want('items') ? `, items ${itemResults.map((r) => `${r.variant.id}/${r.encoding.id} ${fmt(r.endpointMs.at(-1))} ms`).join(', ')}` : '') +
          (busy !== null && busy > BUSY ? `  [machine ${Math.round(busy * 100)} % busy before]` : '') + '\n');
      }
    }

    // Evidence: what packing a tile (packTile: gzip level 1 + sha256) and compressing an items
    // body cost on their own, in this process, on the very bytes measured above; and gzip level 6
    // (the level packTile used before) for comparison.
    const packCosts = new Map<string, { packMs: number; gzip6Ms: number; gzip6Bytes: number }>();
    if (want('tiles-uncached')) {
      for (const r of tileResults) {
        const mvt = await mvtTile(db, r.def.layer, r.def.tile, DEFAULT_TILE_OPTIONS);
        const pack: number[] = [];
        const gzip6: number[] = [];
        let gzip6Bytes = 0;
        for (let i = 0; i < 5; i++) {
          pack.push((await time(async () => packTile(mvt)))[0]);
          const [t, z] = await time(async () => gzipSync(mvt, { level: 6 }));
          gzip6.push(t);
          gzip6Bytes = z.length;
        }
        packCosts.set(r.def.id, { packMs: median(pack), gzip6Ms: median(gzip6), gzip6Bytes });
      }
    }
    const compressCosts = new Map<string, Record<string, { ms: number; bytes: number }>>();
    for (const [variant, body] of itemBodies) {
      const costs: Record<string, { ms: number; bytes: number }> = {};
      const codecs: [string, (b: Buffer) => Buffer][] = [
        ['zstd (level 1, the server\'s)', (b) => zstdCompressSync(b, zstdOptions)],
        ['zstd (level 3)', (b) => zstdCompressSync(b)],
        ['gzip (level 6)', (b) => gzipSync(b)],
        ['gzip (level 1)', (b) => gzipSync(b, { level: 1 })],
        ['br (quality 4)', (b) => brotliCompressSync(b, { params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 4 } })],
      ];
      for (const [name, f] of codecs) {
        const runs: number[] = [];
        let bytes = 0;
        for (let i = 0; i < 3; i++) {
          const [t, out] = await time(async () => f(body));
          runs.push(t);
          bytes = out.length;
        }
        costs[name] = { ms: median(runs), bytes };
      }
      compressCosts.set(variant, costs);
    }

    // ---- 3: cached tiles under load vs a bare Fastify of the same response size.
    const loadTargets: LoadTarget[] = [];
    const loadSamples = new Map<string, LoadSample[]>();
    const tileGzipBytes: number[] = [];
    if (want('tiles-cached-rps')) {
      const app = await start({ mode: 'app', url, ...(pin ? { cpu: 0 } : {}) });
      let hello: ServerChild | undefined;
      try {
        // Fill the cache (twice: the second request is a hit), and learn the response sizes.
        for (let i = 0; i < 2; i++) {
          for (const t of tiles) {
            const r = await timedGet(app.base + t.path, { 'accept-encoding': 'gzip' });
            if (i === 1) tileGzipBytes.push(r.bytes);
          }
        }
        // The hello-world answers /b/<i> with as many (random) bytes as tile i: same sizes, same mix.
        hello = await start({ mode: 'hello', bodyBytes: tileGzipBytes, ...(pin ? { cpu: 0 } : {}) });
        for (const [i] of tiles.entries()) await timedGet(`${hello.base}/b/${i}`);
        const lightIndex = tiles.findIndex((t) => t.id === tileDef('places', 14, 'Nantes').id);
        const light = tiles[lightIndex]!;
        loadTargets.push(
          { id: 'maillage-mix', label: `Maillage, the ${tiles.length} tiles in turn (cached)`, server: 'app', paths: tiles.map((t) => t.path), baseline: 'hello-mix' },
          { id: 'hello-mix', label: `bare Fastify, ${tiles.length} bodies of the tiles' sizes in turn`, server: 'hello', paths: tiles.map((_, i) => `/b/${i}`) },
          { id: 'maillage-one', label: `Maillage, one small tile (${light.id}, ${tileGzipBytes[lightIndex]} B, cached)`, server: 'app', paths: [light.path], baseline: 'hello-one' },
          { id: 'hello-one', label: `bare Fastify, one body of ${tileGzipBytes[lightIndex]} B`, server: 'hello', paths: [`/b/${lightIndex}`] },
        );
        console.log(`\n  cached tiles under load: autocannon ${LOAD.connections} connections × ${LOAD.seconds} s, ${options.runs} round(s) of ` +
          `${loadTargets.map((t) => t.id).join(' / ')}; ${pin ? 'servers pinned to core 0, autocannon to core 1, PostgreSQL unpinned' : 'unpinned'}`);
        for (let round = 1; round <= options.runs; round++) {
          for (const target of loadTargets) {
            const child = target.server === 'app' ? app : hello!;
            const busyBefore = await machineBusy(300);
            const cpu0 = processCpuMs(child.pid) ?? 0;
            const pg0 = processTreeCpuMs(postmasterPid);
            const busy = busySince();
            const t0 = performance.now();
            const r = await runLoad({ base: child.base, paths: target.paths, connections: LOAD.connections, seconds: LOAD.seconds, gzip: true, ...(pin ? { cpu: 1 } : {}) });
            const wallS = (performance.now() - t0) / 1000;
            const cpu1 = processCpuMs(child.pid);
            const sample: LoadSample = {
              ...r,
              serverCores: cpu1 === null ? null : (cpu1 - cpu0) / 1000 / wallS,
              postgresCores: (processTreeCpuMs(postmasterPid) - pg0) / 1000 / wallS,
              machineBusy: busy(),
              busyBefore,
            };
            if (r.errors || r.non2xx) warnings.push(`load ${target.id} round ${round}: ${r.errors} errors, ${r.non2xx} non-2xx responses`);
            loadSamples.set(target.id, [...(loadSamples.get(target.id) ?? []), sample]);
            console.log(`  round ${round}/${options.runs} ${target.id.padEnd(12)} ${fmt(r.rpsMean, 0).padStart(7)} req/s  p50 ${fmt(r.latencyP50)} ms  p99 ${fmt(r.latencyP99)} ms  ` +
              `server ${fmt(sample.serverCores, 2)} core, PostgreSQL ${fmt(sample.postgresCores, 2)} core, machine ${fmt((sample.machineBusy ?? 0) * 100, 0)} % busy` +
              (busyBefore !== null && busyBefore > BUSY ? `  [machine ${Math.round(busyBefore * 100)} % busy before]` : ''));
          }
        }
      } finally {
        if (hello) await stop(hello);
        await stop(app);
      }
    }

    // ---- 4: peak RSS while streaming every commune as GeoJSON, as curl asks (no compression)
    // and as a browser asks; one fresh server per run, turn about.
    const exportPath = '/api/exports/communes.geojson';
    const exportSamples: ExportSample[] = [];
    let exportNote: string | null = null;
    if (want('export-rss')) {
      const exportRounds = Math.max(3, options.runs);
      console.log(`\n  export: GET ${exportPath}, ${exportRounds} run(s) per Accept-Encoding, each on a fresh server process${hasGnuTime() ? ' under GNU time' : ''}`);
      for (let round = 1; round <= exportRounds && !exportNote; round++) {
        for (const encoding of EXPORT_VARIANTS) {
          const app = await start({ mode: 'app', url, gnuTime: true, sampleMemory: true, ...(encoding.nodeOptions ? { nodeOptions: encoding.nodeOptions } : {}) });
          let sample: Omit<ExportSample, 'peakRssMiB' | 'gnuPeakRssMiB' | 'peakParts'> | undefined;
          try {
            const before = await serverStats(app.base);
            const res = await timedGet(app.base + exportPath, { 'accept-encoding': encoding.header });
            if (res.status !== 200) {
              exportNote = res.status === 404
                ? `not measured: ${exportPath} answers 404 (the exports routes are not registered in api/src/app.ts yet)`
                : `not measured: ${exportPath} answered ${res.status}`;
            } else {
              const contentEncoding = typeof res.headers['content-encoding'] === 'string' ? res.headers['content-encoding'] : 'identity';
              sample = { encoding: encoding.id, contentEncoding, status: res.status, bytes: res.bytes, seconds: res.totalMs / 1000,
                rssBeforeMiB: before.rssKiB / 1024, maxRssBeforeMiB: before.maxRssKiB / 1024 };
            }
          } finally {
            const { report, gnuMaxRssKiB } = await stop(app);
            if (sample) {
              exportSamples.push({ ...sample, peakRssMiB: report ? report.maxRssKiB / 1024 : null,
                gnuPeakRssMiB: gnuMaxRssKiB === null ? null : gnuMaxRssKiB / 1024, peakParts: report?.peakKiB ?? null });
              const last = exportSamples.at(-1)!;
              console.log(`  run ${round}/${exportRounds} ${encoding.id.padEnd(8)}: ${fmt(last.bytes / 1e6)} MB (${last.contentEncoding}) in ${fmt(last.seconds, 2)} s, ` +
                `RSS before ${fmt(last.rssBeforeMiB, 0)} MiB, peak ${fmt(last.peakRssMiB, 0)} MiB (GNU time ${fmt(last.gnuPeakRssMiB, 0)} MiB; ` +
                `peak V8 heap ${fmt((last.peakParts?.heapTotal ?? 0) / 1024, 0)} MiB, Buffers ${fmt((last.peakParts?.arrayBuffers ?? 0) / 1024, 0)} MiB)`);
            }
          }
          if (exportNote) {
            console.log(`  ${exportNote}`);
            break;
          }
        }
      }
    }

    // ---- Evidence: where the database time goes (EXPLAIN ANALYZE of the very SQL the repository builds).
    const explained = await explainAll(handle, url, tileResults, want('items'));

    const versions = { postgis, postgres: psqlAt(url, 'SHOW server_version'), node: process.version };
    await cleanup();
    report({
      options, latencyRounds, warnings, versions, rows, importS, pin, latencyBusy,
      tileResults: want('tiles-uncached') ? tileResults : [],
      itemResults: want('items') ? itemResults : [], itemsSql,
      loadTargets, loadSamples, tileGzipBytes,
      exportPath, exportSamples, exportNote: want('export-rss') ? exportNote : null, exportWanted: want('export-rss'),
      explained, packCosts, compressCosts, elapsedS: (performance.now() - began) / 1000,
    });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await cleanup();
  }
}

/**
 * Runs `f` while capturing the SQL text and parameters pg receives, then EXPLAIN (ANALYZE,
 * BUFFERS) of each: the repository's own query, not a copy of it.
 */
async function explainCaptured(url: string, label: string, f: () => Promise<unknown>): Promise<Explained[]> {
  const require = createRequire(join(repoRoot, 'sql', 'src', 'db.ts'));
  const pg = require('pg') as { Client: { prototype: { query: (...args: unknown[]) => unknown } }; Pool: new (o: { connectionString: string; max: number }) => { query(text: string, values: unknown[]): Promise<{ rows: Record<string, string>[] }>; end(): Promise<void> } };
  const captured: { text: string; values: unknown[] }[] = [];
  const original = pg.Client.prototype.query;
  pg.Client.prototype.query = function capture(this: unknown, ...args: unknown[]) {
    if (typeof args[0] === 'string') captured.push({ text: args[0], values: (args[1] as unknown[] | undefined) ?? [] });
    return original.apply(this, args);
  };
  try {
    await f();
  } finally {
    pg.Client.prototype.query = original;
  }
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  try {
    const out: Explained[] = [];
    for (const [i, q] of captured.entries()) {
      // Once plainly first: the connection's catalog caches are warm, as the app's are.
      await pool.query(q.text, q.values);
      const r = await pool.query(`EXPLAIN (ANALYZE, BUFFERS) ${q.text}`, q.values);
      const plan = r.rows.map((row) => row['QUERY PLAN'] ?? '').join('\n');
      const num = (re: RegExp) => {
        const v = re.exec(plan)?.[1];
        return v === undefined ? null : Number(v);
      };
      out.push({ query: `${label}${captured.length > 1 ? ` #${i + 1}` : ''}`, planningMs: num(/Planning Time: ([\d.]+) ms/), executionMs: num(/Execution Time: ([\d.]+) ms/), plan });
    }
    return out;
  } finally {
    await pool.end();
  }
}

async function explainAll(handle: DbHandle, url: string, tileResults: TileResult[], items: boolean): Promise<Explained[]> {
  const db = handle.db;
  const out: Explained[] = [];
  for (const r of tileResults) {
    out.push(...await explainCaptured(url, `mvtTile ${r.def.id}`, () => mvtTile(db, r.def.layer, r.def.tile, DEFAULT_TILE_OPTIONS)));
  }
  if (items) {
    const communes = requireLayer('communes');
    for (const v of ITEM_VARIANTS) {
      const filter = { bbox: v.bbox, equals: [], condition: undefined };
      out.push(...await explainCaptured(url, `countFeatures ${v.id}`, () => countFeatures(db, communes, filter)));
      out.push(...await explainCaptured(url, `listPage ${v.id}`, () => listPage(db, communes, filter)));
    }
  }
  return out;
}

interface ReportInput {
  options: BenchOptions;
  latencyRounds: number;
  warnings: string[];
  versions: Record<string, string>;
  rows: { communes: number; places: number };
  importS: Record<string, number>;
  pin: boolean;
  latencyBusy: number[];
  tileResults: TileResult[];
  itemResults: ItemsResult[];
  itemsSql: Map<string, ItemsSql>;
  loadTargets: LoadTarget[];
  loadSamples: Map<string, LoadSample[]>;
  tileGzipBytes: number[];
  exportPath: string;
  exportSamples: ExportSample[];
  exportNote: string | null;
  exportWanted: boolean;
  explained: Explained[];
  packCosts: Map<string, { packMs: number; gzip6Ms: number; gzip6Bytes: number }>;
  compressCosts: Map<string, Record<string, { ms: number; bytes: number }>>;
  elapsedS: number;
}

const ms = (v: number | null | undefined) => fmt(v, v !== null && v !== undefined && v < 10 ? 2 : 1);
const verdict = (ok: boolean | null) => (ok === null ? 'not measured' : ok ? 'MET' : 'MISSED');

function report(x: ReportInput): void {
  const { options } = x;
  const m = machine();
  const exec = (label: string) => x.explained.find((e) => e.query === label)?.executionMs ?? null;

  // 1. tiles
  const tileRows = x.tileResults.map((r) => {
    const endpoint = median(r.endpointMs);
    const sqlMs = median(r.mvtSqlMs);
    return {
      id: r.def.id, town: r.def.town, status: r.status, rawBytes: r.rawBytes, gzipBytes: r.gzipBytes,
      endpointMs: endpoint, ttfbMs: median(r.ttfbMs), mvtSqlMs: sqlMs, ratio: endpoint / sqlMs,
      serverMs: medianPhase(r.phases, 'serverMs'), preMs: medianPhase(r.phases, 'preMs'),
      mvtMs: medianQuery(r.phases, 0), postMs: medianPhase(r.phases, 'postMs'), buildMs: medianPhase(r.phases, 'buildMs'), sendMs: medianPhase(r.phases, 'sendMs'),
      clientMs: clientOverhead(r.endpointMs, r.phases),
      packAloneMs: x.packCosts.get(r.def.id)?.packMs ?? null, gzip6AloneMs: x.packCosts.get(r.def.id)?.gzip6Ms ?? null, gzip6Bytes: x.packCosts.get(r.def.id)?.gzip6Bytes ?? null,
      mvtExecMs: exec(`mvtTile ${r.def.id}`),
      samples: { endpointMs: r.endpointMs, mvtSqlMs: r.mvtSqlMs },
    };
  });
  const tileRatio = tileRows.length ? median(tileRows.map((r) => r.ratio)) : null;
  /** The whole set's endpoint time ÷ its SQL time: weighted by time, so the big tiles dominate it. */
  const tileRatioOfSums = tileRows.length ? tileRows.reduce((a, r) => a + r.endpointMs, 0) / tileRows.reduce((a, r) => a + r.mvtSqlMs, 0) : null;
  const tileTable = markdownTable(
    ['tile', 'over', 'MVT B', 'gzip B', 'endpoint ms', 'mvtTile SQL ms', '× SQL', 'server: before DB', 'mvt q', 'pack', 'send', 'client − server',
      'packTile alone / gzip-6 alone', 'EXPLAIN mvt ms'],
    tileRows.map((r) => [r.id, r.town, r.status === 204 ? '(204)' : String(r.rawBytes ?? '—'), String(r.gzipBytes ?? '—'), ms(r.endpointMs), ms(r.mvtSqlMs),
      `${fmt(r.ratio, 2)}×`, ms(r.preMs), ms(r.mvtMs), ms(r.buildMs), ms(r.sendMs), ms(r.clientMs),
      `${ms(r.packAloneMs)} / ${ms(r.gzip6AloneMs)}`, ms(r.mvtExecMs)]),
    [false, false, true, true, true, true, true, true, true, true, true, true, true, true],
  );

  // 2. items
  const itemRows = x.itemResults.map((r) => {
    const s = x.itemsSql.get(r.variant.id)!;
    const endpoint = median(r.endpointMs);
    const sqlBoth = median(s.bothMs);
    return {
      variant: r.variant.id, query: r.variant.label, encoding: r.encoding.id, acceptEncoding: r.encoding.header, contentEncoding: r.contentEncoding,
      matched: r.matched ?? x.itemResults.find((o) => o.variant.id === r.variant.id && o.matched !== null)?.matched ?? null,
      returned: r.returned ?? x.itemResults.find((o) => o.variant.id === r.variant.id && o.returned !== null)?.returned ?? null,
      bytes: r.bytes, endpointMs: endpoint, ttfbMs: median(r.ttfbMs), sqlBothMs: sqlBoth, sqlCountMs: median(s.countMs), sqlListMs: median(s.listMs),
      ratio: endpoint / sqlBoth,
      serverMs: medianPhase(r.phases, 'serverMs'), preMs: medianPhase(r.phases, 'preMs'), dbMs: medianPhase(r.phases, 'dbMs'), postMs: medianPhase(r.phases, 'postMs'),
      buildMs: medianPhase(r.phases, 'buildMs'), sendMs: medianPhase(r.phases, 'sendMs'), clientMs: clientOverhead(r.endpointMs, r.phases),
      countExecMs: exec(`countFeatures ${r.variant.id}`), listExecMs: exec(`listPage ${r.variant.id}`),
      samples: { endpointMs: r.endpointMs, sqlBothMs: s.bothMs },
    };
  });
  const itemTable = markdownTable(
    ['items', 'Accept-Encoding → sent', 'matched', 'bytes', 'endpoint ms', 'SQL count‖page ms', '× SQL', 'count / page SQL ms', 'server: before DB', 'DB', 'build JSON',
      'send (+ compress)', 'client − server', 'EXPLAIN count / page ms'],
    itemRows.map((r) => [r.query, `${r.encoding} → ${r.contentEncoding}`, String(r.matched ?? '—'), fmt((r.bytes ?? 0) / 1e6, 1) + ' MB', ms(r.endpointMs),
      ms(r.sqlBothMs), `${fmt(r.ratio, 2)}×`, `${ms(r.sqlCountMs)} / ${ms(r.sqlListMs)}`, ms(r.preMs), ms(r.dbMs), ms(r.buildMs), ms(r.sendMs),
      ms(r.clientMs), `${ms(r.countExecMs)} / ${ms(r.listExecMs)}`]),
    [false, false, true, true, true, true, true, true, true, true, true, true, true, true],
  );
  const compressTable = x.compressCosts.size ? markdownTable(
    ['items body (identity)', ...Object.keys([...x.compressCosts.values()][0]!)],
    [...x.compressCosts.entries()].map(([variant, costs]) => [
      `${variant}: ${fmt((x.itemResults.find((r) => r.variant.id === variant)?.bytes ?? 0) / 1e6, 1)} MB`,
      ...Object.values(costs).map((c) => `${ms(c.ms)} ms → ${fmt(c.bytes / 1e6, 1)} MB`)]),
    [false, true, true, true, true],
  ) : null;

  // 3. load
  const loadRows = x.loadTargets.map((t) => {
    const s = x.loadSamples.get(t.id) ?? [];
    return {
      id: t.id, label: t.label, rps: median(s.map((v) => v.rpsMean)), rpsAll: s.map((v) => v.rpsMean),
      p50: median(s.map((v) => v.latencyP50)), p99: median(s.map((v) => v.latencyP99)),
      serverCores: medianOf(s.map((v) => v.serverCores)), postgresCores: medianOf(s.map((v) => v.postgresCores)),
      machineBusy: medianOf(s.map((v) => v.machineBusy)), samples: s,
    };
  });
  const row = (id: string | undefined) => loadRows.find((r) => r.id === id);
  const ratioOf = (id: string) => {
    const r = row(id);
    const b = row(x.loadTargets.find((t) => t.id === id)?.baseline);
    return r && b ? r.rps / b.rps : null;
  };
  const mix = row('maillage-mix');
  const one = row('maillage-one');
  const rpsRatio = ratioOf('maillage-mix');
  const loadTable = markdownTable(
    ['server', 'req/s (median of runs)', 'runs req/s', '× its hello', 'p50 ms', 'p99 ms', 'server cores', 'PostgreSQL cores', 'server CPU µs/req', 'PostgreSQL CPU µs/req', 'machine busy'],
    loadRows.map((r) => [r.label, fmt(r.rps, 0), r.rpsAll.map((v) => fmt(v, 0)).join(', '), ratioOf(r.id) === null ? '' : `${fmt(ratioOf(r.id), 2)}×`,
      fmt(r.p50), fmt(r.p99), fmt(r.serverCores, 2), fmt(r.postgresCores, 2), fmt(r.serverCores === null ? null : (r.serverCores / r.rps) * 1e6, 0),
      fmt(r.postgresCores === null ? null : (r.postgresCores / r.rps) * 1e6, 0), `${fmt((r.machineBusy ?? 0) * 100, 0)} %`]),
    [false, true, true, true, true, true, true, true, true, true, true],
  );

  // 4. export, per Accept-Encoding
  const MB = (mib: number | null) => (mib === null ? null : (mib * 2 ** 20) / 1e6);
  const exportRows = EXPORT_VARIANTS.map((e) => {
    const ss = x.exportSamples.filter((s) => s.encoding === e.id);
    return {
      encoding: e.id, whatIf: e.whatIf, contentEncoding: ss[0]?.contentEncoding ?? null, runs: ss.length,
      peakMB: MB(medianOf(ss.map((s) => s.gnuPeakRssMiB ?? s.peakRssMiB))), beforeMB: MB(medianOf(ss.map((s) => s.rssBeforeMiB))),
      bodyMB: medianOf(ss.map((s) => s.bytes / 1e6)), seconds: medianOf(ss.map((s) => s.seconds)),
    };
  });

  const summary = markdownTable(
    ['#', 'measure', 'Maillage (median)', 'baseline (median)', 'ratio / value', 'goal', 'verdict'],
    [
      ...(tileRows.length === 0 ? [] : [['1', `uncached tile ÷ its SQL (${x.tileResults.length} tiles, median of per-tile ratios)`,
        tileRows.length ? `${ms(median(tileRows.map((r) => r.endpointMs)))} ms` : '—', tileRows.length ? `${ms(median(tileRows.map((r) => r.mvtSqlMs)))} ms` : '—',
        tileRatio === null ? 'not measured' : `${fmt(tileRatio, 2)}×`, `≤ ${GOALS.tileRatio}`, verdict(tileRatio === null ? null : tileRatio <= GOALS.tileRatio)]]),
      ...(tileRatioOfSums === null ? [] : [['1′', 'uncached tiles, whole set\'s time ÷ its SQL time (context: big tiles weigh most)',
        `${ms(tileRows.reduce((a, r) => a + r.endpointMs, 0))} ms`, `${ms(tileRows.reduce((a, r) => a + r.mvtSqlMs, 0))} ms`, `${fmt(tileRatioOfSums, 2)}×`,
        `≤ ${GOALS.tileRatio}`, verdict(tileRatioOfSums <= GOALS.tileRatio)]]),
      ...itemRows.map((r) => [`2${r.variant === 'all' ? 'a' : 'b'}`, `items ${r.query} (${r.encoding === 'identity' ? 'no compression' : `browser Accept-Encoding → ${r.contentEncoding}`}) ÷ SQL`,
        `${ms(r.endpointMs)} ms`, `${ms(r.sqlBothMs)} ms`, `${fmt(r.ratio, 2)}×`, `≤ ${GOALS.itemsRatio}`, verdict(r.ratio <= GOALS.itemsRatio)]),
      ...(mix && rpsRatio !== null ? [['3', `cached tiles req/s ÷ bare Fastify (the ${x.tileResults.length || TILE_SET.length} tiles' sizes in turn)`,
        `${fmt(mix.rps, 0)} req/s`, `${fmt(row('hello-mix')!.rps, 0)} req/s`, `${fmt(rpsRatio, 2)}×`, `≥ ${GOALS.rpsRatio}`, verdict(rpsRatio >= GOALS.rpsRatio)]] : []),
      ...(one && ratioOf('maillage-one') !== null ? [['3′', 'one small cached tile req/s ÷ bare Fastify, same size (context)', `${fmt(one.rps, 0)} req/s`,
        `${fmt(row('hello-one')!.rps, 0)} req/s`, `${fmt(ratioOf('maillage-one'), 2)}×`, `≥ ${GOALS.rpsRatio}`, verdict(ratioOf('maillage-one')! >= GOALS.rpsRatio)]] : []),
      ...(x.exportWanted ? exportRows.map((r, i) => [r.whatIf ? '4′' : `4${'ab'[i]}`,
        `${r.whatIf ? 'what-if: ' : ''}export ${x.exportPath} (${r.encoding === 'browser' ? `browser Accept-Encoding → ${r.contentEncoding ?? '?'}` : r.encoding === 'identity' ? 'no compression' : r.encoding}): server RSS before → peak`,
        r.peakMB === null ? '—' : `${fmt(r.beforeMB, 0)} → ${fmt(r.peakMB, 0)} MB`, '—',
        r.peakMB === null ? (x.exportNote ?? 'not measured') : `${fmt(r.peakMB, 0)} MB peak`, `≤ ${GOALS.exportMB} MB`,
        verdict(r.peakMB === null ? null : r.peakMB <= GOALS.exportMB)]) : []),
    ],
    [false, false, true, true, true, false, false],
  );
  const kib = (v: number | undefined) => fmt(v === undefined ? null : v / 1024, 0);
  const exportTable = x.exportSamples.length ? markdownTable(
    ['run', 'Accept-Encoding → sent', 'body MB', 's', 'RSS before MiB', 'peak RSS MiB (maxRSS / GNU time)', 'peak V8 heap total / used MiB', 'peak Buffers MiB', 'peak RSS − heap − Buffers MiB'],
    x.exportSamples.map((s, i) => [String(i + 1), `${s.encoding} → ${s.contentEncoding}`, fmt(s.bytes / 1e6), fmt(s.seconds, 2), fmt(s.rssBeforeMiB, 0),
      `${fmt(s.peakRssMiB, 0)} / ${fmt(s.gnuPeakRssMiB, 0)}`, `${kib(s.peakParts?.heapTotal)} / ${kib(s.peakParts?.heapUsed)}`, kib(s.peakParts?.arrayBuffers),
      s.peakParts ? kib(s.peakParts.rss - s.peakParts.heapTotal - s.peakParts.arrayBuffers) : '—']),
    [false, false, true, true, true, true, true, true, true],
  ) : null;

  const busyRounds = x.latencyBusy.filter((b) => b > BUSY).length;
  if (busyRounds) x.warnings.push(`the machine was more than ${BUSY * 100} % busy (other processes) just before ${busyRounds} of ${x.latencyBusy.length} latency rounds`);
  const busyLoads = [...x.loadSamples.values()].flat().filter((s) => s.busyBefore !== null && s.busyBefore > BUSY).length;
  if (busyLoads) x.warnings.push(`the machine was more than ${BUSY * 100} % busy (other processes) just before ${busyLoads} load runs`);

  console.log(`\nAPI benchmark — ${x.rows.communes} communes, ${x.rows.places} places; latency: ${x.latencyRounds} rounds (fresh server each), ` +
    `load and export: ${options.runs} run(s); machine: ${m.nproc} cores, ${m.ramGiB} GiB RAM, ${m.cpu}; ` +
    `Maillage servers run with npm start's Node options: ${START_NODE_OPTIONS.join(' ') || '(none)'}\n`);
  console.log(summary);
  if (tileRows.length) {
    console.log('\n1. Uncached tiles (tile cache off, fresh server process per round, Accept-Encoding: gzip), medians in ms:\n');
    console.log(tileTable);
    console.log('\n"endpoint" = client time to the last byte over HTTP on 127.0.0.1; "mvtTile SQL" = repository\'s mvtTile() from this process (same SQL, same pg driver);' +
      ' the server columns split the endpoint in the server (traced pg queries): routing/validation, the mvt query, pack (packTile: gzip level 1 + sha256,' +
      ' and the cache), send; "client − server" = HTTP on loopback and the client. "packTile alone / gzip-6 alone" = packTile() and gzip level 6 on the same MVT bytes in this process.' +
      ' EXPLAIN = PostgreSQL\'s own execution time (EXPLAIN ANALYZE on a warm connection, once).');
  }
  if (itemRows.length) {
    console.log('\n2. GeoJSON items of communes, medians in ms:\n');
    console.log(itemTable);
    console.log('\n"SQL count‖page" = countFeatures and the whole page in one query (the features as JSON text built by PostgreSQL) at once from this process; "DB" = first query start to last query end in the server (the endpoint reads pages of 1,000 while it sends, so DB overlaps sending)' +
      ' (pg parses the rows inside it); "build JSON" = until the body is handed to Node\'s http response; "send" = until it is handed to the kernel (compression included).');
    if (compressTable) {
      console.log('\nThe same items body compressed on its own, in one call (a floor for what @fastify/compress adds):\n');
      console.log(compressTable);
    }
  }
  if (loadRows.length) {
    console.log(`\n3. Cached tiles under load (autocannon, ${LOAD.connections} connections, ${LOAD.seconds} s, Accept-Encoding: gzip; ` +
      `${x.pin ? 'servers on core 0, autocannon on core 1, PostgreSQL on either' : 'no pinning'}):\n`);
    console.log(loadTable);
    console.log(`Tile response sizes (gzip B, in turn): ${x.tileGzipBytes.join(', ')}. CPU µs/req = cores used ÷ req/s: what one request costs each process,` +
      ' a measure that holds when other processes take CPU from the servers (the req/s do not).');
  }
  if (exportTable) {
    console.log(`\n4. Export ${x.exportPath}, one fresh server per run (peaks of the parts sampled every 10 ms; they need not coincide):\n`);
    console.log(exportTable);
  }
  for (const w of x.warnings) console.log(`warning: ${w}`);

  mkdirSync(options.resultsDir, { recursive: true });
  const file = join(options.resultsDir, `api-${new Date().toISOString().slice(0, 19).replace(/:/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify({
    benchmark: 'api',
    date: new Date().toISOString(),
    command: ['node', ...process.argv.slice(1).map((a) => (a.startsWith('/') ? relative(repoRoot, a) : a))].join(' '),
    runs: options.runs,
    latencyRounds: x.latencyRounds,
    elapsedS: Math.round(x.elapsedS),
    machine: m,
    versions: x.versions,
    git: gitState(['api', 'sql', 'bench']),
    data: x.rows,
    importS: x.importS,
    pinned: x.pin,
    serverNodeOptions: START_NODE_OPTIONS,
    goals: GOALS,
    results: {
      tiles: { ratio: tileRatio, ratioOfSums: tileRatioOfSums, rows: tileRows },
      items: itemRows,
      cachedLoad: { connections: LOAD.connections, seconds: LOAD.seconds, tileGzipBytes: x.tileGzipBytes, ratio: rpsRatio, rows: loadRows },
      export: { path: x.exportPath, note: x.exportNote, rows: exportRows, samples: x.exportSamples },
    },
    explain: x.explained,
    warnings: x.warnings,
    tables: { summary, tiles: tileTable, items: itemTable, compression: compressTable, load: loadTable, export: exportTable },
  }, null, 2)}\n`);
  console.log(`\nresults: ${relative(repoRoot, file)} (${Math.round(x.elapsedS)} s in all)`);
}
