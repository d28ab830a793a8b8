// Pure GeoJSON checks done before anything is written. No I/O here.

export type GeometryKind = 'Point' | 'LineString' | 'MultiLineString' | 'Polygon' | 'MultiPolygon';

type Position = number[];

function checkPosition(p: unknown): string | null {
  if (!Array.isArray(p) || p.length < 2 || p.length > 3) return 'a position must be [lon, lat]';
  if (!p.every((n) => typeof n === 'number' && Number.isFinite(n))) return 'coordinates must be finite numbers';
  const [lon, lat] = p as [number, number];
  if (Math.abs(lon) > 180 || Math.abs(lat) > 90) {
    return `coordinates [${lon}, ${lat}] are outside WGS 84 lon/lat: the file looks projected (Lambert-93, EPSG:2154?); reproject it to EPSG:4326, e.g. \`ogr2ogr -t_srs EPSG:4326\``;
  }
  return null;
}

function checkLine(line: unknown, minPositions: number, closed: boolean): string | null {
  if (!Array.isArray(line) || line.length < minPositions) {
    return closed ? `a polygon ring needs at least ${minPositions} positions` : `a line needs at least ${minPositions} positions`;
  }
  for (const p of line) {
    const problem = checkPosition(p);
    if (problem) return problem;
  }
  if (closed) {
    const a = line[0] as Position;
    const b = line[line.length - 1] as Position;
    if (a[0] !== b[0] || a[1] !== b[1]) return 'a polygon ring must be closed (first position = last position)';
  }
  return null;
}

function checkPolygon(rings: unknown): string | null {
  if (!Array.isArray(rings) || rings.length === 0) return 'a polygon needs at least one ring';
  for (const ring of rings) {
    const problem = checkLine(ring, 4, true);
    if (problem) return problem;
  }
  return null;
}

function checkEach(parts: unknown, check: (part: unknown) => string | null): string | null {
  if (!Array.isArray(parts) || parts.length === 0) return 'a multi-geometry needs at least one part';
  for (const part of parts) {
    const problem = check(part);
    if (problem) return problem;
  }
  return null;
}

/**
 * Checks a GeoJSON geometry's structure and WGS 84 range. Self-intersections are not checked
 * here: the database repairs polygons with ST_MakeValid.
 *
 * @returns null when the geometry is usable, else a reason a person can act on.
 * @example
 * checkGeometry({ type: 'Point', coordinates: [-0.77, 48.07] }, ['Point']); // null
 * checkGeometry({ type: 'Point', coordinates: [352000, 6789000] }, ['Point']); // '… looks projected …'
 */
export function checkGeometry(geometry: unknown, allowed: readonly GeometryKind[]): string | null {
  if (geometry === null || typeof geometry !== 'object') return 'the feature has no geometry';
  const { type, coordinates } = geometry as { type?: unknown; coordinates?: unknown };
  if (typeof type !== 'string' || !allowed.includes(type as GeometryKind)) {
    return `geometry type ${String(type)} is not accepted here (expected ${allowed.join(' or ')})`;
  }
  switch (type as GeometryKind) {
    case 'Point': return checkPosition(coordinates);
    case 'LineString': return checkLine(coordinates, 2, false);
    case 'MultiLineString': return checkEach(coordinates, (l) => checkLine(l, 2, false));
    case 'Polygon': return checkPolygon(coordinates);
    case 'MultiPolygon': return checkEach(coordinates, checkPolygon);
  }
}
