// GET /api/communes/:code. On the toy territory every figure can be checked by hand, and the
// distances against two independent computations (Vincenty on the WGS 84 ellipsoid, to 1 m,
// and Turf's spherical haversine, to 0.5 %). On the real bundle: Laval's figures from the sources.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { distance } from '@turf/turf';
import { buildApp } from '@maillage/api';
import { loadDemo } from '@maillage/importers';
import { openTestDb, dbModeName, type DbHandle } from '../support/db.ts';
import { loadToyTerritory } from '../importers/helpers.ts';

/** The app with /api/communes, until app.ts registers it itself. */
async function appWithCommunes(h: DbHandle): Promise<FastifyInstance> {
  const app = await buildApp({ handle: h });
  return app;
}

/** Vincenty's inverse formula on WGS 84, in metres (the spheroid ST_Distance measures on). */
function vincenty([lon1, lat1]: readonly number[], [lon2, lat2]: readonly number[]): number {
  const a = 6378137, f = 1 / 298.257223563, b = a * (1 - f);
  const rad = Math.PI / 180;
  const L = (lon2! - lon1!) * rad;
  const U1 = Math.atan((1 - f) * Math.tan(lat1! * rad)), U2 = Math.atan((1 - f) * Math.tan(lat2! * rad));
  const [sinU1, cosU1, sinU2, cosU2] = [Math.sin(U1), Math.cos(U1), Math.sin(U2), Math.cos(U2)];
  let lambda = L, sinSigma = 0, cosSigma = 1, sigma = 0, cos2Alpha = 1, cos2SigmaM = 0;
  for (let i = 0; i < 200; i++) {
    const sinLambda = Math.sin(lambda), cosLambda = Math.cos(lambda);
    sinSigma = Math.hypot(cosU2 * sinLambda, cosU1 * sinU2 - sinU1 * cosU2 * cosLambda);
    if (sinSigma === 0) return 0;
    cosSigma = sinU1 * sinU2 + cosU1 * cosU2 * cosLambda;
    sigma = Math.atan2(sinSigma, cosSigma);
    const sinAlpha = (cosU1 * cosU2 * sinLambda) / sinSigma;
    cos2Alpha = 1 - sinAlpha * sinAlpha;
    cos2SigmaM = cos2Alpha === 0 ? 0 : cosSigma - (2 * sinU1 * sinU2) / cos2Alpha;
    const C = (f / 16) * cos2Alpha * (4 + f * (4 - 3 * cos2Alpha));
    const previous = lambda;
    lambda = L + (1 - C) * f * sinAlpha * (sigma + C * sinSigma * (cos2SigmaM + C * cosSigma * (-1 + 2 * cos2SigmaM ** 2)));
    if (Math.abs(lambda - previous) < 1e-12) break;
  }
  const u2 = (cos2Alpha * (a * a - b * b)) / (b * b);
  const A = 1 + (u2 / 16384) * (4096 + u2 * (-768 + u2 * (320 - 175 * u2)));
  const B = (u2 / 1024) * (256 + u2 * (-128 + u2 * (74 - 47 * u2)));
  const deltaSigma = B * sinSigma * (cos2SigmaM + (B / 4) * (cosSigma * (-1 + 2 * cos2SigmaM ** 2)
    - (B / 6) * cos2SigmaM * (-3 + 4 * sinSigma ** 2) * (-3 + 4 * cos2SigmaM ** 2)));
  return b * A * (sigma - deltaSigma);
}

interface Nearest { kind: string; metres: number; id: string; name: string | null; commune: { code: string; name: string | null } | null; point: [number, number] }

// The toy points of tests/data/toy_osm_points.geojson.
const CAFE = [0.005, 45.005], BAKERY = [0.025, 45.005], GROCERY = [0.015, 45.002];

describe(`commune page API on the toy territory (${dbModeName()})`, () => {
  let h: DbHandle;
  let app: FastifyInstance;

  beforeAll(async () => {
    h = await openTestDb();
    await loadToyTerritory(h.db);
    app = await appWithCommunes(h);
  });
  afterAll(async () => {
    await app?.close();
    await h?.close();
  });

  it('describes Alpha-sur-Test: identity, EPCI, area and bbox', async () => {
    const r = await app.inject('/api/communes/99001');
    expect(r.statusCode).toBe(200);
    const body = r.json();
    expect(body).toMatchObject({
      code: '99001', name: 'Alpha-sur-Test', population: 100, postal_codes: ['99100'],
      epci: { siren: '200000001', name: 'CC du Test' }, departement: { code: '99', name: 'Test' },
      region: { code: '99', name: 'Région Test' }, tiers_lieux: 0, programmes: [], projects: { published: 0 },
      vacant_shops: { vacant: 1, reoccupied: 0, in_project: 0 },
    });
    // A 0.01° square at 45° N: about 1.112 km × 0.787 km.
    expect(body.area_km2).toBeCloseTo(0.87, 1);
    expect(body.bbox).toEqual([0, 45, 0.01, 45.01]);
    const [lon, lat] = body.point as [number, number];
    expect(lon > 0 && lon < 0.01 && lat > 45 && lat < 45.01).toBe(true);
  });

  it('counts places by category, every category listed with zeros', async () => {
    const places = (await app.inject('/api/communes/99002')).json().places as { category: string; count: number; color: string }[];
    const categories = (await app.inject('/api/place-categories')).json().categories as { code: string }[];
    expect(places.map((p) => p.category)).toEqual(categories.map((c) => c.code));
    expect(places.filter((p) => p.count > 0).map((p) => [p.category, p.count]).sort()).toEqual([['bakery', 1], ['grocery', 1]]);
    expect(places.every((p) => /^#[0-9a-f]{6}$/i.test(p.color))).toBe(true);
  });

  it.each([
    ['99001', { cafe_bar: CAFE, bakery: BAKERY, grocery: GROCERY }],
    // Beta-Gamma has no café: the nearest one is Alpha's, outside the commune.
    ['99002', { cafe_bar: CAFE, bakery: BAKERY, grocery: GROCERY }],
  ])('gives %s the distance to the nearest facilities, anywhere', async (code, expected) => {
    const body = (await app.inject(`/api/communes/${code}`)).json();
    const nearest = body.nearest as Nearest[];
    // No tiers-lieu nor France services in the toy territory: those kinds are absent.
    expect(nearest.map((n) => n.kind)).toEqual(['cafe_bar', 'grocery', 'bakery']);
    for (const n of nearest) {
      const target = expected[n.kind as keyof typeof expected];
      expect(n.point).toEqual(target);
      const metres = vincenty(body.point, target);
      expect(Math.abs(n.metres - metres)).toBeLessThan(1);
      const turfMetres = distance(body.point, target, { units: 'meters' });
      expect(Math.abs(n.metres - turfMetres)).toBeLessThanOrEqual(Math.max(1, turfMetres * 0.005));
    }
    const cafe = nearest.find((n) => n.kind === 'cafe_bar')!;
    expect(cafe).toMatchObject({ name: 'Café de la Place', commune: { code: '99001', name: 'Alpha-sur-Test' } });
  });

  it('links to downloads filtered on the commune, which answer', async () => {
    const body = (await app.inject('/api/communes/99002')).json();
    expect(body.downloads.commune).toBe('/api/ogc/collections/communes/items/99002');
    expect(body.downloads.layers.places.geojson).toBe('/api/exports/places.geojson?commune_code=99002');
    const file = await app.inject(body.downloads.layers.places.geojson);
    expect(file.statusCode).toBe(200);
    expect(JSON.parse(file.body).features).toHaveLength(2);
    expect(body.sources.map((s: { key: string }) => s.key).length).toBeGreaterThan(0);
    for (const s of body.sources) expect(s.licence).not.toBe('');
  });

  it.each([
    ['/api/communes/99999', 404, /Aucune commune de code INSEE « 99999 »/],
    ['/api/communes/abc', 400, /chemin « code » invalide/],
    ["/api/communes/53130'%20OR%201=1", 400, /chemin/],
  ])('%s → %i problem+json', async (url, status, detail) => {
    const r = await app.inject(url);
    expect(r.statusCode).toBe(status);
    expect(r.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(r.json().detail).toMatch(detail);
    expect(r.json().detail_en).toBeTruthy();
  });
});

describe(`commune page API on the demo territory (${dbModeName()})`, () => {
  let h: DbHandle;
  let app: FastifyInstance;

  beforeAll(async () => {
    h = await openTestDb();
    await loadDemo(h.db);
    app = await appWithCommunes(h);
  }, 300_000);
  afterAll(async () => {
    await app?.close();
    await h?.close();
  });

  it('describes Laval with the figures of the sources', async () => {
    const body = (await app.inject('/api/communes/53130')).json();
    // communes_france_2026.csv: 53130,Laval,49400,200083392,CA Laval Agglomération,…
    expect(body).toMatchObject({
      code: '53130', name: 'Laval', population: 49_400,
      epci: { siren: '200083392', name: 'CA Laval Agglomération' }, departement: { code: '53', name: 'Mayenne' },
      region: { code: '52', name: 'Pays de la Loire' },
    });
    const vacant = body.vacant_shops as Record<string, number>;
    expect(Object.values(vacant).reduce((a, b) => a + b, 0)).toBe(43);
    expect(body.area_km2).toBeGreaterThan(30);
    expect(body.area_km2).toBeLessThan(40);
  });

  it('gives distances from Laval: France services within 30 km, every kind present', async () => {
    const body = (await app.inject('/api/communes/53130')).json();
    const nearest = Object.fromEntries((body.nearest as Nearest[]).map((n) => [n.kind, n]));
    expect(Object.keys(nearest)).toEqual(['cafe_bar', 'grocery', 'bakery', 'tiers_lieu', 'france_services']);
    expect(nearest.france_services!.metres).toBeGreaterThan(0);
    expect(nearest.france_services!.metres).toBeLessThan(30_000);
    // A city of 49,000 has a café within 2 km of its centre.
    expect(nearest.cafe_bar!.metres).toBeLessThan(2_000);
    for (const n of Object.values(nearest)) expect(Math.abs(n.metres - vincenty(body.point, n.point))).toBeLessThan(1);
  });

  it('agrees with a brute-force nearest search (no index) for every kind', async () => {
    const { sql } = await import('kysely');
    const body = (await app.inject('/api/communes/53240')).json();
    const brute = await sql<{ kind: string; metres: number }>`
      WITH c AS (SELECT point FROM communes WHERE code = '53240')
      SELECT 'cafe_bar' AS kind, min(ST_Distance(p.geom::geography, c.point::geography)) AS metres FROM places p, c WHERE p.category = 'cafe_bar' AND p.status = 'active'
      UNION ALL SELECT 'tiers_lieu', min(ST_Distance(t.geom::geography, c.point::geography)) FROM tiers_lieux t, c
      UNION ALL SELECT 'france_services', min(ST_Distance(g.geom::geography, c.point::geography)) FROM programmes g, c WHERE g.programme = 'france_services'`.execute(h.db);
    for (const row of brute.rows) {
      const n = (body.nearest as Nearest[]).find((x) => x.kind === row.kind)!;
      expect(n.metres).toBeCloseTo(row.metres, 3);
    }
  });
});
