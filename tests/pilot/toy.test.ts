// Pilot zones and pilot streets on the hand-made toy town (tests/data/toy_pilot_*, answers in
// tests/data/README.md): every count below was checked by hand on the fixture's coordinates.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { area, circle, length, lineString, polygon } from '@turf/turf';
import { buildApp } from '@maillage/api';
import { DEFAULT_PILOT_WEIGHTS, pilotScore, VACANCY_ALERT_RATE } from '@maillage/sql';
import { openTestDb, dbModeName, type DbHandle } from '../support/db.ts';
import { loadToyPilotTown } from './helpers.ts';

const square = (x0: number, y0: number, x1: number, y1: number) => ({ type: 'Polygon', coordinates: [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]] });
const alphaArea = area(polygon(square(0, 45, 0.01, 45.01).coordinates));

describe('pilot score (pure, by hand)', () => {
  const maxima = { vacant_shops: 4, active_shops: 10 };
  it('gives each part its share of the weights', () => {
    // 2 of the best 4 vacant → 15; 5 of the best 10 active → 12.5; rate 2/7 ≥ 20 % → 15;
    // 700 m ≥ 150 m → 15; 1 café of 2 → 5; no tiers-lieu → 0.
    const s = pilotScore({ active_shops: 5, vacant_shops: 2, cafes: 1, tiers_lieux: 0, length_m: 700 }, maxima, DEFAULT_PILOT_WEIGHTS);
    expect(s.points).toEqual({ vacant: 15, active: 12.5, vacancy_rate: 15, length: 15, cafes: 5, tiers_lieux: 0 });
    expect(s.score).toBe(62.5);
    expect(s.values.vacancy_rate).toBeCloseTo(2 / 7, 12);
  });
  it('gives a short street its share of the length, and a street with no shop only that', () => {
    expect(pilotScore({ active_shops: 0, vacant_shops: 0, cafes: 0, tiers_lieux: 0, length_m: 75 }, maxima, DEFAULT_PILOT_WEIGHTS).points.length).toBe(7.5);
    const empty = pilotScore({ active_shops: 0, vacant_shops: 0, cafes: 0, tiers_lieux: 0, length_m: 300 }, { vacant_shops: 0, active_shops: 0 }, DEFAULT_PILOT_WEIGHTS);
    expect([empty.score, empty.values.vacancy_rate]).toEqual([15, null]);
  });
  it('follows the weights: only vacant premises counted', () => {
    const w = { vacant: 1, active: 0, vacancy_rate: 0, length: 0, cafes: 0, tiers_lieux: 0 };
    expect(pilotScore({ active_shops: 9, vacant_shops: 1, cafes: 2, tiers_lieux: 1, length_m: 100 }, { vacant_shops: 3, active_shops: 9 }, w).score).toBeCloseTo(100 / 3, 9);
  });
});

describe(`pilot zones and streets on the toy town (${dbModeName()})`, () => {
  let h: DbHandle;
  let app: FastifyInstance;
  const postZone = (body: unknown, contentType = 'application/json') =>
    app.inject({ method: 'POST', url: '/api/analysis/zone', headers: { 'content-type': contentType }, payload: typeof body === 'string' ? body : JSON.stringify(body) });

  beforeAll(async () => {
    h = await openTestDb();
    await loadToyPilotTown(h.db);
    app = await buildApp({ handle: h });
  });
  afterAll(async () => {
    await app?.close();
    await h?.close();
  });

  it('gives the indicators of a commune: 10 active shops, 5 vacant, vacancy 33 % above the alert', async () => {
    const res = await postZone({ communes: ['99001'] });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/application\/geo\+json/);
    const z = res.json().properties;
    expect(Math.abs(z.area_m2 - alphaArea) / alphaArea).toBeLessThan(0.005);
    // Beta-Gamma only shares an edge with Alpha: no area, so not a commune touched.
    expect(z.communes.map((c: { code: string; commune_share: number }) => [c.code, Math.round(c.commune_share * 1000) / 1000])).toEqual([['99001', 1]]);
    expect(z.population_estimate).toBe(100);
    expect(z.active_shops).toBe(10); // the hotel is a place but not a shop front
    expect(z.vacant_shops).toEqual({ vacant: 5, reoccupied: 0, in_project: 0 });
    expect(z.vacancy.rate).toBeCloseTo(5 / 15, 12);
    expect([z.vacancy.alert, z.vacancy.alert_threshold]).toEqual([true, VACANCY_ALERT_RATE]);
    const count = (c: string) => z.places.find((p: { category: string }) => p.category === c).count;
    expect([count('other_shop'), count('cafe_bar'), count('hotel'), count('grocery')]).toEqual([4, 2, 1, 1]);
    expect(z.tiers_lieux.items.map((t: { name: string }) => t.name)).toEqual(['La Fabrique du Centre']);
    expect(res.json().licence).toBe('ODbL 1.0');
    expect(res.json().attribution).toContain("© les contributeurs d'OpenStreetMap");
  });

  it('weights the population by the area share of a polygon across two communes', async () => {
    // Half of Alpha (100 inhabitants) and a quarter of Beta-Gamma (250, two squares): 50 + 62.5.
    const res = await postZone({ type: 'Feature', properties: { name: 'à cheval' }, geometry: square(0.005, 45, 0.015, 45.01) });
    expect(res.statusCode).toBe(200);
    const z = res.json().properties;
    const shares = Object.fromEntries(z.communes.map((c: { code: string; commune_share: number; zone_share: number }) => [c.code, [c.commune_share, c.zone_share]]));
    expect(shares['99001'][0]).toBeCloseTo(0.5, 3);
    expect(shares['99002'][0]).toBeCloseTo(0.25, 3);
    expect(shares['99001'][1]).toBeCloseTo(0.5, 3);
    expect(z.population_estimate).toBe(Math.round(50 + 62.5));
    // East half of Alpha: shops 5, 9, 13 and the vacant 6, 7, 10, 11, 12; Beta's bakery on the zone's edge (0.015° E) counts.
    expect([z.active_shops, z.vacant_shops.vacant]).toEqual([4, 5]);
  });

  it('measures the nearest facilities from the zone: 0 inside, the edge distance outside, none when there is none', async () => {
    const res = await postZone(square(0, 45, 0.005, 45.01));
    const z = res.json().properties;
    const nearest = Object.fromEntries(z.nearest.map((n: { kind: string; inside: number; metres: number | null }) => [n.kind, [n.inside, n.metres]]));
    expect(nearest.cafe_bar).toEqual([1, 0]);
    expect(nearest.tiers_lieux).toEqual([1, 0]);
    expect(nearest.france_services).toEqual([0, null]);
    // A zone east of everything: the nearest bakery is Beta's, at (0.015, 45.005), 0.005° of longitude from the zone's west edge.
    const east = (await postZone(square(0.02, 45.004, 0.021, 45.006))).json().properties;
    const bakery = east.nearest.find((n: { kind: string }) => n.kind === 'bakery');
    const expected = length(lineString([[0.015, 45.005], [0.02, 45.005]]), { units: 'meters' });
    expect(bakery.inside).toBe(0);
    expect(bakery.name).toBe('Boulangerie Beta');
    expect(Math.abs(bakery.metres - expected) / expected).toBeLessThan(0.005);
  });

  it('buffers a point in metres: 30 m around the café holds the café only', async () => {
    const res = await postZone({ type: 'Point', coordinates: [0.0045, 45.0049], buffer_m: 30 });
    expect(res.statusCode).toBe(200);
    const z = res.json().properties;
    const disc = area(circle([0.0045, 45.0049], 0.03, { steps: 256 }));
    expect(Math.abs(z.area_m2 - disc) / disc).toBeLessThan(0.02);
    expect([z.active_shops, z.kind, z.params.buffer_m]).toEqual([1, 'buffer', 30]);
  });

  it('refuses bad and oversized geometries with a 400 that says what to fix', async () => {
    const cases: [unknown, RegExp, string?][] = [
      [{ type: 'Polygon', coordinates: [[[0, 45], [0.01, 45.01], [0.01, 45], [0, 45.01], [0, 45]]] }, /Self-intersection.*redessinez/],
      [{ type: 'Polygon', coordinates: [[[355000, 6789000], [356000, 6789000], [356000, 6790000], [355000, 6789000]]] }, /semble projetée \(Lambert-93 \?\)/],
      [{ ...square(0, 45, 0.01, 45.01), crs: { type: 'name', properties: { name: 'urn:ogc:def:crs:EPSG::2154' } } }, /EPSG::2154.*refusé/],
      [square(0, 45, 1, 46), /au-delà de 5.000 km²/],
      [{ type: 'Polygon', coordinates: [[...Array.from({ length: 10_001 }, (_, i) => [0.001 * Math.cos(i / 1600), 45 + 0.001 * Math.sin(i / 1600)]), [0.001, 45]]] }, /10002 sommets.*simplifiez/],
      [{ type: 'Polygon', coordinates: [[[0, 45], [0.01, 45], [0.01, 45.01], [0, 45]].slice(0, 3)] }, /au moins 4 positions/],
      [{ type: 'Point', coordinates: [0.005, 45.005] }, /donnez « buffer_m »/],
      [{ communes: ['99001', '12345'] }, /inconnue\(s\).*12345/],
      [{ type: 'FeatureCollection', features: [] }, /pas une FeatureCollection/],
      ['{"type": "Polygon", "coordinates": [[[0, 45]', /pas du JSON valide/],
      [{ scope: 'dept:53' }, /Périmètre « dept:53 » inconnu/],
    ];
    for (const [body, reason] of cases) {
      const res = await postZone(body);
      expect(res.statusCode, String(reason)).toBe(400);
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(res.json().detail, String(reason)).toMatch(reason);
      expect(res.json().detail_en.length).toBeGreaterThan(10);
    }
    const unknownTerritory = await postZone({ scope: 'territory:999' });
    expect(unknownTerritory.statusCode).toBe(404);
    const wrongType = await postZone('<kml/>', 'application/xml');
    expect(wrongType.statusCode).toBe(415);
    expect(wrongType.json().detail).toMatch(/application\/geo\+json/);
  });

  it('reads application/geo+json and GET ?communes= gives the same answer as the POST', async () => {
    const posted = await postZone(square(0, 45, 0.005, 45.01), 'application/geo+json');
    expect(posted.statusCode).toBe(200);
    const byUrl = await app.inject('/api/analysis/zone?communes=99001');
    const byBody = await postZone({ communes: ['99001'] });
    expect(byUrl.json()).toEqual(byBody.json());
  });

  it('ranks the toy streets by hand: Rue Crébillon, Rue de la Paix, Allée des Tilleuls', async () => {
    const res = await app.inject('/api/analysis/pilot-streets?commune=99001');
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.method).toBe('streets');
    const rows = body.features.map((f: { properties: Record<string, unknown> }) => f.properties);
    expect(rows.map((r: Record<string, unknown>) => [r.rank, r.name, r.active_shops, r.vacant_shops, r.cafes, r.tiers_lieux, r.segments])).toEqual([
      // The BD TOPO « R CREBILLON » is shorter than the two OSM ways of the same name: the OSM line is used, once.
      [1, 'Rue Crébillon', 5, 2, 2, 1, 2],
      [2, 'Rue de la Paix', 1, 3, 0, 0, 1],
      [3, 'Allée des Tilleuls', 2, 0, 0, 0, 1],
    ]);
    // Scores from the hand counts and the lengths measured by Turf; the most vacant is Paix (3), the most active Crébillon (5).
    const lengths = [
      length(lineString([[0.001, 45.005], [0.009, 45.005]]), { units: 'meters' }),
      length(lineString([[0.0085, 45.0065], [0.0085, 45.0095]]), { units: 'meters' }),
      length(lineString([[0.001, 45.002], [0.004, 45.002]]), { units: 'meters' }),
    ];
    rows.forEach((r: { active_shops: number; vacant_shops: number; cafes: number; tiers_lieux: number; length_m: number; score: number }, i: number) => {
      expect(Math.abs(r.length_m - lengths[i]!) / lengths[i]!).toBeLessThan(0.005);
      const byHand = pilotScore({ ...r, length_m: lengths[i]! }, { vacant_shops: 3, active_shops: 5 }, DEFAULT_PILOT_WEIGHTS).score;
      expect(r.score).toBeCloseTo(byHand, 0);
    });
    // Rue Crébillon: 20 (2 of 3 vacant) + 25 (5 of 5 active) + 15 (rate 2/7 ≥ 20 %) + 15 (631 m ≥ 150 m) + 10 (2 cafés) + 5 (1 tiers-lieu).
    expect(rows[0].points).toEqual({ vacant: 20, active: 25, vacancy_rate: 15, length: 15, cafes: 10, tiers_lieux: 5 });
    expect(rows.map((r: { score: number }) => r.score)).toEqual([90, 65, 25]);
    expect(body.maxima).toEqual({ vacant_shops: 3, active_shops: 5 });
    expect(body.features[0].geometry.type).toMatch(/LineString$/);
    expect(body.candidates).toBe(3);
  });

  it('widens the frontage: at 40 m the shop and the café set back 33 m count for Rue Crébillon', async () => {
    const rows = (await app.inject('/api/analysis/pilot-streets?commune=99001&frontage_m=40')).json().features.map((f: { properties: Record<string, unknown> }) => f.properties);
    expect(rows.find((r: { name: string }) => r.name === 'Rue Crébillon')).toMatchObject({ active_shops: 7, vacant_shops: 2 });
  });

  it('derives commercial strips from the shops when asked (or when a commune has no street layer)', async () => {
    const res = await app.inject('/api/analysis/pilot-streets?commune=99001&method=strips&strip_gap_m=100');
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.method).toBe('strips_from_shops');
    const rows = body.features.map((f: { properties: Record<string, unknown> }) => f.properties);
    // Crébillon's nine premises chain within 100 m; Paix's 10, 13 and 11 do; 12 is alone (116 m); the Tilleuls pair is under 3 premises.
    expect(rows.map((r: Record<string, unknown>) => [r.name, r.active_shops, r.vacant_shops, r.cafes, r.tiers_lieux])).toEqual([
      ['Linéaire commercial n° 1', 7, 2, 2, 1],
      ['Linéaire commercial n° 2', 1, 2, 0, 0],
    ]);
    // The named premises nearest the strip's centroid (0.0045° E, 45.00507° N).
    expect(rows[0].landmark).toBe('Café Crébillon');
    // At the default 40 m, premises 80 m apart do not chain: nothing to rank.
    expect((await app.inject('/api/analysis/pilot-streets?commune=99001&method=strips')).json().features).toEqual([]);
  });

  it('refuses bad parameters with a 400, an unknown commune with a 404', async () => {
    const cases: [string, RegExp][] = [
      ['commune=99001&frontage_m=500', /frontage_m doit être un nombre entre 5 et 100/],
      ['commune=99001&weights=vacant:x', /Poids « vacant:x » illisible/],
      ['commune=99001&weights=shops:3', /Poids « shops » inconnu/],
      ['commune=99001&weights=vacant:0,active:0,vacancy_rate:0,length:0,cafes:0,tiers_lieux:0', /Au moins un poids/],
      ['commune=99001&scope=france', /soit commune=44109, soit scope/],
      ['scope=dept:44', /Périmètre « dept:44 » inconnu/],
    ];
    for (const [q, reason] of cases) {
      const res = await app.inject(`/api/analysis/pilot-streets?${q}`);
      expect(res.statusCode, q).toBe(400);
      expect(res.json().detail, q).toMatch(reason);
    }
    expect((await app.inject('/api/analysis/pilot-streets?commune=99999')).statusCode).toBe(404);
  });
});
