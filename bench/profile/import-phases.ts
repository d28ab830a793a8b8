// Where an import's time goes: runs one whole-bundle import (communes or OSM points) with every
// statement timed (a Kysely plugin, times as the client sees them: send + run + receive), and
// prints the time per statement family and the client-side rest (reading, parsing, building
// SQL). For communes, then times alternative ways of building the EPCI polygons on the same
// data and checks they give the same shapes. Not part of `npm run bench` (it is a diagnosis).
//
//   node bench/profile/import-phases.ts                       # communes on a throwaway PostGIS
//   node bench/profile/import-phases.ts --engine pglite
//   node bench/profile/import-phases.ts --job osm-points [--analyze] [--jit-off]
//        (points right after the communes, as loadDemo does; --analyze: ANALYZE communes in between;
//         --jit-off: the database's jit = off)
//   node bench/profile/import-phases.ts --repeat 5      # EPCI variants timed 5 times each (default 3)
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { gunzipSync } from 'node:zlib';
import type { KyselyPlugin, PluginTransformQueryArgs, PluginTransformResultArgs, QueryResult, RootOperationNode, UnknownRow } from '../../sql/node_modules/kysely/dist/index.js';
import { sql } from '../../sql/node_modules/kysely/dist/index.js';
import { createDb } from '../../sql/src/index.ts';
import { communes, dataDir, osmPoints, runImport } from '../../importers/src/index.ts';
import { readGeoJsonFeatures } from '../../importers/src/geojson.ts';
import { openInput } from '../../importers/src/input.ts';
import { BenchServer } from '../lib/postgis.ts';
import { fmt, markdownTable, median } from '../lib/stats.ts';

const { values } = parseArgs({
  options: {
    engine: { type: 'string', default: 'postgis' },
    job: { type: 'string', default: 'communes' },
    'no-variants': { type: 'boolean' },
    repeat: { type: 'string', default: '3' },
    analyze: { type: 'boolean' },
    'jit-off': { type: 'boolean' },
  },
});
const repeat = Math.max(1, Number(values.repeat) || 1);
const engine = values.engine === 'pglite' ? 'pglite' : 'postgis';
const job = values.job === 'osm-points' ? 'osm-points' : 'communes';
const data = dataDir();
const polygons = join(data, 'communes_metropole_2018.geojson.gz');
const points = join(data, 'paysdelaloire_hors85_poi_osm_2019.geojson.gz');

/** The statement families of the importers, by what their SQL says. */
function family(text: string): string {
  const rules: [RegExp, string][] = [
    [/WITH p AS \(INSERT INTO commune_parts/, 'stream 2018 polygons as WKB (+ ST_IsValid/ST_MakeValid, ST_PointOnSurface per part; area from the client; new communes of one polygon inserted), batches of 2000'],
    [/INSERT INTO commune_parts/, 'merged communes: unite their parts (drafts checked, else ST_Union), area, point'],
    [/CREATE TEMP TABLE commune_geoms/, 'communes of one 2018 polygon: keep its figures'],
    [/INSERT INTO commune_geoms/, 'merged communes: ST_Union of their parts, area, point'],
    [/INSERT INTO communes/, 'upsert the other communes (merged, already there, no polygon), batches of 5000'],
    [/CREATE TEMP TABLE epci_geoms/, 'EPCI polygons: fast union of member communes'],
    [/UPDATE epci_geoms/, 'EPCI check: ST_IsValid and area = sum of members (else ST_Union)'],
    [/INSERT INTO epci/, 'insert EPCI'],
    [/ANALYZE communes/, 'ANALYZE communes'],
    [/INSERT INTO "?(places|vacant_shops)/, 'upsert places (+ point-in-commune lookup), batches of 2000'],
  ];
  return rules.find(([re]) => re.test(text))?.[1] ?? text.replace(/\s+/g, ' ').trim().slice(0, 70);
}

/** The statement's SQL text, with nested raw fragments (sql`…${sql`…`}…`) written out. */
function describe(node: RootOperationNode): string {
  type Node = { kind: string; sqlFragments?: readonly string[]; parameters?: readonly Node[]; into?: { table?: { identifier?: { name?: string } } } };
  const text = (n: Node): string => (n.sqlFragments ?? [])
    .map((f, i) => f + (n.parameters?.[i] ? (n.parameters[i].kind === 'RawNode' ? text(n.parameters[i]) : '?') : '')).join('');
  const n = node as unknown as Node;
  if (n.kind === 'RawNode') return text(n);
  if (n.kind === 'InsertQueryNode') return `insert ${n.into?.table?.identifier?.name ?? '?'}`;
  return n.kind;
}

class StatementTimer implements KyselyPlugin {
  readonly #started = new WeakMap<object, { at: number; family: string }>();
  readonly totals = new Map<string, { n: number; ms: number }>();
  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    this.#started.set(args.queryId, { at: performance.now(), family: family(describe(args.node)) });
    return args.node;
  }
  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    const s = this.#started.get(args.queryId);
    if (s) {
      const t = this.totals.get(s.family) ?? { n: 0, ms: 0 };
      t.n++;
      t.ms += performance.now() - s.at;
      this.totals.set(s.family, t);
    }
    return args.result;
  }
}

async function time<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t = performance.now();
  const r = await fn();
  return [r, (performance.now() - t) / 1000];
}

const tmp = mkdtempSync(join(tmpdir(), 'maillage-profile-'));
let server: BenchServer | undefined;
try {
  const file = job === 'communes' ? polygons : points;
  // Client-side reading cost alone, for scale: the streaming reader the importers use, and one JSON.parse.
  const [count, readS] = await time(async () => {
    let n = 0;
    for await (const _ of readGeoJsonFeatures(await openInput(file))) n++;
    return n;
  });
  const [, parseS] = await time(async () => (JSON.parse(gunzipSync(readFileSync(file)).toString('utf8')) as { features: unknown[] }).features.length);
  console.log(`${file.split('/').pop()}: ${count} features. Reading them (openInput + parse, no database): ` +
    `readGeoJsonFeatures ${fmt(readS, 2)} s; gunzip + one JSON.parse of the whole file ${fmt(parseS, 2)} s`);

  let url: string | undefined;
  if (engine === 'postgis') {
    server = await BenchServer.start();
    server.createDatabase('profile');
    if (values['jit-off']) server.psql('ALTER DATABASE profile SET jit = off');
    url = server.url('profile');
  }
  const handle = await createDb(engine === 'postgis' ? { url, poolSize: 2 } : { dataDir: join(tmp, 'pglite') });
  try {
    if (job === 'osm-points') {
      // Points are looked up in the communes: load them first (not profiled).
      const [, s] = await time(() => runImport(handle.db, communes({
        polygons, list: join(data, 'communes_france_2026.csv'), epci: join(data, 'epci_france_2026.csv'),
      })));
      console.log(`(communes loaded first, not profiled: ${fmt(s)} s)`);
      if (values.analyze) await sql`ANALYZE communes`.execute(handle.db);
      console.log(`communes ${values.analyze ? 'ANALYZEd' : 'not analyzed (fresh statistics-less table)'}; ` +
        `jit: ${(await sql<{ jit: string }>`SHOW jit`.execute(handle.db)).rows[0]?.jit ?? '?'}`);
    }
    const timer = new StatementTimer();
    const db = handle.db.withPlugin(timer);
    const [summary, totalS] = await time(() => runImport(db, job === 'communes'
      ? communes({ polygons, list: join(data, 'communes_france_2026.csv'), epci: join(data, 'epci_france_2026.csv') })
      : osmPoints(points)));
    if (summary.outcome !== 'committed') throw new Error(`import rolled back: ${JSON.stringify(summary).slice(0, 1000)}`);
    const rows = [...timer.totals.entries()].sort((a, b) => b[1].ms - a[1].ms);
    const sqlS = rows.reduce((s, [, t]) => s + t.ms, 0) / 1000;
    const table = rows.filter(([, t]) => t.ms >= 20).map(([f, t]) => [f, String(t.n), fmt(t.ms / 1000, 2), `${Math.round((t.ms / 1000 / totalS) * 100)} %`]);
    table.push(['other statements (< 20 ms each family)', String(rows.filter(([, t]) => t.ms < 20).reduce((n, [, t]) => n + t.n, 0)),
      fmt(rows.filter(([, t]) => t.ms < 20).reduce((s, [, t]) => s + t.ms, 0) / 1000, 2), '']);
    // Statements overlap with the client's reading (one in flight): this is the client's work that no statement hid.
    table.push(['client side not overlapped with a statement: read, parse, check, encode (rest)', '', fmt(totalS - sqlS, 2), `${Math.round(((totalS - sqlS) / totalS) * 100)} %`]);
    table.push([`runImport total (${engine})`, '', fmt(totalS, 2), '100 %']);
    console.log(`\n${job} import on ${engine}, statement families (client-observed times):\n`);
    console.log(markdownTable(['phase', 'statements', 's', 'share'], table, [false, true, true, true]));

    if (job === 'communes' && !values['no-variants']) {
      // What the per-row geometry work costs alone, on the 34,962 committed commune polygons.
      const parts: [string, string][] = [
        ['ST_IsValid(geom) (the repair check)', 'SELECT count(*) FILTER (WHERE ST_IsValid(geom)) FROM communes'],
        ['ST_Area(geom::geography)', 'SELECT sum(ST_Area(geom::geography)) FROM communes'],
        ['ST_PointOnSurface(geom)', 'SELECT count(ST_PointOnSurface(geom)) FROM communes'],
        ['ST_GeomFromGeoJSON(ST_AsGeoJSON(geom)) (minus the next line)', 'SELECT count(ST_GeomFromGeoJSON(ST_AsGeoJSON(geom))) FROM communes'],
        ['ST_AsGeoJSON(geom)', 'SELECT count(ST_AsGeoJSON(geom)) FROM communes'],
        ['ST_GeomFromWKB(ST_AsBinary(geom)) (minus the next line)', 'SELECT count(ST_GeomFromWKB(ST_AsBinary(geom))) FROM communes'],
        ['ST_AsBinary(geom)', 'SELECT count(ST_AsBinary(geom)) FROM communes'],
      ];
      const costs: string[][] = [];
      for (const [label, query] of parts) {
        const [, s] = await time(() => sql.raw(query).execute(handle.db));
        costs.push([label, fmt(s, 2)]);
      }
      console.log(`\nPer-row geometry functions alone over all communes (${engine}):\n`);
      console.log(markdownTable(['function', 's'], costs, [false, true]));

      const has = async (fn: string) => (await sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_proc WHERE proname = ${fn}`.execute(handle.db)).rows[0]!.n > 0;
      const variants: [string, string][] = [
        ['ST_Union(geom) — current', 'ST_Union(geom)'],
        ['ST_UnaryUnion(ST_Collect(geom))', 'ST_UnaryUnion(ST_Collect(geom))'],
        ['ST_Buffer(ST_Collect(geom), 0)', 'ST_Buffer(ST_Collect(geom), 0)'],
      ];
      if (await has('st_coverageunion')) variants.push(['ST_CoverageUnion(geom) (PostGIS ≥ 3.4; returns SRID 0, set back)', 'ST_SetSRID(ST_CoverageUnion(geom), 4326)']);
      const seconds: number[][] = variants.map(() => []);
      for (let r = 0; r < repeat; r++) {
        for (const [i, [, expr]] of variants.entries()) {
          await sql`DROP TABLE IF EXISTS ${sql.id(`epci_v${i}`)}`.execute(handle.db);
          const [, s] = await time(() => sql`CREATE TABLE ${sql.id(`epci_v${i}`)} AS
            SELECT epci_siren, ST_Multi(ST_CollectionExtract(${sql.raw(expr)}, 3)) AS g
            FROM communes WHERE epci_siren IS NOT NULL AND geom IS NOT NULL GROUP BY epci_siren`.execute(handle.db));
          seconds[i]!.push(s);
        }
      }
      const out: string[][] = [];
      for (const [i, [label]] of variants.entries()) {
        const diff = i === 0 ? undefined : (await sql<{ area: number; moved: number; unequal: number }>`
          SELECT sum(abs(ST_Area(a.g) - ST_Area(b.g))) / sum(ST_Area(a.g)) AS area,
                 max(ST_HausdorffDistance(a.g, b.g)) AS moved,
                 count(*) FILTER (WHERE NOT ST_Equals(a.g, b.g))::int AS unequal
          FROM epci_v0 a JOIN ${sql.id(`epci_v${i}`)} b USING (epci_siren)`.execute(handle.db)).rows[0];
        const ss = seconds[i]!;
        out.push([label, fmt(median(ss), 2), `${fmt(Math.min(...ss), 2)}–${fmt(Math.max(...ss), 2)}`,
          diff ? `${diff.area.toExponential(1)} area, ${fmt(diff.moved, 6)}° max Hausdorff, ${diff.unequal} not ST_Equals` : 'reference']);
      }
      console.log(`\nEPCI polygons (${engine}), the same 1,255 unions computed on the committed communes, ${repeat} time(s) each, interleaved:\n`);
      console.log(markdownTable(['expression', 'median s', 'min–max s', 'difference from ST_Union'], out, [false, true, true, false]));
    }
  } finally {
    await handle.close();
  }
} finally {
  if (server) await server.stop();
  rmSync(tmp, { recursive: true, force: true });
}
