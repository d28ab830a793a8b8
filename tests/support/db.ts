// One fresh, migrated, empty database per caller, in whichever mode this run uses. Migrating a
// new PGlite with PostGIS takes ~10 s, so the Vitest global setup migrates a template once per
// run (db-template.ts) and openTestDb() clones it: a tarball loaded into an in-memory PGlite
// (~2 s), or CREATE DATABASE … TEMPLATE on the PostGIS server (well under a second).
import { createDb, type DbHandle } from '@maillage/sql';
import { sql } from 'kysely';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { inject } from 'vitest';
import { type DbTemplate, onServer, withDatabase } from './db-template.ts';

export type { DbHandle } from '@maillage/sql';

function template(): DbTemplate {
  const provided = inject('maillageDbTemplate');
  if (!provided) {
    throw new Error('no database template: run the tests with --config tests/vitest.config.ts (its globalSetup prepares it)');
  }
  return provided;
}

/**
 * Opens a new database for one test file (or one test): migrated, with no data, isolated from
 * every other call. Close it in `afterAll`; on a server, closing drops the database.
 *
 * @example
 * let h: DbHandle;
 * beforeAll(async () => { h = await openTestDb(); });
 * afterAll(() => h.close());
 */
export async function openTestDb(): Promise<DbHandle> {
  const t = template();
  if (t.mode === 'pglite') {
    const loadDataDir = new Blob([await readFile(t.tarball)]);
    // migrate stays on: a no-op on the template, and a loud failure if it is ever stale.
    return createDb({ dataDir: 'memory://', loadDataDir });
  }
  const name = `${t.prefix}${randomBytes(6).toString('hex')}`;
  await onServer(t.serverUrl, (db) => sql`CREATE DATABASE ${sql.id(name)} TEMPLATE ${sql.id(t.template)}`.execute(db));
  let handle: DbHandle;
  try {
    handle = await createDb({ url: withDatabase(t.serverUrl, name) });
  } catch (error) {
    await onServer(t.serverUrl, (db) => sql`DROP DATABASE IF EXISTS ${sql.id(name)}`.execute(db));
    throw error;
  }
  return {
    ...handle,
    close: async () => {
      await handle.close();
      // No WITH (FORCE): the pool resolves end() before its connections have gone, and killing
      // them makes pg throw an uncaught error in the test process. A plain DROP waits up to 5 s
      // for them, and fails loudly if a test left a connection of its own open.
      await onServer(t.serverUrl, (db) => sql`DROP DATABASE IF EXISTS ${sql.id(name)}`.execute(db)).catch((error: unknown) => {
        throw new Error(`could not drop test database ${name}: is a connection other than this handle still open?`, { cause: error });
      });
    },
  };
}

/** The mode of this run, for test titles: `PGlite` or `PostGIS server`. */
export function dbModeName(): string {
  return template().mode === 'pglite' ? 'PGlite' : 'PostGIS server';
}
