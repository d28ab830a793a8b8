// Planners' custom territories: a set of communes (listed, or every commune of some EPCI) or a
// drawn polygon, named and saved. The geometry is the union of the communes, or the polygon;
// the territory is then a scope (`territory:<id>`) for every analysis (sql/src/analysis/scope.ts).
import { type Kysely, sql } from 'kysely';
import { AnalysisInputError, asGeoJson, buildZone, type Database, inScope, parseZoneRequest } from '@maillage/sql';
import { HttpProblem } from '../problem.ts';
import { asProblem } from './pilot.repository.ts';

/** A territory may be far larger than a pilot zone (the BIG territory: 98 communes, 30 × 80 km). */
export const TERRITORY_MAX_KM2 = 50_000;

export interface TerritoryInput {
  name: string;
  communes?: string[];
  epci?: string[];
  geometry?: unknown;
}

export interface TerritoryRow {
  id: number;
  name: string;
  kind: 'communes' | 'drawn';
  commune_codes: string[];
  params: Record<string, unknown>;
  owner_id: number | null;
  created_at: Date;
  area_m2: number;
  communes: number;
  population: number;
  bbox: [number, number, number, number];
}

/**
 * Saves a territory; its communes are the listed ones plus every commune of the listed EPCI.
 * Unknown codes, an invalid or oversized polygon, or both a list and a polygon are 400s.
 */
export async function createTerritory(db: Kysely<Database>, ownerId: number, input: TerritoryInput): Promise<number> {
  const byList = (input.communes?.length ?? 0) + (input.epci?.length ?? 0) > 0;
  if (byList === (input.geometry !== undefined)) {
    throw new HttpProblem(400, 'Un territoire se définit soit par des communes (communes et/ou epci), soit par un polygone dessiné (geometry), pas les deux.',
      'A territory is either a set of municipalities (communes and/or epci) or a drawn polygon (geometry), not both.');
  }
  let communes: string[] = [];
  if (byList) {
    const epci = [...new Set(input.epci ?? [])];
    if (epci.length) {
      const known = await db.selectFrom('communes').select(['code', 'epci_siren']).where('epci_siren', 'in', epci).execute();
      const missing = epci.filter((s) => !known.some((k) => k.epci_siren === s));
      if (missing.length) {
        throw new HttpProblem(400, `EPCI inconnu(s) ou sans commune chargée : ${missing.join(', ')}.`, `Unknown EPCI, or without a loaded municipality: ${missing.join(', ')}.`);
      }
      communes = known.map((k) => k.code);
    }
    communes = [...new Set([...(input.communes ?? []), ...communes])].sort();
  }
  try {
    const request = byList ? parseZoneRequest({ communes }) : parseZoneRequest(input.geometry);
    if (request.kind === 'buffer') {
      throw new AnalysisInputError('Un territoire dessiné est un Polygon ou un MultiPolygon.', 'A drawn territory is a Polygon or a MultiPolygon.');
    }
    const zone = await buildZone(db, request, { maxAreaKm2: TERRITORY_MAX_KM2 });
    const row = await db.insertInto('territories').values({
      name: input.name,
      owner_id: String(ownerId),
      kind: byList ? 'communes' : 'drawn',
      commune_codes: communes,
      params: JSON.stringify(byList ? { communes: input.communes ?? [], epci: input.epci ?? [] } : {}),
      geom: sql`ST_Multi(ST_GeomFromEWKB(decode(${zone.ewkb}, 'hex')))`,
    }).returning('id').executeTakeFirstOrThrow();
    return Number(row.id);
  } catch (error) {
    return asProblem(error);
  }
}

type Raw = Omit<TerritoryRow, 'bbox' | 'communes' | 'population'> & { minx: number; miny: number; maxx: number; maxy: number };

/** Territories, newest first; their communes are counted by the scope rule (scope.ts), as every analysis counts them. */
export async function listTerritories(db: Kysely<Database>, id?: number): Promise<TerritoryRow[]> {
  const r = await sql<Raw>`
    SELECT t.id, t.name, t.kind, t.commune_codes, t.params, t.owner_id, t.created_at, ST_Area(t.geom::geography) AS area_m2,
           ST_XMin(t.geom) AS minx, ST_YMin(t.geom) AS miny, ST_XMax(t.geom) AS maxx, ST_YMax(t.geom) AS maxy
    FROM territories t ${id === undefined ? sql`` : sql`WHERE t.id = ${id}`}
    ORDER BY t.created_at DESC, t.id DESC`.execute(db);
  const rows: TerritoryRow[] = [];
  for (const { minx, miny, maxx, maxy, ...t } of r.rows) {
    const m = await sql<{ communes: number; population: number }>`
      SELECT count(*)::int AS communes, coalesce(sum(c.population), 0)::int AS population
      FROM communes c WHERE ${inScope({ kind: 'territory', id: String(t.id) })}`.execute(db);
    rows.push({ ...t, id: Number(t.id), owner_id: t.owner_id === null ? null : Number(t.owner_id), bbox: [minx, miny, maxx, maxy], ...m.rows[0]! });
  }
  return rows;
}

/** One territory with its outline (RFC 7946 GeoJSON text) and member communes; undefined when unknown. */
export async function getTerritory(db: Kysely<Database>, id: number): Promise<(TerritoryRow & { geometry: string; members: { code: string; name: string }[] }) | undefined> {
  const [row] = await listTerritories(db, id);
  if (!row) return undefined;
  const g = await sql<{ g: string }>`SELECT ${asGeoJson(sql`t.geom`, 6)} AS g FROM territories t WHERE t.id = ${id}`.execute(db);
  const members = await sql<{ code: string; name: string }>`
    SELECT c.code, c.name FROM communes c WHERE ${inScope({ kind: 'territory', id: String(id) })} ORDER BY c.code`.execute(db);
  return { ...row, geometry: g.rows[0]!.g, members: members.rows };
}

/** Deletes a territory if the user owns it or is an admin: 404 when unknown, 403 otherwise. */
export async function deleteTerritory(db: Kysely<Database>, id: number, user: { id: number; role: string }): Promise<void> {
  const t = await db.selectFrom('territories').select(['owner_id']).where('id', '=', String(id)).executeTakeFirst();
  if (!t) throw new HttpProblem(404, `Aucun territoire d’identifiant ${id}.`, `No territory with id ${id}.`);
  if (user.role !== 'admin' && Number(t.owner_id) !== user.id) {
    throw new HttpProblem(403, 'Seul l’auteur du territoire (ou un administrateur) peut le supprimer.', 'Only the territory\'s author (or an admin) may delete it.');
  }
  await db.deleteFrom('territories').where('id', '=', String(id)).execute();
}
