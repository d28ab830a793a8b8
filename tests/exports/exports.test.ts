// Exports on the small fixture territory: GeoJSON, CSV (+ CSVW) and GeoPackage carry the licence
// and attribution, hold exactly what OGC items return for the same bbox and filters, page
// through the table by key, and never leak what the registry does not declare.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { sql } from 'kysely';
import { buildApp } from '@maillage/api';
import { communes, osmPoints, runImport } from '@maillage/importers';
import exportsRoutes from '../../api/src/routes/exports/index.ts';
import { csvField, csvRow, formatCoordinate } from '../../api/src/exports/csv.ts';
import { gpkgGeometry, gpkgGeometryEncoder, wkbEnvelope } from '../../api/src/exports/gpkg.ts';
import { tabularColumns } from '../../api/src/exports/types.ts';
import { joinedBuffer } from '../../api/src/exports/geojson.ts';
import { readAhead } from '../../api/src/exports/pages.ts';
import { findLayer } from '../../api/src/layers/registry.ts';
import { openTestDb, dbModeName, type DbHandle } from '../support/db.ts';
import { fixture } from '../importers/helpers.ts';

const ODBL_URL = 'https://opendatacommons.org/licenses/odbl/1-0/';
const OSM = "© les contributeurs d'OpenStreetMap (ODbL)";

interface Feature { id: string | number; geometry: { type: string; coordinates: unknown }; properties: Record<string, unknown> }

/** RFC 4180 reader, enough for these files: quoted fields with doubled quotes, CRLF. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; i++; } else if (c === '"') quoted = false; else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { row.push(field); field = ''; } else if (c === '\r' && text[i + 1] === '\n') { row.push(field); rows.push(row); row = []; field = ''; i++; } else field += c;
  }
  if (field || row.length) throw new Error('CSV does not end with CRLF');
  return rows;
}

/** `ogrinfo` (GDAL) on a file; fails loudly when GDAL is not installed rather than skipping. */
function ogrinfo(args: string[]): { stdout: string; stderr: string } {
  const r = spawnSync('ogrinfo', args, { encoding: 'utf8' });
  if (r.error) throw new Error(`ogrinfo could not run (${r.error.message}): install GDAL (Debian: apt-get install gdal-bin) to validate GeoPackage exports`);
  if (r.status !== 0) throw new Error(`ogrinfo exited ${r.status}: ${r.stderr}`);
  return { stdout: r.stdout, stderr: r.stderr };
}

describe(`exports (${dbModeName()})`, () => {
  let h: DbHandle;
  let app: FastifyInstance;
  let dir: string;
  const get = (url: string) => app.inject({ method: 'GET', url });

  beforeAll(async () => {
    h = await openTestDb();
    await runImport(h.db, communes({ polygons: fixture('toy_communes_2018.geojson'), list: fixture('toy_communes_2026.csv'), epci: fixture('toy_epci_2026.csv'), departements: ['99'] }));
    await runImport(h.db, osmPoints(fixture('toy_osm_points.geojson')));
    // A fourth place (two pages of two), with a name that needs CSV quoting.
    await sql`INSERT INTO places (category, name, commune_code, source, source_id, licence, geom)
      VALUES ('cafe_bar', 'Le Zinc, dit "chez Jo"', '99002', 'osm_pdl_2019', 'test:4', 'ODbL 1.0', ST_SetSRID(ST_MakePoint(0.015, 45.005), 4326))`.execute(h.db);
    // Needs carry their author; exports must not. One published, one archived.
    await sql`INSERT INTO sources (key, title, licence, attribution) VALUES ('maillage', 'Contributions', 'Licence Ouverte 2.0', 'Contributeurs de Maillage')`.execute(h.db);
    await sql`INSERT INTO users (email, password_hash, display_name) VALUES ('habitante@example.org', 'x', 'Habitante')`.execute(h.db);
    await sql`INSERT INTO needs (category, comment, commune_code, status, created_by, source, source_id, licence, geom) VALUES
      ('cafe_bar', 'Il manque un café', '99001', 'published', (SELECT id FROM users), 'maillage', 'n1', 'Licence Ouverte 2.0', ST_SetSRID(ST_MakePoint(0.002, 45.002), 4326)),
      ('bakery', 'caché', '99001', 'archived', (SELECT id FROM users), 'maillage', 'n2', 'Licence Ouverte 2.0', ST_SetSRID(ST_MakePoint(0.003, 45.003), 4326))`.execute(h.db);
    app = await buildApp({ handle: h });
    // The same routes with pages of two rows, to cross page boundaries on four places.
    await app.register(exportsRoutes, { prefix: '/paged', pageSize: 2 });
    dir = mkdtempSync(join(tmpdir(), 'maillage-exports-test-'));
  });
  afterAll(async () => {
    await app?.close();
    await h?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  describe('GeoJSON', () => {
    it('is a FeatureCollection with the licence, attribution and sources before the features', async () => {
      const r = await get('/api/exports/places.geojson');
      expect(r.statusCode).toBe(200);
      expect(r.headers['content-type']).toMatch(/^application\/geo\+json/);
      expect(r.headers['content-disposition']).toMatch(/^attachment; filename="maillage_places_\d{4}-\d{2}-\d{2}\.geojson"$/);
      expect(r.headers['content-disposition']).toContain(new Date().toISOString().slice(0, 10));
      expect(r.headers['x-licence']).toBe('ODbL 1.0');
      expect(decodeURIComponent(r.headers['x-attribution'] as string)).toBe(OSM);
      expect(r.headers.link).toBe(`<${ODBL_URL}>; rel="license"`);
      expect(r.body.indexOf('"metadata"')).toBeLessThan(r.body.indexOf('"features"'));
      const body = r.json();
      expect(Object.keys(body)).toEqual(['type', 'metadata', 'features']);
      expect(body.type).toBe('FeatureCollection');
      expect(body.metadata).toMatchObject({
        title: 'Lieux du quotidien', licence: 'ODbL 1.0', licence_url: ODBL_URL, attribution: OSM, odbl: true,
        query: { collection: 'places', format: 'geojson', bbox: null, properties: {}, filter: null, url: '/api/exports/places.geojson' },
      });
      expect(Date.parse(body.metadata.exported_at)).not.toBeNaN();
      expect(body.metadata.sources).toEqual([expect.objectContaining({ key: 'osm_pdl_2019', licence: 'ODbL 1.0', licence_url: ODBL_URL, attribution: OSM, odbl: true })]);
      expect(body.features).toHaveLength(4);
    });

    it.each([
      ['', ''],
      ['bbox', '?bbox=0,45,0.01,45.01'],
      ['category', '?category=cafe_bar'],
      ['bbox and category', '?bbox=0.01,45,0.02,45.01&category=cafe_bar'],
    ])('holds exactly what OGC items return (%s)', async (_name, query) => {
      const items = (await get(`/api/ogc/collections/places/items${query}${query ? '&' : '?'}limit=1000`)).json();
      const exported = (await get(`/api/exports/places.geojson${query}`)).json();
      expect(exported.features).toHaveLength(items.numberMatched);
      expect(exported.features).toEqual(items.features);
    });

    it('filters by category: only the two cafés', async () => {
      const body = (await get('/api/exports/places.geojson?category=cafe_bar')).json();
      expect(body.features.map((f: Feature) => f.properties.category)).toEqual(['cafe_bar', 'cafe_bar']);
      expect(body.metadata.query.properties).toEqual({ category: 'cafe_bar' });
    });

    it('exports polygons with their properties (communes, keyed by INSEE code)', async () => {
      const body = (await get('/api/exports/communes.geojson?bbox=0.001,45.001,0.004,45.004')).json();
      expect(body.features.map((f: Feature) => f.id)).toEqual(['99001']);
      expect(body.features[0].geometry.type).toBe('MultiPolygon');
      expect(body.features[0].properties).toMatchObject({ code: '99001', name: 'Alpha-sur-Test', population: 100 });
      expect(body.metadata.licence).toBe('Licence Ouverte 2.0');
    });

    it('crosses pages by key without losing or repeating a row (4 places, pages of 2)', async () => {
      const all = (await get('/api/exports/places.geojson')).json().features as Feature[];
      const paged = (await get('/paged/places.geojson')).json().features as Feature[];
      expect(paged).toEqual(all);
      expect(new Set(paged.map((f) => f.id)).size).toBe(4);
      // A text key (INSERT code) pages the same way.
      const communesPaged = (await get('/paged/communes.geojson')).json().features as Feature[];
      expect(communesPaged.map((f) => f.id)).toEqual(['99001', '99002']);
    });

    it('exports only published needs, and nothing of their authors', async () => {
      const r = await get('/api/exports/needs.geojson');
      const body = r.json();
      expect(body.features).toHaveLength(1);
      expect(Object.keys(body.features[0].properties).sort()).toEqual(['category', 'comment', 'commune_code', 'created_at']);
      expect(r.body).not.toContain('habitante@example.org');
      expect(r.body).not.toContain('created_by');
      expect(r.body).not.toContain('caché');
      const csv = (await get('/api/exports/needs.csv')).body;
      expect(csv.split('\r\n')[0]).toBe('id,category,comment,commune_code,created_at,lon,lat');
      expect(csv).not.toContain('habitante');
    });
  });

  describe('CSV', () => {
    it('has a header row, lon/lat columns for points, and its licence beside it', async () => {
      const r = await get('/api/exports/places.csv');
      expect(r.statusCode).toBe(200);
      expect(r.headers['content-type']).toBe('text/csv; charset=utf-8; header=present');
      expect(r.headers['content-disposition']).toMatch(/^attachment; filename="maillage_places_\d{4}-\d{2}-\d{2}\.csv"$/);
      expect(r.headers['x-licence']).toBe('ODbL 1.0');
      expect(r.headers.link).toContain('<places.csv-metadata.json>; rel="describedby"; type="application/csvm+json"');
      expect(r.rawPayload[0]).not.toBe(0xef); // no BOM: see api/src/exports/README.md
      const [header, ...rows] = parseCsv(r.body);
      expect(header).toEqual(['id', 'name', 'category', 'commune_code', 'osm_tag', 'status', 'last_seen', 'source', 'source_id', 'licence', 'imported_at', 'lon', 'lat']);
      expect(rows).toHaveLength(4);
      const cafe = rows.find((row) => row[1] === 'Café de la Place')!;
      expect(cafe.slice(-2)).toEqual(['0.005', '45.005']);
      expect(cafe[2]).toBe('cafe_bar');
      expect(rows.find((row) => row[8] === 'test:4')![1]).toBe('Le Zinc, dit "chez Jo"');
      // The same rows as GeoJSON, in the same order.
      const ids = (await get('/api/exports/places.geojson')).json().features.map((f: Feature) => String(f.id));
      expect(rows.map((row) => row[0])).toEqual(ids);
    });

    it('writes WKT on request, and by default for polygons', async () => {
      const [header, ...rows] = parseCsv((await get('/api/exports/places.csv?csv_geometry=wkt&category=cafe_bar')).body);
      expect(header!.at(-1)).toBe('wkt');
      expect(rows.map((row) => row.at(-1))).toEqual(['POINT(0.005 45.005)', 'POINT(0.015 45.005)']);
      const [cHeader = [], ...cRows] = parseCsv((await get('/api/exports/communes.csv')).body);
      expect(cHeader[0]).toBe('code');
      expect(cHeader.at(-1)).toBe('wkt');
      expect(cRows.map((row) => row[0])).toEqual(['99001', '99002']);
      expect(cRows[0]!.at(-1)).toMatch(/^MULTIPOLYGON\(\(\(/);
      // Arrays are joined with |.
      expect(cRows[1]![cHeader.indexOf('former_codes')]).toBe('99003');
    });

    it('pages the same way (pages of 2)', async () => {
      expect((await get('/paged/places.csv')).body).toBe((await get('/api/exports/places.csv')).body);
    });

    it('is described by a CSVW document with the same query, licence and column types', async () => {
      const r = await get('/api/exports/places.csv-metadata.json?category=cafe_bar');
      expect(r.statusCode).toBe(200);
      expect(r.headers['content-type']).toMatch(/^application\/csvm\+json/);
      const doc = r.json();
      expect(doc).toMatchObject({
        '@context': 'http://www.w3.org/ns/csvw',
        url: 'places.csv?category=cafe_bar',
        'dc:license': { '@id': ODBL_URL },
        dialect: { delimiter: ',', encoding: 'utf-8', header: true },
        tableSchema: { primaryKey: 'id' },
      });
      expect(doc['dc:rights']).toContain(OSM);
      const header = parseCsv((await get('/api/exports/places.csv?category=cafe_bar')).body)[0];
      expect(doc.tableSchema.columns.map((c: { name: string }) => c.name)).toEqual(header);
      expect(doc.tableSchema.columns.find((c: { name: string }) => c.name === 'lon').datatype).toBe('double');
      const communesDoc = (await get('/api/exports/communes.csv-metadata.json')).json();
      expect(communesDoc.tableSchema.columns.find((c: { name: string }) => c.name === 'former_codes')).toMatchObject({ separator: '|' });
      expect(communesDoc.tableSchema.primaryKey).toBe('code');
    });
  });

  describe('GeoPackage', () => {
    async function download(url: string, name: string): Promise<string> {
      const r = await get(url);
      expect(r.statusCode).toBe(200);
      expect(r.headers['content-type']).toBe('application/geopackage+sqlite3');
      expect(r.headers['content-disposition']).toMatch(/^attachment; filename="maillage_\w+_\d{4}-\d{2}-\d{2}\.gpkg"$/);
      const path = join(dir, name);
      writeFileSync(path, r.rawPayload);
      return path;
    }

    it('is a GeoPackage 1.3 that GDAL reads without a warning: count, EPSG:4326, licence', async () => {
      const path = await download('/api/exports/places.gpkg', 'places.gpkg');
      const summary = ogrinfo(['-so', '-al', path]);
      expect(summary.stderr).toBe('');
      expect(summary.stdout).toMatch(/^Layer name: places$/m);
      expect(summary.stdout).toMatch(/^Geometry: Point$/m);
      expect(summary.stdout).toMatch(/^Feature Count: 4$/m);
      expect(summary.stdout).toMatch(/ID\["EPSG",4326\]/);
      expect(summary.stdout).toMatch(/^ {2}LICENCE=ODbL 1\.0$/m);
      expect(summary.stdout).toContain(`ATTRIBUTION=${OSM}`);
      expect(summary.stdout).toMatch(/^name: String/m);
      expect(summary.stdout).toMatch(/^imported_at: DateTime/m);
      // Every feature reads back, with its attributes.
      const full = ogrinfo(['-al', '-q', path]);
      expect(full.stderr).toBe('');
      expect(full.stdout).toContain('name (String) = Le Zinc, dit "chez Jo"');
      expect(full.stdout).toContain('POINT (0.005 45.005)');

      const db = new DatabaseSync(path, { readOnly: true });
      try {
        expect(db.prepare('PRAGMA application_id').get()).toEqual({ application_id: 0x47504b47 });
        expect(db.prepare('PRAGMA user_version').get()).toEqual({ user_version: 10300 });
        expect(db.prepare('SELECT srs_id FROM gpkg_spatial_ref_sys ORDER BY srs_id').all().map((r) => r.srs_id)).toEqual([-1, 0, 4326]);
        const points = (await get('/api/exports/places.geojson')).json().features.map((f: Feature) => f.geometry.coordinates as [number, number]);
        const xs = points.map((p: number[]) => p[0]!);
        const ys = points.map((p: number[]) => p[1]!);
        expect(db.prepare('SELECT min_x, min_y, max_x, max_y FROM gpkg_contents').get())
          .toEqual({ min_x: Math.min(...xs), min_y: Math.min(...ys), max_x: Math.max(...xs), max_y: Math.max(...ys) });
        expect(db.prepare('SELECT count(*) AS n FROM gpkg_extensions WHERE extension_name = ?').get('gpkg_metadata')).toEqual({ n: 2 });
        // The R-tree spatial index holds every feature.
        expect(db.prepare('SELECT count(*) AS n FROM rtree_places_geom WHERE minx <= 0.0051 AND maxx >= 0.0049').get()).toEqual({ n: 1 });
        expect(db.prepare('SELECT count(*) AS n FROM rtree_places_geom').get()).toEqual({ n: 4 });
        const json = db.prepare("SELECT metadata FROM gpkg_metadata WHERE mime_type = 'application/json'").get() as { metadata: string };
        expect(JSON.parse(json.metadata)).toMatchObject({ licence: 'ODbL 1.0', attribution: OSM, odbl: true });
        // Feature ids are the API's ids.
        const ids = (await get('/api/exports/places.geojson')).json().features.map((f: Feature) => f.id);
        expect(db.prepare('SELECT fid FROM places ORDER BY fid').all().map((r) => r.fid)).toEqual(ids);
      } finally {
        db.close();
      }
    });

    it('writes polygons, filters and pages like the other formats', async () => {
      const communesPath = await download('/paged/communes.gpkg', 'communes.gpkg');
      const c = ogrinfo(['-so', '-al', communesPath]);
      expect(c.stderr).toBe('');
      expect(c.stdout).toMatch(/^Geometry: Multi Polygon$/m);
      expect(c.stdout).toMatch(/^Feature Count: 2$/m);
      expect(c.stdout).toMatch(/^former_codes: String/m);
      expect(c.stdout).toMatch(/^population: Integer/m);
      expect(c.stdout).toMatch(/^Extent: \(0\.000000, 45\.000000\) - \(0\.030000, 45\.010000\)$/m);

      const cafes = await download('/paged/places.gpkg?category=cafe_bar', 'cafes.gpkg');
      expect(ogrinfo(['-so', '-al', cafes]).stdout).toMatch(/^Feature Count: 2$/m);
      const none = await download('/api/exports/places.gpkg?bbox=10,10,11,11', 'none.gpkg');
      const empty = ogrinfo(['-so', '-al', none]);
      expect(empty.stderr).toBe('');
      expect(empty.stdout).toMatch(/^Feature Count: 0$/m);
    });
  });

  it('takes the CQL2 filter of the map, and refuses a bad one before the first byte', async () => {
    const filter = encodeURIComponent("category = 'cafe_bar'");
    const body = (await get(`/api/exports/places.geojson?filter=${filter}`)).json();
    expect(body.features.map((f: Feature) => f.properties.category)).toEqual(['cafe_bar', 'cafe_bar']);
    expect(body.metadata.query).toMatchObject({ filter: "category = 'cafe_bar'", 'filter-lang': 'cql2-text' });
    for (const format of ['geojson', 'csv', 'gpkg']) {
      const r = await get(`/api/exports/places.${format}?filter=${encodeURIComponent("category = 'cafe_bar' AND")}`);
      expect(r.statusCode).toBe(400);
      expect(r.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(r.json()).toMatchObject({ code: 'unexpected-token', position: expect.any(Number) });
      expect(r.headers['content-disposition']).toBeUndefined();
    }
  });

  it('is in the OpenAPI document', async () => {
    const doc = (await get('/api/openapi.json')).json();
    expect(doc.paths['/api/exports/{file}'].get.parameters.map((p: { name: string }) => p.name)).toEqual(expect.arrayContaining(['file', 'bbox', 'csv_geometry']));
  });

  it('answers HEAD with the headers and no body', async () => {
    const r = await app.inject({ method: 'HEAD', url: '/api/exports/places.gpkg' });
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-disposition']).toMatch(/\.gpkg"$/);
    expect(r.body).toBe('');
  });

  it.each([
    ['/api/exports/places.geojson?colour=red', 400, /Paramètre inconnu « colour ».*bbox, datetime, filter, filter-lang, filter-crs, et les propriétés name, category/],
    ['/api/exports/places.geojson?csv_geometry=wkt', 400, /Paramètre inconnu « csv_geometry »/],
    ['/api/exports/places.geojson?limit=10', 400, /Paramètre inconnu « limit »/],
    ['/api/exports/places.csv?csv_geometry=xy', 400, /csv_geometry/],
    ['/api/exports/communes.csv?csv_geometry=lonlat', 400, /couches de points/],
    ["/api/exports/places.geojson?filter=colour%20%3D%20'red'", 400, /colour/],
    ['/api/exports/places.geojson?filter=x&filter-lang=cql2-json', 400, /filter-lang « cql2-json » non pris en charge/],
    ['/api/exports/places.geojson?bbox=1,2,3', 400, /quatre nombres/],
    ['/api/exports/places.geojson?bbox=10,10,0,0', 400, /inversée/],
    ['/api/exports/communes.geojson?population=many', 400, /entier/],
    ['/api/exports/nope.geojson', 404, /Collection inconnue « nope »/],
    ['/api/exports/places.shp', 404, /Format d’export inconnu « shp » : places\.geojson, places\.csv, places\.gpkg/],
    ['/api/exports/places', 404, /Format d’export inconnu/],
    ['/api/exports/places.constructor', 404, /Format d’export inconnu/],
  ])('%s → %i problem+json', async (url, status, detail) => {
    const r = await get(url);
    expect(r.statusCode).toBe(status);
    expect(r.headers['content-type']).toMatch(/application\/problem\+json/);
    const body = r.json();
    expect(body).toMatchObject({ status, detail_en: expect.any(String) });
    expect(body.detail).toMatch(detail);
  });
});

describe('page streaming', () => {
  /** A source of three pages that logs when each is asked for, delivered and closed. */
  function source(failAt?: number) {
    const log: string[] = [];
    const pages = (async function* () {
      try {
        for (let i = 1; i <= 3; i++) {
          log.push(`query ${i}`);
          await new Promise((resolve) => setTimeout(resolve, 5));
          if (i === failAt) throw new Error(`page ${i} failed`);
          yield [`p${i}`];
        }
      } finally {
        log.push('closed');
      }
    })();
    return { pages, log };
  }

  it('reads the first page at once and the next one while the current one is consumed', async () => {
    const { pages, log } = source();
    const ahead = await readAhead(pages);
    expect(log).toEqual(['query 1']);
    const seen: string[][] = [];
    for await (const page of ahead) {
      // The next page's query is already under way while this one is handled.
      if (seen.length < 2) expect(log.at(-1)).toBe(`query ${seen.length + 2}`);
      seen.push(page);
    }
    expect(seen).toEqual([['p1'], ['p2'], ['p3']]);
    expect(log).toEqual(['query 1', 'query 2', 'query 3', 'closed']);
  });

  it('fails before the response starts when the first page fails, and later pages fail the stream', async () => {
    await expect(readAhead(source(1).pages)).rejects.toThrow('page 1 failed');
    const later = await readAhead(source(2).pages);
    await expect((async () => {
      for await (const _ of later) { /* drain */ }
    })()).rejects.toThrow('page 2 failed');
  });

  it('closes the source when the consumer stops early (the client went away)', async () => {
    const { pages, log } = source();
    for await (const _ of await readAhead(pages)) break;
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(log).toEqual(['query 1', 'query 2', 'closed']);
  });

  it('joins pre-serialised pieces into one buffer of the exact size', () => {
    const out = joinedBuffer('{"features":[', ['{"name":"Café « Zoé »"}', '{"name":"Œuilly"}'], ',', ']}');
    expect(JSON.parse(out.toString('utf8'))).toEqual({ features: [{ name: 'Café « Zoé »' }, { name: 'Œuilly' }] });
    expect(out.length).toBe(Buffer.byteLength('{"features":[{"name":"Café « Zoé »"},{"name":"Œuilly"}]}'));
    expect(joinedBuffer('[', [], ',', ']').toString()).toBe('[]');
  });
});

describe('export writers', () => {
  it('quote CSV fields only when RFC 4180 requires it', () => {
    expect(csvField('Café')).toBe('Café');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('dit "Jo"')).toBe('"dit ""Jo"""');
    expect(csvField('deux\nlignes')).toBe('"deux\nlignes"');
  });

  it('keep spreadsheet formulas out of text cells, not out of numbers', () => {
    const columns = tabularColumns(findLayer('needs')!);
    const line = csvRow(columns, 'lonlat', { id: 7, geometry: [-1.5, 47.2], properties: { category: 'cafe_bar', comment: '=HYPERLINK("x")', commune_code: null, created_at: '2026-11-22T08:00:00.000Z' } });
    expect(parseCsv(line)).toEqual([['7', 'cafe_bar', `'=HYPERLINK("x")`, '', '2026-11-22T08:00:00.000Z', '-1.5', '47.2']]);
  });

  it('write coordinates with at most 7 decimals and no exponent', () => {
    expect(formatCoordinate(0.1 + 0.2)).toBe('0.3');
    expect(formatCoordinate(1e-8)).toBe('0');
    expect(formatCoordinate(-1.00000004)).toBe('-1');
    expect(formatCoordinate(5e-7)).toBe('0.0000005');
  });

  it('find the envelope of WKB and build the GeoPackage header', () => {
    // MULTIPOINT((1 2),(3 -4)): a little-endian collection holding a little- and a big-endian point.
    const wkb = Buffer.from([
      '01', '04000000', '02000000',
      '01', '01000000', '000000000000f03f', '0000000000000040',
      '00', '00000001', '4008000000000000', 'c010000000000000',
    ].join(''), 'hex');
    expect(wkbEnvelope(wkb)).toEqual([1, 3, -4, 2]);
    const { blob, envelope } = gpkgGeometry(wkb);
    expect([...blob.subarray(0, 4)]).toEqual([0x47, 0x50, 0, 0b011]);
    expect(Buffer.from(blob).readInt32LE(4)).toBe(4326);
    expect([0, 1, 2, 3].map((i) => Buffer.from(blob).readDoubleLE(8 + i * 8))).toEqual(envelope);
    expect(Buffer.from(blob.subarray(40)).equals(wkb)).toBe(true);
    // The same bytes from hex through the reused buffer, row after row.
    const encode = gpkgGeometryEncoder();
    const point = '0101000000000000000000f03f0000000000000040';
    expect(Buffer.from(encode(wkb.toString('hex')).blob).equals(Buffer.from(blob))).toBe(true);
    expect(encode(point).envelope).toEqual([1, 1, 2, 2]);
    expect(Buffer.from(encode(wkb.toString('hex')).blob).equals(Buffer.from(blob))).toBe(true);
    // POINT EMPTY: NaN coordinates → empty flag, no envelope.
    const empty = Buffer.from('0101000000000000000000f87f000000000000f87f', 'hex');
    expect(wkbEnvelope(empty)).toBeNull();
    expect(gpkgGeometry(empty).blob[3]).toBe(0b1_0001);
    expect([...encode(empty.toString('hex')).blob.subarray(0, 8)]).toEqual([0x47, 0x50, 0, 0b1_0001, 0xe6, 0x10, 0, 0]);
  });
});
