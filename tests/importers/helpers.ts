import { sql, type Kysely } from 'kysely';
import type { Database } from '@maillage/sql';
import { fileURLToPath } from 'node:url';

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
