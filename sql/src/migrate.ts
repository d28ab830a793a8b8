import type { Kysely } from 'kysely';
import { type Migration, type MigrationResultSet, Migrator } from 'kysely/migration';
import * as core from './migrations/2026_11_22_0001_core.ts';
import * as participation from './migrations/2026_11_22_0100_participation.ts';
import * as needs from './migrations/2026_11_22_0200_needs.ts';
import * as pilot from './migrations/2026_11_22_0300_pilot.ts';

/** Every migration, in order. Names are timestamps; a migration is frozen once merged. */
export const migrations: Record<string, Migration> = {
  '2026_11_22_0001_core': core,
  '2026_11_22_0100_participation': participation,
  '2026_11_22_0200_needs': needs,
  '2026_11_22_0300_pilot': pilot,
};

/** Brings the schema to the latest migration; throws with the failing migration's name. */
export async function migrateToLatest(db: Kysely<any>): Promise<MigrationResultSet> {
  const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } });
  const result = await migrator.migrateToLatest();
  if (result.error) {
    const failed = result.results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`migration ${failed} failed: ${String(result.error)}`, { cause: result.error });
  }
  return result;
}
