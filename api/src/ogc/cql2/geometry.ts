// Geometry literals of a filter, as parsed coordinates, and the WKT sent to PostGIS. The WKT is
// written back from the parsed numbers rather than copied from the filter, so the parameter
// holds only what the parser checked. Pure: no I/O, no SQL.

export type Position = [x: number, y: number];

export type GeometryLiteral =
  | { type: 'Point'; coordinates: Position }
  | { type: 'MultiPoint' | 'LineString'; coordinates: Position[] }
  | { type: 'MultiLineString' | 'Polygon'; coordinates: Position[][] }
  | { type: 'MultiPolygon'; coordinates: Position[][][] };

export type GeometryType = GeometryLiteral['type'];

/** WKT keywords of the geometry types a filter may contain. */
export const WKT_TYPES: Readonly<Record<string, GeometryType>> = {
  POINT: 'Point', MULTIPOINT: 'MultiPoint', LINESTRING: 'LineString',
  MULTILINESTRING: 'MultiLineString', POLYGON: 'Polygon', MULTIPOLYGON: 'MultiPolygon',
};

const position = ([x, y]: Position) => `${x} ${y}`;
const list = <T>(items: T[], write: (item: T) => string) => `(${items.map(write).join(',')})`;

/**
 * Writes a geometry literal as 2D WKT, numbers in JavaScript's shortest round-trip form.
 *
 * @example
 * toWkt({ type: 'Point', coordinates: [0.005, 45.005] }); // 'POINT(0.005 45.005)'
 */
export function toWkt(g: GeometryLiteral): string {
  switch (g.type) {
    case 'Point': return `POINT(${position(g.coordinates)})`;
    case 'MultiPoint': return `MULTIPOINT${list(g.coordinates, position)}`;
    case 'LineString': return `LINESTRING${list(g.coordinates, position)}`;
    case 'MultiLineString': return `MULTILINESTRING${list(g.coordinates, (l) => list(l, position))}`;
    case 'Polygon': return `POLYGON${list(g.coordinates, (r) => list(r, position))}`;
    case 'MultiPolygon': return `MULTIPOLYGON${list(g.coordinates, (p) => list(p, (r) => list(r, position)))}`;
  }
}

/**
 * The rectangle of a CQL2 `BBOX(west, south, east, north)` as a polygon (counter-clockwise).
 *
 * @example
 * toWkt(bboxPolygon(0, 45, 1, 46)); // 'POLYGON((0 45,1 45,1 46,0 46,0 45))'
 */
export function bboxPolygon(west: number, south: number, east: number, north: number): GeometryLiteral {
  return { type: 'Polygon', coordinates: [[[west, south], [east, south], [east, north], [west, north], [west, south]]] };
}
