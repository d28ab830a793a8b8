// Importers on hand-made fixtures: answers checked by hand, idempotence, and every kind of
// broken input rejected with the database left exactly as it was.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { sql } from 'kysely';
import { area, polygon } from '@turf/turf';
import { communes, generic, osmPoints, runImport, type ImportJob } from '@maillage/importers';
import { ewkbHex } from '../../importers/src/wkb.ts';
import { openTestDb, dbModeName, type DbHandle } from '../support/db.ts';
import { fingerprint, fixture } from './helpers.ts';

const toyCommunes = (polygons = fixture('toy_communes_2018.geojson')): ImportJob => communes({
  polygons, list: fixture('toy_communes_2026.csv'), epci: fixture('toy_epci_2026.csv'), departements: ['99'],
});

describe(`importers on fixtures (${dbModeName()})`, () => {
  let h: DbHandle;
  const tmp = mkdtempSync(join(tmpdir(), 'maillage-import-'));
  const write = (name: string, content: string | Buffer) => {
    const path = join(tmp, name);
    writeFileSync(path, content);
    return path;
  };
  /** A square-ish polygon from x0 to x1° E, 45–45.01° N. */
  const square = (x0: number, x1: number) => ({ type: 'Polygon', coordinates: [[[x0, 45], [x1, 45], [x1, 45.01], [x0, 45.01], [x0, 45]]] });
  /** A 2018 polygon file (one feature per [code, geometry]) and a 2026 list (rows under the toy list's header). */
  const territory = (name: string, features: [string, object][], listRows: string[]) => ({
    polygons: write(`${name}_2018.geojson`, JSON.stringify({ type: 'FeatureCollection',
      features: features.map(([code, geometry]) => ({ type: 'Feature', properties: { code }, geometry })) })),
    list: write(`${name}_2026.csv`, [readFileSync(fixture('toy_communes_2026.csv'), 'utf8').split('\n')[0], ...listRows].join('\n')),
  });

  beforeAll(async () => {
    h = await openTestDb();
  });
  afterAll(async () => {
    await h?.close();
  });

  it('joins 2018 polygons to 2026 communes, merging absorbed communes', async () => {
    const s = await runImport(h.db, toyCommunes());
    expect(s.outcome).toBe('committed');
    expect(s.inserted).toBe(2); // 99001 and 99002; 98001 is out of scope
    const rows = await sql<{ code: string; name: string; population: number; former_codes: string[]; parts: number; area_m2: number; inside: boolean }>`
      SELECT code, name, population, former_codes, ST_NumGeometries(geom) AS parts, area_m2,
             ST_Contains(geom, point) AS inside
      FROM communes ORDER BY code`.execute(h.db);
    const square = area(polygon([[[0.01, 45], [0.02, 45], [0.02, 45.01], [0.01, 45.01], [0.01, 45]]]));
    expect(rows.rows.map((r) => r.code)).toEqual(['99001', '99002']);
    const [alpha, betaGamma] = rows.rows;
    expect(alpha!.population).toBe(100);
    expect(betaGamma!.name).toBe('Beta-Gamma');
    expect(betaGamma!.former_codes).toEqual(['99003']);
    // Two adjacent squares dissolve into one polygon of twice the area (spheroid vs Turf's sphere: < 0.5 %).
    expect(betaGamma!.parts).toBe(1);
    expect(Math.abs(betaGamma!.area_m2 - 2 * square) / (2 * square)).toBeLessThan(0.005);
    expect(alpha!.inside && betaGamma!.inside).toBe(true);
    const epci = await sql<{ siren: string; area: number }>`SELECT siren, ST_Area(geom::geography) AS area FROM epci`.execute(h.db);
    expect(epci.rows).toHaveLength(1);
    expect(Math.abs(epci.rows[0]!.area - 3 * square) / (3 * square)).toBeLessThan(0.005);
  });

  it('repairs a self-intersecting polygon instead of refusing it', async () => {
    const s = await runImport(h.db, communes({ polygons: fixture('toy_communes_2018.geojson'), list: fixture('toy_communes_2026.csv'), departements: ['98'] }));
    expect(s.outcome).toBe('committed');
    expect(s.notes.join(' ')).toMatch(/1 invalid polygons repaired/);
    const r = await sql<{ valid: boolean }>`SELECT ST_IsValid(geom) AS valid FROM communes WHERE code = '98001'`.execute(h.db);
    expect(r.rows[0]!.valid).toBe(true);
    await sql`DELETE FROM communes WHERE code = '98001'`.execute(h.db);
  });

  it('is idempotent: a re-import changes nothing and says so', async () => {
    const before = await fingerprint(h.db);
    const s = await runImport(h.db, toyCommunes());
    expect({ inserted: s.inserted, updated: s.updated, unchanged: s.unchanged }).toEqual({ inserted: 0, updated: 0, unchanged: 2 });
    const after = await fingerprint(h.db);
    expect({ ...after, sources: '' }).toEqual({ ...before, sources: '' }); // only the source's import date moves
  });

  it('assigns each point to the commune its polygon says, and routes shop=vacant to vacant shops', async () => {
    const s = await runImport(h.db, osmPoints(fixture('toy_osm_points.geojson')));
    expect(s).toMatchObject({ outcome: 'committed', inserted: 4, rejected: [] });
    const places = await sql<{ name: string; category: string; commune_code: string; licence: string }>`
      SELECT name, category, commune_code, licence FROM places ORDER BY source_id`.execute(h.db);
    expect(places.rows).toEqual([
      { name: 'Café de la Place', category: 'cafe_bar', commune_code: '99001', licence: 'ODbL 1.0' },
      { name: 'Boulangerie Gamma', category: 'bakery', commune_code: '99002', licence: 'ODbL 1.0' },
      { name: 'Épicerie « Chez Zoé »', category: 'grocery', commune_code: '99002', licence: 'ODbL 1.0' },
    ]);
    const vacant = await sql<{ commune_code: string; status: string }>`SELECT commune_code, status FROM vacant_shops`.execute(h.db);
    expect(vacant.rows).toEqual([{ commune_code: '99001', status: 'vacant' }]);
    const source = await h.db.selectFrom('sources').selectAll().where('key', '=', 'osm_pdl_2019').executeTakeFirstOrThrow();
    expect(source.attribution).toContain("contributeurs d'OpenStreetMap");
    expect(source.odbl).toBe(true);
  });

  it('counts an edited row as updated, by source id, without duplicating it', async () => {
    const edited = JSON.parse(readFileSync(fixture('toy_osm_points.geojson'), 'utf8'));
    edited.features[0].properties.name = 'Café du Marché';
    const s = await runImport(h.db, osmPoints(write('edited.geojson', JSON.stringify(edited))));
    expect({ inserted: s.inserted, updated: s.updated, unchanged: s.unchanged }).toEqual({ inserted: 0, updated: 1, unchanged: 3 });
    const names = await sql<{ name: string }>`SELECT name FROM places WHERE category = 'cafe_bar'`.execute(h.db);
    expect(names.rows).toEqual([{ name: 'Café du Marché' }]);
  });

  describe('a bad input is rejected and changes nothing', () => {
    const valid = readFileSync(fixture('toy_osm_points.geojson'), 'utf8');
    type Feature = { properties: Record<string, unknown>; geometry: { coordinates: unknown[] } };
    const withFeature = (mutate: (f: Feature) => void) => {
      const doc = JSON.parse(valid);
      mutate(doc.features[1]);
      return JSON.stringify(doc);
    };
    const cases: [string, () => string, RegExp][] = [
      ['truncated JSON', () => write('truncated.geojson', valid.slice(0, Math.floor(valid.length / 2))), /not valid JSON or is truncated/],
      ['truncated gzip', () => write('truncated.geojson.gz', gzipSync(valid).subarray(0, 120)), /truncated gzip|truncated/],
      ['Latin-1 text', () => write('latin1.geojson', Buffer.from(valid.replace('Café', 'Caf\u00e9'), 'latin1')), /not valid UTF-8/],
      ['a declared Lambert-93 CRS', () => write('l93.geojson', valid.replace('{"type":"FeatureCollection",', '{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::2154"}},').replace('{\n "type": "FeatureCollection",', '{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::2154"}},')), /coordinate system .*2154/],
      ['projected coordinates without a CRS', () => write('projected.geojson', withFeature((f) => { f.geometry.coordinates = [412345.6, 6789012.3]; })), /looks projected/],
      ['a point with one coordinate', () => write('onecoord.geojson', withFeature((f) => { f.geometry.coordinates = [0.025]; })), /position must be \[lon, lat\]/],
      ['a string coordinate', () => write('stringcoord.geojson', withFeature((f) => { f.geometry.coordinates = ['0.025', 45.005]; })), /finite numbers/],
      ['an unknown category', () => write('category.geojson', withFeature((f) => { f.properties.category = 'casino'; })), /unknown category "casino"/],
      ['a duplicate id', () => write('dup.geojson', withFeature((f) => { f.properties.id = 'osm:1#cafe_bar'; })), /duplicate id osm:1#cafe_bar/],
      ['not a FeatureCollection', () => write('geometry.geojson', '{"type":"Point","coordinates":[0,45]}'), /not a FeatureCollection/],
    ];
    it.each(cases)('%s', async (_label, make, reason) => {
      const before = await fingerprint(h.db);
      const s = await runImport(h.db, osmPoints(make()));
      expect(s.outcome).toBe('rolled_back');
      expect([s.fileError, ...s.rejected.map((r) => r.reason)].join(' | ')).toMatch(reason);
      expect(await fingerprint(h.db)).toEqual(before);
    });

    it('with --skip-invalid, writes the valid rows and lists the rejected one with its reason', async () => {
      const s = await runImport(h.db, osmPoints(write('skip.geojson', withFeature((f) => { f.properties.id = 'osm:9#bakery'; f.geometry.coordinates = [500000, 45]; }))), { skipInvalid: true });
      expect(s.outcome).toBe('committed');
      expect(s.rejected).toEqual([{ ref: 'feature 1 (osm:9#bakery)', reason: expect.stringMatching(/outside WGS 84/) }]);
      const n = await sql<{ n: number }>`SELECT count(*)::int AS n FROM places WHERE source_id = 'osm:9#bakery'`.execute(h.db);
      expect(n.rows[0]!.n).toBe(0);
    });
  });

  it('reads an http(s) URL (a loopback server)', async () => {
    const body = readFileSync(fixture('toy_osm_points.geojson'));
    const server: Server = createServer((req, res) => {
      if (req.url === '/points.geojson') res.writeHead(200, { 'content-type': 'application/geo+json' }).end(body);
      else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    try {
      const ok = await runImport(h.db, osmPoints(`http://127.0.0.1:${port}/points.geojson`));
      expect(ok).toMatchObject({ outcome: 'committed', read: 4, rejected: [] });
      const missing = await runImport(h.db, osmPoints(`http://127.0.0.1:${port}/missing.geojson`));
      expect(missing.outcome).toBe('rolled_back');
      expect(missing.fileError).toMatch(/HTTP 404/);
    } finally {
      server.close();
    }
  });

  it('imports a generic CSV with a column mapping, WKT or lon/lat with decimal commas', async () => {
    const source = { key: 'toy_halls', title: 'Salles (test)', licence: 'Licence Ouverte 2.0', attribution: 'Test' };
    const s = await runImport(h.db, generic(fixture('toy_generic.csv'), {
      layer: 'places', source, mapping: { id: 'ref', name: 'nom', category: 'type' }, wkt: 'wkt', lon: 'x', lat: 'y', delimiter: ';',
    }));
    expect(s).toMatchObject({ outcome: 'committed', inserted: 2, rejected: [] });
    const rows = await sql<{ name: string; commune_code: string; x: number; y: number }>`
      SELECT name, commune_code, ST_X(geom) AS x, ST_Y(geom) AS y FROM places WHERE source = 'toy_halls' ORDER BY source_id`.execute(h.db);
    expect(rows.rows).toEqual([
      { name: "Salle des fêtes d'Alpha", commune_code: '99001', x: 0.004, y: 45.004 },
      { name: 'Salle Beta', commune_code: '99002', x: 0.012, y: 45.003 },
    ]);
    const bad = await runImport(h.db, generic(fixture('toy_generic.csv'), { layer: 'places', source, mapping: { id: 'ref', colour: 'type' } }));
    expect(bad.outcome).toBe('rolled_back');
    expect(bad.fileError).toMatch(/unknown column\(s\) colour/);
  });
  it('encodes geometries as EWKB hex that PostGIS reads back unchanged, in 2D and SRID 4326', async () => {
    // By hand: 01 little-endian; type 1 | 0x20000000 (SRID follows) = 01000020; 4326 = e6100000;
    // 1.0 = 0x3ff0000000000000 and 2.0 = 0x4000000000000000, little-endian.
    expect(ewkbHex({ type: 'Point', coordinates: [1, 2] })).toBe('0101000020e6100000000000000000f03f0000000000000040');
    const ring = [[0, 45], [0.5, 45], [0.5, 45.5], [0, 45]];
    const hole = [[0.1, 45.1], [0.1, 45.2], [0.2, 45.2], [0.1, 45.1]];
    const geometries = [
      { type: 'Point', coordinates: [-0.770123456, 48.070987654] },
      { type: 'LineString', coordinates: [[-1.5, 47.2], [-1.55, 47.21], [-1.56, 47.25]] },
      { type: 'MultiLineString', coordinates: [[[0, 0], [1, 1]], [[2, 2], [3, 3], [4, 2]]] },
      { type: 'Polygon', coordinates: [[[0, 45], [1, 45], [1, 46], [0, 46], [0, 45]], hole] },
      { type: 'MultiPolygon', coordinates: [[ring], [[[2, 45], [3, 45], [3, 46], [2, 45]], [[2.5, 45.2], [2.6, 45.2], [2.6, 45.3], [2.5, 45.2]]]] },
    ];
    for (const g of geometries) {
      const r = await sql<{ json: string; srid: number }>`SELECT ST_AsGeoJSON(g) AS json, ST_SRID(g) AS srid FROM (SELECT ${ewkbHex(g)}::geometry AS g) x`.execute(h.db);
      expect({ geometry: JSON.parse(r.rows[0]!.json), srid: r.rows[0]!.srid }, g.type).toEqual({ geometry: g, srid: 4326 });
    }
    const z = await sql<{ wkt: string }>`SELECT ST_AsText(${ewkbHex({ type: 'Point', coordinates: [1, 2, 30] })}::geometry) AS wkt`.execute(h.db);
    expect(z.rows[0]!.wkt).toBe('POINT(1 2)'); // the layers are 2D: an altitude is dropped
  });

  it('gives a commune whose polygon comes twice the union of both, counted once', async () => {
    // The importer writes a commune of one polygon as that polygon streams in: a second polygon
    // with the same code, further on, must still end as the union, and the counts as one row.
    const { polygons, list } = territory('twice', [['95001', square(2, 2.01)], ['95002', square(2.02, 2.03)], ['95001', square(2.01, 2.02)]], [
      '95001,Deux-Fois,10,,,,95,Test,99,Région Test,951,219500010,95100,metro,',
      '95002,Une-Fois,20,,,,95,Test,99,Région Test,951,219500020,95200,metro,']);
    const first = await runImport(h.db, communes({ polygons, list, departements: ['95'] }));
    expect({ outcome: first.outcome, inserted: first.inserted, updated: first.updated }).toEqual({ outcome: 'committed', inserted: 2, updated: 0 });
    const r = await sql<{ area: number; parts: number }>`SELECT ST_Area(geom) AS area, ST_NumGeometries(geom) AS parts FROM communes WHERE code = '95001'`.execute(h.db);
    expect(r.rows[0]!.parts).toBe(1);
    expect(r.rows[0]!.area).toBeCloseTo(0.02 * 0.01, 12);
    const again = await runImport(h.db, communes({ polygons, list, departements: ['95'] }));
    expect({ inserted: again.inserted, updated: again.updated, unchanged: again.unchanged }).toEqual({ inserted: 0, updated: 0, unchanged: 2 });
    await sql`DELETE FROM communes WHERE departement = '95'`.execute(h.db);
  });

  it('dissolves overlapping polygons with ST_Union, not with the fast union (merged commune, EPCI)', async () => {
    // 96001 covers 1.00–1.02° E, 96002 1.01–1.03° E: they overlap. 96002 absorbed 96003
    // (1.025–1.035° E), which overlaps it too. A union that only removes shared edges would be
    // wrong for both the merged commune and the EPCI; the import must notice and redo them.
    const { polygons, list } = territory('overlap', [['96001', square(1, 1.02)], ['96002', square(1.01, 1.03)], ['96003', square(1.025, 1.035)]], [
      '96001,Recouvre-Haut,10,200000096,CC Recouvrement,CC,96,Test,99,Région Test,961,219600010,96100,metro,',
      '96002,Recouvre-Bas,20,200000096,CC Recouvrement,CC,96,Test,99,Région Test,961,219600020,96200,metro,96003']);
    const epci = write('overlap_epci.csv', 'code_epci,nom_epci,type_epci,mode_financement,population_totale,population_municipale,nb_communes,departements\n200000096,CC Recouvrement,CC,FPU,30,30,2,96\n');
    const s = await runImport(h.db, communes({ polygons, list, epci, departements: ['96'] }));
    expect(s.outcome).toBe('committed');
    expect(s.notes.join(' ')).toMatch(/1 merged communes whose former polygons overlap .*ST_Union/);
    expect(s.notes.join(' ')).toMatch(/1 overlapping or not edge-matched, computed with ST_Union/);
    const merged = await sql<{ area: number; valid: boolean }>`SELECT ST_Area(geom) AS area, ST_IsValid(geom) AS valid FROM communes WHERE code = '96002'`.execute(h.db);
    expect(merged.rows[0]!.valid).toBe(true);
    expect(merged.rows[0]!.area).toBeCloseTo(0.025 * 0.01, 12); // 1.01–1.035, not 0.02 + 0.01
    const r = await sql<{ valid: boolean; area: number; members: number; union: number; equal: boolean }>`
      SELECT ST_IsValid(e.geom) AS valid, ST_Area(e.geom) AS area,
             (SELECT sum(ST_Area(geom)) FROM communes WHERE epci_siren = '200000096') AS members,
             (SELECT ST_Area(ST_Union(geom)) FROM communes WHERE epci_siren = '200000096') AS union,
             ST_Equals(e.geom, (SELECT ST_Union(geom) FROM communes WHERE epci_siren = '200000096')) AS equal
      FROM epci e WHERE siren = '200000096'`.execute(h.db);
    const row = r.rows[0]!;
    expect(row.valid && row.equal).toBe(true);
    expect(row.area).toBeCloseTo(0.035 * 0.01, 12); // 1.00–1.035, not the sum 0.02 + 0.025
    expect(row.area).toBeCloseTo(row.union, 12);
    expect(row.members).toBeCloseTo(0.045 * 0.01, 12);
    await sql`DELETE FROM epci WHERE siren = '200000096'`.execute(h.db);
    await sql`DELETE FROM communes WHERE departement = '96'`.execute(h.db);
  });

  it('gives a point where two communes overlap the commune its source names, else the lowest code', async () => {
    // 94001 covers 3.00–3.02° E and 94002 3.01–3.03° E: a point at 3.015° E lies in both.
    const { polygons, list } = territory('tie', [['94001', square(3, 3.02)], ['94002', square(3.01, 3.03)]], [
      '94001,Tie-Ouest,10,,,,94,Test,99,Région Test,941,219400010,94100,metro,',
      '94002,Tie-Est,20,,,,94,Test,99,Région Test,941,219400020,94200,metro,']);
    expect((await runImport(h.db, communes({ polygons, list, departements: ['94'] }))).outcome).toBe('committed');
    const point = (id: string, hint: string | null) => ({ type: 'Feature', properties: { id, category: 'bakery', code_insee_2026: hint },
      geometry: { type: 'Point', coordinates: [3.015, 45.005] } });
    const points = write('tie_points.geojson', JSON.stringify({ type: 'FeatureCollection', features: [
      point('tie:east', '94002'), point('tie:west', '94001'), point('tie:none', null), point('tie:elsewhere', '99001'),
    ] }));
    expect((await runImport(h.db, osmPoints(points))).outcome).toBe('committed');
    const r = await sql<{ source_id: string; commune_code: string }>`
      SELECT source_id, commune_code FROM places WHERE source_id LIKE 'tie:%' ORDER BY source_id`.execute(h.db);
    expect(r.rows).toEqual([
      { source_id: 'tie:east', commune_code: '94002' },
      { source_id: 'tie:elsewhere', commune_code: '94001' }, // named commune elsewhere: the lowest code it lies in
      { source_id: 'tie:none', commune_code: '94001' },
      { source_id: 'tie:west', commune_code: '94001' },
    ]);
    await sql`DELETE FROM places WHERE source_id LIKE 'tie:%'`.execute(h.db);
    await sql`DELETE FROM communes WHERE departement = '94'`.execute(h.db);
  });
});
