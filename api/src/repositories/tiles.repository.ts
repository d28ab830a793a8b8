// Vector tiles of any registered layer. One SQL (`tileFeatures`) chooses, clips and simplifies
// the features of a tile, and two encoders read it: ST_AsMVT on a PostGIS server, and vt-pbf in
// JavaScript on PGlite, whose PostGIS is built without protobuf-c. Both therefore carry the same
// features with the same properties; only the last step (quantisation to the 4096 grid) differs
// in who does it.
import { type Kysely, type RawBuilder, sql } from 'kysely';
import type { Database, DbMode } from '@maillage/sql';
import type { Geometry } from 'geojson';
import type { LayerDefinition, LayerProperty } from '../layers/registry.ts';
import { encodeTile, type TileFeature, type TileValue } from '../tiles/encode.ts';
import { BUFFER, EXTENT, HALF_WORLD, simplifyTolerance, type TileCoord } from '../tiles/grid.ts';
import { isClustered, type TileLayout, tileLayout, type TileOptions } from '../tiles/layout.ts';
import { whereClause } from './features.repository.ts';

const CASTS: Record<LayerProperty['type'], RawBuilder<unknown>> = {
  string: sql`text`, integer: sql`bigint`, number: sql`double precision`, boolean: sql`boolean`,
  // Not sent in tiles (see tiles/layout.ts); listed for the type's sake.
  date: sql`text`, 'string[]': sql`text`,
};

/**
 * `env`: the tile envelope `e` and the buffered one `eb` (EPSG:3857), the buffered one in 4326
 * for the index (`box`), and the affine factors that take 3857 metres to tile units exactly as
 * ST_AsMVTGeom does. `box` is clamped to the Mercator world first: past ±180° PROJ wraps
 * longitudes (PostGIS 3.3 does), which would turn the box of an edge tile inside out.
 */
function envelope({ z, x, y }: TileCoord): RawBuilder<unknown> {
  const w = sql`${HALF_WORLD}::float8`;
  return sql`env AS (
    SELECT e, eb, ${EXTENT}::float8 / (ST_XMax(e) - ST_XMin(e)) AS fx, -${EXTENT}::float8 / (ST_YMax(e) - ST_YMin(e)) AS fy,
      ST_Transform(ST_MakeEnvelope(GREATEST(ST_XMin(eb), -${w}), GREATEST(ST_YMin(eb), -${w}),
        LEAST(ST_XMax(eb), ${w}), LEAST(ST_YMax(eb), ${w}), 3857), 4326) AS box
    FROM (SELECT ST_TileEnvelope(${z}::int, ${x}::int, ${y}::int) AS e,
                 ST_TileEnvelope(${z}::int, ${x}::int, ${y}::int, margin => ${BUFFER / EXTENT}::float8) AS eb) b)`;
}

/** Public rows whose bounding box meets the buffered tile; `&&` on the 4326 column keeps the GiST index in use. */
function inTile(layer: LayerDefinition): RawBuilder<unknown> {
  return sql`${whereClause(layer, {})} AND t.geom && env.box`;
}

interface FeatureSql {
  /** `env AS (…), f AS (…)`: f has the property columns, optionally `fid`, and `g` (3857). */
  ctes: RawBuilder<unknown>;
  /** Property columns of f, in tile order. */
  columns: string[];
  /** f.fid is the MVT feature id. */
  withId: boolean;
}

/** The features of one tile, shared by both encoders: same rows, same properties, same order. */
function tileFeatures(layer: LayerDefinition, layout: TileLayout, tile: TileCoord, options: TileOptions): FeatureSql {
  const table = sql.table(layer.table);
  if (isClustered(layout, tile.z, options)) {
    // Points in a grid of cellsPerTile² cells aligned on the tile, so that each point is counted in
    // exactly one tile (half-open bounds) and a cluster never straddles two tiles. A cluster sits at
    // the mean of its points and carries their number and most frequent category.
    const cell = sql`((ST_XMax(env.e) - ST_XMin(env.e)) / ${options.cellsPerTile}::float8)`;
    const group = layout.groupBy;
    const groupSelect = group
      ? sql`, mode() WITHIN GROUP (ORDER BY p.grp) AS ${sql.id(group.name)}`
      : sql``;
    return {
      ctes: sql`${envelope(tile)},
        p AS (
          SELECT ST_Transform(t.geom, 3857) AS g${group ? sql`, t.${sql.id(group.column ?? group.name)}::text AS grp` : sql``}
          FROM ${table} t CROSS JOIN env
          WHERE ${inTile(layer)}),
        f AS (
          SELECT count(*)::int AS count${groupSelect}, ST_Centroid(ST_Collect(p.g)) AS g,
                 floor((ST_X(p.g) - ST_XMin(env.e)) / ${cell}) AS cx, floor((ST_YMax(env.e) - ST_Y(p.g)) / ${cell}) AS cy
          FROM p CROSS JOIN env
          WHERE ST_X(p.g) >= ST_XMin(env.e) AND ST_X(p.g) < ST_XMax(env.e) AND ST_Y(p.g) > ST_YMin(env.e) AND ST_Y(p.g) <= ST_YMax(env.e)
          GROUP BY cx, cy
          ORDER BY cx, cy)`,
      columns: ['count', ...(group ? [group.name] : [])],
      withId: false,
    };
  }
  const geometry = layer.geometry === 'Point'
    ? sql`ST_Transform(t.geom, 3857)`
    // Simplify before clipping: the simplified outline is topologically sound, and the clip then
    // cuts every tile's piece from the same line so neighbouring tiles meet.
    : sql`ST_ClipByBox2D(ST_SimplifyPreserveTopology(ST_Transform(t.geom, 3857), ${simplifyTolerance(tile.z)}::float8), env.eb::box2d)`;
  const key = sql.ref(`t.${layer.idColumn}`);
  const props = layout.properties.map((p) => sql`t.${sql.id(p.column ?? p.name)}::${CASTS[p.type]} AS ${sql.id(p.name)}`);
  return {
    ctes: sql`${envelope(tile)},
      f AS (
        SELECT ${layout.integerIds ? sql`${key} AS fid, ` : sql``}${key} AS id, ${sql.join([...props, sql`${geometry} AS g`])}
        FROM ${table} t CROSS JOIN env
        WHERE ${inTile(layer)}
        ORDER BY ${key})`,
    columns: ['id', ...layout.properties.map((p) => p.name)],
    withId: layout.integerIds,
  };
}

const columnList = (from: 'f' | 'q', columns: string[]) => sql.join(columns.map((c) => sql`${sql.id(from)}.${sql.id(c)}`));

/**
 * A tile encoded by PostGIS (ST_AsMVTGeom + ST_AsMVT). Server mode only: PGlite's PostGIS has
 * no protobuf-c. An empty buffer means no feature.
 */
export async function mvtTile(db: Kysely<Database>, layer: LayerDefinition, tile: TileCoord, options: TileOptions): Promise<Uint8Array> {
  const { ctes, columns, withId } = tileFeatures(layer, tileLayout(layer), tile, options);
  const r = await sql<{ mvt: Uint8Array | null }>`
    WITH ${ctes}
    SELECT ST_AsMVT(q, ${layer.id}::text, ${EXTENT}::int, 'geom'${withId ? sql`, 'fid'` : sql``}) AS mvt
    FROM (
      SELECT ${columnList('f', columns)}${withId ? sql`, f.fid` : sql``}, ST_AsMVTGeom(f.g, env.e, ${EXTENT}::int, ${BUFFER}::int, true) AS geom
      FROM f CROSS JOIN env
    ) q
    WHERE q.geom IS NOT NULL`.execute(db);
  return r.rows[0]?.mvt ?? new Uint8Array(0);
}

/**
 * What ST_AsMVTGeom does to a clipped 3857 geometry, in plain PostGIS: lines and polygons
 * smaller than half a tile unit both ways are dropped, then the affine transform to tile units,
 * snapping to the integer grid, dropping collinear points and collapsed parts (ST_Simplify at 0
 * without preserving collapsed), and the MVT winding. Tile y points down, so the exterior ring
 * that PostGIS calls counter-clockwise has the positive area the spec asks for.
 */
function toTileUnits(g: RawBuilder<unknown>): RawBuilder<unknown> {
  const affine = sql`ST_Affine(${g}, env.fx, 0, 0, env.fy, -ST_XMin(env.e) * env.fx, -ST_YMax(env.e) * env.fy)`;
  const tiny = sql`ST_Dimension(${g}) > 0 AND (ST_XMax(${g}) - ST_XMin(${g})) * env.fx < 0.5 AND (ST_YMax(${g}) - ST_YMin(${g})) * -env.fy < 0.5`;
  return sql`CASE WHEN ${tiny} THEN NULL ELSE ST_ForcePolygonCCW(ST_Simplify(ST_SnapToGrid(${affine}, 1), 0, false)) END`;
}

/**
 * The same tile encoded in JavaScript: PostGIS does what ST_AsMVTGeom does (toTileUnits) and
 * vt-pbf packs the result.
 * Runs in both modes; PGlite serves its tiles with it.
 */
export async function jsTile(db: Kysely<Database>, layer: LayerDefinition, tile: TileCoord, options: TileOptions): Promise<Uint8Array> {
  const { ctes, columns, withId } = tileFeatures(layer, tileLayout(layer), tile, options);
  const r = await sql<Record<string, TileValue | null> & { fid?: number; geom: string }>`
    WITH ${ctes}
    SELECT ${columnList('q', columns)}${withId ? sql`, q.fid` : sql``}, ST_AsGeoJSON(q.tg, 0) AS geom FROM (
      SELECT ${columnList('f', columns)}${withId ? sql`, f.fid` : sql``},
        ${toTileUnits(sql`f.g`)} AS tg
      FROM f CROSS JOIN env
    ) q
    WHERE q.tg IS NOT NULL AND NOT ST_IsEmpty(q.tg)`.execute(db);
  const features: TileFeature[] = r.rows.map(({ fid, geom, ...rest }) => ({
    id: fid,
    properties: Object.fromEntries(columns.map((c) => [c, rest[c] ?? null])),
    geometry: JSON.parse(geom) as Geometry,
  }));
  return encodeTile(layer.id, features);
}

/** The tile in the encoder this database has: ST_AsMVT on a server, JavaScript on PGlite. */
export function renderTile(db: Kysely<Database>, mode: DbMode, layer: LayerDefinition, tile: TileCoord, options: TileOptions): Promise<Uint8Array> {
  return mode === 'postgres' ? mvtTile(db, layer, tile, options) : jsTile(db, layer, tile, options);
}

/**
 * PostgreSQL's cumulative count of rows inserted, updated and deleted in each layer's table
 * (`pg_stat_user_tables`), by layer id. It moves when any session of any process writes the
 * table, a few seconds after its transaction ends (statistics are flushed when a session goes
 * idle, at most ~10 s later on PostgreSQL 15); an aborted write moves it too, which only costs a
 * cache miss. Server mode only: PGlite flushes these counters only when asked to.
 *
 * @example
 * const counts = await layerWriteCounts(db, LAYERS); // Map { 'communes' => '35228', … }
 */
export async function layerWriteCounts(db: Kysely<Database>, layers: readonly LayerDefinition[]): Promise<Map<string, string>> {
  const tables = layers.map((l) => l.table);
  const r = await sql<{ relname: string; n: string }>`
    SELECT relname, (n_tup_ins + n_tup_upd + n_tup_del)::text AS n
    FROM pg_stat_user_tables
    WHERE relid = ANY(${tables}::regclass[])`.execute(db);
  const byTable = new Map(r.rows.map((row) => [row.relname, row.n]));
  return new Map(layers.map((l) => [l.id, byTable.get(l.table) ?? '']));
}
