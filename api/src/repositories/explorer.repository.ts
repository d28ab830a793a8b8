// Counts for the map explorer: how many features of each layer meet the view, in one query.
import { type Kysely, sql } from 'kysely';
import type { Database } from '@maillage/sql';
import type { LayerDefinition } from '../layers/registry.ts';
import { type Bbox, type FeatureFilter, whereClause } from './features.repository.ts';

export interface LayerCountQuery {
  layer: LayerDefinition;
  filter: FeatureFilter;
}

/**
 * The number of public features of each layer that match its filter, in one round trip (one
 * count per layer, joined by UNION ALL); the WHERE clause is the one of OGC items and exports,
 * so a count always equals the `numberMatched` of the same items request.
 *
 * @example
 * await countLayers(db, [{ layer: requireLayer('places'), filter: { bbox: [-0.8, 48, -0.7, 48.1] } }]);
 * // → { places: 123 }
 */
export async function countLayers(db: Kysely<Database>, queries: readonly LayerCountQuery[]): Promise<Record<string, number>> {
  if (queries.length === 0) return {};
  const parts = queries.map(({ layer, filter }) =>
    sql`SELECT ${layer.id}::text AS id, count(*)::int AS n FROM ${sql.table(layer.table)} t WHERE ${whereClause(layer, filter)}`);
  const r = await sql<{ id: string; n: number }>`${sql.join(parts, sql` UNION ALL `)}`.execute(db);
  return Object.fromEntries(r.rows.map((row) => [row.id, row.n]));
}

export interface CommuneLabelRow {
  code: string;
  name: string;
  population: number | null;
  lon: number;
  lat: number;
}

/**
 * Where to write the names of the communes of a box: the representative points (inside the
 * commune, set at import) that lie in the box, most populous first, at most `limit`. Vector tiles cut a commune
 * along tile edges, and a label per piece would repeat the name; one point per commune does not.
 */
export async function communeLabels(db: Kysely<Database>, bbox: Bbox, limit: number): Promise<CommuneLabelRow[]> {
  const [minx, miny, maxx, maxy] = bbox;
  const box = sql`ST_MakeEnvelope(${minx}, ${miny}, ${maxx}, ${maxy}, 4326)`;
  const r = await sql<CommuneLabelRow>`
    SELECT c.code, c.name, c.population, ST_X(c.point) AS lon, ST_Y(c.point) AS lat
    FROM communes c
    WHERE c.geom && ${box} AND c.point && ${box}
    ORDER BY c.population DESC NULLS LAST, c.code
    LIMIT ${limit}`.execute(db);
  return r.rows;
}
