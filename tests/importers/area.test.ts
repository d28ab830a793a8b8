// The client-side area (importers/src/area.ts) against the database's own geodesic area,
// ST_Area(geography) on the WGS 84 ellipsoid: the communes of Mayenne from the data bundle, and
// polygons made up for places far from the bundle (overseas, long edges, holes).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import { ellipsoidalArea } from '../../importers/src/area.ts';
import { dataDir } from '../../importers/src/demo.ts';
import { ewkbHex } from '../../importers/src/wkb.ts';
import { dbModeName, openTestDb, type DbHandle } from '../support/db.ts';

type Polygon = number[][][];

/** A lon/lat rectangle with `n` vertices per side (edges of (x1 - x0) / n degrees). */
function rectangle(x0: number, y0: number, x1: number, y1: number, n = 1): number[][] {
  const ring: number[][] = [];
  for (let i = 0; i < n; i++) ring.push([x0 + ((x1 - x0) * i) / n, y0]);
  for (let i = 0; i < n; i++) ring.push([x1, y0 + ((y1 - y0) * i) / n]);
  for (let i = 0; i < n; i++) ring.push([x1 - ((x1 - x0) * i) / n, y1]);
  for (let i = 0; i < n; i++) ring.push([x0, y1 - ((y1 - y0) * i) / n]);
  ring.push([x0, y0]);
  return ring;
}

const MADE_UP: [string, Polygon[]][] = [
  ['Guyane, 100 km square, 10 km edges', [[rectangle(-54, 3, -53.1, 3.9, 10)]]],
  ['Guyane, 100 km square, one edge per side', [[rectangle(-54, 3, -53.1, 3.9)]]],
  ['La Réunion, a clockwise triangle', [[[[55.4, -21], [55.5, -21.3], [55.7, -21.1], [55.4, -21]]]]],
  ['Saint-Pierre-et-Miquelon, with a hole', [[rectangle(-56.4, 46.75, -56.1, 47.1, 3), [...rectangle(-56.3, 46.8, -56.2, 46.9, 2)].reverse()]]],
  ['Mayotte and Guadeloupe, two parts', [[rectangle(45.1, -13, 45.3, -12.7)], [[[-61.8, 16], [-61.2, 16], [-61.5, 16.5], [-61.8, 16]]]]],
  ['Dunkerque, 30 km edges', [[rectangle(2, 50.8, 2.4, 51.1)]]],
];

describe(`client-side ellipsoidal area vs ST_Area(geography) (${dbModeName()})`, () => {
  let h: DbHandle;
  beforeAll(async () => {
    h = await openTestDb();
  });
  afterAll(async () => {
    await h?.close();
  });

  const geodesic = async (polygons: Polygon[]): Promise<number> => {
    const r = await sql<{ area: number }>`SELECT ST_Area(${ewkbHex({ type: 'MultiPolygon', coordinates: polygons })}::geometry::geography) AS area`.execute(h.db);
    return r.rows[0]!.area;
  };

  it.each(MADE_UP)('%s: within 0.001 %', async (_, polygons) => {
    const expected = await geodesic(polygons);
    expect(Math.abs(ellipsoidalArea(polygons) - expected) / expected).toBeLessThan(1e-5);
  });

  it('measures the 254 polygons of Mayenne within 0.001 % (the largest gap on all of France: 4e-7)', async () => {
    const file = join(dataDir(), 'mayenne53_communes.geojson');
    expect(existsSync(file)).toBe(true);
    const features = (JSON.parse(readFileSync(file, 'utf8')) as { features: { geometry: { type: string; coordinates: unknown } }[] }).features;
    let worst = 0;
    for (const { geometry } of features) {
      const polygons = (geometry.type === 'Polygon' ? [geometry.coordinates] : geometry.coordinates) as Polygon[];
      const expected = await geodesic(polygons);
      worst = Math.max(worst, Math.abs(ellipsoidalArea(polygons) - expected) / expected);
    }
    expect(features.length).toBeGreaterThan(200);
    expect(worst).toBeLessThan(1e-5);
  });

  it('gives NaN for a ring across the antimeridian, which the importer then leaves to the database', () => {
    expect(ellipsoidalArea([[[[179.9, -17], [-179.9, -17], [-179.9, -16.9], [179.9, -16.9], [179.9, -17]]]])).toBeNaN();
  });
});
