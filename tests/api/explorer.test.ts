// GET /api/explorer/counts on the real demo bundle: each count is checked against the features
// the OGC items endpoint lists in the same box, filtered here in JavaScript, so the SQL filter
// and the independent reading of the same rows must agree.
import { bbox, booleanPointInPolygon } from '@turf/turf';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '@maillage/api';
import { loadDemo } from '@maillage/importers';
import { openTestDb, dbModeName, type DbHandle } from '../support/db.ts';

interface Feature { id: number | string; geometry: { type: string; coordinates: [number, number] }; properties: Record<string, unknown> }

/** Laval and its surroundings. */
const LAVAL: [number, number, number, number] = [-0.85, 48.02, -0.7, 48.12];
/** Nantes town centre, where the tiers-lieux are. */
const NANTES: [number, number, number, number] = [-1.62, 47.18, -1.5, 47.26];

describe(`explorer counts on the demo territory (${dbModeName()})`, () => {
  let h: DbHandle;
  let app: FastifyInstance;

  const counts = async (query: Record<string, string>) => {
    const r = await app.inject(`/api/explorer/counts?${new URLSearchParams(query).toString()}`);
    expect(r.statusCode, r.body).toBe(200);
    return r.json() as { bbox: number[]; counts: Record<string, number> };
  };
  const items = async (layer: string, bbox: number[]): Promise<Feature[]> => {
    const r = await app.inject(`/api/ogc/collections/${layer}/items?limit=10000&bbox=${bbox.join(',')}`);
    expect(r.statusCode, r.body).toBe(200);
    const body = r.json() as { numberMatched: number; features: Feature[] };
    // The check below needs every feature of the box, not a first page.
    expect(body.features).toHaveLength(body.numberMatched);
    return body.features;
  };
  const problem = async (query: string) => {
    const r = await app.inject(`/api/explorer/counts?${query}`);
    expect(r.statusCode, r.body).toBe(400);
    expect(r.headers['content-type']).toContain('application/problem+json');
    return r.json() as { detail: string; detail_en: string };
  };

  beforeAll(async () => {
    h = await openTestDb();
    await loadDemo(h.db);
    app = await buildApp({ handle: h });
  }, 300_000);
  afterAll(async () => {
    await app?.close();
    await h?.close();
  });

  it('counts every requested layer in the box, as many as the items listed there', async () => {
    const body = await counts({ bbox: LAVAL.join(','), layers: 'communes,places,vacant_shops,programmes' });
    expect(body.bbox).toEqual(LAVAL);
    expect(Object.keys(body.counts).sort()).toEqual(['communes', 'places', 'programmes', 'vacant_shops']);
    for (const layer of ['communes', 'places', 'vacant_shops', 'programmes']) {
      expect(body.counts[layer], layer).toBe((await items(layer, LAVAL)).length);
    }
    // Laval has 43 vacant shops mapped (SOURCES.md); the box holds Laval and more.
    expect(body.counts.vacant_shops).toBeGreaterThanOrEqual(43);
    expect(body.counts.communes).toBeGreaterThan(1);
  });

  it('applies each layer’s CQL2 filter to that layer only', async () => {
    const places = await items('places', LAVAL);
    const bakeriesAndCafes = places.filter((f) => f.properties.category === 'bakery' || f.properties.category === 'cafe_bar').length;
    expect(bakeriesAndCafes).toBeGreaterThan(0);
    const body = await counts({
      bbox: LAVAL.join(','),
      layers: 'places,communes',
      'filter.places': "category IN ('bakery','cafe_bar')",
    });
    expect(body.counts.places).toBe(bakeriesAndCafes);
    expect(body.counts.places).toBeLessThan(places.length);
    expect(body.counts.communes).toBe((await items('communes', LAVAL)).length);
  });

  it('reads a list property as "contains one of" (tiers-lieux typology) and combines filters with AND', async () => {
    const tiersLieux = await items('tiers_lieux', NANTES);
    const expected = tiersLieux.filter((f) => {
      const typology = f.properties.typology as string[];
      return (typology.includes('D') || typology.includes('C')) && f.properties.state === 'En activité';
    }).length;
    expect(expected).toBeGreaterThan(0);
    expect(expected).toBeLessThan(tiersLieux.length);
    const body = await counts({
      bbox: NANTES.join(','),
      layers: 'tiers_lieux',
      'filter.tiers_lieux': "typology IN ('D','C') AND state = 'En activité'",
    });
    expect(body.counts).toEqual({ tiers_lieux: expected });
  });

  it('gives 0, not an error, for a box with nothing in it and for empty contributed layers', async () => {
    const body = await counts({ bbox: '5,43,5.1,43.1', layers: 'places,projects,needs' });
    expect(body.counts).toEqual({ places: 0, projects: 0, needs: 0 });
  });

  it.each([
    ['layers=places', /bbox/],
    ['bbox=-1,47,0,48&layers=', /layers/],
    ['bbox=-1,47,0,48&layers=places,castles', /castles/],
    ['bbox=0,48,-1,47&layers=places', /inverted|inversée/],
    ['bbox=-1,47,0,48&layers=places&colour=red', /colour/],
    ['bbox=-1,47,0,48&layers=places&filter.communes=name%3D%27Laval%27', /filter\.communes/],
  ])('refuses %s with a 400 that says what to fix', async (query, pattern) => {
    const { detail, detail_en } = await problem(query);
    expect(`${detail} ${detail_en}`).toMatch(pattern);
  });

  it('names the layer and the position of a bad CQL2 filter', async () => {
    const { detail, detail_en } = await problem(`bbox=-1,47,0,48&layers=places&filter.places=${encodeURIComponent("colour = 'red'")}`);
    expect(detail).toMatch(/^filter\.places : /);
    expect(detail_en).toMatch(/^filter\.places: .*colour/);
  });

  it('gives one label point per commune whose point lies in the box, inside the commune, most populous first', async () => {
    const r = await app.inject(`/api/explorer/commune-labels?bbox=${LAVAL.join(',')}`);
    expect(r.statusCode, r.body).toBe(200);
    const labels = r.json() as { features: { id: string; geometry: { coordinates: [number, number] }; properties: { name: string; population: number | null } }[] };
    const communes = await items('communes', LAVAL);
    const ids = labels.features.map((f) => f.id);
    // Only communes that meet the box, each once; all those lying wholly inside it.
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.every((id) => communes.some((c) => String(c.id) === id))).toBe(true);
    const [w, s, e, n] = LAVAL;
    const inside = communes.filter((c) => {
      const [minx, miny, maxx, maxy] = bbox(c.geometry as unknown as Parameters<typeof bbox>[0]);
      return minx >= w && miny >= s && maxx <= e && maxy <= n;
    });
    expect(inside.length).toBeGreaterThan(0);
    for (const c of inside) expect(ids, String(c.id)).toContain(String(c.id));
    expect(labels.features[0]).toMatchObject({ id: '53130', properties: { name: 'Laval' } });
    const populations = labels.features.map((f) => f.properties.population ?? -1);
    expect(populations).toEqual([...populations].sort((a, b) => b - a));
    for (const label of labels.features) {
      const [x, y] = label.geometry.coordinates;
      expect(x >= w && x <= e && y >= s && y <= n, label.id).toBe(true);
      const commune = communes.find((c) => String(c.id) === label.id)!;
      expect(booleanPointInPolygon(label.geometry.coordinates, commune.geometry as unknown as Parameters<typeof booleanPointInPolygon>[1]), label.id).toBe(true);
    }
    const empty = await app.inject('/api/explorer/commune-labels?bbox=5,43,5.1,43.1');
    expect(empty.json()).toEqual({ type: 'FeatureCollection', features: [] });
    expect((await app.inject('/api/explorer/commune-labels?bbox=1,2,3')).statusCode).toBe(400);
  });
});
