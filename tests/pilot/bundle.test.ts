// Pilot zones and pilot streets on the real data bundle (the demo territory): Nantes street
// names, Laval zone counts against an independent point-in-polygon count (Turf), Laval's
// commercial strips against the chains of premises, Nantes's ranking against its vacant-shop
// clusters (names checked by hand on the map).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { booleanPointInPolygon, distance, point } from '@turf/turf';
import { loadDemo } from '@maillage/importers';
import { buildApp } from '@maillage/api';
import { openTestDb, dbModeName, type DbHandle } from '../support/db.ts';

interface Premise { kind: 'active' | 'vacant'; obj: string; lon: number; lat: number }
type Outline = { type: 'Polygon'; coordinates: number[][][] } | { type: 'MultiPolygon'; coordinates: number[][][][] };

describe(`pilot zones and streets on the data bundle (${dbModeName()})`, () => {
  let h: DbHandle;
  let app: FastifyInstance;

  beforeAll(async () => {
    h = await openTestDb();
    await loadDemo(h.db);
    app = await buildApp({ handle: h });
  }, 300_000);
  afterAll(async () => {
    await app?.close();
    await h?.close();
  });

  /** The premises (active shops, one per OSM object, and vacant shops) of communes whose code starts so, read without the analysis code. */
  async function premises(codePrefix: string): Promise<Premise[]> {
    const r = await sql<Premise>`
      SELECT DISTINCT ON (obj) kind, obj, lon, lat FROM (
        SELECT 'active' AS kind, coalesce('osm:' || osm_id::text, 'id:' || id::text) AS obj, ST_X(geom) AS lon, ST_Y(geom) AS lat
        FROM places WHERE starts_with(commune_code, ${codePrefix}) AND status = 'active'
          AND category IN ('cafe_bar', 'bakery', 'grocery', 'food_shop', 'restaurant', 'fast_food', 'pharmacy', 'tobacco_press', 'other_shop')
        UNION ALL
        SELECT 'vacant', 'vacant:' || id, ST_X(geom), ST_Y(geom) FROM vacant_shops WHERE starts_with(commune_code, ${codePrefix}) AND status = 'vacant') x
      ORDER BY obj`.execute(h.db);
    return r.rows;
  }

  it('shows the BD TOPO names written out, accented from the OSM street of the same name nearby', async () => {
    const r = await sql<{ name: string; name_display: string; name_origin: string }>`
      SELECT DISTINCT name, name_display, name_origin FROM streets
      WHERE source = 'ign_bdtopo_nantes_2021' AND name IN ('R FELIX EBOUE', 'PL MARECHAL FOCH', 'R HENRI IV', 'R CREBILLON', 'CRS DES 50 OTAGES', 'R JEAN JACQUES ROUSSEAU', 'BD LEON BUREAU')
      ORDER BY name, name_origin`.execute(h.db);
    expect(r.rows).toEqual([
      // The BAN spelling that BD TOPO 3.3 sections carry is the source's own.
      { name: 'BD LEON BUREAU', name_display: 'Boulevard Léon Bureau', name_origin: 'source' },
      // « Cours des 50 Otages »: OSM writes « Cinquante », another key, so nothing to borrow.
      { name: 'CRS DES 50 OTAGES', name_display: 'Cours des 50 Otages', name_origin: 'expanded' },
      { name: 'PL MARECHAL FOCH', name_display: 'Place Maréchal Foch', name_origin: 'expanded' },
      // Rue Crébillon is pedestrian: no TAN bus runs on it, so the OSM file has no spelling for it.
      { name: 'R CREBILLON', name_display: 'Rue Crebillon', name_origin: 'expanded' },
      { name: 'R FELIX EBOUE', name_display: 'Rue Félix Éboué', name_origin: 'nearby' },
      { name: 'R HENRI IV', name_display: 'Rue Henri IV', name_origin: 'expanded' },
      { name: 'R JEAN JACQUES ROUSSEAU', name_display: 'Rue Jean-Jacques Rousseau', name_origin: 'nearby' },
    ]);
    const upper = await sql<{ n: number }>`SELECT count(*)::int AS n FROM streets WHERE name_display = upper(name_display)`.execute(h.db);
    expect(upper.rows[0]!.n).toBe(0);
  });

  it('counts Laval\'s shops and vacant shops as an independent point-in-polygon count does', async () => {
    const outline = await sql<{ g: string }>`SELECT ST_AsGeoJSON(geom) AS g FROM communes WHERE code = '53130'`.execute(h.db);
    const laval = JSON.parse(outline.rows[0]!.g) as Outline;
    // Every premise of the département, so that the polygon (not commune_code) decides.
    const all = await premises('53');
    const inside = all.filter((p) => booleanPointInPolygon(point([p.lon, p.lat]), laval));
    const res = await app.inject({ method: 'POST', url: '/api/analysis/zone', payload: { type: 'Feature', properties: {}, geometry: laval } });
    expect(res.statusCode).toBe(200);
    const z = res.json().properties;
    expect(z.vacant_shops.vacant).toBe(inside.filter((p) => p.kind === 'vacant').length);
    expect(z.vacant_shops.vacant).toBe(43);
    expect(z.active_shops).toBe(inside.filter((p) => p.kind === 'active').length);
    expect(z.vacancy.rate).toBeCloseTo(43 / (43 + z.active_shops), 12);
    expect(z.vacancy.alert).toBe(z.vacancy.rate >= 0.1);
    // Laval's own polygon: Laval at 100 %, its neighbours only as slivers of the simplified outlines (< 0.1 %, left out).
    expect(z.communes[0]).toMatchObject({ code: '53130', commune_share: expect.closeTo(1, 3) });
    expect(z.communes.every((c: { commune_share: number }) => c.commune_share >= 0.001)).toBe(true);
    const population = (await sql<{ p: number }>`SELECT population AS p FROM communes WHERE code = '53130'`.execute(h.db)).rows[0]!.p;
    expect(Math.abs(z.population_estimate - population) / population).toBeLessThan(0.01);
    // The same zone by its code gives the same counts.
    const byCode = (await app.inject('/api/analysis/zone?communes=53130')).json().properties;
    expect([byCode.active_shops, byCode.vacant_shops.vacant]).toEqual([z.active_shops, z.vacant_shops.vacant]);
  });

  it('counts a drawn rectangle over Laval\'s centre as Turf does', async () => {
    const rect = { type: 'Polygon' as const, coordinates: [[[-0.78, 48.065], [-0.76, 48.065], [-0.76, 48.08], [-0.78, 48.08], [-0.78, 48.065]]] };
    const all = await premises('53130');
    const inside = all.filter((p) => booleanPointInPolygon(point([p.lon, p.lat]), rect));
    const z = (await app.inject({ method: 'POST', url: '/api/analysis/zone', payload: rect })).json().properties;
    expect([z.active_shops, z.vacant_shops.vacant]).toEqual([inside.filter((p) => p.kind === 'active').length, inside.filter((p) => p.kind === 'vacant').length]);
    expect(z.vacant_shops.vacant).toBeGreaterThan(30);
  });

  it('ranks Laval\'s commercial strips, derived from the shops, covering every chain of vacant shops', async () => {
    const res = await app.inject('/api/analysis/pilot-streets?commune=53130&limit=500&strip_min_premises=2');
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.method).toBe('strips_from_shops');
    expect(body.vacant_in_scope).toBe(43);
    const vertices = new Set<string>(body.features.flatMap((f: { geometry: { coordinates: number[][] } }) => f.geometry.coordinates.map((c) => c.join(','))));
    // Independently: a vacant shop with another premise within 40 m is on a chain, so on a strip.
    const all = await premises('53130');
    const chained = all.filter((p) => p.kind === 'vacant' && all.some((q) => q !== p && distance(point([p.lon, p.lat]), point([q.lon, q.lat]), { units: 'meters' }) <= 39.5));
    expect(chained.length).toBeGreaterThan(30);
    for (const v of chained) expect(vertices.has(`${v.lon},${v.lat}`), `vacant shop at ${v.lon},${v.lat}`).toBe(true);
    // The strips' counts add up to the premises they hold (no premise in two strips).
    const held = body.features.reduce((s: number, f: { properties: { vacant_shops: number } }) => s + f.properties.vacant_shops, 0);
    expect(held).toBeLessThanOrEqual(43);
    // The centre's clusters lead: the three best strips hold most of Laval's vacant shops.
    const top3 = body.features.slice(0, 3).reduce((s: number, f: { properties: { vacant_shops: number } }) => s + f.properties.vacant_shops, 0);
    expect(top3).toBeGreaterThanOrEqual(25);
    expect(body.features[0].properties.name).toBe('Linéaire commercial n° 1');
  });

  it('ranks Nantes\'s streets with the vacant-shop clusters of the centre on top', async () => {
    const res = await app.inject('/api/analysis/pilot-streets?commune=44109&limit=20');
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.method).toBe('streets');
    expect(body.vacant_in_scope).toBe(200);
    const names = body.features.map((f: { properties: { name: string } }) => f.properties.name);
    // Checked on the map: Rue Paul Bellamy holds 13 vacant shops along 1.7 km; the Scribe–Molière
    // cluster (5 vacant shops), Rue Maréchal-Joffre, the Île Feydeau (Rue Kervégan) and Rue Jean-Jaurès
    // (3 in a row) follow.
    expect(names[0]).toBe('Rue Paul Bellamy');
    expect(names.slice(0, 6)).toEqual(expect.arrayContaining(['Rue Scribe', 'Rue Maréchal Joffre', 'Rue Kervegan', 'Rue Jean Jaures']));
    // Independently: every cluster of at least 4 vacant shops within 50 m of each other, within 1 km
    // of Place Royale, has one of the 20 first streets (of about 500) within 60 m of its centre. (Clusters of 3 at a crossroads,
    // such as Saint-Léonard × Carmes × Trois Croissants, split between streets that rank lower.)
    const clusters = await sql<{ lon: number; lat: number; n: number }>`
      SELECT ST_X(ST_Centroid(ST_Collect(geom))) AS lon, ST_Y(ST_Centroid(ST_Collect(geom))) AS lat, count(*)::int AS n FROM (
        SELECT geom, ST_ClusterDBSCAN(ST_Transform(geom, 2154), 50, 3) OVER () AS cid FROM vacant_shops WHERE commune_code = '44109' AND status = 'vacant') v
      WHERE cid IS NOT NULL GROUP BY cid HAVING count(*) >= 4`.execute(h.db);
    const central = clusters.rows.filter((c) => distance(point([c.lon, c.lat]), point([-1.5585, 47.2144]), { units: 'meters' }) <= 1000);
    expect(central.length).toBeGreaterThanOrEqual(2);
    const top = body.features.map((f: { geometry: unknown }) => JSON.stringify(f.geometry));
    for (const c of central) {
      const near = await sql<{ near: boolean }>`
        SELECT bool_or(ST_DWithin(ST_SetSRID(ST_GeomFromGeoJSON(g), 4326)::geography, ST_SetSRID(ST_MakePoint(${c.lon}, ${c.lat}), 4326)::geography, 60)) AS near
        FROM unnest(${top}::text[]) g`.execute(h.db);
      expect(near.rows[0]!.near, `cluster of ${c.n} at ${c.lon.toFixed(5)},${c.lat.toFixed(5)}`).toBe(true);
    }
    // ODbL: the ranking is made of OpenStreetMap shops.
    expect(body.licence).toBe('ODbL 1.0');
    expect(body.attribution).toContain("© les contributeurs d'OpenStreetMap");
  });
});
