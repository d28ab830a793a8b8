// Reusable spatial SQL pieces, each defined once. Geometries are stored in EPSG:4326; metric
// measures go through geography so they are right anywhere in France (metropole and overseas).
import { type Expression, type RawBuilder, sql } from 'kysely';

/** GeoJSON geometry (RFC 7946) → a 4326 geometry expression, bound as a parameter. */
export function geomFromGeoJson(geometry: unknown): RawBuilder<unknown> {
  return sql`ST_SetSRID(ST_GeomFromGeoJSON(${JSON.stringify(geometry)}), 4326)`;
}

/** Distance in metres on the WGS 84 spheroid. */
export function distanceMetres(a: Expression<unknown>, b: Expression<unknown>): RawBuilder<number> {
  return sql<number>`ST_Distance(${a}::geography, ${b}::geography)`;
}

/** Area in square metres on the WGS 84 spheroid. */
export function areaSquareMetres(g: Expression<unknown>): RawBuilder<number> {
  return sql<number>`ST_Area(${g}::geography)`;
}

/**
 * RFC 7946 GeoJSON text: lon/lat, at most 7 decimals (about 1 cm), polygons by the right-hand
 * rule (exterior rings counter-clockwise, holes clockwise).
 */
export function asGeoJson(g: Expression<unknown>, decimals = 7): RawBuilder<string> {
  return sql<string>`ST_AsGeoJSON(ST_ForcePolygonCCW(${g}), ${sql.lit(decimals)})`;
}
