// The shapes the export writers share. Writers never touch the database or HTTP: they turn
// pages of rows (from export.repository.ts) and metadata into text or a file.
import type { Selectable } from 'kysely';
import type { SourcesTable } from '@maillage/sql';
import type { LayerDefinition, PropertyType } from '../layers/registry.ts';

/** How a geometry leaves the database, per tabular format (GeoJSON features come whole from featureJson). */
export interface GeometryEncodings {
  /** WKT, 7 decimals. */
  wkt: string | null;
  /** Point layers only: [longitude, latitude]. */
  lonlat: [number, number] | null;
  /** ISO WKB, little-endian, as hex text (`ST_AsBinary(geom, 'NDR')`): one heap string, not a buffer per row. */
  wkb: string | null;
}
export type GeometryEncoding = keyof GeometryEncodings;

/** One feature: its key, its geometry in the encoding asked for, and its registry properties only. */
export interface ExportRow<G> {
  id: string | number;
  geometry: G;
  properties: Record<string, unknown>;
}

/** A row of the `sources` table as it travels with an export (the import date as ISO text). */
export type ExportSource = Omit<Selectable<SourcesTable>, 'file_name' | 'imported_at'> & { imported_at: string | null };

/** What was asked, so a file says how to get it again. */
export interface ExportQuery {
  collection: string;
  format: string;
  bbox: [number, number, number, number] | null;
  /** Equality filters on registry properties (`?category=cafe_bar`). */
  properties: Record<string, string>;
  filter: string | null;
  'filter-lang': string | null;
  /** OGC `datetime` on the layer's temporal property, as asked (layer exports only). */
  datetime?: string | null;
  /** The request path and query string, relative to the server. */
  url: string;
}

/** Licence, attribution and provenance: the same member in every format. */
export interface ExportMetadata {
  title: string;
  title_en: string;
  description: string;
  licence: string;
  licence_url: string | null;
  attribution: string;
  /** True when OpenStreetMap-derived (ODbL) data is in the file: share-alike applies. */
  odbl: boolean;
  sources: ExportSource[];
  exported_at: string;
  query: ExportQuery;
  publisher: string;
}

/** A column of a tabular export (CSV, GeoPackage), in output order. */
export interface TabularColumn {
  name: string;
  type: PropertyType;
  title: { fr: string; en: string };
}

/**
 * The attribute columns of a tabular export: the layer's key when it is not already one of its
 * properties (every such key is a bigserial `id`, see the migrations), then the properties.
 *
 * @example
 * tabularColumns(findLayer('places')!).map((c) => c.name); // ['id', 'name', 'category', …]
 * tabularColumns(findLayer('communes')!).map((c) => c.name); // ['code', 'name', …]: code is the key
 */
export function tabularColumns(layer: LayerDefinition): TabularColumn[] {
  const props = layer.properties.map((p) => ({ name: p.name, type: p.type, title: p.title }));
  return keyIsProperty(layer) ? props : [{ name: 'id', type: 'integer', title: { fr: 'Identifiant', en: 'Identifier' } }, ...props];
}

/** Whether the layer's key column is also one of its exported properties (communes: code). */
export function keyIsProperty(layer: LayerDefinition): boolean {
  return layer.properties.some((p) => (p.column ?? p.name) === layer.idColumn);
}

/** The name of the key among the tabular columns: the property that is the key, else `id`. */
export function keyColumnName(layer: LayerDefinition): string {
  return layer.properties.find((p) => (p.column ?? p.name) === layer.idColumn)?.name ?? 'id';
}

/** A row's value for a tabular column: the key for the added `id` column, else the property. */
export function tabularValue(row: ExportRow<unknown>, column: TabularColumn): unknown {
  return column.name in row.properties ? row.properties[column.name] : column.name === 'id' ? row.id : null;
}
