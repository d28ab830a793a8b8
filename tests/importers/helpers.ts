import { sql, type Kysely } from 'kysely';
import type { Database } from '@maillage/sql';
import { fileURLToPath } from 'node:url';
import { communes, osmPoints, runImport } from '@maillage/importers';

export const fixture = (name: string): string => fileURLToPath(new URL(`../data/${name}`, import.meta.url));

const TABLES = ['sources', 'communes', 'epci', 'places', 'tiers_lieux', 'vacant_shops', 'programmes', 'streets'] as const;

/**
 * A digest of every imported table (row count and an md5 of the rows in key order), to prove
 * that a rejected import left the database exactly as it was.
 */
export async function fingerprint(db: Kysely<Database>): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const table of TABLES) {
    const r = await sql<{ n: number; digest: string | null }>`
      SELECT count(*)::int AS n, md5(string_agg(t::text, '|' ORDER BY t::text)) AS digest FROM ${sql.table(table)} t`.execute(db);
    out[table] = `${r.rows[0]!.n}:${r.rows[0]!.digest ?? '-'}`;
  }
  return out;
}

/**
 * The hand-made territory of tests/data (communes 99001 and 99002, one EPCI, three places and a
 * vacant shop), loaded through the real importers.
 */
export async function loadToyTerritory(db: Kysely<Database>): Promise<void> {
  for (const job of [
    communes({ polygons: fixture('toy_communes_2018.geojson'), list: fixture('toy_communes_2026.csv'), epci: fixture('toy_epci_2026.csv'), departements: ['99'] }),
    osmPoints(fixture('toy_osm_points.geojson')),
  ]) {
    const summary = await runImport(db, job);
    if (summary.outcome !== 'committed') throw new Error(`toy territory: ${job.importer} was rolled back`);
  }
}
