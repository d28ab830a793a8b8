// Reading a whole layer for an export, one short query per page (keyset on the layer's key), so
// memory stays flat and PGlite's single connection is free between pages for other requests.
// The rows are chosen by features.repository's whereClause (moderation, bbox, equality, CQL2),
// so a download holds exactly what the map and the OGC items show.
import { type Kysely, type RawBuilder, sql } from 'kysely';
import { asGeoJson, type Database } from '@maillage/sql';
import type { LayerDefinition } from '../layers/registry.ts';
import type { ExportRow, ExportSource, GeometryEncoding, GeometryEncodings } from '../exports/types.ts';

/** Rows per query: a page of communes' polygons is a few MB of GeoJSON. */
export const EXPORT_PAGE_SIZE = 1000;

const GEOMETRY_SQL: { [E in GeometryEncoding]: RawBuilder<unknown> } = {
  geojson: sql`${asGeoJson(sql`t.geom`)} AS __geom`,
  wkt: sql`ST_AsText(t.geom, 7) AS __geom`,
  lonlat: sql`ST_X(t.geom) AS __x, ST_Y(t.geom) AS __y`,
  wkb: sql`encode(ST_AsBinary(t.geom, 'NDR'), 'hex') AS __geom`,
};

type RawRow = Record<string, unknown> & { __id: string | number; __geom?: unknown; __x?: number | null; __y?: number | null };

function geometryOf<E extends GeometryEncoding>(encoding: E, row: RawRow): GeometryEncodings[E] {
  if (encoding === 'lonlat') {
    return (row.__x === null || row.__x === undefined || row.__y === null || row.__y === undefined ? null : [row.__x, row.__y]) as GeometryEncodings[E];
  }
  return (row.__geom ?? null) as GeometryEncodings[E];
}

/**
 * The layer's rows matching `where`, page by page in key order. Each page is its own query
 * (`key > last ORDER BY key LIMIT n`): no cursor or transaction stays open between pages, so a
 * slow client never holds a connection. Rows changed during a long export may be seen in their
 * new state; rows are never seen twice.
 *
 * @example
 * for await (const page of exportPages(db, layer, whereClause(layer, {}), 'geojson')) console.log(page.length);
 */
export async function* exportPages<E extends GeometryEncoding>(
  db: Kysely<Database>,
  layer: LayerDefinition,
  where: RawBuilder<unknown>,
  encoding: E,
  pageSize = EXPORT_PAGE_SIZE,
): AsyncGenerator<ExportRow<GeometryEncodings[E]>[]> {
  const key = sql`t.${sql.id(layer.idColumn)}`;
  const columns = layer.properties.map((p) => sql`t.${sql.id(p.column ?? p.name)} AS ${sql.id(p.name)}`);
  let after: string | number | undefined;
  for (;;) {
    const r = await sql<RawRow>`
      SELECT ${key} AS __id, ${GEOMETRY_SQL[encoding]}, ${sql.join(columns)}
      FROM ${sql.table(layer.table)} t
      WHERE ${where}${after === undefined ? sql`` : sql` AND ${key} > ${after}`}
      ORDER BY ${key}
      LIMIT ${pageSize}`.execute(db);
    if (r.rows.length === 0) return;
    yield r.rows.map((row) => {
      const { __id, __geom: _g, __x: _x, __y: _y, ...properties } = row;
      return { id: __id, geometry: geometryOf(encoding, row), properties };
    });
    if (r.rows.length < pageSize) return;
    after = r.rows[r.rows.length - 1]!.__id;
  }
}

/**
 * The datasets (rows of `sources`) that the rows matching `where` come from, for the licence and
 * attribution that travel with the file. Every layer table has a `source` column.
 */
export async function exportSources(db: Kysely<Database>, layer: LayerDefinition, where: RawBuilder<unknown>): Promise<ExportSource[]> {
  const r = await sql<Omit<ExportSource, 'imported_at'> & { imported_at: Date | string | null }>`
    SELECT s.key, s.title, s.licence, s.licence_url, s.attribution, s.url, s.odbl, s.imported_at
    FROM sources s
    WHERE EXISTS (SELECT 1 FROM ${sql.table(layer.table)} t WHERE t.source = s.key AND ${where})
    ORDER BY s.key`.execute(db);
  return r.rows.map((s) => ({ ...s, imported_at: s.imported_at ? new Date(s.imported_at).toISOString() : null }));
}
