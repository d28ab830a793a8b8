// The unmet-needs analysis (sql/src/analysis/needs.ts, GET /api/analysis/needs).
// 1. A hand-made territory on the equator (tests/data/toy_needs_*, arithmetic in
//    tests/data/README.md): every distance, count, flag, score, rank and summary figure is
//    written here as computed by hand, and the distances are checked against GeographicLib.
// 2. The real Mayenne bundle: every distance of eight categories for the 240 communes is
//    checked against an independent computation in JavaScript (Turf to shortlist, GeographicLib
//    on the WGS 84 ellipsoid to decide), and the summary against a recount.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { distance } from '@turf/turf';
import geodesic from 'geographiclib-geodesic';
import { buildApp } from '@maillage/api';
import { communes, loadDemo, osmPoints, programmes, runImport, tiersLieux } from '@maillage/importers';
import { AnalysisInputError, categoryNeed, formatScope, needsScore, parseScope, ScopeSyntaxError } from '@maillage/sql';
import { openTestDb, dbModeName, type DbHandle } from '../support/db.ts';
import { fixture } from '../importers/helpers.ts';

const WGS84 = geodesic.Geodesic.WGS84;
/** Metres on the WGS 84 ellipsoid (Karney's algorithm, an implementation independent of PostGIS). */
const geodesicMetres = ([lon1, lat1]: readonly number[], [lon2, lat2]: readonly number[]) => WGS84.Inverse(lat1!, lon1!, lat2!, lon2!).s12!;

interface Feature { id: string; geometry: { type: 'Point'; coordinates: [number, number] }; properties: Record<string, unknown> }
interface NeedsBody {
  type: string;
  features: Feature[];
  summary: {
    scope: { id: string; name: string; communes_analysed: number; population_analysed: number; communes_without_point: number };
    parameters: { categories: string[]; max_km: number; min_population: number; weights: Record<string, number>; scope: string };
    per_category: { code: string; population_beyond: number; share_beyond: number | null; communes_beyond: number; deserts: number; desert_population: number; has_facilities: boolean; median_distance_m: number | null; weight: number; approximate: number }[];
    any_category: { population_beyond: number; share_beyond: number | null; communes_beyond: number; deserts: number; desert_population: number };
    licence: string;
    attribution: string;
    sources: { key: string; odbl: boolean }[];
  };
  metadata: { licence: string; odbl: boolean; query: { url: string } };
}

async function loadToyNeeds(db: DbHandle['db']): Promise<void> {
  for (const job of [
    communes({ polygons: fixture('toy_needs_communes_2018.geojson'), list: fixture('toy_needs_communes_2026.csv'), epci: fixture('toy_needs_epci_2026.csv'), departements: ['98', '99'] }),
    osmPoints(fixture('toy_needs_places.geojson')),
    tiersLieux(fixture('toy_needs_tiers_lieux.geojson')),
    programmes(fixture('toy_needs_programmes.geojson'), 'france_services'),
  ]) {
    const summary = await runImport(db, job);
    if (summary.outcome !== 'committed' || summary.rejected.length) throw new Error(`toy needs: ${job.importer} did not commit cleanly`);
  }
  // Residents' needs, as the participation work will publish them (tests/data/README.md).
  await sql`INSERT INTO sources (key, title, licence, attribution) VALUES ('toy_needs', 'Besoins exprimés (test)', 'Licence Ouverte 2.0', 'Habitants (test)')`.execute(db);
  await sql`INSERT INTO needs (category, commune_code, status, source, source_id, licence, geom) VALUES
    ('cafe_bar', '99103', 'published', 'toy_needs', 'n1', 'Licence Ouverte 2.0', ST_SetSRID(ST_MakePoint(0.05, 0.001), 4326)),
    ('cafe_bar', '99103', 'published', 'toy_needs', 'n2', 'Licence Ouverte 2.0', ST_SetSRID(ST_MakePoint(0.051, 0.001), 4326)),
    ('cafe_bar', '99103', 'archived', 'toy_needs', 'n3', 'Licence Ouverte 2.0', ST_SetSRID(ST_MakePoint(0.052, 0.001), 4326)),
    ('grocery', NULL, 'published', 'toy_needs', 'n4', 'Licence Ouverte 2.0', ST_SetSRID(ST_MakePoint(0.075, 0.005), 4326)),
    ('bakery', '99101', 'published', 'toy_needs', 'n5', 'Licence Ouverte 2.0', ST_SetSRID(ST_MakePoint(0.01, 0.005), 4326))`.execute(db);
}

const URL_MAIN = '/api/analysis/needs?categories=cafe_bar,grocery,bakery&max_km=2&min_population=100&scope=departement:99&weights=cafe_bar:2';

// Hand-computed answers (tests/data/README.md): distance = 6378137 m × Δλ in radians on the equator.
const HAND: Record<string, { point: [number, number]; rank: number; score: number; population: number;
  cafe_bar: [number, string, string, number, boolean]; grocery: [number, string, number, boolean]; bakery_desert: boolean; cafe_needs: number; grocery_needs: number; needs_total: number }> = {
  // code: cafe_bar [metres, name, commune, count, desert], grocery [metres, name, count, desert]
  '99104': { point: [0.07, 0], rank: 1, score: 82.7, population: 800, cafe_bar: [2671.668, 'Café Extra', '98105', 0, true], grocery: [3896.182, 'Épicerie Bourg', 0, true], bakery_desert: true, cafe_needs: 0, grocery_needs: 1, needs_total: 1 },
  '99103': { point: [0.05, 0], rank: 2, score: 81.4, population: 50, cafe_bar: [3673.543, 'Bar du Pont', '99101', 0, false], grocery: [1669.792, 'Épicerie Bourg', 0, false], bakery_desert: false, cafe_needs: 2, grocery_needs: 0, needs_total: 2 },
  '99101': { point: [0.01, 0], rank: 3, score: 50.7, population: 1200, cafe_bar: [667.917, 'Café Aval', '99101', 2, false], grocery: [2782.987, 'Épicerie Bourg', 0, true], bakery_desert: true, cafe_needs: 0, grocery_needs: 0, needs_total: 1 },
  '99102': { point: [0.03, 0], rank: 4, score: 46.6, population: 300, cafe_bar: [1447.153, 'Bar du Pont', '99101', 0, false], grocery: [556.597, 'Épicerie Bourg', 1, false], bakery_desert: true, cafe_needs: 0, grocery_needs: 0, needs_total: 0 },
};

describe(`unmet needs on the hand-made equator territory (${dbModeName()})`, () => {
  let h: DbHandle;
  let app: FastifyInstance;
  let main: NeedsBody;
  const get = async (url: string) => app.inject(url);

  beforeAll(async () => {
    h = await openTestDb();
    await loadToyNeeds(h.db);
    app = await buildApp({ handle: h });
    const r = await get(URL_MAIN);
    expect(r.statusCode, r.body).toBe(200);
    main = r.json();
  });
  afterAll(async () => {
    await app?.close();
    await h?.close();
  });

  it('puts each representative point on the equator, in the middle of its square', () => {
    for (const f of main.features) {
      const [lon, lat] = HAND[f.id]!.point;
      expect(f.geometry.coordinates[0]).toBeCloseTo(lon, 9);
      expect(f.geometry.coordinates[1]).toBeCloseTo(lat, 9);
    }
  });

  it('ranks the four communes of département 99 with the hand-computed scores', () => {
    expect(main.type).toBe('FeatureCollection');
    // (HAND's keys look like integers, so JavaScript lists them in numeric order, not by rank.)
    expect(main.features.map((f) => [f.id, f.properties.rank, f.properties.needs_score])).toEqual(
      Object.entries(HAND).map(([code, e]) => [code, e.rank, e.score]).sort((a, b) => (a[1] as number) - (b[1] as number)));
  });

  it('gives every distance, nearest facility, count and desert flag as computed by hand', () => {
    for (const f of main.features) {
      const e = HAND[f.id]!;
      const p = f.properties;
      expect(p.population).toBe(e.population);
      expect(p.cafe_bar_distance_m as number).toBeCloseTo(e.cafe_bar[0], 1);
      expect([p.cafe_bar_nearest_name, p.cafe_bar_nearest_commune, p.cafe_bar_count, p.cafe_bar_desert]).toEqual(e.cafe_bar.slice(1));
      expect(p.grocery_distance_m as number).toBeCloseTo(e.grocery[0], 1);
      expect([p.grocery_nearest_name, p.grocery_count, p.grocery_desert]).toEqual(e.grocery.slice(1));
      // No bakery anywhere: no distance, no nearest, the category's need is 1.
      expect([p.bakery_distance_m, p.bakery_nearest_id, p.bakery_nearest_name, p.bakery_count, p.bakery_desert]).toEqual([null, null, null, 0, e.bakery_desert]);
      expect([p.cafe_bar_residents_needs, p.grocery_residents_needs, p.residents_needs_count]).toEqual([e.cafe_needs, e.grocery_needs, e.needs_total]);
      expect(p.desert_count).toBe([e.cafe_bar[4], e.grocery[3], e.bakery_desert].filter(Boolean).length);
    }
  });

  it('agrees with GeographicLib on every distance, to the centimetre', () => {
    for (const f of main.features) {
      for (const c of ['cafe_bar', 'grocery']) {
        const target = [f.properties[`${c}_nearest_lon`] as number, f.properties[`${c}_nearest_lat`] as number];
        expect(Math.abs((f.properties[`${c}_distance_m`] as number) - geodesicMetres(f.geometry.coordinates, target))).toBeLessThan(0.06);
      }
    }
  });

  it('counts a facility outside the scope: Delta’s nearest café is in Extra (département 98)', () => {
    const delta = main.features.find((f) => f.id === '99104')!;
    expect(delta.properties.cafe_bar_nearest_commune).toBe('98105');
    expect(main.features.map((f) => f.id)).not.toContain('98105');
  });

  it('sums the population beyond D and its share, per category and for any category', () => {
    const s = main.summary;
    expect(s.scope).toMatchObject({ id: 'departement:99', name: 'Test', communes_analysed: 4, population_analysed: 2350, communes_without_point: 0 });
    expect(s.parameters).toEqual({ categories: ['cafe_bar', 'grocery', 'bakery'], max_km: 2, min_population: 100, weights: { cafe_bar: 2, grocery: 1, bakery: 1 }, scope: 'departement:99' });
    const by = Object.fromEntries(s.per_category.map((c) => [c.code, c]));
    expect(by.cafe_bar).toMatchObject({ population_beyond: 850, share_beyond: 0.3617, communes_beyond: 2, deserts: 1, desert_population: 800, has_facilities: true, weight: 2 });
    expect(by.grocery).toMatchObject({ population_beyond: 2000, share_beyond: 0.8511, communes_beyond: 2, deserts: 2, desert_population: 2000, has_facilities: true });
    expect(by.bakery).toMatchObject({ population_beyond: 2350, share_beyond: 1, communes_beyond: 4, deserts: 3, desert_population: 2300, has_facilities: false, median_distance_m: null });
    // Medians of the four distances: (1447.153 + 2671.668) / 2 and (1669.792 + 2782.987) / 2.
    expect(by.cafe_bar!.median_distance_m!).toBeCloseTo(2059.4, 1);
    expect(by.grocery!.median_distance_m!).toBeCloseTo(2226.4, 1);
    // Everyone is beyond 2 km of a bakery; Cime (50 inhabitants, under P = 100) is a desert for none.
    expect(s.any_category).toEqual({ population_beyond: 2350, share_beyond: 1, communes_beyond: 4, deserts: 3, desert_population: 2300 });
  });

  it('counts « any category » over the chosen categories only', async () => {
    const body: NeedsBody = (await get('/api/analysis/needs?categories=cafe_bar,grocery&max_km=2&scope=departement:99')).json();
    // Aval (grocery 2.8 km), Cime (café 3.7 km) and Delta (both) are beyond 2 km: 1200 + 50 + 800.
    expect(body.summary.any_category).toMatchObject({ population_beyond: 2050, share_beyond: 0.8723, communes_beyond: 3 });
  });

  it('takes the true nearest on the spheroid when the sphere KNN ranks another first', async () => {
    // Bourg's point (0.03, 0): Pharmacie Est 0.008° east on the equator, Pharmacie Nord 0.00804°
    // north. On the sphere Est is nearer (889.56 m vs 894.01 m); on WGS 84 Nord is (889.017 m vs 890.556 m).
    const knn = await sql<{ name: string }>`
      SELECT p.name FROM places p, communes c WHERE c.code = '99102' AND p.category = 'pharmacy'
      ORDER BY p.geom::geography <-> c.point::geography LIMIT 1`.execute(h.db);
    expect(knn.rows[0]!.name).toBe('Pharmacie Est');
    const body: NeedsBody = (await get('/api/analysis/needs?categories=pharmacy&max_km=1&scope=commune:99102')).json();
    const p = body.features[0]!.properties;
    expect(p.pharmacy_nearest_name).toBe('Pharmacie Nord');
    expect(p.pharmacy_distance_m as number).toBeCloseTo(889.0, 0);
    expect(Math.abs((p.pharmacy_distance_m as number) - geodesicMetres([0.03, 0], [0.03, 0.00804]))).toBeLessThan(0.06);
    expect(p.pharmacy_count).toBe(2);
  });

  it('measures tiers-lieux and France services like places', async () => {
    const body: NeedsBody = (await get('/api/analysis/needs?categories=tiers_lieux,france_services&max_km=2.1&scope=epci:200000102')).json();
    expect(body.features.map((f) => [f.id, f.properties.tiers_lieux_distance_m, f.properties.france_services_distance_m,
      f.properties.tiers_lieux_count, f.properties.france_services_count, f.properties.tiers_lieux_nearest_name])).toEqual([
      // Cime: tiers-lieu 0.002° away, France services 0.021°; Delta: 0.018° and 0.001°.
      ['99103', 222.6, 2337.7, 1, 0, 'Tiers-lieu de la Cime'],
      ['99104', 2003.8, 111.3, 0, 1, 'Tiers-lieu de la Cime'],
    ].map(([code, tl, fs, ...rest]) => [code, expect.closeTo(tl as number, 0) as unknown, expect.closeTo(fs as number, 0) as unknown, ...rest]));
    // With D = 2.1 km, only Cime's France services (2.34 km) is beyond: Cime's 50 inhabitants of 850.
    const fs = body.summary.per_category.find((c) => c.code === 'france_services')!;
    expect(fs).toMatchObject({ population_beyond: 50, communes_beyond: 1, share_beyond: 0.0588 });
  });

  it.each([
    ['epci:200000101', ['99101', '99102']],
    ['commune:99103', ['99103']],
    ['departement:98', ['98105']],
    ['france', ['98105', '99101', '99102', '99103', '99104']],
  ])('reads the scope %s', async (scope, codes) => {
    const r = await get(`/api/analysis/needs?categories=cafe_bar&max_km=1&scope=${scope}`);
    expect(r.statusCode, r.body).toBe(200);
    const body: NeedsBody = r.json();
    expect(body.features.map((f) => f.id).sort()).toEqual(codes);
    expect(body.summary.scope.id).toBe(scope);
  });

  it('reads planners’ territories: a list of communes, or a drawn polygon holding their points', async () => {
    const listed = await sql<{ id: string }>`
      INSERT INTO territories (name, kind, commune_codes, geom)
      SELECT 'Bourg et Delta', 'communes', ARRAY['99102', '99104'], ST_Multi(ST_Union(geom)) FROM communes WHERE code IN ('99102', '99104')
      RETURNING id::text`.execute(h.db);
    const drawn = await sql<{ id: string }>`
      INSERT INTO territories (name, kind, geom) VALUES ('Autour de Cime et Delta', 'drawn',
        ST_Multi(ST_MakeEnvelope(0.045, -0.02, 0.075, 0.02, 4326))) RETURNING id::text`.execute(h.db);
    for (const [id, codes, name] of [[listed.rows[0]!.id, ['99102', '99104'], 'Bourg et Delta'], [drawn.rows[0]!.id, ['99103', '99104'], 'Autour de Cime et Delta']] as const) {
      const body: NeedsBody = (await get(`/api/analysis/needs?categories=cafe_bar&max_km=1&scope=territory:${id}`)).json();
      expect(body.features.map((f) => f.id).sort()).toEqual(codes);
      expect(body.summary.scope.name).toBe(name);
    }
  });

  it('serves the same rows as CSV, with the licence and a CSVW description', async () => {
    const r = await get(`${URL_MAIN}&format=csv`);
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toMatch(/^text\/csv/);
    expect(r.headers['x-licence']).toBe('ODbL 1.0');
    expect(decodeURIComponent(String(r.headers['x-attribution']))).toContain("© les contributeurs d'OpenStreetMap");
    expect(r.body).not.toContain('"'); // nothing quoted in this fixture: a plain split reads it
    const [head, ...lines] = r.body.split('\r\n').filter(Boolean).map((l) => l.split(','));
    expect(head!.slice(0, 9)).toEqual(['code', 'name', 'population', 'rank', 'needs_score', 'desert_count', 'residents_needs_count', 'cafe_bar_distance_m', 'cafe_bar_nearest_id']);
    expect(head!.slice(-2)).toEqual(['lon', 'lat']);
    expect(lines.map((l) => l[0])).toEqual(main.features.map((f) => f.id));
    for (const [i, line] of lines.entries()) {
      const p = main.features[i]!.properties;
      head!.slice(0, -2).forEach((column, j) => expect(line[j], column).toBe(p[column] === null ? '' : String(p[column])));
    }
    const links = String(r.headers.link).split(', ');
    expect(links).toContain('<https://opendatacommons.org/licenses/odbl/1-0/>; rel="license"');
    const describedBy = links.find((l) => l.endsWith('rel="describedby"; type="application/csvm+json"'));
    expect(describedBy).toMatch(/format=csvw>/);
    const csvw = await get(describedBy!.slice(1, describedBy!.indexOf('>')));
    expect(csvw.statusCode).toBe(200);
    const doc = csvw.json();
    expect(doc['dc:license']).toEqual({ '@id': 'https://opendatacommons.org/licenses/odbl/1-0/' });
    expect(doc.tableSchema.columns.map((c: { name: string }) => c.name)).toEqual(head);
  });

  it('carries the licence: ODbL as soon as OpenStreetMap data is in, with its attribution', () => {
    expect(main.metadata.licence).toBe('ODbL 1.0');
    expect(main.metadata.odbl).toBe(true);
    expect(main.summary.licence).toBe('ODbL 1.0');
    expect(main.summary.attribution).toContain("© les contributeurs d'OpenStreetMap (ODbL)");
    expect(main.summary.sources.map((s) => s.key)).toEqual(['communes_2026', 'osm_pdl_2019'].filter((k) => main.summary.sources.some((s) => s.key === k)));
    expect(main.summary.sources.some((s) => s.odbl)).toBe(true);
    expect(main.metadata.query.url).toBe(URL_MAIN);
  });

  it('gives the commune page the same figures (one implementation)', async () => {
    const page = (await get('/api/communes/99103')).json();
    const nearest = Object.fromEntries((page.nearest as { kind: string; metres: number; name: string }[]).map((n) => [n.kind, n]));
    expect(Object.keys(nearest)).toEqual(['cafe_bar', 'grocery', 'tiers_lieu', 'france_services']);
    const cime = main.features.find((f) => f.id === '99103')!.properties;
    expect(nearest.cafe_bar!.metres).toBeCloseTo(cime.cafe_bar_distance_m as number, 1);
    expect(nearest.cafe_bar!.name).toBe('Bar du Pont');
    expect(nearest.grocery!.metres).toBeCloseTo(cime.grocery_distance_m as number, 1);
    expect(nearest.tiers_lieu!.metres).toBeCloseTo(222.639, 2);
    expect(nearest.france_services!.metres).toBeCloseTo(2337.709, 2);
  });

  it('lists the categories: the place taxonomy, then tiers-lieux and France services', async () => {
    const body = (await get('/api/analysis/needs/categories')).json() as { categories: { code: string; layer: string; label: { fr: string } }[] };
    const taxonomy = (await get('/api/place-categories')).json().categories as { code: string }[];
    expect(body.categories.map((c) => c.code)).toEqual([...taxonomy.map((c) => c.code), 'tiers_lieux', 'france_services']);
    expect(body.categories.at(-1)).toMatchObject({ layer: 'programmes', label: { fr: 'France services' } });
  });

  it.each([
    ['categories=cafe&max_km=2&scope=departement:99', 400, /cafe_bar, bakery/],
    ['categories=&max_km=2&scope=departement:99', 400, /au moins une catégorie/],
    ['categories=cafe_bar,cafe_bar&max_km=2&scope=departement:99', 400, /deux fois/],
    ['categories=cafe_bar,bakery,grocery,food_shop,restaurant,fast_food,pharmacy,tobacco_press,hotel&max_km=2&scope=departement:99', 400, /Au plus 8/],
    ['categories=cafe_bar&max_km=0&scope=departement:99', 400, /supérieur à 0/],
    ['categories=cafe_bar&max_km=-3&scope=departement:99', 400, /supérieur à 0/],
    ['categories=cafe_bar&max_km=5000&scope=departement:99', 400, /au plus 200/],
    ['categories=cafe_bar&max_km=abc&scope=departement:99', 400, /max_km/],
    ['categories=cafe_bar&scope=departement:99', 400, /max_km/],
    ['categories=cafe_bar&max_km=2&min_population=-1&scope=departement:99', 400, /min_population/],
    ['categories=cafe_bar&max_km=2&min_population=2.5&scope=departement:99', 400, /min_population/],
    ['categories=cafe_bar&max_km=2', 400, /scope/],
    ['categories=cafe_bar&max_km=2&scope=dept:99', 400, /departement:<code>/],
    ['categories=cafe_bar&max_km=2&scope=departement:9', 400, /code de département/],
    ['categories=cafe_bar&max_km=2&scope=epci:12', 400, /SIREN/],
    ['categories=cafe_bar&max_km=2&scope=territory:abc', 400, /identifiant numérique/],
    ['categories=cafe_bar&max_km=2&scope=departement:99&weights=cafe_bar:x', 400, /categorie:nombre/],
    ['categories=cafe_bar&max_km=2&scope=departement:99&weights=grocery:1', 400, /pas une des catégories/],
    ['categories=cafe_bar&max_km=2&scope=departement:99&weights=cafe_bar:0', 400, /poids supérieur à 0/],
    ['categories=cafe_bar&max_km=2&scope=departement:99&weights=cafe_bar:500', 400, /entre 0 et 100/],
    ['categories=cafe_bar&max_km=2&scope=departement:99&format=xlsx', 400, /format/],
    ['categories=cafe_bar&max_km=2&scope=departement:99&maxkm=3', 400, /Paramètre inconnu : maxkm/],
    ['categories=cafe_bar&max_km=2&scope=departement:97', 404, /département 97/],
    ['categories=cafe_bar&max_km=2&scope=epci:123456789', 404, /SIREN 123456789/],
    ['categories=cafe_bar&max_km=2&scope=commune:99999', 404, /99999/],
    ['categories=cafe_bar&max_km=2&scope=territory:987654', 404, /territoire/],
  ])('refuses %s with %i and says what to fix', async (query, status, message) => {
    const r = await get(`/api/analysis/needs?${query}`);
    expect(r.statusCode, r.body).toBe(status);
    expect(r.headers['content-type']).toMatch(/^application\/problem\+json/);
    const body = r.json();
    expect(body.detail).toMatch(message);
    expect(body.detail_en.length).toBeGreaterThan(10);
  });
});

describe('needs score and scope syntax (pure functions)', () => {
  it('scores a category 0 at the point, 0.5 at D, 1 at 2·D and beyond or with no facility', () => {
    expect([categoryNeed(0, 5), categoryNeed(5000, 5), categoryNeed(10_000, 5), categoryNeed(30_000, 5), categoryNeed(null, 5)]).toEqual([0, 0.5, 1, 1, 1]);
    expect(needsScore([{ need: 0.25, weight: 2 }, { need: 1, weight: 1 }])).toBe(50);
    expect(needsScore([{ need: 0.3, weight: 0 }, { need: 0.9, weight: 3 }])).toBe(90);
  });

  it.each(['france', 'departement:53', 'departement:2A', 'departement:974', 'epci:200083392', 'commune:2B033', 'territory:12'])('reads %s back to the same text', (text) => {
    expect(formatScope(parseScope(text))).toBe(text);
  });

  it('reads lower-case Corsican codes, and names what is wrong otherwise', () => {
    expect(parseScope('commune:2a004')).toEqual({ kind: 'commune', code: '2A004' });
    expect(() => parseScope('region:52')).toThrow(ScopeSyntaxError);
    expect(() => parseScope('commune:530')).toThrow(AnalysisInputError);
  });
});

describe(`unmet needs on the real Mayenne bundle, checked in JavaScript (${dbModeName()})`, () => {
  let h: DbHandle;
  let app: FastifyInstance;
  const CATEGORIES = ['cafe_bar', 'grocery', 'bakery', 'pharmacy', 'tobacco_press', 'restaurant', 'tiers_lieux', 'france_services'];
  let body: NeedsBody;
  let facilities: Map<string, { id: string; lon: number; lat: number; commune: string | null }[]>;

  beforeAll(async () => {
    h = await openTestDb();
    await loadDemo(h.db);
    app = await buildApp({ handle: h });
    const r = await app.inject(`/api/analysis/needs?categories=${CATEGORIES.join(',')}&max_km=5&min_population=200&scope=departement:53`);
    expect(r.statusCode, r.body).toBe(200);
    body = r.json();
    // Every facility, read from the tables without PostGIS measuring anything.
    const rows = await sql<{ category: string; id: string; lon: number; lat: number; commune: string | null }>`
      SELECT category, id::text AS id, ST_X(geom) AS lon, ST_Y(geom) AS lat, commune_code AS commune FROM places WHERE status = 'active'
      UNION ALL SELECT 'tiers_lieux', id::text, ST_X(geom), ST_Y(geom), commune_code FROM tiers_lieux
      UNION ALL SELECT 'france_services', id::text, ST_X(geom), ST_Y(geom), commune_code FROM programmes WHERE programme = 'france_services'`.execute(h.db);
    facilities = new Map(CATEGORIES.map((c) => [c, rows.rows.filter((r) => r.category === c)]));
  }, 300_000);
  afterAll(async () => {
    await app?.close();
    await h?.close();
  });

  it('analyses the 240 communes of Mayenne, 305,468 inhabitants', () => {
    expect(body.features).toHaveLength(240);
    expect(body.summary.scope).toMatchObject({ communes_analysed: 240, population_analysed: 305_468, communes_without_point: 0, name: 'Mayenne' });
  });

  it('finds the true nearest facility of every category for every commune (GeographicLib brute force, ≤ 1 m)', () => {
    let checked = 0;
    for (const f of body.features) {
      const point = f.geometry.coordinates;
      for (const c of CATEGORIES) {
        const list = facilities.get(c)!;
        expect(list.length, c).toBeGreaterThan(0);
        // Turf (spherical) shortlists; the ellipsoid decides among everything within 2 % of the best.
        const sphere = list.map((x) => distance(point, [x.lon, x.lat], { units: 'meters' }));
        const best = Math.min(...sphere);
        const exact = Math.min(...list.filter((_x, i) => sphere[i]! <= best * 1.02 + 1).map((x) => geodesicMetres(point, [x.lon, x.lat])));
        const reported = f.properties[`${c}_distance_m`] as number;
        expect(Math.abs(reported - exact), `${f.id} ${c}`).toBeLessThanOrEqual(1);
        // And the facility it names is at that distance.
        const named = [f.properties[`${c}_nearest_lon`] as number, f.properties[`${c}_nearest_lat`] as number];
        expect(Math.abs(reported - geodesicMetres(point, named)), `${f.id} ${c} named`).toBeLessThanOrEqual(1);
        // Turf's sphere is within 0.6 % of the ellipsoid.
        expect(Math.abs(reported - distance(point, named, { units: 'meters' })), `${f.id} ${c} turf`).toBeLessThanOrEqual(Math.max(1, reported * 0.006));
        checked++;
      }
    }
    expect(checked).toBe(240 * CATEGORIES.length);
    // The SQL proves almost all of them the nearest by itself; the few it leaves « approximate »
    // (more than 4 facilities within 1 % of the same distance, as in a town centre seen from
    // afar) were checked above to be right all the same.
    for (const c of body.summary.per_category) expect(c.approximate, c.code).toBeLessThanOrEqual(5);
  });

  it('counts the facilities of each commune like a recount of their commune codes', () => {
    for (const c of CATEGORIES) {
      const counts = new Map<string, number>();
      for (const x of facilities.get(c)!) if (x.commune) counts.set(x.commune, (counts.get(x.commune) ?? 0) + 1);
      for (const f of body.features) expect(f.properties[`${c}_count`], `${f.id} ${c}`).toBe(counts.get(f.id) ?? 0);
    }
  });

  it('adds up the population beyond 5 km and the deserts like a recount', () => {
    const total = body.features.reduce((s, f) => s + (f.properties.population as number), 0);
    for (const c of CATEGORIES) {
      const beyond = body.features.filter((f) => (f.properties[`${c}_distance_m`] as number) > 5000);
      const deserts = beyond.filter((f) => (f.properties.population as number) >= 200);
      const s = body.summary.per_category.find((x) => x.code === c)!;
      const population = beyond.reduce((sum, f) => sum + (f.properties.population as number), 0);
      expect(s.population_beyond, c).toBe(population);
      expect(s.share_beyond, c).toBeCloseTo(population / total, 4);
      expect(s.deserts, c).toBe(deserts.length);
      expect(deserts.every((f) => f.properties[`${c}_desert`] === true)).toBe(true);
    }
    // A few communes of Mayenne are more than 5 km from a café in OSM 2019; Laval is not one of them.
    expect(body.summary.per_category.find((x) => x.code === 'cafe_bar')!.communes_beyond).toBeGreaterThan(0);
    expect(body.features.find((f) => f.id === '53130')!.properties.cafe_bar_desert).toBe(false);
  });

  it('ranks by the weighted score, recomputed from the distances', () => {
    let previous = Infinity;
    for (const f of body.features) {
      const expected = needsScore(CATEGORIES.map((c) => ({ need: categoryNeed(f.properties[`${c}_distance_m`] as number, 5), weight: 1 })));
      // The API rounds distances to 0.1 m before it scores: at most 0.1 point apart.
      expect(Math.abs((f.properties.needs_score as number) - expected), f.id).toBeLessThanOrEqual(0.1);
      expect(f.properties.needs_score as number).toBeLessThanOrEqual(previous);
      previous = f.properties.needs_score as number;
    }
    expect(body.features[0]!.properties.rank).toBe(1);
  });
});
