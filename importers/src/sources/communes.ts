// Communes: the 2018 polygons joined to the 2026 list. A commune created by a merger since 2018
// gets the union of its former communes' polygons (found through `anciens_codes`). EPCI
// polygons are then the unions of their member communes.
import { sql } from 'kysely';
import type { CommunesTable } from '@maillage/sql';
import { readCsvRows } from '../csv.ts';
import { readGeoJsonFeatures } from '../geojson.ts';
import { checkGeometry } from '../geometry.ts';
import { openInput } from '../input.ts';
import { type ImportContext, type ImportJob, LICENCE_OUVERTE, updateIfChanged } from '../pipeline.ts';
import { text } from '../points.ts';

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

async function importCommunes(ctx: ImportContext, input: CommunesInput): Promise<void> {
  const { trx } = ctx;
  const scope = new Set(input.departements ?? []);
  const inScope = (c: Commune2026) => scope.size === 0 || scope.has(c.departement);
  const list = await readList(ctx, input.list);
  // 2018 code → 2026 code: the code itself when it still exists, else the commune that absorbed it.
  const current = new Map<string, string>();
  for (const c of list.values()) for (const former of c.former_codes) if (!list.has(former)) current.set(former, c.code);
  for (const code of list.keys()) current.set(code, code);

  await sql`CREATE TEMP TABLE commune_parts (code text NOT NULL, code_2018 text NOT NULL, geom geometry NOT NULL) ON COMMIT DROP`.execute(trx);
  const opened = await openInput(input.polygons);
  let parts: { code: string; code2018: string; geometry: string }[] = [];
  const flush = async () => {
    if (parts.length === 0) return;
    const values = parts.map((p) => sql`(${p.code}, ${p.code2018}, ST_SetSRID(ST_GeomFromGeoJSON(${p.geometry}), 4326))`);
    parts = [];
    await sql`INSERT INTO commune_parts (code, code_2018, geom) VALUES ${sql.join(values)}`.execute(trx);
  };
  let polygonsRead = 0;
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
    parts.push({ code: commune.code, code2018, geometry: JSON.stringify(item.feature.geometry) });
    if (parts.length >= 500) await flush();
  }
  await flush();

  const rows = [...list.values()].filter(inScope);
  ctx.read = rows.length;
  ctx.skipped = 0;
  ctx.note(`${polygonsRead} polygons of 2018 read, ${list.size} communes of 2026 listed, ${rows.length} in scope`);

  // Repair once, then union the parts of merged communes (single parts skip the costly union).
  const repaired = await sql<{ n: number }>`
    WITH bad AS (SELECT ctid FROM commune_parts WHERE NOT ST_IsValid(geom))
    UPDATE commune_parts p SET geom = ST_CollectionExtract(ST_MakeValid(p.geom), 3) FROM bad WHERE p.ctid = bad.ctid
    RETURNING 1 AS n`.execute(trx);
  if (repaired.rows.length) ctx.note(`${repaired.rows.length} invalid polygons repaired with ST_MakeValid`);
  await sql`CREATE TEMP TABLE commune_geoms ON COMMIT DROP AS
    SELECT code, ST_Multi(CASE WHEN count(*) = 1 THEN (array_agg(geom))[1] ELSE ST_CollectionExtract(ST_Union(geom), 3) END) AS geom
    FROM commune_parts GROUP BY code`.execute(trx);
  await sql`CREATE UNIQUE INDEX ON commune_geoms (code)`.execute(trx);

  const columns = ['name', 'population', 'epci_siren', 'epci_name', 'departement', 'departement_name', 'region', 'region_name',
    'arrondissement', 'siren', 'postal_codes', 'former_codes', 'zone', 'geom', 'point', 'area_m2', 'licence', 'source'] as const;
  for (let i = 0; i < rows.length; i += 500) {
    const values = rows.slice(i, i + 500).map((c) => sql`(${c.code}, ${c.name}, ${c.population}::integer, ${c.epci_siren}, ${c.epci_name},
      ${c.departement}, ${c.departement_name}, ${c.region}, ${c.region_name}, ${c.arrondissement}, ${c.siren},
      ${c.postal_codes}::text[], ${c.former_codes}::text[], ${c.zone})`);
    const result = await sql<{ inserted: boolean }>`
      INSERT INTO communes AS t (code, ${sql.join(columns.map((c) => sql.id(c)))})
      SELECT v.code, v.name, v.population, v.epci_siren, v.epci_name, v.departement, v.departement_name, v.region,
             v.region_name, v.arrondissement, v.siren, v.postal_codes, v.former_codes, v.zone,
             g.geom, ST_PointOnSurface(g.geom), ST_Area(g.geom::geography), ${ctx.licence}, ${ctx.source.key}
      FROM (VALUES ${sql.join(values)}) AS v (code, name, population, epci_siren, epci_name, departement, departement_name,
             region, region_name, arrondissement, siren, postal_codes, former_codes, zone)
      LEFT JOIN commune_geoms g ON g.code = v.code
      ${updateIfChanged('code', columns)}
      RETURNING (xmax = 0) AS inserted`.execute(trx);
    for (const r of result.rows) if (r.inserted) ctx.inserted++; else ctx.updated++;
    ctx.progress(i + 500, rows.length, 'communes');
  }
  const withoutPolygon = rows.filter((c) => c.zone === 'metro').length - (await sql<{ n: number }>`SELECT count(*)::int AS n FROM commune_geoms`.execute(trx)).rows[0]!.n;
  if (withoutPolygon > 0) ctx.note(`${withoutPolygon} metropolitan communes in scope have no 2018 polygon`);
  if (input.epci) await importEpci(ctx, input.epci, rows);
  // Fresh statistics, or the next point import plans its commune lookups blind (and JIT-compiles each batch).
  await sql`ANALYZE communes`.execute(ctx.trx);
}

async function importEpci(ctx: ImportContext, path: string, communes: Commune2026[]): Promise<void> {
  const wanted = new Set(communes.map((c) => c.epci_siren).filter((s): s is string => !!s));
  const values = [];
  for await (const { line, row } of readCsvRows(await openInput(path))) {
    const siren = text(row.code_epci);
    if (!siren || !/^\d{9}$/.test(siren)) {
      ctx.reject(`${path.split('/').pop()} line ${line}`, 'code_epci must be a 9-digit SIREN');
      continue;
    }
    if (!wanted.has(siren)) continue;
    const population = Number(text(row.population_municipale) ?? NaN);
    const count = Number(text(row.nb_communes) ?? NaN);
    values.push(sql`(${siren}, ${text(row.nom_epci) ?? siren}, ${text(row.type_epci)}, ${Number.isFinite(population) ? population : null}::integer, ${Number.isFinite(count) ? count : null}::integer)`);
  }
  if (values.length === 0) return;
  await sql`
    INSERT INTO epci AS t (siren, name, type, population, commune_count, geom, source, licence)
    SELECT v.siren, v.name, v.type, v.population, v.commune_count,
           (SELECT ST_Multi(ST_CollectionExtract(ST_Union(c.geom), 3)) FROM communes c WHERE c.epci_siren = v.siren AND c.geom IS NOT NULL),
           ${ctx.source.key}, ${ctx.licence}
    FROM (VALUES ${sql.join(values)}) AS v (siren, name, type, population, commune_count)
    ${updateIfChanged('siren', ['name', 'type', 'population', 'commune_count', 'geom', 'source', 'licence'])}`.execute(ctx.trx);
  ctx.note(`${values.length} EPCI built as unions of their member communes`);
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
