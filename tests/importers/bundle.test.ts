// The real data bundle (MAILLAGE_DATA_DIR, default ../shared/data): the demo territory loads
// with the figures of the sources, every place lies in its commune, and a broken copy of a real
// file changes nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { sql } from 'kysely';
import { area } from '@turf/turf';
import { dataDir, loadDemo, osmPoints, runImport, type ImportSummary } from '@maillage/importers';
import { buildApp } from '@maillage/api';
import { openTestDb, dbModeName, type DbHandle } from '../support/db.ts';
import { fingerprint } from './helpers.ts';

describe(`demo territory from the real bundle (${dbModeName()})`, () => {
  let h: DbHandle;
  let summaries: ImportSummary[];

  beforeAll(async () => {
    h = await openTestDb();
    summaries = await loadDemo(h.db);
  }, 300_000);
  afterAll(async () => {
    await h?.close();
  });

  it('commits every dataset with nothing rejected', () => {
    expect(summaries.map((s) => [s.source, s.outcome, s.rejected.length])).toEqual(summaries.map((s) => [s.source, 'committed', 0]));
  });

  it('has the 240 communes of Mayenne in 2026, 305,468 inhabitants, all with a polygon', async () => {
    const r = await sql<{ n: number; population: number; without: number }>`
      SELECT count(*)::int AS n, sum(population)::int AS population, count(*) FILTER (WHERE geom IS NULL)::int AS without
      FROM communes WHERE departement = '53'`.execute(h.db);
    expect(r.rows[0]).toEqual({ n: 240, population: 305_468, without: 0 });
  });

  it('gives a merged commune the union of its former polygons (Château-Gontier-sur-Mayenne)', async () => {
    const r = await sql<{ former_codes: string[]; area_m2: number }>`
      SELECT former_codes, area_m2 FROM communes WHERE code = '53062'`.execute(h.db);
    const row = r.rows[0]!;
    expect(row.former_codes.length).toBeGreaterThanOrEqual(2);
    // Independent check: the sum of the 2018 polygons' areas computed by Turf from the raw file.
    const list = readFileSync(join(dataDir(), 'mayenne53_communes.geojson'), 'utf8');
    const parts = (JSON.parse(list) as { features: { properties: { code_insee_2018: string; code_insee_2026: string }; geometry: never }[] }).features
      .filter((f) => f.properties.code_insee_2026 === '53062');
    expect(parts.length).toBeGreaterThanOrEqual(2);
    // Every 2018 polygon that became 53062 is the commune itself or one of its former codes
    // (former_codes also lists communes merged before 2018, which have no 2018 polygon).
    for (const f of parts) expect([...row.former_codes, '53062']).toContain(f.properties.code_insee_2018);
    const turfArea = parts.reduce((sum, f) => sum + area(f.geometry), 0);
    expect(Math.abs(row.area_m2 - turfArea) / turfArea).toBeLessThan(0.01);
  });

  it('builds each EPCI polygon as the union of its member communes: the shape of ST_Union, the area of their sum', async () => {
    // The import dissolves with faster unions than ST_Union (the client's shared-edge drafts, else ST_CoverageUnion or a zero buffer): same result on this data.
    const r = await sql<{ n: number; unequal: number; worst: number }>`
      WITH u AS (SELECT epci_siren AS siren, ST_Union(geom) AS geom, sum(ST_Area(geom)) AS members
                 FROM communes WHERE geom IS NOT NULL AND epci_siren IS NOT NULL GROUP BY epci_siren)
      SELECT count(*)::int AS n, count(*) FILTER (WHERE NOT ST_Equals(e.geom, u.geom))::int AS unequal,
             max(abs(ST_Area(e.geom) - u.members) / u.members) AS worst
      FROM epci e JOIN u USING (siren)`.execute(h.db);
    expect(r.rows[0]!.n).toBeGreaterThan(50);
    expect(r.rows[0]!.unequal).toBe(0);
    expect(r.rows[0]!.worst).toBeLessThan(1e-9);
  });

  it('has the 44 vacant shops and 8 tiers-lieux of Mayenne', async () => {
    const r = await sql<{ vacant: number; laval: number; tl: number }>`
      SELECT (SELECT count(*)::int FROM vacant_shops WHERE commune_code LIKE '53%') AS vacant,
             (SELECT count(*)::int FROM vacant_shops WHERE commune_code = '53130') AS laval,
             (SELECT count(*)::int FROM tiers_lieux WHERE commune_code LIKE '53%') AS tl`.execute(h.db);
    expect(r.rows[0]).toEqual({ vacant: 44, laval: 43, tl: 8 });
  });

  it('puts every place, vacant shop and tiers-lieu inside the commune it assigns', async () => {
    for (const table of ['places', 'vacant_shops', 'tiers_lieux', 'programmes'] as const) {
      const r = await sql<{ n: number; outside: number }>`
        SELECT count(*)::int AS n,
               count(*) FILTER (WHERE NOT EXISTS (
                 SELECT 1 FROM communes c WHERE c.code = p.commune_code AND ST_Intersects(c.geom, p.geom)))::int AS outside
        FROM ${sql.table(table)} p`.execute(h.db);
      expect(r.rows[0]!.n, table).toBeGreaterThan(0);
      expect(r.rows[0]!.outside, `${table} outside their commune`).toBe(0);
    }
  });

  it('keeps licence and attribution on every feature, ODbL for OpenStreetMap data', async () => {
    const r = await sql<{ source: string; licence: string; odbl: boolean; n: number }>`
      SELECT p.source, p.licence, s.odbl, count(*)::int AS n FROM places p JOIN sources s ON s.key = p.source
      GROUP BY 1, 2, 3`.execute(h.db);
    expect(r.rows).toEqual([{ source: 'osm_pdl_2019', licence: 'ODbL 1.0', odbl: true, n: 15_900 }]);
  });

  it('loads the Nantes streets with their names', async () => {
    const r = await sql<{ n: number; named: number }>`
      SELECT count(*)::int AS n, count(*) FILTER (WHERE name_display = 'Rue Crebillon')::int AS named
      FROM streets WHERE source = 'ign_bdtopo_nantes_2021' AND commune_code = '44109'`.execute(h.db);
    expect(r.rows[0]!.n).toBe(1680);
    expect(r.rows[0]!.named).toBeGreaterThan(0);
  });

  it('serves the polygons by the RFC 7946 right-hand rule, whatever their stored orientation', async () => {
    const stored = await sql<{ cw: number }>`SELECT count(*)::int AS cw FROM communes WHERE ST_IsPolygonCW(geom)`.execute(h.db);
    expect(stored.rows[0]!.cw).toBeGreaterThan(0); // the 2018 polygons are stored clockwise
    const app = await buildApp({ handle: h });
    try {
      const page = (await app.inject('/api/ogc/collections/communes/items?bbox=-0.8,48.0,-0.7,48.1&limit=100')).json();
      expect(page.features.length).toBeGreaterThan(5);
      for (const f of page.features as { id: string; geometry: { coordinates: [number, number][][][] } }[]) {
        for (const [exterior] of f.geometry.coordinates) {
          // Shoelace: positive twice-area means counter-clockwise.
          const twice = exterior!.slice(1).reduce((sum, [x, y], i) => sum + (exterior![i]![0] * y - x * exterior![i]![1]), 0);
          expect(twice, f.id).toBeGreaterThan(0);
        }
      }
    } finally {
      await app.close();
    }
  });

  it('rejects a truncated copy of the real regional file and changes nothing', async () => {
    const raw = gunzipSync(readFileSync(join(dataDir(), 'paysdelaloire_hors85_poi_osm_2019.geojson.gz')));
    const path = join(mkdtempSync(join(tmpdir(), 'maillage-bundle-')), 'truncated.geojson');
    writeFileSync(path, raw.subarray(0, Math.floor(raw.length * 0.7)));
    const before = await fingerprint(h.db);
    const s = await runImport(h.db, osmPoints(path));
    expect(s.outcome).toBe('rolled_back');
    expect(s.fileError).toMatch(/truncated/);
    expect(await fingerprint(h.db)).toEqual(before);
  });
});
