// CQL2 filters run for real on the toy territory, in whichever database mode this run uses.
// Expected rows are read off the fixtures (tests/data/README.md): three 0.01° squares at 45° N,
// 99001 Alpha (pop. 100) and 99002 Beta-Gamma (pop. 250, absorbed 99003); a café at
// (0.005, 45.005) in Alpha, a bakery at (0.025, 45.005) in the former Gamma, a grocery at
// (0.015, 45.002) in Beta, and one unnamed vacant shop.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { findLayer } from '../../api/src/layers/registry.ts';
import { cql2ToExpression } from '../../api/src/ogc/cql2/index.ts';
import { type DbHandle, dbModeName, openTestDb } from '../support/db.ts';
import { loadToyTerritory } from '../importers/helpers.ts';

const CAFE = 'Café de la Place';
const BAKERY = 'Boulangerie Gamma';
const GROCERY = 'Épicerie « Chez Zoé »';
const ALPHA = 'Alpha-sur-Test';
const BETA = 'Beta-Gamma';

// [layer, filter, names of the matching rows in name order]
const CASES: [string, string, (string | null)[]][] = [
  ['places', "category IN ('cafe_bar','bakery')", [BAKERY, CAFE]],
  ['places', 'S_INTERSECTS(geom, POLYGON((0 45,0.01 45,0.01 45.01,0 45.01,0 45)))', [CAFE]],
  ['places', "name LIKE 'Bou%'", [BAKERY]],
  ['places', "name LIKE '%« Chez Zo_ »'", [GROCERY]],
  ['places', "NOT (category = 'grocery')", [BAKERY, CAFE]],
  ['places', "commune_code = '99002' AND name IS NOT NULL", [BAKERY, GROCERY]],
  ['places', "category = 'grocery' OR category = 'bakery' AND commune_code = '99001'", [GROCERY]],
  ['places', "(category = 'grocery' OR category = 'bakery') AND commune_code = '99002'", [BAKERY, GROCERY]],
  ['places', `name = '${GROCERY}'`, [GROCERY]],
  ['places', "name = 'x'' OR 1=1 --'", []],
  ['places', 'BBOX(geometry, 0.01, 45, 0.02, 45.01)', [GROCERY]],
  ['places', 'S_WITHIN(geom, BBOX(0, 45, 0.01, 45.01)) OR S_INTERSECTS(geom, POINT(0.025 45.005))', [BAKERY, CAFE]],
  ['places', "imported_at >= DATE('2000-01-01') AND imported_at < TIMESTAMP('2999-01-01T00:00:00Z')", [BAKERY, CAFE, GROCERY]],
  ['places', "last_seen > DATE('2999-01-01')", []],
  ['communes', 'population > 150', [BETA]],
  ['communes', 'population BETWEEN 50 AND 150', [ALPHA]],
  ['communes', 'population <= 250.5 AND population NOT IN (100)', [BETA]],
  ['communes', 'area_m2 > 1000000', [BETA]],
  ['communes', "former_codes = '99003'", [BETA]],
  ['communes', "former_codes IN ('98765', '99003') OR code = '99001'", [ALPHA, BETA]],
  ['communes', 'S_INTERSECTS(geometry, LINESTRING(0.005 45.005, 0.015 45.005))', [ALPHA, BETA]],
  ['communes', 'S_CONTAINS(geometry, POINT(0.025 45.005))', [BETA]],
  ['communes', 'S_INTERSECTS(geom, MULTIPOLYGON(((0.001 45.001,0.002 45.001,0.002 45.002,0.001 45.001)),((1 46,2 46,2 47,1 46))))', [ALPHA]],
  ['vacant_shops', 'name IS NULL AND S_INTERSECTS(geom, POINT(0.006 45.006))', [null]],
];

describe(`CQL2 filters on a real database (${dbModeName()})`, () => {
  let h: DbHandle;

  beforeAll(async () => {
    h = await openTestDb();
    await loadToyTerritory(h.db);
  });
  afterAll(async () => {
    await h?.close();
  });

  // The same SQL shape as features.repository.ts: the layer's table aliased t.
  async function names(layerId: string, filter: string): Promise<(string | null)[]> {
    const layer = findLayer(layerId)!;
    const r = await sql<{ name: string | null }>`
      SELECT t.name FROM ${sql.table(layer.table)} t WHERE ${cql2ToExpression(filter, layer)} ORDER BY t.name NULLS FIRST`.execute(h.db);
    return r.rows.map((row) => row.name);
  }

  for (const [layerId, filter, expected] of CASES) {
    it(`${layerId}: ${filter}`, async () => {
      expect(await names(layerId, filter)).toEqual(expected);
    });
  }

  it('still has its three places after the injection attempts', async () => {
    const r = await sql<{ n: number }>`SELECT count(*)::int AS n FROM places`.execute(h.db);
    expect(r.rows[0]!.n).toBe(3);
  });

  it('uses the GiST index for S_INTERSECTS when the planner has to choose', async () => {
    // Tiny tables are scanned whatever the query; forbidding sequential scans shows the
    // expression is one the index can answer (&& on t.geom).
    const layer = findLayer('places')!;
    const plan = await h.db.transaction().execute(async (tx) => {
      await sql`SET LOCAL enable_seqscan = off`.execute(tx);
      const r = await sql<{ 'QUERY PLAN': string }>`
        EXPLAIN SELECT t.name FROM places t WHERE ${cql2ToExpression('S_INTERSECTS(geom, POINT(0.005 45.005))', layer)}`.execute(tx);
      return r.rows.map((row) => row['QUERY PLAN']).join('\n');
    });
    expect(plan).toMatch(/places_geom_idx/);
  });
});
