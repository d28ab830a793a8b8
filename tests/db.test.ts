// Self-test of tests/support/db.ts: what every other suite takes for granted about openTestDb().
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DbHandle, dbModeName, openTestDb } from './support/db.ts';

describe(`openTestDb (${dbModeName()})`, () => {
  let a: DbHandle;
  let b: DbHandle;

  beforeAll(async () => {
    [a, b] = await Promise.all([openTestDb(), openTestDb()]);
  });
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
  });

  it('runs in the mode this run asked for', () => {
    expect(a.mode).toBe(process.env.DATABASE_URL ? 'postgres' : 'pglite');
  });

  it('is migrated and has the PostGIS extension', async () => {
    const { rows } = await sql<{ extname: string }>`SELECT extname FROM pg_extension WHERE extname = 'postgis'`.execute(a.db);
    expect(rows).toEqual([{ extname: 'postgis' }]);
    const version = await sql<{ v: string }>`SELECT postgis_lib_version() AS v`.execute(a.db);
    expect(version.rows[0]?.v).toMatch(/^3\./);
  });

  it('declares the layer geometries in WGS 84 (SRID 4326)', async () => {
    const { rows } = await sql<{ table: string; column: string; srid: number; type: string }>`
      SELECT f_table_name AS table, f_geometry_column AS column, srid, type
      FROM geometry_columns
      WHERE f_table_schema = 'public' AND f_table_name IN ('communes', 'places')
      ORDER BY f_table_name, f_geometry_column`.execute(a.db);
    expect(rows).toEqual([
      { table: 'communes', column: 'geom', srid: 4326, type: 'MULTIPOLYGON' },
      { table: 'communes', column: 'point', srid: 4326, type: 'POINT' },
      { table: 'places', column: 'geom', srid: 4326, type: 'POINT' },
    ]);
  });

  it('starts with no data in the layer tables', async () => {
    for (const table of ['communes', 'epci', 'places', 'tiers_lieux', 'vacant_shops', 'programmes', 'sources'] as const) {
      const { n } = await a.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      expect(n, table).toBe(0);
    }
  });

  it('gives each caller its own database', async () => {
    await a.db
      .insertInto('sources')
      .values({ key: 'isolation-check', title: 'Isolation check', licence: 'Licence Ouverte 2.0', attribution: 'Maillage tests' })
      .execute();
    const inA = await a.db.selectFrom('sources').select('key').execute();
    const inB = await b.db.selectFrom('sources').select('key').execute();
    expect(inA).toEqual([{ key: 'isolation-check' }]);
    expect(inB).toEqual([]);
  });

  it('measures geography distances in metres on the spheroid', async () => {
    // 0.07° of longitude at 48.07°N (Laval, Mayenne): 0.07 × 111.32 km × cos(48.07°) ≈ 5.2 km;
    // the WGS 84 spheroid gives 5,217 m.
    const { rows } = await sql<{ d: number }>`
      SELECT ST_Distance('SRID=4326;POINT(-0.77 48.07)'::geography, 'SRID=4326;POINT(-0.70 48.07)'::geography) AS d`.execute(a.db);
    expect(rows[0]?.d).toBeGreaterThan(5216);
    expect(rows[0]?.d).toBeLessThan(5218);
  });
});
