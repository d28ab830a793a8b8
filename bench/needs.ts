// The unmet-needs analysis (sql/src/analysis/needs.ts, GET /api/analysis/needs) at national
// scale. On a throwaway PostGIS server (bench/lib/postgis.ts) loaded as bench/import.ts loads
// it — all communes of France (bench/lib/import-child.ts) and the Pays de la Loire places —
// plus the tiers-lieux of the region and every France services site, then ANALYZEd:
//   1. one-category     café for every commune of France (goal ≤ 2 s)
//   2. eight-categories eight categories for every commune of France (goal ≤ 15 s)
//   3. unindexed        one category for Mayenne with and without the GiST indexes
//                       (enable_indexscan/bitmapscan off), plans shown: the ratio
//   4. endpoint         GET /api/analysis/needs over HTTP ÷ the analysis function ÷ SQL
//   5. pglite-mayenne   the demo territory in embedded PGlite: one and eight categories, Mayenne
// Each case: --runs timed runs after one warm-up; the median is reported beside the physical
// limit, the server's own execution time of the same SQL (EXPLAIN ANALYZE). Writes
// bench/results/needs-<date>.json. Run: `node bench/run.ts --only needs`.
// MAILLAGE_BENCH_NEEDS_URL=postgres://… reuses a database already loaded so (no import).
import { existsSync, mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { sql, type Kysely } from '../sql/node_modules/kysely/dist/index.js';
import { buildApp } from '../api/src/app.ts';
import { dataDir, loadDemo } from '../importers/src/demo.ts';
import { programmes, runImport, tiersLieux } from '../importers/src/index.ts';
import {
  createDb, type Database, type DbHandle, needCategories, needsAnalysis, nearestByCategory, nearestQuery, parseScope, type Scope, withoutJit,
} from '../sql/src/index.ts';
import type { Benchmark, BenchOptions } from './lib/bench.ts';
import type { ChildReport } from './lib/import-child.ts';
import { gitState, machine, repoRoot } from './lib/machine.ts';
import { measure } from './lib/measure.ts';
import { BenchServer, postgisAvailable } from './lib/postgis.ts';
import { fmt, markdownTable, median } from './lib/stats.ts';

const CASES = ['one-category', 'eight-categories', 'unindexed', 'endpoint', 'pglite-mayenne'] as const;
type CaseId = (typeof CASES)[number];

export const benchmark: Benchmark = {
  name: 'needs',
  description: 'unmet-needs analysis: all communes of France on PostGIS (1 and 8 categories), indexed ÷ unindexed, endpoint ÷ SQL, Mayenne on PGlite',
  cases: CASES,
  run,
};

const GOALS = { one: 2, eight: 15 } as const;
const EIGHT = ['cafe_bar', 'grocery', 'bakery', 'pharmacy', 'tobacco_press', 'restaurant', 'tiers_lieux', 'france_services'];
const FRANCE: Scope = { kind: 'france' };
const MAYENNE = parseScope('departement:53');
const IMPORT_CHILD = join(repoRoot, 'bench', 'lib', 'import-child.ts');
const DATABASE = 'bench_needs';

interface Row {
  case: string;
  engine: string;
  scope: string;
  communes: number;
  categories: number;
  samples: number[];
  /** The limit the case is compared with, seconds, and what it is. */
  limit: number | null;
  limitLabel: string;
  goal: string;
  verdict: string;
}

async function timed<T>(f: () => Promise<T>): Promise<[number, T]> {
  const t0 = performance.now();
  const out = await f();
  return [(performance.now() - t0) / 1000, out];
}

async function samplesOf(runs: number, f: () => Promise<unknown>): Promise<number[]> {
  await f(); // warm-up: buffers, plans, JIT
  const out: number[] = [];
  for (let i = 0; i < runs; i++) out.push((await timed(f))[0]);
  return out;
}

/**
 * Server-side execution time (EXPLAIN ANALYZE) of the analysis's SQL, run as nearestByCategory
 * runs it (one statement per category, JIT off) but one after the other: the sum of the
 * categories' times; and the first category's plan.
 */
async function explain(db: Kysely<Database>, scope: Scope, codes: readonly string[]): Promise<{ seconds: number; plan: string }> {
  const all = await needCategories(db);
  let seconds = 0;
  let plan = '';
  for (const code of codes) {
    const category = all.find((x) => x.code === code)!;
    const r = await withoutJit(db, (q) => sql<{ 'QUERY PLAN': string }>`EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON) ${nearestQuery(scope, [category])}`.execute(q));
    const lines = r.rows.map((x) => x['QUERY PLAN']);
    seconds += Number(/Execution Time: ([\d.]+) ms/.exec(lines.join('\n'))?.[1]) / 1000;
    if (!plan) plan = lines.join('\n');
  }
  return { seconds, plan };
}

function row(c: string, engine: string, scope: string, communes: number, categories: number, samples: number[], limit: number | null, limitLabel: string, goal: number | null): Row {
  const m = median(samples);
  return {
    case: c, engine, scope, communes, categories, samples, limit, limitLabel,
    goal: goal === null ? '' : `≤ ${goal} s`,
    verdict: goal === null ? '' : m <= goal ? 'met' : 'NOT met',
  };
}

async function run(options: BenchOptions): Promise<void> {
  const want = (c: CaseId) => options.selected(`needs/${c}`);
  if (!CASES.some(want)) return;
  const data = dataDir();
  // Two shared cores: how busy the machine was is part of every figure below.
  const load = () => loadavg().map((x) => x.toFixed(1)).join(' ');
  const began = performance.now();
  const rows: Row[] = [];
  const plans: Record<string, string> = {};
  const notes: string[] = [];
  let server: BenchServer | undefined;
  let handle: DbHandle | undefined;
  try {
    const serverCases = (['one-category', 'eight-categories', 'unindexed', 'endpoint'] as const).filter(want);
    if (serverCases.length) {
      const reuse = process.env.MAILLAGE_BENCH_NEEDS_URL;
      if (!reuse && !postgisAvailable()) throw new Error('PostGIS is not installed (Debian: apt-get install -y postgresql-15-postgis-3)');
      if (!reuse) server = await BenchServer.start();
      const url = reuse ?? server!.url(DATABASE);
      if (server) {
        server.createDatabase(DATABASE);
        // All communes of France, then the regional places, as the import benchmark loads them.
        for (const job of ['communes', 'osm-points'] as const) {
          const reportFile = join(tmpdir(), `maillage-bench-needs-${process.pid}.json`);
          const sample = await measure({ cmd: process.execPath, args: [IMPORT_CHILD, '--engine', 'postgis', '--url', url, '--job', job, '--data', data, '--report', reportFile], reportFile, timeoutMs: 10 * 60_000 });
          const r = sample.report as ChildReport | undefined;
          if (!r || r.outcome !== 'committed' || !r.inserted) throw new Error(`import ${job} did not commit rows: ${JSON.stringify(r)}`);
          console.log(`  imported ${job}: ${r.inserted} rows in ${fmt(sample.wallS)} s (not measured)`);
          rmSync(reportFile, { force: true });
          server.psql('ANALYZE', DATABASE);
        }
      } else {
        notes.push('reused the database of MAILLAGE_BENCH_NEEDS_URL: not imported by this run');
      }
      handle = await createDb({ url, migrate: false, poolSize: 4 });
      const db = handle.db;
      if (server) {
        // The regional tiers-lieux and every France services site of France (not in import-child).
        for (const job of [tiersLieux(join(data, 'paysdelaloire_hors85_tiers_lieux_2022.geojson')),
          programmes(join(data, 'programme_france_services_2020.geojson'), 'france_services')]) {
          const s = await runImport(db, job);
          if (s.outcome !== 'committed') throw new Error(`import ${job.importer} rolled back`);
          console.log(`  imported ${job.importer}: ${s.inserted} rows (not measured)`);
        }
        server.psql('VACUUM ANALYZE', DATABASE);
        server.psql('CHECKPOINT', DATABASE);
      }
      const count = async (q: string) => Number((await sql<{ n: number }>`${sql.raw(q)}`.execute(db)).rows[0]!.n);
      const france = await count('SELECT count(*) AS n FROM communes WHERE point IS NOT NULL');
      const mayenne = await count("SELECT count(*) AS n FROM communes WHERE departement = '53'");
      console.log(`  ${france} communes with a point, ${await count('SELECT count(*) AS n FROM places')} places, `
        + `${await count('SELECT count(*) AS n FROM tiers_lieux')} tiers-lieux, ${await count("SELECT count(*) AS n FROM programmes WHERE programme = 'france_services'")} France services`);
      const params = (scope: Scope, categories: string[]) => ({ scope, categories, maxKm: 5, minPopulation: 0 });

      notes.push(`load average (1, 5, 15 min) before the measurements: ${load()}`);
      if (want('one-category')) {
        const ex = await explain(db, FRANCE, ['cafe_bar']);
        plans['one-category'] = ex.plan;
        const s = await samplesOf(options.runs, () => needsAnalysis(db, params(FRANCE, ['cafe_bar'])));
        rows.push(row('one-category', 'PostGIS', 'france', france, 1, s, ex.seconds, 'SQL execution (server)', GOALS.one));
        console.log(`  one-category: median ${fmt(median(s), 2)} s, SQL ${fmt(ex.seconds, 2)} s`);
      }
      if (want('eight-categories')) {
        const ex = await explain(db, FRANCE, EIGHT);
        const s = await samplesOf(options.runs, () => needsAnalysis(db, params(FRANCE, EIGHT)));
        rows.push(row('eight-categories', 'PostGIS', 'france', france, 8, s, ex.seconds, 'SQL execution (server)', GOALS.eight));
        console.log(`  eight-categories: median ${fmt(median(s), 2)} s, SQL ${fmt(ex.seconds, 2)} s`);
      }
      if (want('unindexed')) {
        const categories = (await needCategories(db)).filter((c) => c.code === 'cafe_bar');
        const indexed = await samplesOf(options.runs, () => nearestByCategory(db, MAYENNE, categories));
        // One connection, settings local to the transaction: only this query runs without indexes.
        const unindexed: number[] = [];
        let plan = '';
        for (let i = 0; i <= options.runs; i++) {
          await db.transaction().execute(async (trx) => {
            await sql`SET LOCAL enable_indexscan = off`.execute(trx);
            await sql`SET LOCAL enable_bitmapscan = off`.execute(trx);
            if (i === 0) plan = (await explain(trx, MAYENNE, ['cafe_bar'])).plan;
            const [t] = await timed(() => nearestByCategory(trx, MAYENNE, categories));
            if (i > 0) unindexed.push(t); // the first is the warm-up
          });
        }
        plans['unindexed (Mayenne, café)'] = plan;
        plans['indexed (Mayenne, café)'] = (await explain(db, MAYENNE, ['cafe_bar'])).plan;
        rows.push(row('unindexed: indexes off', 'PostGIS', 'departement:53', mayenne, 1, unindexed, median(indexed), 'the same with indexes', null));
        rows.push(row('unindexed: indexes on', 'PostGIS', 'departement:53', mayenne, 1, indexed, null, '', null));
        console.log(`  unindexed: ${fmt(median(unindexed), 3)} s vs indexed ${fmt(median(indexed), 3)} s: × ${fmt(median(unindexed) / median(indexed), 0)}`);
      }
      if (want('endpoint')) {
        const app = await buildApp({ handle });
        await app.listen({ port: 0, host: '127.0.0.1' });
        try {
          const address = app.server.address();
          const port = typeof address === 'object' && address ? address.port : 0;
          for (const [label, scope, codes] of [['france', FRANCE, ['cafe_bar']], ['france', FRANCE, EIGHT], ['departement:53', MAYENNE, EIGHT]] as const) {
            const path = `/api/analysis/needs?categories=${codes.join(',')}&max_km=5&min_population=0&scope=${label}`;
            let bytes = 0;
            let shed = 0;
            const get = async () => {
              let res = await fetch(`http://127.0.0.1:${port}${path}`, { headers: { 'accept-encoding': 'gzip' } });
              // Load shedding (event-loop delay > 1 s) answers 503 right after a national analysis
              // built in this very process: wait as Retry-After says, and count it.
              for (let tries = 0; res.status === 503 && tries < 5; tries++) {
                shed++;
                await res.arrayBuffer();
                await new Promise((r) => setTimeout(r, 2500));
                res = await fetch(`http://127.0.0.1:${port}${path}`, { headers: { 'accept-encoding': 'gzip' } });
              }
              if (res.status !== 200) throw new Error(`${path}: HTTP ${res.status}`);
              bytes = (await res.arrayBuffer()).byteLength; // decoded: the JSON's own size
            };
            await new Promise((r) => setTimeout(r, 2500)); // let the event loop settle after the previous case
            const http = await samplesOf(options.runs, get);
            if (shed) notes.push(`endpoint ${label} × ${codes.length}: ${shed} request(s) answered 503 (load shedding) and retried after 2.5 s; the retried time is the one measured`);
            const fn = await samplesOf(options.runs, () => needsAnalysis(db, params(scope, [...codes])));
            const ex = await explain(db, scope, codes);
            const n = label === 'france' ? france : mayenne;
            rows.push(row(`endpoint (gzip; ${fmt(bytes / 1e6, 1)} MB of JSON)`, 'PostGIS', label, n, codes.length, http, median(fn), 'needsAnalysis() in-process', null));
            rows.push(row('needsAnalysis()', 'PostGIS', label, n, codes.length, fn, ex.seconds, 'SQL execution (server)', null));
            console.log(`  endpoint ${label} × ${codes.length}: HTTP ${fmt(median(http), 2)} s, function ${fmt(median(fn), 2)} s, SQL ${fmt(ex.seconds, 2)} s`);
          }
        } finally {
          await app.close();
        }
      }
      await handle.close();
      handle = undefined;
    }

    if (want('pglite-mayenne')) {
      const dir = mkdtempSync(join(tmpdir(), 'maillage-bench-needs-pglite-'));
      const saved = process.env.DATABASE_URL;
      delete process.env.DATABASE_URL; // createDb must not reach a server here
      try {
        const h = await createDb({ dataDir: dir });
        try {
          console.log('  PGlite: loading the demo territory (not measured)…');
          await loadDemo(h.db);
          await sql`ANALYZE`.execute(h.db);
          const n = Number((await sql<{ n: number }>`SELECT count(*)::int AS n FROM communes WHERE departement = '53'`.execute(h.db)).rows[0]!.n);
          for (const codes of [['cafe_bar'], EIGHT]) {
            const ex = await explain(h.db, MAYENNE, codes);
            const s = await samplesOf(options.runs, () => needsAnalysis(h.db, { scope: MAYENNE, categories: codes, maxKm: 5, minPopulation: 0 }));
            rows.push(row('pglite-mayenne', 'PGlite', 'departement:53', n, codes.length, s, ex.seconds, 'SQL execution (EXPLAIN ANALYZE)', null));
            console.log(`  PGlite Mayenne × ${codes.length}: ${fmt(median(s), 3)} s, SQL ${fmt(ex.seconds, 3)} s`);
          }
        } finally {
          await h.close();
        }
      } finally {
        if (saved !== undefined) process.env.DATABASE_URL = saved;
        rmSync(dir, { recursive: true, force: true });
      }
    }
  } finally {
    await handle?.close();
    await server?.stop();
  }

  notes.push(`load average (1, 5, 15 min) at the end: ${load()} on ${machine().nproc} cores`);
  const table = markdownTable(
    ['case', 'engine', 'scope', 'communes', 'categories', 'median s', 'min–max s', 'compared with', 'its s', 'ratio', 'goal', 'verdict'],
    rows.map((r) => {
      const m = median(r.samples);
      return [r.case, r.engine, r.scope, String(r.communes), String(r.categories), fmt(m, 3),
        `${fmt(Math.min(...r.samples), 3)}–${fmt(Math.max(...r.samples), 3)}`, r.limitLabel, fmt(r.limit, 3),
        r.limit ? `${fmt(m / r.limit, 2)}×` : '', r.goal, r.verdict];
    }),
    [false, false, false, true, true, true, true, false, true, true, false, false],
  );
  console.log(`\n${table}\n`);
  for (const [name, plan] of Object.entries(plans)) console.log(`Plan, ${name}:\n${plan.split('\n').slice(0, 40).join('\n')}\n`);
  for (const n of notes) console.log(`note: ${n}`);
  if (!existsSync(options.resultsDir)) mkdirSync(options.resultsDir, { recursive: true });
  const file = join(options.resultsDir, `needs-${new Date().toISOString().slice(0, 19).replaceAll(':', '-')}.json`);
  writeFileSync(file, JSON.stringify({ rows, plans, notes, machine: machine(), git: gitState(['sql', 'api', 'bench']), seconds: (performance.now() - began) / 1000 }, null, 2));
  console.log(`raw data: ${relative(repoRoot, file)}`);
}
