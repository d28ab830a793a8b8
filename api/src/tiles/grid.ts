// The Web Mercator tile grid (EPSG:3857, XYZ rows counted from the north, as MapLibre and OSM
// use it) and the Mapbox Vector Tile constants both encoders share.
import { HttpProblem } from '../problem.ts';

/** Tile coordinates per side, as ST_AsMVTGeom's default. */
export const EXTENT = 4096;
/** Tile units kept around each tile so that lines and symbols cross tile edges seamlessly. */
export const BUFFER = 64;
/** Deepest zoom served; finer tiles would only repeat z22's points. */
export const MAX_ZOOM = 22;
/** Half the width of the Web Mercator world, in metres. */
export const HALF_WORLD = 20037508.342789244;
/**
 * Douglas-Peucker tolerance in tile units: 8 of 4096 is one pixel on a 512 px tile, below what
 * anyone sees under a border line. Against half a pixel, it keeps 41 % fewer vertices of the
 * communes around Mayenne at zoom 8 (23,600 instead of 40,200 in 5 tiles, 109 kB instead of
 * 141 kB), each of which the browser tessellates, strokes and draws.
 */
export const SIMPLIFY_UNITS = 8;

export interface TileCoord {
  z: number;
  x: number;
  y: number;
}

const INTEGER = /^\d{1,9}$/;

function integer(name: 'z' | 'x' | 'y', raw: string): number {
  if (!INTEGER.test(raw)) {
    throw new HttpProblem(400, `Coordonnée de tuile ${name} invalide : « ${raw} » n’est pas un entier positif ou nul.`,
      `Invalid tile coordinate ${name}: "${raw}" is not a non-negative integer.`);
  }
  return Number(raw);
}

/**
 * Checks z/x/y from a tile URL: integers, 0 ≤ z ≤ 22 and 0 ≤ x, y < 2^z; anything else is a
 * 400 problem with a French and an English message.
 *
 * @example
 * parseTileCoord('14', '8192', '5893'); // { z: 14, x: 8192, y: 5893 }
 * parseTileCoord('2', '4', '0');        // throws HttpProblem 400: x out of range 0..3
 */
export function parseTileCoord(z: string, x: string, y: string): TileCoord {
  const zoom = integer('z', z);
  if (zoom > MAX_ZOOM) {
    throw new HttpProblem(400, `Niveau de zoom ${zoom} hors limites : de 0 à ${MAX_ZOOM}.`, `Zoom level ${zoom} is out of range: 0 to ${MAX_ZOOM}.`);
  }
  const last = 2 ** zoom - 1;
  const coord = { z: zoom, x: integer('x', x), y: integer('y', y) };
  for (const axis of ['x', 'y'] as const) {
    if (coord[axis] > last) {
      throw new HttpProblem(400, `${axis} = ${coord[axis]} hors limites au zoom ${zoom} : de 0 à ${last}.`,
        `${axis} = ${coord[axis]} is out of range at zoom ${zoom}: 0 to ${last}.`);
    }
  }
  return coord;
}

/**
 * The tile containing a WGS 84 position (the standard slippy-map formula).
 *
 * @example
 * lonLatToTile(0.005, 45.005, 14); // { z: 14, x: 8192, y: 5893 }
 */
export function lonLatToTile(lon: number, lat: number, z: number): TileCoord {
  const n = 2 ** z;
  const rad = (lat * Math.PI) / 180;
  const x = Math.floor(((lon + 180) / 360) * n);
  const y = Math.floor(((1 - Math.log(Math.tan(rad) + 1 / Math.cos(rad)) / Math.PI) / 2) * n);
  const clamp = (v: number) => Math.min(n - 1, Math.max(0, v));
  return { z, x: clamp(x), y: clamp(y) };
}

/**
 * Width of a tile at zoom z, in Web Mercator metres.
 *
 * @example
 * tileSpan(0); // 40075016.68557849
 */
export function tileSpan(z: number): number {
  return (2 * HALF_WORLD) / 2 ** z;
}

/**
 * Simplification tolerance at zoom z, in Web Mercator metres (SIMPLIFY_UNITS tile units).
 *
 * @example
 * simplifyTolerance(10); // ≈ 76.4 m
 */
export function simplifyTolerance(z: number): number {
  return (tileSpan(z) / EXTENT) * SIMPLIFY_UNITS;
}
