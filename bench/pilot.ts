// Pilot zones and pilot streets (sql/src/analysis/zone.ts and pilot-streets.ts) on a PostGIS
// server loaded with the demo territory (Mayenne, the rest of the Pays de la Loire, the Nantes
// streets), then ANALYZEd:
//   1. zone-laval-agglo   POST /api/analysis/zone with the outline of CA Laval Agglomération (34
//                         communes, 696 km², 670 vertices) posted as GeoJSON; goal ≤ 300 ms
//   2. zone-laval-scope   the same zone given as a scope (epci:200083392): the union of its
//                         communes is made on every call
//   3. streets-nantes     GET /api/analysis/pilot-streets?commune=44109 (about 500 streets merged
//                         from 2,318 segments, 200 vacant shops); goal ≤ 1 s
//   4. strips-laval       GET /api/analysis/pilot-streets?commune=53130 (strips from the shops)
// Each case: one warm-up, then --runs timed runs; the median is reported beside the limit it is
// compared with: the analysis function called directly (its SQL and nothing else: no HTTP, no
// JSON) — the endpoint ÷ function ratio is the HTTP layer's cost. Writes
// bench/results/pilot-<date>.json. Run: `node bench/run.ts --only pilot`.
// MAILLAGE_BENCH_PILOT_URL=postgres://… reuses a database where the demo is loaded.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { sql } from '../sql/node_modules/kysely/dist/index.js';
import { buildApp } from '../api/src/app.ts';
import { loadDemo } from '../importers/src/demo.ts';
import { buildZone, createDb, type DbHandle, parseScope, parseZoneRequest, pilotStreets, zoneIndicators } from '../sql/src/index.ts';
import type { Benchmark, BenchOptions } from './lib/bench.ts';
import { gitState, machine, repoRoot } from './lib/machine.ts';
import { BenchServer, postgisAvailable } from './lib/postgis.ts';
import { fmt, markdownTable, median } from './lib/stats.ts';

const CASES = ['zone-laval-agglo', 'zone-laval-scope', 'streets-nantes', 'strips-laval'] as const;
type CaseId = (typeof CASES)[number];

export const benchmark: Benchmark = {
  name: 'pilot',
  description: 'pilot zone indicators (Laval agglomeration) and pilot-street ranking (Nantes, Laval): endpoint ÷ analysis function, PostGIS',
  cases: CASES,
  run,
};

const GOALS: Partial<Record<CaseId, number>> = { 'zone-laval-agglo': 0.3, 'streets-nantes': 1 };
const LAVAL_AGGLO = '200083392';
const DATABASE = 'bench_pilot';

async function timed(f: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await f();
  return (performance.now() - t0) / 1000;
}

async function samplesOf(runs: number, f: () => Promise<unknown>): Promise<number[]> {
  await f();
  const out: number[] = [];
  for (let i = 0; i < runs; i++) out.push(await timed(f));
  return out;
}

async function run(options: BenchOptions): Promise<void> {
  const want = (c: CaseId) => options.selected(`pilot/${c}`);
  if (!CASES.some(want)) return;
  const reuse = process.env.MAILLAGE_BENCH_PILOT_URL;
  if (!reuse && !postgisAvailable()) throw new Error('PostGIS is not installed (Debian: apt-get install -y postgresql-15-postgis-3)');
  let server: BenchServer | undefined;
  let handle: DbHandle | undefined;
  const rows: { case: string; request: string; endpoint: number[]; fn: number[]; goal: number | undefined }[] = [];
  try {
    if (!reuse) {
      server = await BenchServer.start();
      server.createDatabase(DATABASE);
    }
    handle = await createDb({ url: reuse ?? server!.url(DATABASE), poolSize: 4 });
    const db = handle.db;
    if (server) {
      const t = await timed(() => loadDemo(db));
      console.log(`  demo territory loaded in ${fmt(t)} s (not measured)`);
      server.psql('VACUUM ANALYZE', DATABASE);
    }
    const app = await buildApp({ handle });
    try {
      const outline = (await sql<{ g: string }>`SELECT ST_AsGeoJSON(geom, 6) AS g FROM epci WHERE siren = ${LAVAL_AGGLO}`.execute(db)).rows[0]?.g;
      if (!outline) throw new Error(`EPCI ${LAVAL_AGGLO} (CA Laval Agglomération) is not loaded`);
      const posted = JSON.parse(outline) as unknown;
      const post = async (payload: unknown) => {
        const r = await app.inject({ method: 'POST', url: '/api/analysis/zone', payload: payload as object });
        if (r.statusCode !== 200) throw new Error(`POST /api/analysis/zone: ${r.statusCode} ${r.body.slice(0, 300)}`);
      };
      const get = async (url: string) => {
        const r = await app.inject(url);
        if (r.statusCode !== 200) throw new Error(`${url}: ${r.statusCode} ${r.body.slice(0, 300)}`);
      };
      if (want('zone-laval-agglo')) {
        const endpoint = await samplesOf(options.runs, () => post(posted));
        const fn = await samplesOf(options.runs, async () => zoneIndicators(db, await buildZone(db, parseZoneRequest(posted))));
        rows.push({ case: 'zone-laval-agglo', request: 'POST /api/analysis/zone (EPCI outline, 670 vertices)', endpoint, fn, goal: GOALS['zone-laval-agglo'] });
      }
      if (want('zone-laval-scope')) {
        const scope = parseScope(`epci:${LAVAL_AGGLO}`);
        const endpoint = await samplesOf(options.runs, () => post({ scope: `epci:${LAVAL_AGGLO}` }));
        const fn = await samplesOf(options.runs, async () => zoneIndicators(db, await buildZone(db, { kind: 'scope', scope })));
        rows.push({ case: 'zone-laval-scope', request: `POST /api/analysis/zone {"scope":"epci:${LAVAL_AGGLO}"}`, endpoint, fn, goal: undefined });
      }
      for (const [c, code] of [['streets-nantes', '44109'], ['strips-laval', '53130']] as const) {
        if (!want(c)) continue;
        const endpoint = await samplesOf(options.runs, () => get(`/api/analysis/pilot-streets?commune=${code}`));
        const fn = await samplesOf(options.runs, () => pilotStreets(db, { scope: { kind: 'commune', code } }));
        rows.push({ case: c, request: `GET /api/analysis/pilot-streets?commune=${code}`, endpoint, fn, goal: GOALS[c] });
      }
    } finally {
      await app.close();
    }
  } finally {
    await handle?.close();
    await server?.stop();
  }

  const table = markdownTable(
    ['case', 'request', 'endpoint median (ms)', 'analysis function (ms)', 'endpoint ÷ function', 'goal', 'verdict'],
    rows.map((r) => {
      const e = median(r.endpoint);
      const f = median(r.fn);
      return [r.case, r.request, fmt(e * 1000, 0), fmt(f * 1000, 0), fmt(e / f, 2), r.goal ? `≤ ${r.goal * 1000} ms` : '',
        r.goal ? (e <= r.goal ? 'met' : 'NOT met') : ''];
    }),
    [false, false, true, true, true, false, false],
  );
  console.log(`\n${table}\n`);
  mkdirSync(options.resultsDir, { recursive: true });
  const file = join(options.resultsDir, `pilot-${new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19)}.json`);
  writeFileSync(file, JSON.stringify({ machine: machine(), git: gitState(['sql', 'api', 'bench']), runs: options.runs, reused: !!reuse, rows }, null, 1));
  console.log(`  results: ${relative(repoRoot, file)}`);
}
