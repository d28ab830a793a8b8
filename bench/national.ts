// National scale (issue #8), on a throwaway PostGIS server (bench/lib/postgis.ts):
//   1. imports     all communes of France and every `*_poi_osm_2019*` file of the bundle (plus the
//                  regional tiers-lieux and the France services, which the eight-category needs
//                  analysis reads), each through the CLI (`node importers/src/cli.ts …`) in its
//                  own process, timed with its peak RSS and the server's CPU
//   2. points      a synthetic national point layer: MAILLAGE_NATIONAL_POINTS (default 2,000,000)
//                  points shared among the communes in proportion to their population (largest
//                  remainder), placed uniformly inside each commune polygon by ST_GeneratePoints
//                  in PostGIS, written as a gzipped lon/lat CSV in a temporary folder, then
//                  imported by the generic importer (`cli.ts generic --layer places`) as
//                  category `other_shop` (no needs analysis here reads it) of its own source
//   3. tiles       /api/tiles/{places,communes}/{z}/{x}/{y}.mvt at z6, z10, z14 on an API server
//                  child (bench/lib/api-procs.ts): first request (tile cache cold) and repeated
//                  (cached), then the repository's SQL (mvtTile) run from this process
//   4. needs       /api/analysis/needs?scope=france, one and eight categories, --runs times
// The imports run whenever any case runs: the other cases need the data. Prints one Markdown
// table per part; writes bench/results/national-<date>.json. Run:
//   MAILLAGE_NATIONAL_POINTS=200000 node bench/run.ts --only national   (a quick run)
// MAILLAGE_BENCH_NATIONAL_URL=postgres://… reuses a database already loaded so (parts 1–2 skipped).
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip, gunzipSync } from 'node:zlib';
import { sql } from '../sql/node_modules/kysely/dist/index.js';
import { requireLayer } from '../api/src/layers/registry.ts';
import { mvtTile } from '../api/src/repositories/tiles.repository.ts';
import { lonLatToTile, type TileCoord } from '../api/src/tiles/grid.ts';
import { DEFAULT_TILE_OPTIONS } from '../api/src/tiles/layout.ts';
import { dataDir } from '../importers/src/demo.ts';
import { createDb, type DbHandle } from '../sql/src/index.ts';
import { psqlAt, serverStats, startServer, timedGet, type ServerChild, type Timed } from './lib/api-procs.ts';
import type { ServerStats } from './lib/api-server.ts';
import type { Benchmark, BenchOptions } from './lib/bench.ts';
import { gitState, machine, repoRoot } from './lib/machine.ts';
import { hasGnuTime, measure, type Sample } from './lib/measure.ts';
import { BenchServer, postgisAvailable } from './lib/postgis.ts';
import { fmt, markdownTable, median } from './lib/stats.ts';

const CASES = ['imports', 'points', 'tiles', 'needs'] as const;
type CaseId = (typeof CASES)[number];

export const benchmark: Benchmark = {
  name: 'national',
  description: 'national scale: communes of France + OSM places + N synthetic points (MAILLAGE_NATIONAL_POINTS, default 2,000,000): imports, tiles, needs',
  cases: CASES,
  run,
};

const CLI = join(repoRoot, 'importers', 'src', 'cli.ts');
const DATABASE = 'bench_national';
const FILES = {
  polygons: 'communes_metropole_2018.geojson.gz',
  list: 'communes_france_2026.csv',
  epci: 'epci_france_2026.csv',
  tiersLieux: 'paysdelaloire_hors85_tiers_lieux_2022.geojson',
  franceServices: 'programme_france_services_2020.geojson',
} as const;
/** The synthetic layer: its own source, and a category the needs cases below never ask for. */
const SYNTHETIC = { source: 'bench_national_synthetic', category: 'other_shop', table: 'bench_national_points', seed: 8 } as const;
const EIGHT = ['cafe_bar', 'grocery', 'bakery', 'pharmacy', 'tobacco_press', 'restaurant', 'tiers_lieux', 'france_services'];
const ZOOMS = [6, 10, 14] as const;
/** Tiles per zoom (z6 has fewer: metropolitan France spans about ten z6 tiles, all taken). */
const TILES_PER_ZOOM = 24;
/** Cached requests per tile after the first; the per-tile median is kept. */
const WARM_REPEATS = 3;
const GZIP = { 'accept-encoding': 'gzip' } as const;

function pointCount(): number {
  const raw = process.env.MAILLAGE_NATIONAL_POINTS ?? '2000000';
  const n = Number(raw.replace(/[_\s]/g, ''));
  if (!Number.isInteger(n) || n < 1) throw new Error(`MAILLAGE_NATIONAL_POINTS must be a whole number ≥ 1, got "${raw}"`);
  return n;
}

/** Nearest-rank percentile (p in 0..1). */
function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))]!;
}

/** A small seeded generator (mulberry32): the same tile sample on every run. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const load = () => loadavg().map((x) => x.toFixed(1)).join(' ');
const load1 = () => loadavg()[0]!.toFixed(1);
const seconds = (t0: number) => (performance.now() - t0) / 1000;

interface ImportRow {
  label: string;
  input: string;
  command: string;
  sample: Sample | null;
  /** From the import_runs row the import wrote: counts and runImport's own duration. */
  run: { outcome: string; read: number; inserted: number; updated: number; rejected: number; durationMs: number } | null;
  /** 1-minute load average before and after the import. */
  loadBefore: string;
  loadAfter?: string;
  error?: string;
}

interface TileSample {
  path: string;
  status: number;
  ms: number;
  bytes: number;
  error?: string;
}

interface TileRow {
  layer: 'places' | 'communes';
  z: number;
  tiles: number;
  cold: TileSample[];
  /** Per tile: median of the cached requests. */
  warmMs: number[];
  sqlMs: number[];
  sqlErrors: string[];
}

interface NeedsRow {
  label: string;
  path: string;
  samples: { status: number; s: number; gzipBytes: number; jsonBytes: number; error?: string }[];
  features: number | null;
}

async function run(options: BenchOptions): Promise<void> {
  const want = (c: CaseId) => options.selected(`national/${c}`);
  if (!CASES.some(want)) return;
  const points = pointCount();
  const data = dataDir();
  const reuse = process.env.MAILLAGE_BENCH_NATIONAL_URL;
  const osmFiles = readdirSync(data).filter((f) => /_poi_osm_2019/.test(f)).sort();
  const missing = [...Object.values(FILES).filter((f) => !existsSync(join(data, f))), ...(osmFiles.length ? [] : ['*_poi_osm_2019*'])];
  if (!reuse && missing.length) throw new Error(`data bundle files not found in ${data}: ${missing.join(', ')} (set MAILLAGE_DATA_DIR)`);
  if (!reuse && !postgisAvailable()) throw new Error('PostGIS is not installed (Debian: apt-get install -y postgresql-15-postgis-3)');

  const began = performance.now();
  const notes: string[] = [`points asked: ${points.toLocaleString('en')} (MAILLAGE_NATIONAL_POINTS)`, `load average (1, 5, 15 min) at the start: ${load()} on ${machine().nproc} cores`];
  const failures: string[] = [];
  const imports: ImportRow[] = [];
  const generation: Record<string, unknown> = {};
  const tileRows: TileRow[] = [];
  const needsRows: NeedsRow[] = [];
  const serverMemory: Record<string, ServerStats> = {};
  const tmp = mkdtempSync(join(tmpdir(), 'maillage-bench-national-'));
  let server: BenchServer | undefined;
  let handle: DbHandle | undefined;
  let api: ServerChild | undefined;
  const cleanup = async () => {
    const [a, h, s] = [api, handle, server];
    api = undefined;
    handle = undefined;
    server = undefined;
    await a?.stop().catch(() => undefined);
    await h?.close().catch(() => undefined);
    await s?.stop();
    rmSync(tmp, { recursive: true, force: true });
  };
  const onSignal = () => {
    void cleanup().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  try {
    if (!reuse) {
      server = await BenchServer.start();
      server.createDatabase(DATABASE);
      console.log(`PostGIS server on 127.0.0.1:${server.port}: ${server.postgisVersion()}`);
    }
    const url = reuse ?? server!.url(DATABASE);
    const psql = (command: string) => psqlAt(url, command);

    // ---- 1. imports, each one CLI process as an operator would run it.
    const cliImport = async (label: string, input: string, args: string[]): Promise<ImportRow> => {
      const row: ImportRow = { label, input, command: `node importers/src/cli.ts ${args.map((a) => (a.startsWith('/') ? relative(repoRoot, a) : a)).join(' ')} --database-url <url>`, sample: null, run: null, loadBefore: load1() };
      server?.checkpoint();
      const before = server?.cpuSeconds() ?? null;
      try {
        const sample = await measure({ cmd: process.execPath, args: [CLI, ...args, '--database-url', url], timeoutMs: 90 * 60_000 });
        if (server) await server.waitIdle(DATABASE);
        const after = server?.cpuSeconds() ?? null;
        row.sample = { ...sample, serverCpuS: before === null || after === null ? null : after - before };
      } catch (error) {
        row.error = String(error instanceof Error ? error.message : error).slice(0, 4000);
        failures.push(`import ${label}: ${row.error}`);
      }
      const last = psql(`SELECT json_build_object('outcome', summary->>'outcome', 'read', (summary->>'read')::int, 'inserted', inserted, 'updated', updated,
        'rejected', rejected, 'durationMs', (summary->>'durationMs')::int, 'input', input)::text FROM import_runs ORDER BY id DESC LIMIT 1`);
      const parsed = last ? JSON.parse(last) as ImportRow['run'] & { input: string } : null;
      if (parsed && parsed.input.endsWith(input)) row.run = parsed;
      row.loadAfter = load1();
      const s = row.sample;
      console.log(`  import ${label}: ${s ? `${fmt(s.wallS, 1)} s, ${fmt(s.rssMiB, 0)} MiB` : 'FAILED'}` +
        (row.run ? `, ${row.run.outcome}, read ${row.run.read}, inserted ${row.run.inserted}, updated ${row.run.updated}, rejected ${row.run.rejected}, runImport ${fmt(row.run.durationMs / 1000, 1)} s` : ''));
      imports.push(row);
      return row;
    };

    if (!reuse) {
      console.log(`\n  1. imports (load average ${load()})`);
      const communes = await cliImport('communes of France + EPCI', FILES.polygons,
        ['communes', join(data, FILES.polygons), '--list', join(data, FILES.list), '--epci', join(data, FILES.epci), '--departements', 'all']);
      if (!communes.sample) throw new Error('the communes import failed: nothing else can run');
      // The steady state of a portal that has its communes (the bench server runs without autovacuum).
      psql('ANALYZE');
      for (const f of osmFiles) await cliImport(`OSM places ${f}`, f, ['osm-points', join(data, f)]);
      await cliImport('tiers-lieux (Pays de la Loire)', FILES.tiersLieux, ['tiers-lieux', join(data, FILES.tiersLieux)]);
      await cliImport('France services', FILES.franceServices, ['programmes', join(data, FILES.franceServices), '--programme', 'france_services']);
      psql('ANALYZE');
    }

    // ---- 2. the synthetic national layer.
    if (!reuse && want('points')) {
      console.log(`\n  2. ${points.toLocaleString('en')} synthetic points (load average ${load()})`);
      server?.checkpoint();
      generation.loadBefore = load();
      // Largest remainder: floor(N·pᵢ/P) each, then one more to the largest fractions, so the total is N exactly.
      let t0 = performance.now();
      psql(`CREATE UNLOGGED TABLE ${SYNTHETIC.table} AS
        WITH c AS (SELECT code, geom, population::float8 AS p FROM communes WHERE geom IS NOT NULL AND population > 0),
        share AS (SELECT code, geom, ${points}::float8 * p / sum(p) OVER () AS exact FROM c),
        base AS (SELECT code, geom, floor(exact)::int AS n, exact - floor(exact) AS frac FROM share),
        alloc AS (SELECT code, geom, n + (row_number() OVER (ORDER BY frac DESC, code) <= ${points} - sum(n) OVER ())::int AS n FROM base)
        SELECT row_number() OVER () AS i, a.code, d.geom
        FROM alloc a CROSS JOIN LATERAL ST_Dump(ST_GeneratePoints(a.geom, a.n, ${SYNTHETIC.seed})) d
        WHERE a.n > 0`);
      generation.generateS = seconds(t0);
      const stats = JSON.parse(psql(`SELECT json_build_object('points', count(*), 'communes', count(DISTINCT code),
        'communesWithPolygonAndPopulation', (SELECT count(*) FROM communes WHERE geom IS NOT NULL AND population > 0),
        'maxPerCommune', (SELECT max(n) FROM (SELECT count(*) AS n FROM ${SYNTHETIC.table} GROUP BY code) m))::text FROM ${SYNTHETIC.table}`)) as Record<string, number>;
      Object.assign(generation, stats);
      console.log(`  generated ${stats.points} points in ${stats.communes} communes in ${fmt(generation.generateS as number, 1)} s (ST_GeneratePoints)`);
      if (stats.points !== points) {
        notes.push(`${stats.points} points generated for ${points} asked: ST_GeneratePoints shares a MultiPolygon's points among its parts by area, rounding each part's share`);
      }

      const file = join(tmp, `synthetic-${points}.csv.gz`);
      t0 = performance.now();
      await copyToGzip(url, `COPY (SELECT 'nat-' || i AS id, '${SYNTHETIC.category}' AS category, round(ST_X(geom)::numeric, 6) AS lon, round(ST_Y(geom)::numeric, 6) AS lat
        FROM ${SYNTHETIC.table}) TO STDOUT WITH (FORMAT csv, HEADER)`, file);
      generation.writeS = seconds(t0);
      generation.fileMB = statSync(file).size / 1e6;
      console.log(`  wrote ${fmt(generation.fileMB as number, 1)} MB (CSV, gzip) in ${fmt(generation.writeS as number, 1)} s`);

      const imported = await cliImport(`generic: ${points.toLocaleString('en')} synthetic points → places`, file, ['generic', file, '--layer', 'places',
        '--map', 'id=id,category=category', '--source-key', SYNTHETIC.source, '--title', 'Points synthétiques (benchmark national)',
        '--licence', 'Licence Ouverte 2.0', '--attribution', 'Synthétique : IGN Admin Express COG 2018, INSEE populations légales']);
      generation.import = imported;
      if (imported.run?.outcome === 'committed') {
        // Is every point in the commune it was generated in? (Not timed.)
        generation.check = JSON.parse(psql(`SELECT json_build_object('rows', count(*), 'noCommune', count(*) FILTER (WHERE p.commune_code IS NULL),
          'otherCommune', count(*) FILTER (WHERE p.commune_code IS DISTINCT FROM b.code))::text
          FROM places p JOIN ${SYNTHETIC.table} b ON p.source_id = 'nat-' || b.i WHERE p.source = '${SYNTHETIC.source}'`));
        console.log(`  check: ${JSON.stringify(generation.check)}`);
      }
      psql(`DROP TABLE ${SYNTHETIC.table}`);
      const t1 = performance.now();
      psql('VACUUM ANALYZE places');
      generation.vacuumAnalyzeS = seconds(t1);
      generation.placesTableMB = Number(psql(`SELECT pg_total_relation_size('places') / 1e6`));
      notes.push(`after the synthetic import, VACUUM ANALYZE places took ${fmt(generation.vacuumAnalyzeS as number, 1)} s (not in the import time; the bench server has autovacuum off); places with its indexes: ${fmt(generation.placesTableMB as number, 0)} MB`);
      rmSync(file, { force: true });
    }

    handle = await createDb({ url, migrate: false, poolSize: 2 });
    const db = handle.db;
    const counts = JSON.parse(psql(`SELECT json_build_object('communes', (SELECT count(*) FROM communes), 'communesWithPoint', (SELECT count(*) FROM communes WHERE point IS NOT NULL),
      'places', (SELECT count(*) FROM places), 'synthetic', (SELECT count(*) FROM places WHERE source = '${SYNTHETIC.source}'),
      'tiersLieux', (SELECT count(*) FROM tiers_lieux), 'franceServices', (SELECT count(*) FROM programmes WHERE programme = 'france_services'))::text`)) as Record<string, number>;
    console.log(`  database: ${JSON.stringify(counts)}`);

    // ---- 3 and 4 on one API server child.
    if (want('tiles') || want('needs')) {
      api = await startServer({ mode: 'app', url });
      serverMemory.started = await serverStats(api.base);
    }
    if (api && want('tiles')) {
      console.log(`\n  3. tiles (load average ${load()})`);
      const sets = await tileSample(db, counts.synthetic! > 0 ? SYNTHETIC.source : null);
      for (const [z, tiles] of sets) {
        if (tiles.length < TILES_PER_ZOOM) notes.push(`z${z}: ${tiles.length} tiles measured, every z${z} tile that holds a commune's representative point (no more exist)`);
      }
      // Warm-up: the server's first queries (pool, plans) on two empty ocean tiles, not measured.
      for (const l of ['places', 'communes']) await timedGet(`${api.base}/api/tiles/${l}/14/0/0.mvt`, GZIP);
      for (const z of ZOOMS) {
        for (const layer of ['places', 'communes'] as const) {
          const tiles = sets.get(z)!;
          const row: TileRow = { layer, z, tiles: tiles.length, cold: [], warmMs: [], sqlMs: [], sqlErrors: [] };
          const path = (t: TileCoord) => `/api/tiles/${layer}/${t.z}/${t.x}/${t.y}.mvt`;
          for (const t of tiles) row.cold.push(await tileGet(api.base, path(t)));
          for (const t of tiles) {
            const warm: number[] = [];
            for (let i = 0; i < WARM_REPEATS; i++) warm.push((await tileGet(api.base, path(t))).ms);
            row.warmMs.push(median(warm));
          }
          // The repository's own SQL from this process, after the HTTP requests (data in the buffers).
          for (const t of tiles) {
            const t0 = performance.now();
            try {
              await mvtTile(db, requireLayer(layer), t, DEFAULT_TILE_OPTIONS);
              row.sqlMs.push(performance.now() - t0);
            } catch (error) {
              row.sqlErrors.push(`${path(t)}: ${String(error instanceof Error ? error.message : error).slice(0, 300)}`);
            }
          }
          const bad = row.cold.filter((s) => s.status !== 200 && s.status !== 204);
          for (const b of bad) failures.push(`tile ${b.path}: HTTP ${b.status} after ${fmt(b.ms, 0)} ms ${b.error ?? ''}`);
          for (const e of row.sqlErrors) failures.push(`tile SQL ${e}`);
          tileRows.push(row);
          console.log(`  ${layer} z${z}: ${tiles.length} tiles, cold median ${fmt(median(row.cold.map((s) => s.ms)), 1)} ms (p95 ${fmt(percentile(row.cold.map((s) => s.ms), 0.95), 1)}), ` +
            `cached ${fmt(median(row.warmMs), 2)} ms, SQL ${fmt(median(row.sqlMs), 1)} ms${bad.length ? `, ${bad.length} errors` : ''}`);
        }
      }
      serverMemory.afterTiles = await serverStats(api.base);
    }

    if (api && want('needs')) {
      console.log(`\n  4. needs, all of France (load average ${load()})`);
      for (const [label, codes] of [['one category', ['cafe_bar']], ['eight categories', EIGHT]] as const) {
        const path = `/api/analysis/needs?categories=${codes.join(',')}&max_km=5&min_population=0&scope=france`;
        const row: NeedsRow = { label, path, samples: [], features: null };
        for (let i = 0; i < options.runs; i++) {
          const r = await timedGet(api.base + path, GZIP, true).catch((error: unknown) => ({ error: String(error) }));
          if ('error' in r) {
            row.samples.push({ status: 0, s: Number.NaN, gzipBytes: 0, jsonBytes: 0, error: r.error });
            failures.push(`needs ${label}: ${r.error}`);
            continue;
          }
          const body = r.headers['content-encoding'] === 'gzip' ? gunzipSync(r.body!) : r.body!;
          const sample = { status: r.status, s: r.totalMs / 1000, gzipBytes: r.headers['content-encoding'] === 'gzip' ? r.bytes : 0, jsonBytes: body.length,
            ...(r.status === 200 ? {} : { error: body.toString('utf8').slice(0, 500) }) };
          row.samples.push(sample);
          if (r.status === 200 && row.features === null) row.features = (JSON.parse(body.toString('utf8')) as { features: unknown[] }).features.length;
          if (r.status !== 200) failures.push(`needs ${label} run ${i + 1}: HTTP ${r.status} after ${fmt(sample.s, 1)} s: ${sample.error}`);
          console.log(`  ${label} run ${i + 1}: HTTP ${r.status} ${fmt(sample.s, 2)} s, ${fmt(sample.jsonBytes / 1e6, 1)} MB JSON (${fmt(sample.gzipBytes / 1e6, 2)} MB gzip)`);
        }
        needsRows.push(row);
      }
      serverMemory.afterNeeds = await serverStats(api.base);
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    const versions = { postgis: server?.postgisVersion() ?? null, postgres: server?.psql('SHOW server_version') ?? null };
    await cleanup();
    notes.push(`load average (1, 5, 15 min) at the end: ${load()}`);
    report({ options, points, imports, generation, tileRows, needsRows, serverMemory, notes, failures, versions, elapsedS: seconds(began) });
  }
}

/** Streams a COPY … TO STDOUT through psql into a gzip file. */
async function copyToGzip(url: string, copy: string, file: string): Promise<void> {
  const psql = ['/usr/lib/postgresql/15/bin/psql', '/usr/bin/psql'].find((p) => existsSync(p)) ?? 'psql';
  const child = spawn(psql, ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', url, '-c', copy], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.on('data', (c: Buffer) => {
    err = (err + c.toString('utf8')).slice(-2000);
  });
  const closed = new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve);
  });
  await pipeline(child.stdout, createGzip(), createWriteStream(file));
  const code = await closed;
  if (code !== 0) throw new Error(`psql COPY failed (${code}): ${err}`);
}

async function tileGet(base: string, path: string): Promise<TileSample> {
  try {
    const r: Timed = await timedGet(base + path, GZIP, true);
    return { path, status: r.status, ms: r.totalMs, bytes: r.bytes, ...(r.status >= 400 ? { error: r.body?.toString('utf8').slice(0, 300) } : {}) };
  } catch (error) {
    return { path, status: 0, ms: Number.NaN, bytes: 0, error: String(error) };
  }
}

/**
 * The tiles measured. z6: every tile holding a commune's representative point (metropolitan
 * France is about ten). z10 and z14: TILES_PER_ZOOM distinct tiles, half around random points
 * of the synthetic layer (so weighted by population: towns) and half around a point of a random
 * commune (uniform over communes: mostly the countryside), drawn with a fixed seed.
 */
async function tileSample(db: DbHandle['db'], source: string | null): Promise<Map<number, TileCoord[]>> {
  const communes = (await sql<{ code: string; lon: number; lat: number }>`SELECT code, ST_X(point) AS lon, ST_Y(point) AS lat FROM communes WHERE point IS NOT NULL ORDER BY code`.execute(db)).rows;
  const key = (t: TileCoord) => `${t.z}/${t.x}/${t.y}`;
  const sets = new Map<number, TileCoord[]>();
  const z6 = new Map<string, TileCoord>();
  for (const c of communes) {
    const t = lonLatToTile(c.lon, c.lat, 6);
    z6.set(key(t), t);
  }
  sets.set(6, [...z6.values()].sort((a, b) => a.x - b.x || a.y - b.y));

  const bySource = source === null ? sql`TRUE` : sql`source = ${source}`;
  const total = Number((await sql<{ n: string }>`SELECT count(*) AS n FROM places WHERE ${bySource}`.execute(db)).rows[0]!.n);
  const pct = Math.min(100, (4000 / Math.max(1, total)) * 100);
  const pool = (await sql<{ lon: number; lat: number }>`SELECT ST_X(geom) AS lon, ST_Y(geom) AS lat FROM places TABLESAMPLE BERNOULLI (${sql.lit(pct)}) REPEATABLE (8) WHERE ${bySource}`.execute(db)).rows;
  for (const z of ZOOMS.filter((zz) => zz !== 6)) {
    const random = seeded(z);
    const chosen = new Map<string, TileCoord>();
    let fromPool = 0;
    for (let attempt = 0; chosen.size < TILES_PER_ZOOM && attempt < 2000; attempt++) {
      let at: { lon: number; lat: number } | undefined;
      if (attempt % 2 === 0) {
        at = pool[fromPool++];
      } else {
        const c = communes[Math.floor(random() * communes.length)]!;
        at = (await sql<{ lon: number; lat: number }>`SELECT ST_X(geom) AS lon, ST_Y(geom) AS lat FROM places WHERE commune_code = ${c.code} AND ${bySource} LIMIT 1`.execute(db)).rows[0];
      }
      if (!at) continue;
      const t = lonLatToTile(at.lon, at.lat, z);
      chosen.set(key(t), t);
    }
    sets.set(z, [...chosen.values()]);
  }
  return sets;
}

interface Report {
  options: BenchOptions;
  points: number;
  imports: ImportRow[];
  generation: Record<string, unknown>;
  tileRows: TileRow[];
  needsRows: NeedsRow[];
  serverMemory: Record<string, ServerStats>;
  notes: string[];
  failures: string[];
  versions: { postgis: string | null; postgres: string | null };
  elapsedS: number;
}

function report(r: Report): void {
  const m = machine();
  console.log(`\nNational-scale benchmark — ${m.nproc} cores, ${m.ramGiB} GiB RAM, ${m.cpu}; machine shared with other work (load averages below)\n`);
  const importRows = r.imports.map((i) => {
    const rows = i.run ? i.run.inserted + i.run.updated : null;
    const runS = i.run ? i.run.durationMs / 1000 : null;
    const s = i.sample;
    return [i.label, i.run ? `${i.run.outcome}: read ${i.run.read}, inserted ${i.run.inserted}, updated ${i.run.updated}, rejected ${i.run.rejected}` : i.error ? 'FAILED' : '—',
      fmt(s?.wallS, 1), fmt(runS, 1), i.run && runS ? fmt(i.run.read / runS, 0) : '—', rows !== null && runS ? fmt(rows / runS, 0) : '—',
      fmt(s?.rssMiB, 0), s ? `${fmt(s.cpuS, 1)} + ${fmt(s.serverCpuS, 1)}` : '—', `${i.loadBefore} → ${i.loadAfter ?? '—'}`];
  });
  if (importRows.length) {
    console.log('Part 1–2 — imports (each one `node importers/src/cli.ts …` process; wall = whole process, runImport = the import\'s own duration)\n');
    console.log(markdownTable(['import', 'outcome', 'wall s', 'runImport s', 'rows read/s', 'rows written/s', 'peak RSS MiB', 'CPU s client + server', 'load (1 min) before → after'],
      importRows, [false, false, true, true, true, true, true, true, false]));
  }
  const g = r.generation;
  if (g.generateS !== undefined) {
    const imp = g.import as ImportRow | undefined;
    const n = Number(g.points);
    console.log(`\nPart 2 — synthetic national layer (${fmt(n, 0)} points in ${g.communes as number} communes, ≤ ${g.maxPerCommune as number} per commune)\n`);
    const cpu = imp?.sample?.cpuS === null || imp?.sample?.cpuS === undefined ? null : imp.sample.cpuS + (imp.sample.serverCpuS ?? 0);
    console.log(markdownTable(['step', 'how', 's', 'points/s'], [
      ['generate', 'SQL: largest-remainder share of N by population, ST_GeneratePoints(commune polygon, n, seed 8) into an UNLOGGED table', fmt(g.generateS as number, 1), fmt(n / (g.generateS as number), 0)],
      ['write file', `psql COPY … TO STDOUT (id, category, lon, lat; 6 decimals) → gzip: ${fmt(g.fileMB as number, 1)} MB`, fmt(g.writeS as number, 1), fmt(n / (g.writeS as number), 0)],
      ['import (process)', 'node importers/src/cli.ts generic <csv.gz> --layer places --map id=id,category=category …', fmt(imp?.sample?.wallS, 1), imp?.sample ? fmt(n / imp.sample.wallS, 0) : '—'],
      ['import (runImport)', imp?.run ? `${imp.run.outcome}; peak RSS ${fmt(imp.sample?.rssMiB, 0)} MiB; CPU ${fmt(imp.sample?.cpuS, 1)} s client + ${fmt(imp.sample?.serverCpuS, 1)} s server = ${fmt(cpu === null ? null : (cpu / n) * 1e6, 0)} µs per point` : 'FAILED', fmt(imp?.run ? imp.run.durationMs / 1000 : null, 1), imp?.run ? fmt(n / (imp.run.durationMs / 1000), 0) : '—'],
    ], [false, false, true, true]));
    if (g.check) console.log(`\ncheck after import: ${JSON.stringify(g.check)} (otherCommune: stored commune ≠ the one the point was generated in)`);
  }
  if (r.tileRows.length) {
    console.log('\nPart 3 — tiles over HTTP (gzip accepted); cold = first request of the tile in this server (tile cache miss), cached = median of 3 repeats; SQL = mvtTile() from the bench process afterwards\n');
    console.log(markdownTable(['layer', 'z', 'tiles', 'cold median ms', 'cold p95 ms', 'cold max ms', 'cached median ms', 'cached p95 ms', 'SQL median ms', 'SQL p95 ms', 'gzip KB median', 'HTTP status', 'slowest cold'],
      r.tileRows.map((t) => {
        const cold = t.cold.map((s) => s.ms).filter(Number.isFinite);
        const statuses = new Map<number, number>();
        for (const s of t.cold) statuses.set(s.status, (statuses.get(s.status) ?? 0) + 1);
        const slowest = [...t.cold].sort((a, b) => b.ms - a.ms)[0];
        return [t.layer, String(t.z), String(t.tiles), fmt(median(cold), 1), fmt(percentile(cold, 0.95), 1), fmt(Math.max(...cold), 1), fmt(median(t.warmMs), 2), fmt(percentile(t.warmMs, 0.95), 2),
          fmt(median(t.sqlMs), 1), fmt(percentile(t.sqlMs, 0.95), 1), fmt(median(t.cold.map((s) => s.bytes)) / 1024, 1), [...statuses].map(([k, v]) => `${k}×${v}`).join(' '),
          slowest ? `${slowest.path.replace(/^\/api\/tiles\/[a-z_]+\//, '')} ${fmt(slowest.ms, 0)} ms` : '—'];
      }), [false, true, true, true, true, true, true, true, true, true, true, false, false]));
  }
  if (r.needsRows.length) {
    console.log('\nPart 4 — GET /api/analysis/needs?…&max_km=5&min_population=0&scope=france (gzip accepted), no warm-up\n');
    console.log(markdownTable(['request', 'runs', 'median s', 'min–max s', 'HTTP status', 'features', 'JSON MB', 'gzip MB'], r.needsRows.map((n) => {
      const ok = n.samples.filter((s) => s.status === 200).map((s) => s.s);
      const one = n.samples.find((s) => s.status === 200);
      return [n.label, String(n.samples.length), fmt(median(ok), 2), ok.length ? `${fmt(Math.min(...ok), 2)}–${fmt(Math.max(...ok), 2)}` : '—',
        n.samples.map((s) => s.status).join(' '), String(n.features ?? '—'), fmt(one ? one.jsonBytes / 1e6 : null, 1), fmt(one ? one.gzipBytes / 1e6 : null, 2)];
    }), [false, true, true, true, false, true, true, true]));
  }
  const mem = Object.entries(r.serverMemory).map(([k, v]) => `${k}: RSS ${fmt(v.rssKiB / 1024, 0)} MiB (peak ${fmt(v.maxRssKiB / 1024, 0)} MiB)`);
  if (mem.length) console.log(`\nAPI server memory — ${mem.join('; ')}`);
  for (const n of r.notes) console.log(`note: ${n}`);
  if (!hasGnuTime()) console.log('note: GNU time is missing: peak RSS and client CPU of the import processes are not measured');
  for (const f of r.failures) console.log(`FAILURE: ${f}`);

  mkdirSync(r.options.resultsDir, { recursive: true });
  const file = join(r.options.resultsDir, `national-${new Date().toISOString().slice(0, 19).replaceAll(':', '-')}.json`);
  writeFileSync(file, `${JSON.stringify({
    benchmark: 'national', date: new Date().toISOString(),
    command: ['node', ...process.argv.slice(1).map((a) => (a.startsWith('/') ? relative(repoRoot, a) : a))].join(' '),
    points: r.points, runs: r.options.runs, elapsedS: Math.round(r.elapsedS), machine: m, versions: r.versions,
    git: gitState(['importers', 'sql', 'api', 'bench']), imports: r.imports, generation: r.generation, tiles: r.tileRows, needs: r.needsRows,
    serverMemory: r.serverMemory, notes: r.notes, failures: r.failures,
  }, null, 2)}\n`);
  console.log(`\nresults: ${relative(repoRoot, file)} (${Math.round(r.elapsedS)} s in all)`);
}

