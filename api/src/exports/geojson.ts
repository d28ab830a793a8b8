// RFC 7946 FeatureCollection, written piece by piece so a whole layer never sits in memory.
// The `metadata` foreign member comes before `features`, so a reader streaming the file sees
// the licence first. Features arrive as GeoJSON text built by PostgreSQL (featureJson, the same
// as the OGC items) and are written as they are.
import type { ExportMetadata } from './types.ts';

/**
 * The whole FeatureCollection as chunks: the opening with the metadata, then one buffer per page
 * of features, then the closing. Pulling the next chunk pulls the next page, so backpressure on
 * the consumer (an HTTP response) paces the database queries. Each page is encoded once into
 * one buffer: no per-feature string concatenation, and a page's strings can be freed at once.
 *
 * @example
 * Readable.from(geojsonChunks(metadata, exportFeaturePages(db, layer, where)), { objectMode: false });
 */
export async function* geojsonChunks(metadata: ExportMetadata, pages: AsyncIterable<readonly string[]>): AsyncGenerator<Buffer | string> {
  yield `{"type":"FeatureCollection","metadata":${JSON.stringify(metadata)},"features":[\n`;
  let first = true;
  for await (const page of pages) {
    if (page.length === 0) continue;
    yield joinedBuffer(first ? '' : ',\n', page, ',\n', '');
    first = false;
  }
  yield '\n]}\n';
}

/**
 * `head`, then the items separated by `separator`, then `tail`, in one buffer of the exact size:
 * one UTF-8 pass over each pre-serialised piece, and no long intermediate string to flatten and
 * encode again. The OGC items and the GeoJSON export write their features with it.
 *
 * @example
 * joinedBuffer('[', ['{"a":1}', '{"b":2}'], ',', ']').toString(); // '[{"a":1},{"b":2}]'
 */
export function joinedBuffer(head: string, items: readonly string[], separator: string, tail: string): Buffer {
  const sep = Buffer.byteLength(separator);
  let size = Buffer.byteLength(head) + Buffer.byteLength(tail) + Math.max(0, items.length - 1) * sep;
  for (const item of items) size += Buffer.byteLength(item);
  const out = Buffer.allocUnsafe(size);
  let at = out.write(head);
  for (const [i, item] of items.entries()) {
    if (i > 0) at += out.write(separator, at);
    at += out.write(item, at);
  }
  out.write(tail, at);
  return out;
}
