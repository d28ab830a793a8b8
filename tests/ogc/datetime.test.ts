// OGC API Features `datetime` on the toy territory: the registry's `temporal` property
// (places: imported_at; needs: created_at), instants, dates, open and closed intervals, the
// collection's temporal extent, the same selection in exports, and 400s for what cannot be
// read or does not apply. The three places get hand-set import dates first:
//   café 2024-03-01T10:00:00Z, bakery 2024-06-15T00:00:00Z, grocery 2025-01-01T00:00:00Z.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { buildApp } from '@maillage/api';
import { findLayer, LAYERS } from '../../api/src/layers/registry.ts';
import { parseDatetime } from '../../api/src/routes/ogc/params.ts';
import { HttpProblem } from '../../api/src/problem.ts';
import { type DbHandle, dbModeName, openTestDb } from '../support/db.ts';
import { loadToyTerritory } from '../importers/helpers.ts';

const CAFE = 'Café de la Place';
const BAKERY = 'Boulangerie Gamma';
const GROCERY = 'Épicerie « Chez Zoé »';

interface Collection { numberMatched: number; features: { properties: Record<string, unknown> }[]; links: { rel: string; href: string }[] }

describe('parseDatetime (no database)', () => {
  const places = findLayer('places')!;
  it.each([
    ['2024-06-15T00:00:00Z', '2024-06-15T00:00:00Z', '2024-06-15T00:00:00Z', false],
    ['2024-06-15t02:00:00.5+02:00', '2024-06-15T02:00:00.5+02:00', '2024-06-15T02:00:00.5+02:00', false],
    ['2024-06-15', '2024-06-15T00:00:00Z', '2024-06-16T00:00:00Z', true],
    ['2024-02-29', '2024-02-29T00:00:00Z', '2024-03-01T00:00:00Z', true],
    ['2024-12-31/..', '2024-12-31T00:00:00Z', null, false],
    ['../2024-12-31', null, '2025-01-01T00:00:00Z', true],
    ['/2024-12-31T23:59:59Z', null, '2024-12-31T23:59:59Z', false],
    ['2024-01-01T00:00:00Z/', '2024-01-01T00:00:00Z', null, false],
    ['2024-01-01T00:00:00Z/2024-01-01T00:00:00Z', '2024-01-01T00:00:00Z', '2024-01-01T00:00:00Z', false],
  ])('%s → [%s, %s] (end exclusive: %s)', (raw, start, end, endExclusive) => {
    const f = parseDatetime(places, raw)!;
    expect(f).toEqual({ property: places.properties.find((p) => p.name === 'imported_at'), start, end, endExclusive });
  });

  it.each([
    'yesterday', '2024-02-30', '2023-02-29', '2024-13-01', '2024-06-15T24:00:00Z', '2024-06-15T10:60:00Z', '2024-06-15T10:00:00',
    '2024-06-15T10:00:00+25:00', '2024-06-15 10:00:00Z', '24-06-15', '..', '', '/', '../..', '2024/2025/2026', '2024-01-01/2024-02-30',
  ])('refuses %j with a 400 that shows the accepted forms', (raw) => {
    const error = (() => {
      try {
        parseDatetime(places, raw);
      } catch (e) {
        return e;
      }
      return undefined;
    })() as HttpProblem;
    expect(error).toBeInstanceOf(HttpProblem);
    expect(error.status).toBe(400);
    expect(error.fr).toMatch(/2024-01-01T00:00:00Z/);
    expect(error.en).toMatch(/RFC 3339 instant/);
  });

  it('refuses an interval that ends before it starts, and a collection without a temporal property', () => {
    expect(() => parseDatetime(places, '2025-01-01/2024-12-31')).toThrow(/starts after it ends/);
    expect(() => parseDatetime(places, '2024-06-15T10:00:00Z/2024-06-15T09:59:59Z')).toThrow(/starts after it ends/);
    expect(() => parseDatetime(findLayer('communes')!, '2024-01-01')).toThrow(/communes has no per-feature date/);
    expect(parseDatetime(findLayer('communes')!, undefined)).toBeUndefined();
  });

  it('declares a temporal date property on every layer but communes and EPCI', () => {
    expect(LAYERS.filter((l) => l.temporal === undefined).map((l) => l.id)).toEqual(['communes', 'epci']);
    for (const l of LAYERS.filter((x) => x.temporal !== undefined)) {
      expect(l.properties.find((p) => p.name === l.temporal)?.type, l.id).toBe('date');
    }
  });
});

describe(`datetime on items and exports (${dbModeName()})`, () => {
  let h: DbHandle;
  let app: FastifyInstance;

  beforeAll(async () => {
    h = await openTestDb();
    await loadToyTerritory(h.db);
    await sql`UPDATE places SET imported_at = CASE name
      WHEN ${CAFE} THEN '2024-03-01T10:00:00Z'::timestamptz
      WHEN ${BAKERY} THEN '2024-06-15T00:00:00Z'::timestamptz
      ELSE '2025-01-01T00:00:00Z'::timestamptz END`.execute(h.db);
    const source = (await sql<{ key: string }>`SELECT key FROM sources LIMIT 1`.execute(h.db)).rows[0]!.key;
    await sql`INSERT INTO needs (category, status, source, source_id, licence, created_at, geom) VALUES
      ('cafe_bar', 'published', ${source}, 'n1', 'Licence Ouverte 2.0', '2026-05-01T08:30:00Z', ST_SetSRID(ST_MakePoint(0.005, 45.005), 4326)),
      ('bakery', 'archived', ${source}, 'n2', 'Licence Ouverte 2.0', '2026-05-01T09:00:00Z', ST_SetSRID(ST_MakePoint(0.006, 45.005), 4326)),
      ('grocery', 'published', ${source}, 'n3', 'Licence Ouverte 2.0', '2026-06-01T12:00:00Z', ST_SetSRID(ST_MakePoint(0.007, 45.005), 4326))`.execute(h.db);
    app = await buildApp({ handle: h });
  });
  afterAll(async () => {
    await app?.close();
    await h?.close();
  });

  const items = async (collection: string, query: string): Promise<Collection> => {
    const r = await app.inject(`/api/ogc/collections/${collection}/items?${query}`);
    expect(r.statusCode, r.body).toBe(200);
    return r.json();
  };
  const names = async (query: string) => (await items('places', query)).features.map((f) => f.properties.name).sort();

  it.each([
    ['2024-06-15T00:00:00Z', [BAKERY]],
    ['2024-06-15T02:00:00%2B02:00', [BAKERY]],
    ['2024-06-15', [BAKERY]],
    ['2024-03-01T10:00:00.001Z', []],
    ['../2024-06-15T00:00:00Z', [BAKERY, CAFE]],
    ['2024-06-15T00:00:00Z/..', [BAKERY, GROCERY]],
    ['2024-06-15T00:00:00.000001Z/..', [GROCERY]],
    ['2024-03-01/2024-06-14', [CAFE]],
    ['/2024-03-01', [CAFE]],
    ['2024-12-31/2025-01-01', [GROCERY]],
    ['1999-01-01/2000-01-01', []],
  ])('places?datetime=%s → %j', async (datetime, expected) => {
    expect(await names(`datetime=${datetime}`)).toEqual([...expected].sort());
  });

  it('counts, pages and links with the datetime kept, and combines it with the other filters', async () => {
    const page = await items('places', 'datetime=2024-01-01/..&limit=1');
    expect(page.numberMatched).toBe(3);
    const next = page.links.find((l) => l.rel === 'next')!.href;
    expect(new URL(next).searchParams.get('datetime')).toBe('2024-01-01/..');
    const csv = page.links.find((l) => l.href.includes('/api/exports/places.csv'))!.href;
    expect(new URL(csv).searchParams.get('datetime')).toBe('2024-01-01/..');
    expect(await names('datetime=2024-01-01/2024-12-31&commune_code=99002')).toEqual([BAKERY]);
    expect(await names(`datetime=../2024-12-31&filter=${encodeURIComponent("category <> 'cafe_bar'")}`)).toEqual([BAKERY]);
    expect(await names('datetime=2024-01-01/2024-12-31&bbox=0,45,0.01,45.01')).toEqual([CAFE]);
  });

  it('filters contributed layers on their creation date, published rows only', async () => {
    const needs = await items('needs', 'datetime=2026-05-01');
    expect(needs.features.map((f) => f.properties.category)).toEqual(['cafe_bar']);
    expect(needs.features[0]!.properties.created_at).toBe('2026-05-01T08:30:00.000Z');
    expect((await items('needs', 'datetime=2026-05-15T00:00:00Z/..')).features.map((f) => f.properties.category)).toEqual(['grocery']);
  });

  it('gives each dated collection its temporal extent, and none to communes', async () => {
    const places = (await app.inject('/api/ogc/collections/places')).json();
    expect(places.extent.temporal).toEqual({
      interval: [['2024-03-01T10:00:00Z', '2025-01-01T00:00:00Z']],
      trs: 'http://www.opengis.net/def/uom/ISO-8601/0/Gregorian',
      'maillage:property': 'imported_at',
    });
    // The archived need (09:00) is not public: the extent is that of the published ones.
    const needs = (await app.inject('/api/ogc/collections/needs')).json();
    expect(needs.extent.temporal.interval).toEqual([['2026-05-01T08:30:00Z', '2026-06-01T12:00:00Z']]);
    const empty = (await app.inject('/api/ogc/collections/projects')).json();
    expect(empty.extent.temporal.interval).toEqual([[null, null]]);
    const communes = (await app.inject('/api/ogc/collections/communes')).json();
    expect(communes.extent.temporal).toBeUndefined();
  });

  it('exports the same rows as the items for the same datetime, and says so in the metadata', async () => {
    const r = await app.inject('/api/exports/places.geojson?datetime=../2024-06-15T00:00:00Z');
    expect(r.statusCode).toBe(200);
    const body = r.json();
    expect(body.features.map((f: { properties: { name: string } }) => f.properties.name).sort()).toEqual([BAKERY, CAFE]);
    expect(body.metadata.query.datetime).toBe('../2024-06-15T00:00:00Z');
    const csv = (await app.inject('/api/exports/places.csv?datetime=2025-01-01')).body.trim().split('\r\n');
    expect(csv).toHaveLength(2);
    expect(csv[1]).toContain('Chez Zoé');
  });

  it.each([
    ['/api/ogc/collections/places/items?datetime=yesterday', /datetime « yesterday » invalide/],
    ['/api/ogc/collections/places/items?datetime=2024-02-30', /datetime « 2024-02-30 » invalide/],
    ['/api/ogc/collections/places/items?datetime=2025-01-01/2024-01-01', /le début de l’intervalle est après sa fin/],
    ['/api/ogc/collections/places/items?datetime=2024-01-01&datetime=2025-01-01', /« datetime »/],
    ['/api/ogc/collections/communes/items?datetime=2024-01-01', /communes n’a pas de date propre.*\(places, tiers_lieux, vacant_shops, programmes, projects, streets, needs\)/],
    ['/api/ogc/collections/epci/items?datetime=2024-01-01/..', /epci n’a pas de date propre/],
    ['/api/exports/communes.geojson?datetime=2024-01-01', /communes n’a pas de date propre/],
    ['/api/exports/places.csv?datetime=2024-13-01', /datetime « 2024-13-01 » invalide/],
  ])('%s → 400 problem+json', async (url, detail) => {
    const r = await app.inject(url);
    expect(r.statusCode).toBe(400);
    expect(r.headers['content-type']).toMatch(/application\/problem\+json/);
    const body = r.json();
    expect(body.detail).toMatch(detail);
    expect(body.detail_en).toEqual(expect.any(String));
  });

  it('documents datetime in the OpenAPI document, for items and exports', async () => {
    const doc = (await app.inject('/api/openapi.json')).json();
    for (const path of ['/api/ogc/collections/{collectionId}/items', '/api/exports/{file}']) {
      const param = (doc.paths[path].get.parameters as { name: string; in: string; description?: string }[]).find((p) => p.name === 'datetime');
      expect(param, path).toMatchObject({ in: 'query', description: expect.stringMatching(/2024-01-01\/\.\./) });
    }
  });
});
