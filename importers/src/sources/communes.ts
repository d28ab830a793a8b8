// Communes: the 2018 polygons joined to the 2026 list. A commune created by a merger since 2018
// gets the union of its former communes' polygons (found through `anciens_codes`). EPCI
// polygons are then the unions of their member communes.
import { type RawBuilder, sql } from 'kysely';
import type { CommunesTable } from '@maillage/sql';
import { ellipsoidalArea } from '../area.ts';
import { CoverageUnion } from '../coverage-union.ts';
import { readCsvRows } from '../csv.ts';
import { readGeoJsonFeatures } from '../geojson.ts';
import { checkGeometry } from '../geometry.ts';
import { openInput } from '../input.ts';
import { blobGeometry, countWrites, type ImportContext, type ImportJob, InFlight, jsonRows, LICENCE_OUVERTE, updateIfChanged } from '../pipeline.ts';
import { text } from '../points.ts';
import { EWKB_COLUMNS, EwkbBlob } from '../wkb.ts';

/** A commune of the 2026 list, with the columns the communes table takes from it. */
type Commune2026 = Pick<CommunesTable, 'code' | 'name' | 'population' | 'epci_siren' | 'epci_name' | 'departement' | 'departement_name'
  | 'region' | 'region_name' | 'arrondissement' | 'siren' | 'postal_codes' | 'former_codes' | 'zone'>;

export interface CommunesInput {
  /** `communes_metropole_2018.geojson.gz` (or any polygon file with `code` properties). */
  polygons: string;
  /** `communes_france_2026.csv`. */
  list: string;
  /** `epci_france_2026.csv`, for EPCI names and types; EPCI are skipped without it. */
  epci?: string | undefined;
  /** Départements to load; empty = all of France. */
  departements?: readonly string[];
}

const CODE = /^[0-9][0-9AB][0-9]{3}$/;
const split = (v: string | undefined): string[] => (v ?? '').split('|').map((s) => s.trim()).filter(Boolean);

async function readList(ctx: ImportContext, path: string): Promise<Map<string, Commune2026>> {
  const communes = new Map<string, Commune2026>();
  for await (const { line, row } of readCsvRows(await openInput(path))) {
    const code = text(row.code_insee);
    const name = text(row.nom);
    const departement = text(row.departement);
    if (!code || !CODE.test(code) || !name || !departement) {
      ctx.reject(`${path.split('/').pop()} line ${line}`, 'code_insee (5 characters), nom and departement are required');
      continue;
    }
    const population = text(row.population);
    if (population !== null && !/^\d+$/.test(population)) {
      ctx.reject(`${path.split('/').pop()} line ${line}`, `population "${population}" is not a whole number`);
      continue;
    }
    communes.set(code, {
      code, name, departement,
      population: population === null ? null : Number(population),
      epci_siren: text(row.code_epci), epci_name: text(row.nom_epci),
      departement_name: text(row.nom_departement), region: text(row.region), region_name: text(row.nom_region),
      arrondissement: text(row.arrondissement), siren: text(row.siren),
      postal_codes: split(row.codes_postaux), former_codes: split(row.anciens_codes), zone: text(row.zone) ?? 'metro',
    });
  }
  return communes;
}

/** Polygons per statement while streaming the 2018 file (about 2 KB of WKB each). */
const PART_BATCH = 2000;
/** Communes per statement when writing the 2026 list. */
const COMMUNE_BATCH = 5000;

/** The columns of a 2026 commune sent with `jsonRows`, and their types. */
const LIST_COLUMNS = {
  code: 'text', name: 'text', population: 'integer', epci_siren: 'text', epci_name: 'text', departement: 'text',
  departement_name: 'text', region: 'text', region_name: 'text', arrondissement: 'text', siren: 'text',
  postal_codes: 'text[]', former_codes: 'text[]', zone: 'text',
} as const;
const COLUMNS = ['name', 'population', 'epci_siren', 'epci_name', 'departement', 'departement_name', 'region', 'region_name',
  'arrondissement', 'siren', 'postal_codes', 'former_codes', 'zone', 'geom', 'point', 'area_m2', 'licence', 'source'] as const;

/**
 * Inserts communes from `from`, which gives the 2026 rows as `v` (LIST_COLUMNS) and their
 * polygon's figures as `g` (geom, point, area_m2); `onConflict` says what to do with a code
 * already there.
 */
function insertCommunes(ctx: ImportContext, from: RawBuilder<unknown>, onConflict: RawBuilder<unknown>): RawBuilder<unknown> {
  return sql`INSERT INTO communes AS t (code, ${sql.join(COLUMNS.map((c) => sql.id(c)))})
    SELECT v.code, v.name, v.population, v.epci_siren, v.epci_name, v.departement, v.departement_name, v.region,
           v.region_name, v.arrondissement, v.siren, v.postal_codes, v.former_codes, v.zone,
           g.geom, g.point, g.area_m2, ${ctx.licence}, ${ctx.source.key}
    FROM ${from}
    ${onConflict}`;
}

async function importCommunes(ctx: ImportContext, input: CommunesInput): Promise<void> {
  const { trx } = ctx;
  const scope = new Set(input.departements ?? []);
  const inScope = (c: Commune2026) => scope.size === 0 || scope.has(c.departement);
  const list = await readList(ctx, input.list);
  // 2018 code → 2026 code: the code itself when it still exists, else the commune that absorbed it.
  const current = new Map<string, string>();
  for (const c of list.values()) for (const former of c.former_codes) if (!list.has(former)) current.set(former, c.code);
  for (const code of list.keys()) current.set(code, code);
  // Communes that absorbed others since 2018: their parts are dissolved, as are the EPCI.
  const absorbing = new Set([...list.values()].filter((c) => c.former_codes.some((f) => !list.has(f))).map((c) => c.code));
  // The dissolved shapes are drafted here, by shared-edge cancellation, as the polygons stream in;
  // the database keeps a draft only if it passes the checks of PolygonUnion.
  const drafts = new CoverageUnion();
  const mergedKey = (code: string) => `commune ${code}`;
  const epciKey = (siren: string) => `epci ${siren}`;

  // Each 2018 polygon is checked, repaired when invalid, and measured as it arrives, while the
  // client reads the next batch: most communes are one 2018 polygon, and their figures are final.
  // Such a commune, when new, is inserted in the same statement (`streamed`), so that the database
  // writes the communes while the client reads; the others (merged communes, communes already
  // there, which are updated only if they changed) are written once the parts are united.
  // EXTERNAL: this scratch table stores its polygons without compressing them (a pure CPU cost here).
  await sql`CREATE TEMP TABLE commune_parts (code text NOT NULL, code_2018 text, geom geometry NOT NULL,
    repaired boolean NOT NULL DEFAULT false, area_m2 double precision, point geometry,
    streamed boolean NOT NULL DEFAULT false) ON COMMIT DROP`.execute(trx);
  await sql`ALTER TABLE commune_parts ALTER COLUMN geom SET STORAGE EXTERNAL`.execute(trx);
  let polygonsRead = 0;
  // Communes sent with their polygon as it streamed in; those inserted then (new ones); those whose code came again.
  const streamed = new Set<string>();
  const inserted = new Set<string>();
  const rewrite = new Set<string>();
  await InFlight.with(async (inFlight) => {
    let parts: { code: string; code_2018: string; area_m2: number | null; streamed: boolean; wkb_at: number; wkb_length: number }[] = [];
    let partWkb = new EwkbBlob();
    let communes: Commune2026[] = [];
    const flush = async () => {
      if (parts.length === 0) return;
      const batch = jsonRows(parts, 'r', { code: 'text', code_2018: 'text', area_m2: 'float8', streamed: 'boolean', ...EWKB_COLUMNS });
      const geometry = blobGeometry(partWkb.bytes(), 'r');
      const insert = insertCommunes(ctx, sql`${jsonRows(communes, 'v', LIST_COLUMNS)} JOIN p AS g ON g.code = v.code AND g.streamed`,
        sql`ON CONFLICT (code) DO NOTHING RETURNING code`);
      parts = [];
      partWkb = new EwkbBlob();
      communes = [];
      // Each OFFSET 0 keeps a step from being inlined into the next, where its expression would be
      // evaluated once per use: the WKB parse seven times and ST_IsValid four times per polygon.
      // The area comes measured from the client (src/area.ts); a repaired polygon is measured here.
      await inFlight.send(async () => {
        const written = await sql<{ code: string }>`WITH p AS (INSERT INTO commune_parts (code, code_2018, geom, repaired, area_m2, point, streamed)
        SELECT code, code_2018, g, NOT valid, CASE WHEN valid AND area_m2 IS NOT NULL THEN area_m2 ELSE ST_Area(g::geography) END, ST_PointOnSurface(g), streamed
        FROM (SELECT code, code_2018, valid, area_m2, streamed, ST_Multi(CASE WHEN valid THEN geom ELSE ST_CollectionExtract(ST_MakeValid(geom), 3) END) AS g
              FROM (SELECT code, code_2018, geom, area_m2, streamed, ST_IsValid(geom) AS valid
                    FROM (SELECT r.code, r.code_2018, r.area_m2, r.streamed, ${geometry} AS geom FROM ${batch} OFFSET 0) parsed OFFSET 0) checked
              OFFSET 0) p
        RETURNING code, geom, point, area_m2, streamed)
          ${insert}`.execute(trx);
        for (const { code } of written.rows) inserted.add(code);
        ctx.inserted += written.rows.length;
      });
    };
    const opened = await openInput(input.polygons);
    for await (const item of readGeoJsonFeatures(opened)) {
      polygonsRead++;
      ctx.progress(opened.bytesRead(), opened.totalBytes, 'bytes');
      const ref = `polygon ${item.index}`;
      if ('problem' in item) {
        ctx.reject(ref, item.problem);
        continue;
      }
      const code2018 = text(item.feature.properties.code) ?? text(item.feature.properties.code_insee_2018);
      if (!code2018) {
        ctx.reject(ref, 'missing "code" (INSEE code)');
        continue;
      }
      const code = current.get(code2018);
      const commune = code ? list.get(code) : undefined;
      if (!commune) {
        ctx.reject(`${ref} (${code2018})`, `INSEE code ${code2018} is neither a 2026 commune nor a former code of one`);
        continue;
      }
      if (!inScope(commune)) continue;
      const problem = checkGeometry(item.feature.geometry, ['Polygon', 'MultiPolygon']);
      if (problem) {
        ctx.reject(`${ref} (${code2018})`, problem);
        continue;
      }
      const geometry = item.feature.geometry as { type: 'Polygon' | 'MultiPolygon'; coordinates: number[][][] & number[][][][] };
      const polygons = geometry.type === 'Polygon' ? [geometry.coordinates] : geometry.coordinates;
      const area = ellipsoidalArea(polygons);
      const single = !absorbing.has(commune.code) && !streamed.has(commune.code);
      if (single) {
        streamed.add(commune.code);
        communes.push(commune);
      } else if (streamed.has(commune.code)) rewrite.add(commune.code);
      parts.push({ code: commune.code, code_2018: code2018, area_m2: Number.isFinite(area) ? area : null, streamed: single, ...partWkb.add(geometry) });
      for (const polygon of polygons) {
        if (absorbing.has(commune.code)) drafts.add(mergedKey(commune.code), polygon);
        if (input.epci && commune.epci_siren) drafts.add(epciKey(commune.epci_siren), polygon);
      }
      if (parts.length >= PART_BATCH) await flush();
    }
    await flush();
  });

  const rows = [...list.values()].filter(inScope);
  ctx.read = rows.length;
  ctx.skipped = 0;
  ctx.note(`${polygonsRead} polygons of 2018 read, ${list.size} communes of 2026 listed, ${rows.length} in scope`);
  const repaired = (await sql<{ code: string }>`SELECT code FROM commune_parts WHERE repaired`.execute(trx)).rows.map((r) => r.code);
  if (repaired.length) ctx.note(`${repaired.length} invalid polygons repaired with ST_MakeValid`);
  // A draft made from a polygon as the file has it, not as repaired, is not a draft of the union.
  const unusable = new Set(repaired.flatMap((code) => [mergedKey(code), ...(list.get(code)?.epci_siren ? [epciKey(list.get(code)!.epci_siren!)] : [])]));
  const draftsOf = (keyOf: (key: string) => string, keys: Iterable<string>) => {
    const rows: { key: string; wkb_at: number; wkb_length: number }[] = [];
    const unions = new EwkbBlob();
    for (const key of keys) {
      const coordinates = unusable.has(keyOf(key)) ? null : drafts.union(keyOf(key));
      if (coordinates) rows.push({ key, ...unions.add({ type: 'MultiPolygon', coordinates }) });
    }
    return sql`(SELECT key, ${blobGeometry(unions.bytes(), 'r')} AS geom FROM ${jsonRows(rows, 'r', { key: 'text', ...EWKB_COLUMNS })})`;
  };

  const union = await polygonUnion(ctx);
  const mergedDrafts = draftsOf(mergedKey, absorbing);
  const writeCommunes = async (communes: Commune2026[]) => {
    for (let i = 0; i < communes.length; i += COMMUNE_BATCH) {
      const batch = jsonRows(communes.slice(i, i + COMMUNE_BATCH), 'v', LIST_COLUMNS);
      await countWrites(ctx, insertCommunes(ctx, sql`${batch} LEFT JOIN commune_parts g ON g.code = v.code`, updateIfChanged('code', COLUMNS)));
      ctx.progress(Math.min(i + COMMUNE_BATCH, communes.length), communes.length, 'communes');
    }
  };
  const uniteAndWrite = async () => {
    // A commune made of several 2018 communes gets their union, measured again, in place of its parts.
    const merged = await sql<{ redone: boolean }>`WITH members AS (
        DELETE FROM commune_parts p USING (SELECT code FROM commune_parts GROUP BY code HAVING count(*) > 1) m
        WHERE p.code = m.code RETURNING p.code AS key, p.geom),
      d AS (${union.dissolve(sql`members`, mergedDrafts)}),
      ins AS (INSERT INTO commune_parts (code, geom, area_m2, point)
        SELECT key, geom, ST_Area(geom::geography), ST_PointOnSurface(geom) FROM d)
      SELECT redone FROM d WHERE redone`.execute(trx);
    if (merged.rows.length) ctx.note(`${merged.rows.length} merged communes whose former polygons overlap or do not match edge to edge: united with ST_Union`);
    await sql`CREATE UNIQUE INDEX ON commune_parts (code)`.execute(trx);
    await writeCommunes(rows.filter((c) => !inserted.has(c.code)));
    // A new commune whose polygon came again after it was inserted: written again with the union of
    // its parts, and still one inserted row.
    const again = rows.filter((c) => inserted.has(c.code) && rewrite.has(c.code));
    if (again.length) await sql`UPDATE communes AS t SET geom = g.geom, point = g.point, area_m2 = g.area_m2
      FROM commune_parts g WHERE g.code = t.code AND t.code = ANY(${again.map((c) => c.code)}::text[])`.execute(trx);
  };
  // The EPCI list is read and their outlines drafted (~0.4 s of client work for France) while the
  // database unites and writes the merged communes.
  const planEpci = async (path: string) => {
    const list = await readEpci(ctx, path, rows);
    return { list, drafts: draftsOf(epciKey, list.map((e) => e.siren)) };
  };
  const [epci] = await whenAll([input.epci ? planEpci(input.epci) : Promise.resolve(undefined), uniteAndWrite()]);
  const withoutPolygon = rows.filter((c) => c.zone === 'metro').length - (await sql<{ n: number }>`SELECT count(*)::int AS n FROM commune_parts`.execute(trx)).rows[0]!.n;
  if (withoutPolygon > 0) ctx.note(`${withoutPolygon} metropolitan communes in scope have no 2018 polygon`);
  if (epci?.list.length) await writeEpci(ctx, epci.list, union, epci.drafts);
  // Fresh statistics, or the next point import plans its commune lookups blind (and JIT-compiles each batch).
  // Only the columns that queries filter, join or search on (0.55 s instead of 0.9 s of server CPU for
  // France: the text arrays and the other columns are left to autovacuum's next ANALYZE).
  await sql`ANALYZE communes (code, name, departement, epci_siren, region, geom, point)`.execute(ctx.trx);
}

/**
 * How to dissolve polygons that tile the plane (communes into their EPCI, former communes into
 * the new one). `ST_Union` is exact but slow; a union that only removes shared edges is much
 * faster and gives the same shapes on a clean tiling. First choice: the draft made on the client
 * as the polygons streamed in (`CoverageUnion`); else `ST_CoverageUnion` where the database has it
 * (PostGIS ≥ 3.4, as in PGlite), else `ST_Buffer(ST_Collect(…), 0)`. A draft or a fast result is
 * kept only when it is valid and its area is the sum of its members' (nothing dropped, nothing
 * overlapping); any other group is computed again with `ST_Union`.
 */
interface PolygonUnion {
  name: string;
  /**
   * `SELECT key, geom, redone` for a relation `members (key, geom)` and the client's drafts
   * `drafts (key, geom)`: one MultiPolygon (4326) per key; `redone` when ST_Union made it.
   */
  dissolve(members: RawBuilder<unknown>, drafts: RawBuilder<unknown>): RawBuilder<unknown>;
}

async function polygonUnion(ctx: ImportContext): Promise<PolygonUnion> {
  const coverage = (await sql<{ ok: boolean }>`SELECT to_regproc('st_coverageunion') IS NOT NULL AS ok`.execute(ctx.trx)).rows[0]!.ok;
  const multi = (g: RawBuilder<unknown>) => sql`ST_Multi(ST_CollectionExtract(${g}, 3))`;
  // ST_CoverageUnion returns SRID 0.
  const fast = coverage ? sql`ST_SetSRID(ST_CoverageUnion(m.geom), 4326)` : sql`ST_Buffer(ST_Collect(m.geom), 0)`;
  const fits = (g: RawBuilder<unknown>) => sql`ST_IsValid(${g}) AND abs(ST_Area(${g}) - members_area) <= 1e-9 * members_area`;
  return {
    name: `shared edges cancelled as the polygons stream in, else ${coverage ? 'ST_CoverageUnion' : 'ST_Buffer(ST_Collect(…), 0)'}`,
    // MATERIALIZED: each check (ST_IsValid) runs once per group.
    dissolve: (members, drafts) => sql`
      WITH sums AS (SELECT m.key, sum(ST_Area(m.geom)) AS members_area FROM ${members} m GROUP BY m.key),
      drafted AS MATERIALIZED (SELECT s.key, d.geom, s.members_area, d.geom IS NOT NULL AND ${fits(sql`d.geom`)} AS ok
        FROM sums s LEFT JOIN ${drafts} d ON d.key = s.key),
      fast AS MATERIALIZED (SELECT key, geom, ${fits(sql`geom`)} AS ok
        FROM (SELECT m.key, ${multi(fast)} AS geom, min(k.members_area) AS members_area
              FROM ${members} m JOIN drafted k ON k.key = m.key AND NOT k.ok GROUP BY m.key) f)
      SELECT key, geom, false AS redone FROM drafted WHERE ok
      UNION ALL
      SELECT key, CASE WHEN ok THEN geom ELSE (SELECT ${multi(sql`ST_Union(m.geom)`)} FROM ${members} m WHERE m.key = f.key) END, NOT ok
      FROM fast f`,
  };
}

/** Waits for every promise, then throws the first failure: nothing may still be using the transaction when the import fails. */
async function whenAll<T extends readonly unknown[]>(promises: { [K in keyof T]: Promise<T[K]> }): Promise<T> {
  const results = await Promise.allSettled(promises);
  for (const r of results) if (r.status === 'rejected') throw r.reason;
  return results.map((r) => (r as PromiseFulfilledResult<unknown>).value) as unknown as T;
}

interface Epci {
  siren: string;
  name: string;
  type: string | null;
  population: number | null;
  commune_count: number | null;
}

/** The EPCI of the list that have communes in scope. */
async function readEpci(ctx: ImportContext, path: string, communes: Commune2026[]): Promise<Epci[]> {
  const wanted = new Set(communes.map((c) => c.epci_siren).filter((s): s is string => !!s));
  const epci: Epci[] = [];
  for await (const { line, row } of readCsvRows(await openInput(path))) {
    const siren = text(row.code_epci);
    if (!siren || !/^\d{9}$/.test(siren)) {
      ctx.reject(`${path.split('/').pop()} line ${line}`, 'code_epci must be a 9-digit SIREN');
      continue;
    }
    if (!wanted.has(siren)) continue;
    const population = Number(text(row.population_municipale) ?? NaN);
    const count = Number(text(row.nb_communes) ?? NaN);
    epci.push({ siren, name: text(row.nom_epci) ?? siren, type: text(row.type_epci),
      population: Number.isFinite(population) ? population : null, commune_count: Number.isFinite(count) ? count : null });
  }
  return epci;
}

async function writeEpci(ctx: ImportContext, epci: Epci[], union: PolygonUnion, drafts: RawBuilder<unknown>): Promise<void> {
  // A subquery rather than a CTE: read again where it is used instead of copying every member's
  // polygon into a CTE's tuple store (the drafts need only the members' total area).
  const members = sql`(SELECT epci_siren AS key, geom FROM communes WHERE epci_siren = ANY(${epci.map((e) => e.siren)}::text[]) AND geom IS NOT NULL)`;
  const r = await sql<{ redone: number }>`
    WITH d AS (${union.dissolve(members, drafts)}),
    ins AS (
      INSERT INTO epci AS t (siren, name, type, population, commune_count, geom, source, licence)
      SELECT v.siren, v.name, v.type, v.population, v.commune_count, d.geom, ${ctx.source.key}, ${ctx.licence}
      FROM ${jsonRows(epci, 'v', { siren: 'text', name: 'text', type: 'text', population: 'integer', commune_count: 'integer' })}
      LEFT JOIN d ON d.key = v.siren
      ${updateIfChanged('siren', ['name', 'type', 'population', 'commune_count', 'geom', 'source', 'licence'])})
    SELECT count(*) FILTER (WHERE redone)::int AS redone FROM d`.execute(ctx.trx);
  const { redone } = r.rows[0]!;
  ctx.note(`${epci.length} EPCI built as unions of their member communes (${union.name}` +
    `${redone ? `; ${redone} overlapping or not edge-matched, computed with ST_Union` : ''})`);
}

export function communes(input: CommunesInput): ImportJob {
  return {
    importer: 'communes',
    input: input.polygons,
    source: {
      key: 'communes_2026',
      title: 'Communes au 1er janvier 2026 (polygones Admin Express COG 2018 réunis selon le COG 2026)',
      attribution: 'IGN – Admin Express COG 2018 ; INSEE COG 2026 et populations légales ; DGCL (EPCI) – via gregoiredavid/france-geojson et @etalab/decoupage-administratif',
      url: 'https://github.com/etalab/decoupage-administratif',
      ...LICENCE_OUVERTE,
    },
    run: (ctx) => importCommunes(ctx, input),
  };
}
