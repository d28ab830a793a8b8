// Licence, attribution and provenance of an export, the same in every format: the GeoJSON
// `metadata` member, the CSVW companion and the GeoPackage metadata all come from here.
import type { FastifyReply } from 'fastify';
import type { LayerDefinition } from '../layers/registry.ts';
import type { ExportMetadata, ExportQuery, ExportSource } from './types.ts';

/**
 * The metadata of one export. OpenStreetMap-derived sources keep their ODbL attribution even
 * when the layer declares another one, so share-alike data never leaves without it.
 *
 * @example
 * const m = buildExportMetadata(findLayer('places')!, sources, query, new Date('2026-11-22T10:00:00Z'));
 * m.licence; // 'ODbL 1.0'
 * m.attribution; // "© les contributeurs d'OpenStreetMap (ODbL)"
 */
export function buildExportMetadata(layer: LayerDefinition, sources: readonly ExportSource[], query: ExportQuery, now: Date): ExportMetadata {
  const attributions = [layer.attribution];
  for (const s of sources) {
    if (s.odbl && !attributions.some((a) => a.includes(s.attribution))) attributions.push(s.attribution);
  }
  // The layer's licence has a URL when the sources that carry that very licence agree on one.
  const urls = new Set(sources.filter((s) => s.licence === layer.licence && s.licence_url).map((s) => s.licence_url));
  return {
    title: layer.title.fr,
    title_en: layer.title.en,
    description: layer.description.fr,
    licence: layer.licence,
    licence_url: urls.size === 1 ? [...urls][0]! : null,
    attribution: attributions.join(' ; '),
    odbl: sources.some((s) => s.odbl) || /odbl/i.test(layer.licence),
    sources: [...sources],
    exported_at: now.toISOString(),
    query,
    publisher: 'Maillage',
  };
}

/**
 * The download name: dataset and export date (UTC, the date of `exported_at`).
 *
 * @example
 * exportFileName('places', 'geojson', new Date('2026-11-22T10:00:00Z')); // 'maillage_places_2026-11-22.geojson'
 */
export function exportFileName(collection: string, extension: string, now: Date): string {
  return `maillage_${collection}_${now.toISOString().slice(0, 10)}.${extension}`;
}

/** Header values are Latin-1 on the wire: anything outside printable ASCII is percent-encoded (UTF-8). */
function headerText(text: string): string {
  return text.replace(/[^\x20-\x24\x26-\x7e]/gu, (c) => encodeURIComponent(c));
}

/** Licence and attribution as headers (`x-licence`, `x-attribution`, `Link: rel="license"`), beside the file's own copy. */
export function provenanceHeaders(reply: FastifyReply, metadata: ExportMetadata, links: string[] = []): void {
  reply.header('x-licence', headerText(metadata.licence));
  reply.header('x-attribution', headerText(metadata.attribution));
  const all = [...(metadata.licence_url ? [`<${encodeURI(metadata.licence_url)}>; rel="license"`] : []), ...links];
  if (all.length) reply.header('link', all.join(', '));
}
