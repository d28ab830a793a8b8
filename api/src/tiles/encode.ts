// Mapbox Vector Tile encoding in JavaScript, for PGlite whose PostGIS has no ST_AsMVT. The
// geometry arrives already in tile coordinates (clipped, simplified, snapped to the integer
// grid and wound as the MVT spec wants, by the same SQL the server path feeds to ST_AsMVTGeom):
// this only packs it, with @maplibre/vt-pbf.
import Point from '@mapbox/point-geometry';
import { fromVectorTileJs } from '@maplibre/vt-pbf';
// The package's index.d.ts re-exports these through an extensionless relative import, which
// NodeNext resolution cannot follow (they would be `any`); the file itself is fine.
import type { VectorTileFeatureLike, VectorTileLayerLike } from '@maplibre/vt-pbf/dist/lib/types.js';
import type { Geometry, Position } from 'geojson';
import { EXTENT } from './grid.ts';

export type TileValue = string | number | boolean;

export interface TileFeature {
  /** MVT feature id: unsigned integer, or absent. */
  id?: number | undefined;
  /** Null values are left out of the tile, as ST_AsMVT does. */
  properties: Record<string, TileValue | null>;
  /** GeoJSON geometry whose coordinates are integer tile units (0..EXTENT, y down). */
  geometry: Geometry;
}

type MvtType = 1 | 2 | 3;

const DIMENSION: Record<Geometry['type'], number> = {
  Point: 0, MultiPoint: 0, LineString: 1, MultiLineString: 1, Polygon: 2, MultiPolygon: 2, GeometryCollection: -1,
};

const points = (line: Position[]): Point[] => line.map(([x, y]) => new Point(x!, y!));

/** MVT type and parts (rings or lines; all points in one part) of a geometry. */
function parts(g: Geometry): { type: MvtType; rings: Point[][] } | undefined {
  switch (g.type) {
    case 'Point': return { type: 1, rings: [points([g.coordinates])] };
    case 'MultiPoint': return g.coordinates.length ? { type: 1, rings: [points(g.coordinates)] } : undefined;
    case 'LineString': return { type: 2, rings: [points(g.coordinates)] };
    case 'MultiLineString': return g.coordinates.length ? { type: 2, rings: g.coordinates.map(points) } : undefined;
    case 'Polygon': return { type: 3, rings: g.coordinates.map(points) };
    case 'MultiPolygon': return g.coordinates.length ? { type: 3, rings: g.coordinates.flat().map(points) } : undefined;
    case 'GeometryCollection': {
      // A clip can leave a collection; like ST_AsMVTGeom, keep its parts of the highest dimension.
      const top = Math.max(...g.geometries.map((m) => DIMENSION[m.type]));
      const kept = g.geometries.filter((m) => DIMENSION[m.type] === top).map(parts).filter((p) => p !== undefined);
      if (kept.length === 0) return undefined;
      const rings = kept.flatMap((p) => p.rings);
      return { type: kept[0]!.type, rings: kept[0]!.type === 1 ? [rings.flat()] : rings };
    }
  }
}

/**
 * Encodes one layer into an (uncompressed) Mapbox Vector Tile 2.1; no feature gives an empty
 * buffer, as ST_AsMVT does. The input is not modified.
 *
 * @example
 * const bytes = encodeTile('places', [{ id: 1, properties: { name: 'Café' }, geometry: { type: 'Point', coordinates: [100, 200] } }]);
 */
export function encodeTile(layerName: string, features: readonly TileFeature[]): Uint8Array {
  const encoded: VectorTileFeatureLike[] = [];
  for (const f of features) {
    const p = parts(f.geometry);
    if (!p) continue;
    const properties: Record<string, TileValue> = {};
    for (const [k, v] of Object.entries(f.properties)) if (v !== null) properties[k] = v;
    encoded.push({ type: p.type, id: f.id, properties, extent: EXTENT, loadGeometry: () => p.rings });
  }
  if (encoded.length === 0) return new Uint8Array(0);
  const layer: VectorTileLayerLike = {
    version: 2, name: layerName, extent: EXTENT, length: encoded.length, feature: (i) => encoded[i]!,
  };
  return fromVectorTileJs({ layers: { [layerName]: layer } });
}
