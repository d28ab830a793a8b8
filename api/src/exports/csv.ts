// CSV (RFC 4180: comma, double quotes, CRLF, UTF-8 without BOM, one header row) and its CSVW
// companion (W3C "Metadata Vocabulary for Tabular Data"), which carries licence, attribution,
// sources and column types so the CSV itself stays plain for every tool. See README.md for
// why there is no BOM and no `;`.
import type { LayerDefinition } from '../layers/registry.ts';
import { type ExportMetadata, type ExportRow, keyColumnName, type TabularColumn, tabularColumns, tabularValue } from './types.ts';

export type CsvGeometry = 'lonlat' | 'wkt';

/** Array values are joined with this (declared as the CSVW `separator`). */
export const CSV_ARRAY_SEPARATOR = '|';

/** The header row's names, in order: attributes, then `lon`,`lat` or `wkt`. */
export function csvHeader(layer: LayerDefinition, geometry: CsvGeometry): string[] {
  return [...tabularColumns(layer).map((c) => c.name), ...(geometry === 'lonlat' ? ['lon', 'lat'] : ['wkt'])];
}

/**
 * A coordinate with at most 7 decimals (about 1 cm, as in GeoJSON), never in exponent notation.
 *
 * @example
 * formatCoordinate(0.1 + 0.2); // '0.3'
 * formatCoordinate(-1.00000004); // '-1'
 */
export function formatCoordinate(n: number): string {
  const s = n.toFixed(7).replace(/\.?0+$/, '');
  return s === '-0' ? '0' : s;
}

// A cell starting with one of these is run as a formula by spreadsheets (CSV injection); text
// contributed by the public must not be able to do that, so such text gets a leading quote.
const FORMULA_START = /^[=+\-@\t\r]/;

/** One value as CSV text, before quoting. */
function cellText(value: unknown, column: TabularColumn | undefined): string {
  if (value === null || value === undefined) return '';
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return guard(value.map((v) => cellText(v, undefined)).join(CSV_ARRAY_SEPARATOR));
  if (typeof value === 'string') return column && column.type !== 'string' && column.type !== 'string[]' ? value : guard(value);
  return String(value);
}

function guard(text: string): string {
  return FORMULA_START.test(text) ? `'${text}` : text;
}

/**
 * Quotes a field when RFC 4180 requires it (comma, quote, CR or LF), doubling inner quotes.
 *
 * @example
 * csvField('Café, bar'); // '"Café, bar"'
 * csvField('dit "le Zinc"'); // '"dit ""le Zinc"""'
 */
export function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/**
 * One row as a CSV line (with its CRLF), for the columns of `tabularColumns(layer)`.
 *
 * @example
 * csvRow(tabularColumns(findLayer('places')!), 'lonlat', { id: 1, geometry: [0.005, 45.005], properties: { name: 'Café', … } });
 * // '1,Café,cafe_bar,…,0.005,45.005\r\n'
 */
export function csvRow(columns: readonly TabularColumn[], geometry: CsvGeometry, row: ExportRow<[number, number] | string | null>): string {
  const cells = columns.map((c) => cellText(tabularValue(row, c), c));
  if (geometry === 'lonlat') {
    const xy = Array.isArray(row.geometry) ? row.geometry : null;
    cells.push(xy ? formatCoordinate(xy[0]) : '', xy ? formatCoordinate(xy[1]) : '');
  } else {
    cells.push(typeof row.geometry === 'string' ? row.geometry : '');
  }
  return `${cells.map(csvField).join(',')}\r\n`;
}

/**
 * The whole CSV as text chunks: the header row, then one line per feature, pulled page by page.
 *
 * @example
 * Readable.from(csvChunks(layer, 'wkt', exportPages(db, layer, where, 'wkt')), { objectMode: false });
 */
export async function* csvChunks(layer: LayerDefinition, geometry: CsvGeometry, pages: AsyncIterable<ExportRow<[number, number] | string | null>[]>): AsyncGenerator<string> {
  const columns = tabularColumns(layer);
  yield `${csvHeader(layer, geometry).map(csvField).join(',')}\r\n`;
  for await (const page of pages) {
    for (const row of page) yield csvRow(columns, geometry, row);
  }
}

const CSVW_DATATYPES: Record<TabularColumn['type'], string> = {
  string: 'string', 'string[]': 'string', integer: 'integer', number: 'double', boolean: 'boolean', date: 'datetime',
};

/**
 * The CSVW metadata document describing one CSV export (`<collection>.csv-metadata.json`).
 * `csvUrl` is the CSV's URL relative to this document, with the same query.
 *
 * @example
 * csvwMetadata(findLayer('places')!, 'lonlat', metadata, 'places.csv?category=cafe_bar');
 * // { '@context': 'http://www.w3.org/ns/csvw', url: 'places.csv?category=cafe_bar', 'dc:license': …, tableSchema: … }
 */
export function csvwMetadata(layer: LayerDefinition, geometry: CsvGeometry, metadata: ExportMetadata, csvUrl: string): Record<string, unknown> {
  const columns: Record<string, unknown>[] = tabularColumns(layer).map((c) => ({
    name: c.name,
    titles: { fr: c.title.fr, en: c.title.en },
    datatype: CSVW_DATATYPES[c.type],
    ...(c.type === 'string[]' ? { separator: CSV_ARRAY_SEPARATOR } : {}),
  }));
  if (geometry === 'lonlat') {
    columns.push(
      { name: 'lon', titles: { fr: 'Longitude', en: 'Longitude' }, datatype: 'double', 'dc:description': 'WGS 84 (EPSG:4326), degrés décimaux' },
      { name: 'lat', titles: { fr: 'Latitude', en: 'Latitude' }, datatype: 'double', 'dc:description': 'WGS 84 (EPSG:4326), degrés décimaux' },
    );
  } else {
    columns.push({ name: 'wkt', titles: { fr: 'Géométrie (WKT)', en: 'Geometry (WKT)' }, datatype: 'string', 'dc:description': 'Well-Known Text, WGS 84 (EPSG:4326), longitude puis latitude' });
  }
  return {
    '@context': 'http://www.w3.org/ns/csvw',
    url: csvUrl,
    'dc:title': metadata.title,
    'dc:description': metadata.description,
    'dc:license': metadata.licence_url ? { '@id': metadata.licence_url } : metadata.licence,
    'dc:rights': `${metadata.licence} — ${metadata.attribution}`,
    'dc:publisher': metadata.publisher,
    'dc:created': metadata.exported_at,
    'dc:source': metadata.sources.map((s) => s.url ?? s.title),
    dialect: { delimiter: ',', quoteChar: '"', doubleQuote: true, encoding: 'utf-8', header: true, lineTerminators: ['\r\n'] },
    tableSchema: { columns, primaryKey: keyColumnName(layer) },
    notes: [
      'Les cellules de texte qui commenceraient par =, +, -, @ sont précédées d’une apostrophe (protection contre l’injection de formules).',
      'Text cells that would start with =, +, -, @ are prefixed with an apostrophe (formula-injection guard).',
    ],
    // The same metadata member as in the GeoJSON export, for tools that read no CSVW.
    'maillage:metadata': metadata,
  };
}
