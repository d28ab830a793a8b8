// Reading any registered layer as GeoJSON features. Only repositories touch the database.
import { type Kysely, type RawBuilder, sql } from 'kysely';
import { asGeoJson, type Database } from '@maillage/sql';
import { type LayerDefinition, type LayerProperty, temporalProperty } from '../layers/registry.ts';

export type Bbox = [number, number, number, number];

/** A filter value already checked against the property's type. */
export type PropertyValue = string | number | boolean;

/**
 * OGC `datetime`: rows whose temporal property falls in [start, end] (RFC 3339 instants, each
 * bound optional); `endExclusive` when the end is the start of the day after a date-only bound.
 * Rows without a value never match.
 */
export interface TimeFilter {
  property: LayerProperty;
  start: string | null;
  end: string | null;
  endExclusive: boolean;
}

export interface FeatureFilter {
  bbox?: Bbox | undefined;
  /** Equality on queryable properties (`?category=cafe_bar`); arrays match when they contain the value. */
  equals?: readonly { property: LayerProperty; value: PropertyValue }[] | undefined;
  /** A parsed CQL2 filter, already a parameterised expression. */
  condition?: RawBuilder<unknown> | undefined;
  datetime?: TimeFilter | undefined;
}

export interface FeatureQuery extends FeatureFilter {
  limit: number;
  offset: number;
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
  if (f.datetime) {
    const { property, start, end, endExclusive } = f.datetime;
    conditions.push(sql`${column(property)} IS NOT NULL`);
    if (start !== null) conditions.push(sql`${column(property)} >= ${start}::timestamptz`);
    if (end !== null) conditions.push(endExclusive ? sql`${column(property)} < ${end}::timestamptz` : sql`${column(property)} <= ${end}::timestamptz`);
  }
  return sql.join(conditions, sql` AND `);
}

/**
 * A property as a JSON value. Dates leave as RFC 3339 text in UTC, whatever the session's time
 * zone: a `date` column as YYYY-MM-DD, a `timestamptz` as YYYY-MM-DDThh:mm:ss.sssZ (the registry
 * says `date` for both; both branches type-check for either column type).
 */
function jsonValue(p: LayerProperty): RawBuilder<unknown> {
  const c = column(p);
  if (p.type !== 'date') return c;
  return sql`CASE WHEN pg_typeof(${c}) = 'date'::regtype THEN to_char(${c}::date, 'YYYY-MM-DD')
    ELSE to_char(${c}::timestamptz AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') END`;
}

/**
 * Each row's GeoJSON Feature (RFC 7946) as text, built by PostgreSQL: the API concatenates these
 * into the response without parsing or re-serialising them. `id` is the layer's key; the
 * properties are the registry's, in its order; a row without geometry has `"geometry":null`.
 *
 * @example
 * sql`SELECT ${featureJson(layer)} AS feature FROM ${sql.table(layer.table)} t`;
 * // '{"type":"Feature","id":"99001","geometry":{"type":"MultiPolygon",…},"properties":{"code":"99001",…}}'
 */
export function featureJson(layer: LayerDefinition): RawBuilder<string> {
  // Concatenated rather than json_build_object, whose text has a space around every `:` and `,`.
  // Keys are registry names, bound as parameters; a NULL value becomes JSON null.
  const value = (v: RawBuilder<unknown>) => sql`coalesce(to_json(${v})::text, 'null')`;
  const properties = layer.properties.map((p, i) => sql`${`${i === 0 ? '' : ','}${JSON.stringify(p.name)}:`}::text || ${value(jsonValue(p))}`);
  return sql<string>`('{"type":"Feature","id":' || to_json(t.${sql.id(layer.idColumn)})::text
    || ',"geometry":' || coalesce(${asGeoJson(sql`t.geom`)}, 'null')
    || ',"properties":{' || ${properties.length ? sql.join(properties, sql` || `) : sql`''`} || '}}')`;
}

export async function countFeatures(db: Kysely<Database>, layer: LayerDefinition, f: FeatureFilter): Promise<number> {
  const r = await sql<{ n: number }>`SELECT count(*)::int AS n FROM ${sql.table(layer.table)} t WHERE ${whereClause(layer, f)}`.execute(db);
  return r.rows[0]?.n ?? 0;
}

/** Which rows of a selection, in key order, and how many per query. */
export interface PageWindow {
  /** Rows skipped first (default 0). */
  offset?: number;
  /** Rows in all (default: every row). */
  limit?: number;
  /** Rows per query. */
  pageSize: number;
}

/**
 * The rows matching `where` in key order, from `offset`, at most `limit`, one query per page:
 * the first with OFFSET, the next ones by key (`key > last ORDER BY key LIMIT n`). No cursor or
 * transaction stays open between pages, so a slow client never holds a connection and PGlite's
 * one connection serves other requests in between; rows written meanwhile may be seen in their
 * new state, and no row is seen twice. `select` lists the columns after the key (`__id`).
 * A window whose pageSize covers its limit is one statement.
 */
export async function* keysetPages<R extends { __id: string | number }>(
  db: Kysely<Database>, layer: LayerDefinition, where: RawBuilder<unknown>, select: RawBuilder<unknown>, window: PageWindow,
): AsyncGenerator<R[]> {
  const key = sql`t.${sql.id(layer.idColumn)}`;
  let remaining = window.limit ?? Number.POSITIVE_INFINITY;
  let after: string | number | undefined;
  while (remaining > 0) {
    const n = Math.min(window.pageSize, remaining);
    const r = await sql<R>`
      SELECT ${key} AS __id, ${select}
      FROM ${sql.table(layer.table)} t
      WHERE ${where}${after === undefined ? sql`` : sql` AND ${key} > ${after}`}
      ORDER BY ${key}
      LIMIT ${n}${after === undefined && window.offset ? sql` OFFSET ${window.offset}` : sql``}`.execute(db);
    if (r.rows.length === 0) return;
    yield r.rows;
    remaining -= r.rows.length;
    if (r.rows.length < n) return;
    after = r.rows[r.rows.length - 1]!.__id;
  }
}

/**
 * The features matching `where` as GeoJSON text (featureJson), page by page (keysetPages): the
 * OGC items and the GeoJSON export stream them as they come.
 *
 * @example
 * for await (const page of featurePages(db, layer, whereClause(layer, {}), { limit: 5000, pageSize: 1000 })) res.write(page.join(','));
 */
export async function* featurePages(db: Kysely<Database>, layer: LayerDefinition, where: RawBuilder<unknown>, window: PageWindow): AsyncGenerator<string[]> {
  for await (const rows of keysetPages<{ __id: string | number; f: string }>(db, layer, where, sql`${featureJson(layer)} AS f`, window)) {
    yield rows.map((row) => row.f);
  }
}

/**
 * The keys of one page of a selection (`offset`, `limit`, in key order), without building any
 * feature: the selection's filter (a bbox, CQL2) and its sort run once, here, and the features
 * are then read by key (featuresByKeys) in batches that are sent while the next is read.
 */
export async function pageKeys(db: Kysely<Database>, layer: LayerDefinition, where: RawBuilder<unknown>, offset: number, limit: number): Promise<(string | number)[]> {
  const key = sql`t.${sql.id(layer.idColumn)}`;
  const r = await sql<{ k: string | number }>`
    SELECT ${key} AS k FROM ${sql.table(layer.table)} t WHERE ${where} ORDER BY ${key} LIMIT ${limit} OFFSET ${offset}`.execute(db);
  return r.rows.map((row) => row.k);
}

/**
 * The features of these keys (sorted, as pageKeys gives them) as GeoJSON text in key order,
 * `batchSize` per query. A row that stopped being public since its key was read (unpublished,
 * deleted) is left out: moderation is checked again, by key on the primary index.
 */
export async function* featuresByKeys(db: Kysely<Database>, layer: LayerDefinition, keys: readonly (string | number)[], batchSize: number): AsyncGenerator<string[]> {
  const key = sql`t.${sql.id(layer.idColumn)}`;
  for (let i = 0; i < keys.length; i += batchSize) {
    const r = await sql<{ f: string }>`
      SELECT ${featureJson(layer)} AS f FROM ${sql.table(layer.table)} t
      WHERE ${whereClause(layer, {})} AND ${key} = ANY(${keys.slice(i, i + batchSize)})
      ORDER BY ${key}`.execute(db);
    if (r.rows.length) yield r.rows.map((row) => row.f);
  }
}

/** One public feature by its key, as GeoJSON text, or undefined. */
export async function getFeature(db: Kysely<Database>, layer: LayerDefinition, id: string | number): Promise<string | undefined> {
  const r = await sql<{ f: string }>`
    SELECT ${featureJson(layer)} AS f
    FROM ${sql.table(layer.table)} t
    WHERE ${whereClause(layer, {})} AND t.${sql.id(layer.idColumn)} = ${id}`.execute(db);
  return r.rows[0]?.f;
}

/** Bounding box of the public rows, or null for an empty layer. */
export async function layerExtent(db: Kysely<Database>, layer: LayerDefinition): Promise<Bbox | null> {
  const r = await sql<{ minx: number | null; miny: number; maxx: number; maxy: number }>`
    SELECT ST_XMin(e) AS minx, ST_YMin(e) AS miny, ST_XMax(e) AS maxx, ST_YMax(e) AS maxy
    FROM (SELECT ST_Extent(t.geom)::geometry AS e FROM ${sql.table(layer.table)} t WHERE ${whereClause(layer, {})}) x`.execute(db);
  const row = r.rows[0];
  return row && row.minx !== null ? [row.minx, row.miny, row.maxx, row.maxy] : null;
}

/**
 * The earliest and latest values of the layer's temporal property (registry `temporal`) over its
 * public rows, as RFC 3339 text in UTC to the second, widened outwards (the first rounded down,
 * the last up) so that the interval holds every row. Null for an empty layer or one without a
 * temporal property.
 */
export async function layerTimeExtent(db: Kysely<Database>, layer: LayerDefinition): Promise<[string, string] | null> {
  const temporal = temporalProperty(layer);
  if (!temporal) return null;
  const c = column(temporal);
  const utc = (v: RawBuilder<unknown>) => sql`to_char((${v})::timestamptz AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')`;
  const r = await sql<{ first: string | null; last: string | null }>`
    SELECT ${utc(sql`min(${c})`)} AS first, ${utc(sql`max(${c})::timestamptz + interval '999999 microseconds'`)} AS last
    FROM ${sql.table(layer.table)} t WHERE ${whereClause(layer, {})}`.execute(db);
  const row = r.rows[0];
  return row?.first && row.last ? [row.first, row.last] : null;
}

export async function countAllLayers(db: Kysely<Database>, layers: readonly LayerDefinition[]): Promise<Record<string, number>> {
  const parts = layers.map((l) => sql`SELECT ${l.id} AS id, count(*)::int AS n FROM ${sql.table(l.table)} t WHERE ${whereClause(l, {})}`);
  const r = await sql<{ id: string; n: number }>`${sql.join(parts, sql` UNION ALL `)}`.execute(db);
  return Object.fromEntries(r.rows.map((row) => [row.id, row.n]));
}
