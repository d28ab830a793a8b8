// Reading any registered layer as GeoJSON features. Only repositories touch the database.
import { type Kysely, type RawBuilder, sql } from 'kysely';
import { asGeoJson, type Database } from '@maillage/sql';
import type { LayerDefinition, LayerProperty } from '../layers/registry.ts';

export type Bbox = [number, number, number, number];

/** A filter value already checked against the property's type. */
export type PropertyValue = string | number | boolean;

export interface FeatureFilter {
  bbox?: Bbox | undefined;
  /** Equality on queryable properties (`?category=cafe_bar`); arrays match when they contain the value. */
  equals?: readonly { property: LayerProperty; value: PropertyValue }[] | undefined;
  /** A parsed CQL2 filter, already a parameterised expression. */
  condition?: RawBuilder<unknown> | undefined;
}

export interface FeatureQuery extends FeatureFilter {
  limit: number;
  offset: number;
}

export interface FeatureRow {
  id: string | number;
  geometry: string | null;
  properties: Record<string, unknown>;
}

const column = (p: LayerProperty) => sql.ref(`t.${p.column ?? p.name}`);

/** The WHERE clause shared by items, exports and counts: moderation, bbox, equality, CQL2. */
export function whereClause(layer: LayerDefinition, f: FeatureFilter): RawBuilder<unknown> {
  const conditions: RawBuilder<unknown>[] = [sql`TRUE`];
  if (layer.moderated) conditions.push(sql`t.status = 'published'`);
  if (f.bbox) {
    const [minx, miny, maxx, maxy] = f.bbox;
    // `&&` uses the GiST index; ST_Intersects keeps only true intersections.
    const box = sql`ST_MakeEnvelope(${minx}, ${miny}, ${maxx}, ${maxy}, 4326)`;
    conditions.push(sql`t.geom && ${box} AND ST_Intersects(t.geom, ${box})`);
  }
  for (const { property, value } of f.equals ?? []) {
    conditions.push(property.type === 'string[]' ? sql`${value} = ANY(${column(property)})` : sql`${column(property)} = ${value}`);
  }
  if (f.condition) conditions.push(sql`(${f.condition})`);
  return sql.join(conditions, sql` AND `);
}

function selectList(layer: LayerDefinition): RawBuilder<unknown> {
  return sql.join(layer.properties.map((p) => sql`${column(p)} AS ${sql.id(p.name)}`));
}

function toFeature({ __id, __geom, ...properties }: Record<string, unknown>): FeatureRow {
  return { id: __id as string | number, geometry: __geom as string | null, properties };
}

export async function countFeatures(db: Kysely<Database>, layer: LayerDefinition, f: FeatureFilter): Promise<number> {
  const r = await sql<{ n: number }>`SELECT count(*)::int AS n FROM ${sql.table(layer.table)} t WHERE ${whereClause(layer, f)}`.execute(db);
  return r.rows[0]?.n ?? 0;
}

export async function listFeatures(db: Kysely<Database>, layer: LayerDefinition, q: FeatureQuery): Promise<FeatureRow[]> {
  const r = await sql<Record<string, unknown>>`
    SELECT t.${sql.id(layer.idColumn)} AS __id, ${asGeoJson(sql`t.geom`)} AS __geom, ${selectList(layer)}
    FROM ${sql.table(layer.table)} t
    WHERE ${whereClause(layer, q)}
    ORDER BY t.${sql.id(layer.idColumn)}
    LIMIT ${q.limit} OFFSET ${q.offset}`.execute(db);
  return r.rows.map(toFeature);
}

export async function getFeature(db: Kysely<Database>, layer: LayerDefinition, id: string | number): Promise<FeatureRow | undefined> {
  const r = await sql<Record<string, unknown>>`
    SELECT t.${sql.id(layer.idColumn)} AS __id, ${asGeoJson(sql`t.geom`)} AS __geom, ${selectList(layer)}
    FROM ${sql.table(layer.table)} t
    WHERE ${whereClause(layer, {})} AND t.${sql.id(layer.idColumn)} = ${id}`.execute(db);
  return r.rows[0] ? toFeature(r.rows[0]) : undefined;
}

/** Bounding box of the public rows, or null for an empty layer. */
export async function layerExtent(db: Kysely<Database>, layer: LayerDefinition): Promise<Bbox | null> {
  const r = await sql<{ minx: number | null; miny: number; maxx: number; maxy: number }>`
    SELECT ST_XMin(e) AS minx, ST_YMin(e) AS miny, ST_XMax(e) AS maxx, ST_YMax(e) AS maxy
    FROM (SELECT ST_Extent(t.geom)::geometry AS e FROM ${sql.table(layer.table)} t WHERE ${whereClause(layer, {})}) x`.execute(db);
  const row = r.rows[0];
  return row && row.minx !== null ? [row.minx, row.miny, row.maxx, row.maxy] : null;
}

export async function countAllLayers(db: Kysely<Database>, layers: readonly LayerDefinition[]): Promise<Record<string, number>> {
  const parts = layers.map((l) => sql`SELECT ${l.id} AS id, count(*)::int AS n FROM ${sql.table(l.table)} t WHERE ${whereClause(l, {})}`);
  const r = await sql<{ id: string; n: number }>`${sql.join(parts, sql` UNION ALL `)}`.execute(db);
  return Object.fromEntries(r.rows.map((row) => [row.id, row.n]));
}
