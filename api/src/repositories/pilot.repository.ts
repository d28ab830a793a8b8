// Pilot zones and pilot streets: the SQL lives in @maillage/sql (sql/src/analysis/zone.ts and
// pilot-streets.ts); this file turns their input errors into 400s, unknown scopes into 404s, and
// gathers the sources (licence and attribution) each answer is made of.
import type { Kysely } from 'kysely';
import {
  AnalysisInputError, buildZone, type Database, pilotStreets, type PilotStreetsParams, type PilotStreetsResult, type ResolvedScope,
  type Zone, zoneGeoJson, zoneIndicators, type ZoneIndicators, type ZoneRequest,
} from '@maillage/sql';
import { HttpProblem } from '../problem.ts';
import { requireScope } from './analysis.repository.ts';
import { type SourceRow, sourcesByKey } from './communes.repository.ts';

const OSM_ATTRIBUTION = "© les contributeurs d'OpenStreetMap (ODbL)";

export interface Provenance {
  /** ODbL as soon as one OpenStreetMap-derived source is in the answer (share-alike). */
  licence: string;
  attribution: string;
  sources: (SourceRow & { odbl: boolean })[];
}

/** An analysis input error (bad geometry, bad parameter) → 400 with the analysis's own words. */
export function asProblem(error: unknown): never {
  if (error instanceof AnalysisInputError) throw new HttpProblem(400, error.fr, error.en);
  throw error;
}

async function provenance(db: Kysely<Database>, keys: readonly string[]): Promise<Provenance> {
  const rows = await sourcesByKey(db, keys);
  const odblKeys = keys.length === 0 ? [] : (await db.selectFrom('sources').select('key').where('key', 'in', [...keys]).where('odbl', '=', true).execute()).map((r) => r.key);
  const sources = rows.map((s) => ({ ...s, odbl: odblKeys.includes(s.key) }));
  const odbl = sources.some((s) => s.odbl);
  return {
    licence: odbl ? 'ODbL 1.0' : 'Licence Ouverte 2.0',
    attribution: [...new Set([...(odbl ? [OSM_ATTRIBUTION] : []), ...sources.map((s) => s.attribution)])].join(' ; '),
    sources,
  };
}

export interface ZoneAnswer {
  zone: Zone;
  /** The zone's outline, RFC 7946 GeoJSON text. */
  geometry: string;
  scope: ResolvedScope | null;
  indicators: ZoneIndicators;
  provenance: Provenance;
}

/** The indicators of a zone; a scope that names nothing is a 404. */
export async function zoneAnswer(db: Kysely<Database>, request: ZoneRequest): Promise<ZoneAnswer> {
  const scope = request.kind === 'scope' ? await requireScope(db, request.scope) : null;
  if (request.kind === 'saved' && !(await db.selectFrom('zones').select('id').where('id', '=', request.id).executeTakeFirst())) {
    throw new HttpProblem(404, `Aucune zone enregistrée d’identifiant ${request.id}.`, `No saved zone with id ${request.id}.`);
  }
  const zone = await buildZone(db, request).catch(asProblem);
  const [indicators, geometry] = [await zoneIndicators(db, zone), await zoneGeoJson(db, zone)];
  return { zone, geometry, scope, indicators, provenance: await provenance(db, indicators.sources) };
}

export interface PilotStreetsAnswer {
  scope: ResolvedScope;
  result: PilotStreetsResult;
  provenance: Provenance;
}

/** The pilot-street ranking of a scope that must exist. */
export async function pilotStreetsAnswer(db: Kysely<Database>, params: PilotStreetsParams): Promise<PilotStreetsAnswer> {
  const scope = await requireScope(db, params.scope);
  const result = await pilotStreets(db, params).catch(asProblem);
  return { scope, result, provenance: await provenance(db, result.sources) };
}
