// RFC 7946 FeatureCollection, written piece by piece so a whole layer never sits in memory.
// The `metadata` foreign member comes before `features`, so a reader streaming the file sees
// the licence first. Geometries arrive as GeoJSON text from PostGIS and are spliced in as is.
import type { ExportMetadata, ExportRow } from './types.ts';

/**
 * One feature as GeoJSON text, in the same shape as the OGC items route.
 *
 * @example
 * geojsonFeature({ id: 1, geometry: '{"type":"Point","coordinates":[0.5,45]}', properties: { name: 'Café' } });
 * // '{"type":"Feature","id":1,"geometry":{"type":"Point","coordinates":[0.5,45]},"properties":{"name":"Café"}}'
 */
export function geojsonFeature(row: ExportRow<string | null>): string {
  return `{"type":"Feature","id":${JSON.stringify(row.id)},"geometry":${row.geometry ?? 'null'},"properties":${JSON.stringify(row.properties)}}`;
}

/**
 * The whole FeatureCollection as text chunks: the opening with the metadata, one chunk per
 * feature, then the closing. Pulling the next chunk pulls the next page, so backpressure on
 * the consumer (an HTTP response) paces the database queries.
 *
 * @example
 * Readable.from(geojsonChunks(metadata, exportPages(db, layer, where, 'geojson')), { objectMode: false });
 */
export async function* geojsonChunks(metadata: ExportMetadata, pages: AsyncIterable<ExportRow<string | null>[]>): AsyncGenerator<string> {
  yield `{"type":"FeatureCollection","metadata":${JSON.stringify(metadata)},"features":[\n`;
  let first = true;
  for await (const page of pages) {
    for (const row of page) {
      yield first ? geojsonFeature(row) : `,\n${geojsonFeature(row)}`;
      first = false;
    }
  }
  yield '\n]}\n';
}
