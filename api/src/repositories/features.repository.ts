// Reading any registered layer as GeoJSON features. Only repositories touch the database.
import { type Kysely, type RawBuilder, sql } from 'kysely';
import { asGeoJson, type Database } from '@maillage/sql';
import type { LayerDefinition } from '../layers/registry.ts';

export type Bbox = [number, number, number, number];

export interface FeatureQuery {
  bbox?: Bbox | undefined;
  limit: number;
  offset: number;
}

export interface FeatureRow {
  id: string | number;
  geometry: string | null;
  properties: Record<string, unknown>;
}

function whereClause(layer: LayerDefinition, q: Pick<FeatureQuery, 'bbox'>): RawBuilder<unknown> {
  const conditions: RawBuilder<unknown>[] = [sql`TRUE`];
  if (layer.moderated) conditions.push(sql`t.status = 'published'`);
  if (q.bbox) {
    const [minx, miny, maxx, maxy] = q.bbox;
    // `&&` uses the GiST index; ST_Intersects keeps only true intersections.
    conditions.push(sql`t.geom && ST_MakeEnvelope(${minx}, ${miny}, ${maxx}, ${maxy}, 4326)
      AND ST_Intersects(t.geom, ST_MakeEnvelope(${minx}, ${miny}, ${maxx}, ${maxy}, 4326))`);
  }
  return sql.join(conditions, sql` AND `);
}

export async function countFeatures(db: Kysely<Database>, layer: LayerDefinition, q: Pick<FeatureQuery, 'bbox'>): Promise<number> {
  const r = await sql<{ n: number }>`SELECT count(*)::int AS n FROM ${sql.table(layer.table)} t WHERE ${whereClause(layer, q)}`.execute(db);
  return r.rows[0]?.n ?? 0;
}

export async function listFeatures(db: Kysely<Database>, layer: LayerDefinition, q: FeatureQuery): Promise<FeatureRow[]> {
  const columns = layer.properties.map((p) => sql`t.${sql.id(p.column ?? p.name)} AS ${sql.id(p.name)}`);
  const r = await sql<Record<string, unknown> & { __id: string | number; __geom: string | null }>`
    SELECT t.${sql.id(layer.idColumn)} AS __id, ${asGeoJson(sql`t.geom`)} AS __geom, ${sql.join(columns)}
    FROM ${sql.table(layer.table)} t
    WHERE ${whereClause(layer, q)}
    ORDER BY t.${sql.id(layer.idColumn)}
    LIMIT ${q.limit} OFFSET ${q.offset}`.execute(db);
  return r.rows.map(({ __id, __geom, ...properties }) => ({ id: __id, geometry: __geom, properties }));
}

export async function countAllLayers(db: Kysely<Database>, layers: readonly LayerDefinition[]): Promise<Record<string, number>> {
  const parts = layers.map((l) => sql`SELECT ${l.id} AS id, count(*)::int AS n FROM ${sql.table(l.table)} t WHERE ${whereClause(l, {})}`);
  const r = await sql<{ id: string; n: number }>`${sql.join(parts, sql` UNION ALL `)}`.execute(db);
  return Object.fromEntries(r.rows.map((row) => [row.id, row.n]));
}
