// What a layer's tiles carry, read from the layer registry: a compact set of properties (the
// full record is one OGC items request away), and whether its points are aggregated.
import type { LayerDefinition, LayerProperty } from '../layers/registry.ts';

/**
 * Registry properties worth drawing or labelling on a map. The list is a vocabulary, not a
 * list of layers: a new layer that uses these names gets them in its tiles with no edit here.
 * Dates, arrays and provenance stay out: they make tiles bigger and no style reads them.
 */
const TILE_FIELDS = new Set(['name', 'title', 'category', 'programme', 'type', 'status', 'stage', 'state', 'road_class', 'population']);
/** The property a point cluster summarises (its most frequent value), in order of preference. */
const GROUP_FIELDS = ['category', 'programme', 'status', 'stage', 'state', 'type'];
const SCALAR = new Set<LayerProperty['type']>(['string', 'integer', 'number', 'boolean']);

/** Zoom from which points are sent one by one; below it they are aggregated on a grid. */
export const CLUSTER_BELOW_ZOOM = 12;
/** Grid cells per tile side for aggregated points: 64 cells is 8 px on a 512 px tile. */
export const CELLS_PER_TILE = 64;

export interface TileOptions {
  clusterBelowZoom: number;
  cellsPerTile: number;
}

export const DEFAULT_TILE_OPTIONS: TileOptions = { clusterBelowZoom: CLUSTER_BELOW_ZOOM, cellsPerTile: CELLS_PER_TILE };

export interface TileLayout {
  /** Properties of single features, after `id` (the layer's key, e.g. the INSEE code). */
  properties: LayerProperty[];
  /** The property whose most frequent value a cluster carries, next to `count`. */
  groupBy: LayerProperty | undefined;
  /** Keys are bigserial (`id`): they also become the MVT feature id, which MapLibre's feature state needs. */
  integerIds: boolean;
  /** Only point layers are aggregated; polygons and lines are simplified instead. */
  clusters: boolean;
}

/**
 * The tile layout of a registered layer.
 *
 * @example
 * tileLayout(findLayer('communes')!).properties.map((p) => p.name); // ['name', 'population']
 * tileLayout(findLayer('places')!).groupBy?.name;                     // 'category'
 */
export function tileLayout(layer: LayerDefinition): TileLayout {
  const column = (p: LayerProperty) => p.column ?? p.name;
  const properties = layer.properties.filter((p) => TILE_FIELDS.has(p.name) && SCALAR.has(p.type) && column(p) !== layer.idColumn);
  const groupBy = GROUP_FIELDS.map((name) => properties.find((p) => p.name === name)).find((p) => p !== undefined);
  // Every table keyed by `id` is a bigserial (sql migrations); natural keys (code, siren) are text.
  return { properties, groupBy, integerIds: layer.idColumn === 'id', clusters: layer.geometry === 'Point' };
}

/** True when a tile of this layout at zoom z holds clusters rather than single features. */
export function isClustered(layout: TileLayout, z: number, options: TileOptions): boolean {
  return layout.clusters && z < options.clusterBelowZoom;
}

/** TileJSON `fields` (name → description) of the layer's tiles, clusters included. */
export function tileFields(layer: LayerDefinition, layout: TileLayout, options: TileOptions): Record<string, string> {
  const key = layer.properties.find((p) => (p.column ?? p.name) === layer.idColumn);
  const fields: Record<string, string> = {
    id: key ? `${key.title.fr} / ${key.title.en}` : 'Identifiant / Identifier',
  };
  for (const p of layout.properties) fields[p.name] = `${p.title.fr} / ${p.title.en}`;
  if (layout.clusters) {
    fields.count = `Nombre de points regroupés (zoom < ${options.clusterBelowZoom}) / Number of aggregated points (zoom < ${options.clusterBelowZoom})`;
  }
  return fields;
}
