// What a commune page shows: the commune, what lies in it, and how far the nearest everyday
// facilities are from its representative point (communes.point), wherever they are.
import { type Kysely, type RawBuilder, type Selectable, sql } from 'kysely';
import { type CommunesTable, type Database, distanceMetres } from '@maillage/sql';

export type CommuneRow = Pick<Selectable<CommunesTable>, 'code' | 'name' | 'population' | 'epci_siren' | 'epci_name' | 'departement'
  | 'departement_name' | 'region' | 'region_name' | 'area_m2' | 'postal_codes' | 'source'> & {
  lon: number | null;
  lat: number | null;
  minx: number | null;
  miny: number | null;
  maxx: number | null;
  maxy: number | null;
}

export async function getCommune(db: Kysely<Database>, code: string): Promise<CommuneRow | undefined> {
  const r = await sql<CommuneRow>`
    SELECT code, name, population, epci_siren, epci_name, departement, departement_name, region, region_name, area_m2,
           postal_codes, source, ST_X(point) AS lon, ST_Y(point) AS lat,
           ST_XMin(geom) AS minx, ST_YMin(geom) AS miny, ST_XMax(geom) AS maxx, ST_YMax(geom) AS maxy
    FROM communes WHERE code = ${code}`.execute(db);
  return r.rows[0];
}

export interface CategoryCount {
  code: string;
  family: string;
  label_fr: string;
  label_en: string;
  color: string;
  count: number;
}

/** Active places of the commune by category; every category is listed, zeros included. */
export async function placeCountsByCategory(db: Kysely<Database>, code: string): Promise<CategoryCount[]> {
  const r = await sql<CategoryCount>`
    SELECT pc.code, pc.family, pc.label_fr, pc.label_en, pc.color, count(p.id)::int AS count
    FROM place_categories pc
    LEFT JOIN places p ON p.category = pc.code AND p.commune_code = ${code} AND p.status = 'active'
    GROUP BY pc.code ORDER BY pc.sort, pc.code`.execute(db);
  return r.rows;
}

export interface CommuneContents {
  tiers_lieux: number;
  vacant_shops: { vacant: number; reoccupied: number; in_project: number };
  programmes: { id: string; programme: string; name: string }[];
  projects: number;
  sources: string[];
}

export async function communeContents(db: Kysely<Database>, code: string): Promise<CommuneContents> {
  const counts = await sql<{ tiers_lieux: number; vacant: number; reoccupied: number; in_project: number; projects: number; sources: string[] }>`
    SELECT (SELECT count(*)::int FROM tiers_lieux WHERE commune_code = ${code}) AS tiers_lieux,
           (SELECT count(*)::int FROM vacant_shops WHERE commune_code = ${code} AND status = 'vacant') AS vacant,
           (SELECT count(*)::int FROM vacant_shops WHERE commune_code = ${code} AND status = 'reoccupied') AS reoccupied,
           (SELECT count(*)::int FROM vacant_shops WHERE commune_code = ${code} AND status = 'in_project') AS in_project,
           (SELECT count(*)::int FROM projects WHERE ${code} = ANY(commune_codes) AND status = 'published') AS projects,
           ARRAY(SELECT source FROM places WHERE commune_code = ${code}
                 UNION SELECT source FROM tiers_lieux WHERE commune_code = ${code}
                 UNION SELECT source FROM vacant_shops WHERE commune_code = ${code}
                 UNION SELECT source FROM programmes WHERE commune_code = ${code}) AS sources`.execute(db);
  const programmes = await sql<{ id: string; programme: string; name: string }>`
    SELECT id::text AS id, programme, name FROM programmes WHERE commune_code = ${code} ORDER BY programme, name, id`.execute(db);
  const c = counts.rows[0]!;
  return {
    tiers_lieux: c.tiers_lieux,
    vacant_shops: { vacant: c.vacant, reoccupied: c.reoccupied, in_project: c.in_project },
    programmes: programmes.rows,
    projects: c.projects,
    sources: c.sources,
  };
}

/** The facilities whose distance a commune page gives, each a table and a condition. */
export const FACILITIES = [
  { kind: 'cafe_bar', table: 'places', where: sql`f.category = 'cafe_bar' AND f.status = 'active'` },
  { kind: 'grocery', table: 'places', where: sql`f.category = 'grocery' AND f.status = 'active'` },
  { kind: 'bakery', table: 'places', where: sql`f.category = 'bakery' AND f.status = 'active'` },
  { kind: 'tiers_lieu', table: 'tiers_lieux', where: sql`TRUE` },
  { kind: 'france_services', table: 'programmes', where: sql`f.programme = 'france_services'` },
] as const satisfies readonly { kind: string; table: keyof Database; where: RawBuilder<unknown> }[];

export type FacilityKind = (typeof FACILITIES)[number]['kind'];

export interface NearestFacility {
  kind: FacilityKind;
  id: string;
  name: string | null;
  commune_code: string | null;
  commune_name: string | null;
  source: string;
  metres: number;
  lon: number;
  lat: number;
}

/**
 * The nearest facility of each kind to the commune's representative point, anywhere. The
 * geography KNN (`<->`, on the *_geog_idx indexes) measures on the sphere, so it picks a few
 * candidates and the spheroid distance decides between them.
 */
export async function nearestFacilities(db: Kysely<Database>, code: string): Promise<NearestFacility[]> {
  const candidates = 5;
  const one = (f: (typeof FACILITIES)[number]) => sql`
    SELECT ${f.kind} AS kind, n.*
    FROM communes c CROSS JOIN LATERAL (
      SELECT k.id::text AS id, k.name, k.commune_code, kc.name AS commune_name, k.source, k.metres, ST_X(k.geom) AS lon, ST_Y(k.geom) AS lat
      FROM (
        SELECT f.id, f.name, f.commune_code, f.source, f.geom, ${distanceMetres(sql`f.geom`, sql`c.point`)} AS metres
        FROM ${sql.table(f.table)} f
        WHERE ${f.where}
        ORDER BY f.geom::geography <-> c.point::geography
        LIMIT ${sql.lit(candidates)}
      ) k LEFT JOIN communes kc ON kc.code = k.commune_code
      ORDER BY k.metres, k.id LIMIT 1
    ) n
    WHERE c.code = ${code} AND c.point IS NOT NULL`;
  const r = await sql<NearestFacility>`${sql.join(FACILITIES.map(one), sql` UNION ALL `)}`.execute(db);
  return r.rows;
}

export interface SourceRow {
  key: string;
  title: string;
  licence: string;
  licence_url: string | null;
  attribution: string;
  url: string | null;
}

export async function sourcesByKey(db: Kysely<Database>, keys: readonly string[]): Promise<SourceRow[]> {
  if (keys.length === 0) return [];
  const r = await sql<SourceRow>`
    SELECT key, title, licence, licence_url, attribution, url FROM sources WHERE key = ANY(${[...keys]}::text[]) ORDER BY key`.execute(db);
  return r.rows;
}
