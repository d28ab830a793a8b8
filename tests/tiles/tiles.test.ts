// Vector tiles on the toy territory: content (decoded with @mapbox/vector-tile), point
// aggregation at low zoom, polygons, HTTP behaviour (204, gzip, ETag/304, Cache-Control),
// TileJSON, problem+json errors, freshness after writes (layerChanged, and the write-counter poll
// on a server), and cache hits that never touch the database. On a PostGIS server the ST_AsMVT
// tiles are also compared with the JavaScript encoder that PGlite uses.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { type KyselyPlugin, sql } from 'kysely';
import { gunzipSync } from 'node:zlib';
import { VectorTile, type VectorTileLayer } from '@mapbox/vector-tile';
import { PbfReader } from 'pbf';
import { buildApp } from '@maillage/api';
import { openTestDb, dbModeName, type DbHandle } from '../support/db.ts';
import { osmPoints, runImport } from '@maillage/importers';
import { fixture, loadToyTerritory } from '../importers/helpers.ts';
// Not exported by @maillage/api's entry point: the plugin (for when app.ts does not register it
// yet) and both encoders, to compare them.
import { jsTile, mvtTile } from '../../api/src/repositories/tiles.repository.ts';
import { findLayer } from '../../api/src/layers/registry.ts';
import { layerChanged, layerVersion } from '../../api/src/layers/versions.ts';
import { lonLatToTile } from '../../api/src/tiles/grid.ts';
import { SESSION_COOKIE } from '../../api/src/plugins/app/auth.ts';
import { DEFAULT_TILE_OPTIONS } from '../../api/src/tiles/layout.ts';

/** The slippy-map formula, written out here as an independent check of lonLatToTile. */
function tileOf(lon: number, lat: number, z: number): { z: number; x: number; y: number } {
  const n = 2 ** z;
  const rad = (lat * Math.PI) / 180;
  return { z, x: Math.floor(((lon + 180) / 360) * n), y: Math.floor(((1 - Math.asinh(Math.tan(rad)) / Math.PI) / 2) * n) };
}

const url = (layer: string, t: { z: number; x: number; y: number }) => `/api/tiles/${layer}/${t.z}/${t.x}/${t.y}.mvt`;

function decode(body: Uint8Array): VectorTile {
  return new VectorTile(new PbfReader(body));
}

function features(layer: VectorTileLayer) {
  return Array.from({ length: layer.length }, (_, i) => layer.feature(i));
}

const CAFE = { lon: 0.005, lat: 45.005 };

describe(`vector tiles (${dbModeName()})`, () => {
  let h: DbHandle;
  let app: FastifyInstance;
  let placeIds: Record<string, number>;

  const get = (path: string, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> =>
    app.inject({ method: 'GET', url: path, headers });

  beforeAll(async () => {
    h = await openTestDb();
    await loadToyTerritory(h.db);
    app = await buildApp({ handle: h });
    await app.ready();
    const rows = await sql<{ id: number; name: string | null }>`SELECT id, name FROM places`.execute(h.db);
    placeIds = Object.fromEntries(rows.rows.map((r) => [r.name ?? '', r.id]));
  });
  afterAll(async () => {
    await app?.close();
    await h?.close();
  });

  it('locates the café with the standard tile formula', () => {
    expect(lonLatToTile(CAFE.lon, CAFE.lat, 14)).toEqual(tileOf(CAFE.lon, CAFE.lat, 14));
  });

  it('serves the café in the places layer of its z14 tile, with compact properties', async () => {
    const t = tileOf(CAFE.lon, CAFE.lat, 14);
    const r = await get(url('places', t));
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toBe('application/vnd.mapbox-vector-tile');
    expect(r.headers['cache-control']).toBe('public, max-age=300');
    const tile = decode(r.rawPayload);
    expect(Object.keys(tile.layers)).toEqual(['places']);
    const layer = tile.layers.places!;
    expect(layer.extent).toBe(4096);
    const cafe = features(layer).find((f) => f.properties.name === 'Café de la Place');
    expect(cafe).toBeDefined();
    expect(cafe!.properties).toEqual({ id: placeIds['Café de la Place'], name: 'Café de la Place', category: 'cafe_bar', status: 'active' });
    expect(cafe!.id).toBe(placeIds['Café de la Place']);
    expect(cafe!.type).toBe(1);
    const [lon, lat] = (cafe!.toGeoJSON(t.x, t.y, t.z).geometry as { coordinates: number[] }).coordinates;
    // One tile unit at z14 is about 0.6 m: well under 1e-5 degrees.
    expect(lon).toBeCloseTo(CAFE.lon, 5);
    expect(lat).toBeCloseTo(CAFE.lat, 5);
  });

  it('answers an empty tile with 204 and no body', async () => {
    const r = await get(url('places', tileOf(100, -40, 14)));
    expect(r.statusCode).toBe(204);
    expect(r.rawPayload.length).toBe(0);
    expect(r.headers['content-type']).toBeUndefined();
    expect(r.headers['cache-control']).toBe('public, max-age=300');
  });

  it('aggregates points below zoom 12 into clusters whose counts add up to every place', async () => {
    const total = (await sql<{ n: number }>`SELECT count(*)::int AS n FROM places`.execute(h.db)).rows[0]!.n;
    expect(total).toBe(3);
    for (const z of [6, 11]) {
      const r = await get(url('places', tileOf(0.015, 45.005, z)));
      expect(r.statusCode).toBe(200);
      const clusters = features(decode(r.rawPayload).layers.places!);
      for (const c of clusters) {
        expect(Object.keys(c.properties).sort()).toEqual(['category', 'count']);
        expect(c.id).toBeUndefined();
      }
      expect(clusters.reduce((n, c) => n + Number(c.properties.count), 0)).toBe(total);
    }
    // At z6 one cell is ~10 km: the three places, 2 km apart, make one cluster.
    const z6 = features(decode((await get(url('places', tileOf(0.015, 45.005, 6)))).rawPayload).layers.places!);
    expect(z6).toHaveLength(1);
    expect(z6[0]!.properties.count).toBe(3);
  });

  it('counts each point in exactly one tile (the four z1 tiles sum to the total)', async () => {
    let sum = 0;
    for (const [x, y] of [[0, 0], [0, 1], [1, 0], [1, 1]] as const) {
      const r = await get(url('places', { z: 1, x, y }));
      if (r.statusCode === 204) continue;
      sum += features(decode(r.rawPayload).layers.places!).reduce((n, c) => n + Number(c.properties.count), 0);
    }
    expect(sum).toBe(3);
  });

  it('serves commune polygons at z10 with their code, name and population', async () => {
    const t = tileOf(0.015, 45.005, 10);
    const layer = decode((await get(url('communes', t))).rawPayload).layers.communes!;
    const got = features(layer).map((f) => ({ type: f.type, featureId: f.id, properties: f.properties }));
    // Text keys (INSEE codes) cannot be MVT feature ids: they are the `id` property only.
    expect(got).toEqual([
      { type: 3, featureId: undefined, properties: { id: '99001', name: 'Alpha-sur-Test', population: 100 } },
      { type: 3, featureId: undefined, properties: { id: '99002', name: 'Beta-Gamma', population: 250 } },
    ]);
    // Alpha is the square 0–0.01° × 45–45.01°: its decoded outline has that bounding box.
    const alpha = features(layer).find((f) => f.properties.id === '99001')!;
    const ring = (alpha.toGeoJSON(t.x, t.y, t.z).geometry as { coordinates: number[][][] }).coordinates[0]!;
    const lons = ring.map((p) => p[0]!);
    const lats = ring.map((p) => p[1]!);
    // One tile unit at z10 is ~9.5 m, ~1.2e-4°.
    expect(Math.min(...lons)).toBeCloseTo(0, 3);
    expect(Math.max(...lons)).toBeCloseTo(0.01, 3);
    expect(Math.min(...lats)).toBeCloseTo(45, 3);
    expect(Math.max(...lats)).toBeCloseTo(45.01, 3);
  });

  it('gzips when the client accepts it, and the bytes are the same tile', async () => {
    const path = url('communes', tileOf(0.015, 45.005, 10));
    const plain = await get(path);
    const zipped = await get(path, { 'accept-encoding': 'gzip, deflate, br' });
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(zipped.headers['content-encoding']).toBe('gzip');
    expect(zipped.headers.vary).toMatch(/accept-encoding/i);
    expect(Buffer.compare(gunzipSync(zipped.rawPayload), plain.rawPayload)).toBe(0);
    expect(zipped.headers.etag).not.toBe(plain.headers.etag);
  });

  it('sends a strong ETag and answers If-None-Match with 304', async () => {
    const path = url('places', tileOf(CAFE.lon, CAFE.lat, 14));
    for (const encoding of ['identity', 'gzip']) {
      const first = await get(path, { 'accept-encoding': encoding });
      const etag = first.headers.etag as string;
      expect(etag).toMatch(/^"[\w-]+"$/);
      expect((await get(path, { 'accept-encoding': encoding })).headers.etag).toBe(etag);
      const again = await get(path, { 'accept-encoding': encoding, 'if-none-match': etag });
      expect(again.statusCode).toBe(304);
      expect(again.rawPayload.length).toBe(0);
      expect(again.headers.etag).toBe(etag);
      expect((await get(path, { 'accept-encoding': encoding, 'if-none-match': '"something-else"' })).statusCode).toBe(200);
    }
  });

  it('describes each layer in TileJSON 3.0.0', async () => {
    const r = await get('/api/tiles/places.json');
    expect(r.statusCode).toBe(200);
    const doc = r.json();
    expect(doc).toMatchObject({
      tilejson: '3.0.0',
      name: 'Lieux du quotidien',
      attribution: "© les contributeurs d'OpenStreetMap (ODbL)",
      minzoom: 0,
      maxzoom: 16,
      tiles: [expect.stringMatching(/^http:\/\/[^/]+\/api\/tiles\/places\/\{z\}\/\{x\}\/\{y\}\.mvt$/)],
      'maillage:cluster_below_zoom': 12,
    });
    // The data extent: the three places lie between 0.005 and 0.025 °E, 45.002 and 45.005 °N.
    expect(doc.bounds[0]).toBeCloseTo(0.005, 6);
    expect(doc.bounds[1]).toBeCloseTo(45.002, 6);
    expect(doc.bounds[2]).toBeCloseTo(0.025, 6);
    expect(doc.bounds[3]).toBeCloseTo(45.005, 6);
    expect(doc.vector_layers).toHaveLength(1);
    expect(doc.vector_layers[0].id).toBe('places');
    expect(Object.keys(doc.vector_layers[0].fields)).toEqual(['id', 'name', 'category', 'status', 'count']);

    const c = (await get('/api/tiles/communes.json')).json();
    expect(Object.keys(c.vector_layers[0].fields)).toEqual(['id', 'name', 'population']);
    expect(c.vector_layers[0].fields.id).toMatch(/Code INSEE/);
    expect(c['maillage:cluster_below_zoom']).toBeUndefined();
  });

  it('uses the same properties as the TileJSON announces', async () => {
    const doc = (await get('/api/tiles/communes.json')).json();
    const layer = decode((await get(url('communes', tileOf(0.015, 45.005, 10)))).rawPayload).layers.communes!;
    for (const f of features(layer)) expect(Object.keys(f.properties).every((k) => k in doc.vector_layers[0].fields)).toBe(true);
  });

  it('documents both routes in the OpenAPI document', async () => {
    const doc = (await get('/api/openapi.json')).json();
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/tiles/{collection}/{z}/{x}/{y}.mvt', '/api/tiles/{collection}.json']));
  });

  it.each([
    ['/api/tiles/places/23/0/0.mvt', 400, /zoom 23 hors limites/],
    ['/api/tiles/places/2/4/0.mvt', 400, /x = 4 hors limites au zoom 2 : de 0 à 3/],
    ['/api/tiles/places/2/0/4.mvt', 400, /y = 4 hors limites/],
    ['/api/tiles/places/1.5/0/0.mvt', 400, /z invalide/],
    ['/api/tiles/places/3/-1/0.mvt', 400, /x invalide/],
    ['/api/tiles/places/3/0/abc.mvt', 400, /y invalide/],
    ['/api/tiles/places/3/1e1/0.mvt', 400, /x invalide/],
    ['/api/tiles/nope/0/0/0.mvt', 404, /Collection inconnue « nope »/],
    ['/api/tiles/nope.json', 404, /Collection inconnue « nope »/],
  ])('%s → %i problem+json', async (path, status, detail) => {
    const r = await get(path);
    expect(r.statusCode).toBe(status);
    expect(r.headers['content-type']).toMatch(/application\/problem\+json/);
    const body = r.json();
    expect(body).toMatchObject({ status, detail_en: expect.any(String) });
    expect(body.detail).toMatch(detail);
  });

  it('is never stale after a write that calls layerChanged: an update, a delete, then an import, show up at once', async () => {
    const t = tileOf(CAFE.lon, CAFE.lat, 14);
    const before = await get(url('places', t));
    await sql`UPDATE places SET name = 'Café de la Mairie' WHERE name = 'Café de la Place'`.execute(h.db);
    layerChanged('places');
    const renamed = await get(url('places', t));
    expect(renamed.headers.etag).not.toBe(before.headers.etag);
    expect(features(decode(renamed.rawPayload).layers.places!).map((f) => f.properties.name)).toContain('Café de la Mairie');
    await sql`DELETE FROM places WHERE name = 'Café de la Mairie'`.execute(h.db);
    layerChanged('places');
    const names = async () => features(decode((await get(url('places', t))).rawPayload).layers.places!).map((f) => f.properties.name);
    expect(await names()).not.toContain('Café de la Mairie');
    // The import puts the café back (same source id, new row): the tile follows. (runImport does
    // not call layerChanged itself yet; an import in the API process must, as here.)
    await runImport(h.db, osmPoints(fixture('toy_osm_points.geojson')));
    layerChanged('places');
    expect(await names()).toContain('Café de la Place');
  });

  it('counts versions per layer, and refuses a layer that does not exist', () => {
    const places = layerVersion('places');
    const communes = layerVersion('communes');
    layerChanged('places');
    expect(layerVersion('places')).toBe(places + 1);
    expect(layerVersion('communes')).toBe(communes);
    expect(() => layerChanged('placse')).toThrow(/no layer "placse"/);
  });

  it('answers a cached tile without any database query, and a new version with one build', async () => {
    // The same database through a plugin that counts every query this second app runs.
    const { handle, queries } = counting(h);
    const counted = await buildApp({ handle, tiles: { writePollMs: 0 } });
    try {
      const path = url('communes', tileOf(0.015, 45.005, 10));
      const first = await counted.inject({ method: 'GET', url: path, headers: { 'accept-encoding': 'gzip' } });
      expect(first.statusCode).toBe(200);
      expect(queries()).toBe(1);
      for (const headers of [{ 'accept-encoding': 'gzip' }, {}, { 'accept-encoding': 'gzip', 'if-none-match': first.headers.etag as string }]) {
        const again = await counted.inject({ method: 'GET', url: path, headers });
        expect(again.statusCode).toBe(headers['if-none-match'] ? 304 : 200);
      }
      expect(queries()).toBe(1);
      layerChanged('communes');
      const rebuilt = await counted.inject({ method: 'GET', url: path, headers: { 'accept-encoding': 'gzip' } });
      expect(queries()).toBe(2);
      // Same rows, same bytes: the content ETag is unchanged, so clients keep their copy (304).
      expect(rebuilt.headers.etag).toBe(first.headers.etag);
    } finally {
      await counted.close();
    }
  });

  it('does not look up the session of a signed-in browser for a cached tile (a tile is the same for everyone)', async () => {
    const { handle, queries } = counting(h);
    const counted = await buildApp({ handle, tiles: { writePollMs: 0 } });
    try {
      const path = url('communes', tileOf(0.015, 45.005, 10));
      const headers = { 'accept-encoding': 'gzip', cookie: `${SESSION_COOKIE}=${'s'.repeat(43)}` };
      expect((await counted.inject({ method: 'GET', url: path, headers })).statusCode).toBe(200);
      expect(queries()).toBe(1);
      expect((await counted.inject({ method: 'GET', url: path, headers })).statusCode).toBe(200);
      expect(queries()).toBe(1);
      // Elsewhere the cookie is still read: an API answer that depends on who asks looks it up.
      await counted.inject({ method: 'GET', url: '/api/auth/me', headers });
      expect(queries()).toBeGreaterThan(1);
    } finally {
      await counted.close();
    }
  });

  it('holds no tile when its cache is turned off (cacheBytes: 0), and still answers', async () => {
    const { handle, queries } = counting(h);
    const uncached = await buildApp({ handle, tiles: { cacheBytes: 0, writePollMs: 0 } });
    try {
      const path = url('places', tileOf(CAFE.lon, CAFE.lat, 14));
      const a = await uncached.inject({ method: 'GET', url: path });
      const b = await uncached.inject({ method: 'GET', url: path });
      expect(queries()).toBe(2);
      expect(Buffer.compare(a.rawPayload, b.rawPayload)).toBe(0);
      expect(b.headers.etag).toBe(a.headers.etag);
    } finally {
      await uncached.close();
    }
  });

  it('shows only published rows of moderated layers, and clusters carry the most frequent category', async () => {
    const source = (await sql<{ key: string }>`SELECT key FROM sources LIMIT 1`.execute(h.db)).rows[0]!.key;
    const need = (id: string, category: string, status: string, dx: number) =>
      sql`(${category}, ${status}, ${source}, ${id}, 'Licence Ouverte 2.0', ST_SetSRID(ST_MakePoint(${0.005 + dx}, 45.005), 4326))`;
    await sql`INSERT INTO needs (category, status, source, source_id, licence, geom) VALUES
      ${sql.join([need('n1', 'cafe_bar', 'published', 0), need('n2', 'bakery', 'archived', 0.0001), need('n3', 'bakery', 'published', 0.0002),
        need('n4', 'cafe_bar', 'published', 0.0003), need('n5', 'bakery', 'archived', 0.0004)])}`.execute(h.db);
    const needs = features(decode((await get(url('needs', tileOf(CAFE.lon, CAFE.lat, 14)))).rawPayload).layers.needs!);
    expect(needs.map((f) => f.properties.category)).toEqual(['cafe_bar', 'bakery', 'cafe_bar']);
    const clusters = features(decode((await get(url('needs', tileOf(CAFE.lon, CAFE.lat, 8)))).rawPayload).layers.needs!);
    expect(clusters.map((f) => f.properties)).toEqual([{ count: 3, category: 'cafe_bar' }]);
  });

  const compared = [
    ['places', tileOf(CAFE.lon, CAFE.lat, 14)],
    ['places', tileOf(CAFE.lon, CAFE.lat, 6)],
    ['communes', tileOf(0.015, 45.005, 10)],
    ['communes', tileOf(0.005, 45.005, 15)],
    ['needs', tileOf(CAFE.lon, CAFE.lat, 14)],
  ] as const;

  // Each mode has the one of these two checks that it can run (neither is skipped in the other).
  if (runMode() === 'postgres') it('gives the same tiles with ST_AsMVT and with the JavaScript encoder', async () => {
    for (const [id, t] of compared) {
      const layer = findLayer(id)!;
      const [server, js] = await Promise.all([mvtTile(h.db, layer, t, DEFAULT_TILE_OPTIONS), jsTile(h.db, layer, t, DEFAULT_TILE_OPTIONS)]);
      const a = features(decode(server).layers[id]!);
      const b = features(decode(js).layers[id]!);
      expect(b.map((f) => f.properties), `${id} ${t.z}/${t.x}/${t.y}`).toEqual(a.map((f) => f.properties));
      expect(b.map((f) => [f.id, f.type])).toEqual(a.map((f) => [f.id, f.type]));
      for (const [i, fa] of a.entries()) {
        // Same quantisation grid; ST_AsMVTGeom may also repair a polygon, so compare bounding boxes.
        const [ax0, ay0, ax1, ay1] = fa.bbox();
        const [bx0, by0, bx1, by1] = b[i]!.bbox();
        for (const [u, v] of [[ax0, bx0], [ay0, by0], [ax1, bx1], [ay1, by1]]) expect(Math.abs(u! - v!)).toBeLessThanOrEqual(1);
      }
    }
  });

  if (runMode() === 'pglite') it('needs the JavaScript encoder on PGlite, whose PostGIS has no ST_AsMVT', async () => {
    await expect(mvtTile(h.db, findLayer('places')!, tileOf(CAFE.lon, CAFE.lat, 14), DEFAULT_TILE_OPTIONS)).rejects.toThrow(/protobuf/);
  });

  // Writes from another process: on a server, PostgreSQL's write counters reach the cache (each
  // mode has the one of these two checks that applies to it).
  if (runMode() === 'postgres') it('sees a write made by another process within the write poll, without layerChanged', async () => {
    const polled = await buildApp({ handle: h, tiles: { writePollMs: 50 } });
    try {
      const t = tileOf(0.015, 45.005, 10);
      const names = async () => features(decode((await polled.inject(url('communes', t))).rawPayload).layers.communes!).map((f) => f.properties.name);
      expect(await names()).toContain('Beta-Gamma');
      // No layerChanged here, as in another process: only PostgreSQL's counters tell.
      await h.db.transaction().execute(async (trx) => {
        await sql`UPDATE communes SET name = 'Beta-Delta' WHERE code = '99002'`.execute(trx);
        // Statistics reach the shared counters when the session goes idle after this transaction.
        await sql`SELECT pg_stat_force_next_flush()`.execute(trx);
      });
      // Well under the 5 s default poll of the suite's main app: this is the 50 ms poll of `polled`.
      await expect.poll(names, { timeout: 3000, interval: 50 }).toContain('Beta-Delta');
      await sql`UPDATE communes SET name = 'Beta-Gamma' WHERE code = '99002'`.execute(h.db);
      layerChanged('communes');
    } finally {
      await polled.close();
    }
  });

  if (runMode() === 'pglite') it('does not poll on PGlite, where no other process can write', async () => {
    const { handle, queries } = counting(h);
    const polled = await buildApp({ handle, tiles: { writePollMs: 20 } });
    try {
      await polled.ready();
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(queries()).toBe(0);
    } finally {
      await polled.close();
    }
  });
});

/** The same database through a Kysely plugin that counts the queries run through it. */
function counting(h: DbHandle): { handle: DbHandle; queries: () => number } {
  let n = 0;
  const counter: KyselyPlugin = {
    transformQuery: (args) => {
      n++;
      return args.node;
    },
    transformResult: async (args) => args.result,
  };
  return { handle: { ...h, db: h.db.withPlugin(counter) }, queries: () => n };
}

/** The database mode of this run, known before the suite opens its database. */
function runMode(): 'pglite' | 'postgres' {
  return dbModeName() === 'PGlite' ? 'pglite' : 'postgres';
}
