// What a commune page shows: the commune, what lies in it, and how far the nearest everyday
// facilities are from its representative point (communes.point), wherever they are.
import { type Kysely, type Selectable, sql } from 'kysely';
import { type CommunesTable, type Database, nearestByCategory, needCategories } from '@maillage/sql';

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

/**
 * The facilities whose distance a commune page gives: categories of the unmet-needs analysis
 * (sql/src/analysis/needs.ts), under the name the page's API has always used for each.
 */
export const FACILITIES = [
  { kind: 'cafe_bar', category: 'cafe_bar' },
  { kind: 'grocery', category: 'grocery' },
  { kind: 'bakery', category: 'bakery' },
  { kind: 'tiers_lieu', category: 'tiers_lieux' },
  { kind: 'france_services', category: 'france_services' },
] as const;

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
 * The nearest facility of each kind to the commune's representative point, anywhere: the very
 * figures of the unmet-needs analysis (nearestByCategory), so the page and the analysis agree.
 */
export async function nearestFacilities(db: Kysely<Database>, code: string): Promise<NearestFacility[]> {
  const all = await needCategories(db);
  const categories = FACILITIES.map((f) => all.find((c) => c.code === f.category)).filter((c) => c !== undefined);
  const rows = await nearestByCategory(db, { kind: 'commune', code }, categories);
  const codes = [...new Set(rows.flatMap((r) => (r.nearest?.commune_code ? [r.nearest.commune_code] : [])))];
  const names = codes.length === 0 ? [] : await db.selectFrom('communes').select(['code', 'name']).where('code', 'in', codes).execute();
  return FACILITIES.flatMap((f) => {
    const n = rows.find((r) => r.category === f.category)?.nearest;
    if (!n) return [];
    return [{ kind: f.kind, ...n, commune_name: names.find((c) => c.code === n.commune_code)?.name ?? null }];
  });
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
