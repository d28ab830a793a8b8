// The HTTP API on a small fixture territory: health, layers, OGC items paging and bbox, and
// problem+json errors for bad input (never a 5xx).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '@maillage/api';
import ogc from '../../api/src/routes/ogc/index.ts';
import { openTestDb, dbModeName, type DbHandle } from '../support/db.ts';
import { loadToyTerritory } from '../importers/helpers.ts';

describe(`API (${dbModeName()})`, () => {
  let h: DbHandle;
  let app: FastifyInstance;

  beforeAll(async () => {
    h = await openTestDb();
    await loadToyTerritory(h.db);
    app = await buildApp({ handle: h });
    // The same OGC routes reading one feature per query, to cross the pages that items stream.
    await app.register(ogc, { prefix: '/paged-ogc', pageSize: 1 });
  });
  afterAll(async () => {
    await app?.close();
    await h?.close();
  });

  it('answers /api/health when the database answers', async () => {
    const r = await app.inject('/api/health');
    expect(r.statusCode).toBe(200);
    expect(r.json()).toEqual({ status: 'ok', database: h.mode });
  });

  it('lists every layer of the registry with live counts and attribution', async () => {
    const r = await app.inject('/api/layers');
    const layers = r.json().layers as { id: string; count: number; attribution: string }[];
    expect(layers.map((l) => l.id)).toEqual(['communes', 'epci', 'places', 'tiers_lieux', 'vacant_shops', 'programmes', 'projects', 'streets', 'needs']);
    expect(Object.fromEntries(layers.map((l) => [l.id, l.count]))).toMatchObject({ communes: 2, epci: 1, places: 3, vacant_shops: 1, needs: 0 });
    expect(layers.find((l) => l.id === 'places')!.attribution).toBe("© les contributeurs d'OpenStreetMap (ODbL)");
  });

  it('pages OGC items with numberMatched, numberReturned and next/prev links', async () => {
    const first = await app.inject('/api/ogc/collections/places/items?limit=2');
    expect(first.headers['content-type']).toMatch(/application\/geo\+json/);
    const page1 = first.json();
    expect(page1).toMatchObject({ type: 'FeatureCollection', numberMatched: 3, numberReturned: 2 });
    const next = page1.links.find((l: { rel: string }) => l.rel === 'next').href as string;
    const page2 = (await app.inject(next)).json();
    expect(page2.numberReturned).toBe(1);
    expect(page2.links.map((l: { rel: string }) => l.rel)).toEqual(['self', 'collection', 'alternate', 'alternate', 'alternate', 'prev']);
    expect(page2.links.find((l: { type: string }) => l.type === 'text/csv').href).toMatch(/\/api\/exports\/places\.csv$/);
    const ids = [...page1.features, ...page2.features].map((f: { id: number }) => f.id);
    expect(new Set(ids).size).toBe(3);
  });

  it.each([
    'places/items?limit=3', 'places/items?limit=2&offset=1', 'places/items?limit=10&offset=2', 'places/items?limit=2&offset=5',
    'places/items?commune_code=99002', 'communes/items?limit=2', 'communes/items?offset=1',
  ])('streams %s across database pages with the same features, counts and links', async (path) => {
    const whole = await app.inject(`/api/ogc/collections/${path}`);
    const paged = await app.inject(`/paged-ogc/collections/${path}`);
    expect(paged.statusCode).toBe(200);
    expect(paged.headers['content-type']).toMatch(/application\/geo\+json/);
    const { timeStamp: _a, ...expected } = whole.json();
    const { timeStamp: _b, ...got } = paged.json();
    expect(got).toEqual(expected);
    expect(got.numberReturned).toBe(got.features.length);
  });

  it('filters by bbox (only Alpha, the western square)', async () => {
    const r = (await app.inject('/api/ogc/collections/communes/items?bbox=0.001,45.001,0.004,45.004')).json();
    expect(r.features.map((f: { id: string }) => f.id)).toEqual(['99001']);
    expect(r.features[0].properties).toMatchObject({ name: 'Alpha-sur-Test', population: 100, epci_name: 'CC du Test' });
    expect(r.features[0].geometry.type).toBe('MultiPolygon');

  });

  it.each([
    ['/api/ogc/collections/places/items?bbox=1,2,3', 400, /quatre nombres/],
    ['/api/ogc/collections/places/items?bbox=10,10,0,0', 400, /inversée/],
    ['/api/ogc/collections/places/items?bbox=-200,0,0,10', 400, /limites WGS 84/],
    ['/api/ogc/collections/places/items?limit=0', 400, /limit/],
    ['/api/ogc/collections/places/items?limit=10001', 400, /limit/],
    ['/api/ogc/collections/places/items?limit=abc', 400, /limit/],
    ['/api/ogc/collections/places/items?offset=-1', 400, /offset/],
    ["/api/ogc/collections/places';DROP TABLE places;--/items", 404, /Collection inconnue/],
    ['/api/ogc/collections/nope/items', 404, /Collection inconnue « nope »/],
    ['/api/nothing-here', 404, /Aucune ressource/],
    ['/api/ogc/collections/places/items?colour=red', 400, /Paramètre inconnu « colour »/],
    ['/api/ogc/collections/communes/items?population=many', 400, /attend un entier/],
    ['/api/ogc/collections/places/items?category=a&category=b', 400, /une seule fois/],
    ['/api/ogc/collections/places/items?f=xml', 400, /Format « xml »/],
    ['/api/ogc/collections/places/items/abc', 404, /Aucun objet « abc »/],
    ['/api/ogc/collections/places/items/999999', 404, /Aucun objet « 999999 »/],
    ['/api/ogc/collections/nope', 404, /Collection inconnue/],
    // Ajv reads « Infinity » and « 1e400 » as an integer past its bounds (found by tests/fuzz).
    ['/api/territories/Infinity', 400, /params\/id doit être un nombre fini/],
    ['/api/zones/1e400', 400, /params\/id doit être un nombre fini/],
    ['/api/ogc/collections/places/items?limit=Infinity', 400, /limit/],
  ])('%s → %i problem+json', async (url, status, detail) => {
    const r = await app.inject(url);
    expect(r.statusCode).toBe(status);
    expect(r.headers['content-type']).toMatch(/application\/problem\+json/);
    const body = r.json();
    expect(body).toMatchObject({ status, title: expect.any(String), detail_en: expect.any(String) });
    expect(body.detail).toMatch(detail);
  });

  it('still has its places after the injection attempt', async () => {
    expect((await app.inject('/api/ogc/collections/places/items')).json().numberMatched).toBe(3);
  });

  it('filters items by equality on queryable properties', async () => {
    const cafes = (await app.inject('/api/ogc/collections/places/items?category=cafe_bar')).json();
    expect(cafes.features.map((f: { properties: { name: string } }) => f.properties.name)).toEqual(['Café de la Place']);
    const inBeta = (await app.inject('/api/ogc/collections/places/items?commune_code=99002')).json();
    expect(inBeta.numberMatched).toBe(2);
    expect(inBeta.links[0].href).toContain('commune_code=99002');
    const big = (await app.inject('/api/ogc/collections/communes/items?population=250')).json();
    expect(big.features.map((f: { id: string }) => f.id)).toEqual(['99002']);
  });

  it('filters items with CQL2 text and keeps the filter in the paging links', async () => {
    const q = (f: string, extra = '') => app.inject(`/api/ogc/collections/places/items?filter=${encodeURIComponent(f)}${extra}`);
    const two = (await q("category IN ('cafe_bar','bakery')", '&limit=1')).json();
    expect(two.numberMatched).toBe(2);
    expect(new URL(two.links.find((l: { rel: string }) => l.rel === 'next').href).searchParams.get('filter')).toBe("category IN ('cafe_bar','bakery')");
    const inAlpha = (await q('S_INTERSECTS(geom, POLYGON((0 45,0.01 45,0.01 45.01,0 45.01,0 45)))')).json();
    expect(inAlpha.features.map((f: { properties: { name: string } }) => f.properties.name)).toEqual(['Café de la Place']);
    const bad = await q("category = 'cafe_bar' AND");
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ code: 'unexpected-token', position: expect.any(Number) });
    const unknown = await q("colour = 'red'");
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().detail).toMatch(/colour/);
    const lang = await app.inject('/api/ogc/collections/places/items?filter=x&filter-lang=cql2-json');
    expect(lang.statusCode).toBe(400);
  });

  it('publishes queryables as JSON Schema and the Part 3 conformance classes', async () => {
    const r = await app.inject('/api/ogc/collections/places/queryables');
    expect(r.headers['content-type']).toMatch(/application\/schema\+json/);
    const doc = r.json();
    expect(doc.$schema).toMatch(/2020-12/);
    expect(Object.keys(doc.properties)).toEqual(expect.arrayContaining(['geometry', 'name', 'category', 'commune_code']));
    const conf = (await app.inject('/api/ogc/conformance')).json().conformsTo as string[];
    expect(conf).toContain('http://www.opengis.net/spec/cql2/1.0/conf/cql2-text');
  });

  it('serves the OGC landing page, conformance, collections with extents, and single features', async () => {
    const landing = (await app.inject('/api/ogc')).json();
    expect(landing.links.map((l: { rel: string }) => l.rel)).toEqual(['self', 'service-desc', 'conformance', 'data']);
    const conformance = (await app.inject('/api/ogc/conformance')).json();
    expect(conformance.conformsTo).toContain('http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core');
    const collections = (await app.inject('/api/ogc/collections')).json().collections as { id: string; extent: { spatial: { bbox: number[][] } } }[];
    expect(collections).toHaveLength(9);
    const communesExtent = collections.find((c) => c.id === 'communes')!.extent.spatial.bbox[0]!;
    expect(communesExtent.map((v) => Math.round(v * 1000) / 1000)).toEqual([0, 45, 0.03, 45.01]);
    const one = await app.inject('/api/ogc/collections/communes/items/99002');
    expect(one.statusCode).toBe(200);
    expect(one.json()).toMatchObject({ type: 'Feature', id: '99002', properties: { name: 'Beta-Gamma' } });
    const first = (await app.inject('/api/ogc/collections/places/items?limit=1')).json().features[0];
    const byId = (await app.inject(`/api/ogc/collections/places/items/${first.id}`)).json();
    expect(byId.properties).toEqual(first.properties);
  });

  it('describes every layer in a DCAT-AP JSON-LD catalogue with its licence and distributions', async () => {
    const r = await app.inject('/api/catalog');
    expect(r.headers['content-type']).toMatch(/application\/ld\+json/);
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON-LD is walked by key
    const datasets = r.json()['dcat:dataset'] as Record<string, any>[];
    expect(datasets.map((d) => d['dct:identifier'])).toHaveLength(9);
    const places = datasets.find((d) => d['dct:identifier'] === 'places')!;
    expect(places['dct:license']).toEqual({ '@id': 'https://opendatacommons.org/licenses/odbl/1-0/' });
    expect(places['dct:source'][0]['dct:rightsHolder']).toBe("© les contributeurs d'OpenStreetMap (ODbL)");
    expect(places['dcat:distribution'].map((d: Record<string, string>) => d['dcat:mediaType']))
      .toEqual(['application/geo+json', 'text/csv', 'application/geopackage+sqlite3', 'application/geo+json']);
    expect(places['dct:spatial']['dcat:bbox']['@value']).toMatch(/^POLYGON\(\(0\.005 45\.002,/);
  });

  it('serves an OpenAPI 3 document', async () => {
    const doc = (await app.inject('/api/openapi.json')).json();
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/health', '/api/layers', '/api/ogc/collections/{collectionId}/items']));
  });
});
