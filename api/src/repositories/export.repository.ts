// Reading a whole layer for an export, one short query per page (keysetPages, on the layer's
// key), so memory stays flat and PGlite's single connection is free between pages for other requests.
// The rows are chosen by features.repository's whereClause (moderation, bbox, equality, CQL2),
// so a download holds exactly what the map and the OGC items show.
import { type Kysely, type RawBuilder, sql } from 'kysely';
import type { Database } from '@maillage/sql';
import type { LayerDefinition } from '../layers/registry.ts';
import type { ExportRow, ExportSource, GeometryEncoding, GeometryEncodings } from '../exports/types.ts';
import { keysetPages } from './features.repository.ts';

/** Rows per query: a page of communes' polygons is about 1.5 MB of GeoJSON. */
export const EXPORT_PAGE_SIZE = 1000;

const GEOMETRY_SQL: { [E in GeometryEncoding]: RawBuilder<unknown> } = {
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
 * The layer's rows matching `where`, page by page in key order (keysetPages), with their
 * registry properties and the geometry in the encoding a tabular format needs.
 *
 * @example
 * for await (const page of exportPages(db, layer, whereClause(layer, {}), 'wkt')) console.log(page.length);
 */
export async function* exportPages<E extends GeometryEncoding>(
  db: Kysely<Database>,
  layer: LayerDefinition,
  where: RawBuilder<unknown>,
  encoding: E,
  pageSize = EXPORT_PAGE_SIZE,
): AsyncGenerator<ExportRow<GeometryEncodings[E]>[]> {
  const columns = layer.properties.map((p) => sql`t.${sql.id(p.column ?? p.name)} AS ${sql.id(p.name)}`);
  for await (const rows of keysetPages<RawRow>(db, layer, where, sql`${GEOMETRY_SQL[encoding]}, ${sql.join(columns)}`, { pageSize })) {
    yield rows.map((row) => {
      const { __id, __geom: _g, __x: _x, __y: _y, ...properties } = row;
      return { id: __id, geometry: geometryOf(encoding, row), properties };
    });
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
