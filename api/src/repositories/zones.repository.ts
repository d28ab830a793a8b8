// Saved pilot zones (« scénarios »): a zone as POST /api/analysis/zone reads it (drawn polygon,
// buffer, communes), a name, an optional scenario group and territory. The geometry is stored;
// the indicators are computed again when asked (GET /api/analysis/zone?zone=<id>), so they
// follow the data.
import { type Kysely, sql } from 'kysely';
import { asGeoJson, buildZone, type Database, parseZoneRequest, type ZoneRequest } from '@maillage/sql';
import { HttpProblem } from '../problem.ts';
import { asProblem } from './pilot.repository.ts';

export interface ZoneInput {
  name: string;
  scenario?: string | null;
  territoryId?: number | null;
  /** The zone, as the body of POST /api/analysis/zone (not a scope). */
  zone: unknown;
}

export interface SavedZone {
  id: number;
  name: string;
  scenario: string | null;
  territory_id: number | null;
  kind: 'drawn' | 'communes' | 'buffer';
  params: Record<string, unknown>;
  owner_id: number | null;
  created_at: Date;
  updated_at: Date;
  area_m2: number;
  /** RFC 7946 GeoJSON text. */
  geometry: string;
}

/** Saves a zone; a bad geometry or an unknown territory is a 400. */
export async function createZone(db: Kysely<Database>, ownerId: number, input: ZoneInput): Promise<number> {
  if (input.territoryId != null && !(await db.selectFrom('territories').select('id').where('id', '=', String(input.territoryId)).executeTakeFirst())) {
    throw new HttpProblem(400, `Aucun territoire d’identifiant ${input.territoryId}.`, `No territory with id ${input.territoryId}.`);
  }
  let request: Extract<ZoneRequest, { kind: 'drawn' | 'buffer' | 'communes' }>;
  try {
    request = parseZoneRequest(input.zone);
    const zone = await buildZone(db, request);
    const params = request.kind === 'drawn' ? {} : zone.params;
    const row = await db.insertInto('zones').values({
      name: input.name,
      scenario: input.scenario ?? null,
      territory_id: input.territoryId == null ? null : String(input.territoryId),
      owner_id: String(ownerId),
      kind: request.kind,
      params: JSON.stringify(params),
      geom: sql`ST_Multi(ST_GeomFromEWKB(decode(${zone.ewkb}, 'hex')))`,
    }).returning('id').executeTakeFirstOrThrow();
    return Number(row.id);
  } catch (error) {
    return asProblem(error);
  }
}

/** Saved zones, newest first: all of them, one scenario group, or one zone. */
export async function listZones(db: Kysely<Database>, filter: { id?: number; scenario?: string; ids?: number[] } = {}): Promise<SavedZone[]> {
  const where = [
    filter.id !== undefined ? sql`z.id = ${filter.id}` : null,
    filter.ids !== undefined ? sql`z.id = ANY(${filter.ids.map(String)}::bigint[])` : null,
    filter.scenario !== undefined ? sql`z.scenario = ${filter.scenario}` : null,
  ].filter((w) => w !== null);
  const r = await sql<SavedZone>`
    SELECT z.id, z.name, z.scenario, z.territory_id, z.kind, z.params, z.owner_id, z.created_at, z.updated_at,
           ST_Area(z.geom::geography) AS area_m2, ${asGeoJson(sql`z.geom`, 6)} AS geometry
    FROM zones z ${where.length ? sql`WHERE ${sql.join(where, sql` AND `)}` : sql``}
    ORDER BY z.created_at DESC, z.id DESC LIMIT 500`.execute(db);
  return r.rows.map((z) => ({ ...z, id: Number(z.id), owner_id: z.owner_id === null ? null : Number(z.owner_id), territory_id: z.territory_id === null ? null : Number(z.territory_id) }));
}

/** Deletes a zone if the user owns it or is an admin: 404 when unknown, 403 otherwise. */
export async function deleteZone(db: Kysely<Database>, id: number, user: { id: number; role: string }): Promise<void> {
  const z = await db.selectFrom('zones').select(['owner_id']).where('id', '=', String(id)).executeTakeFirst();
  if (!z) throw new HttpProblem(404, `Aucune zone enregistrée d’identifiant ${id}.`, `No saved zone with id ${id}.`);
  if (user.role !== 'admin' && Number(z.owner_id) !== user.id) {
    throw new HttpProblem(403, 'Seul l’auteur du scénario (ou un administrateur) peut le supprimer.', 'Only the scenario\'s author (or an admin) may delete it.');
  }
  await db.deleteFrom('zones').where('id', '=', String(id)).execute();
}
