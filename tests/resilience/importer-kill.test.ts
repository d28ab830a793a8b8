// SIGKILL an import in the middle of its run (all communes of France from the real bundle, a
// long import) and the database is exactly as it was: the import is one transaction, and a
// transaction that never commits leaves nothing. In the PostGIS pass the child talks to a test
// database of the server; in the PGlite pass it opens a PGlite folder on disk, as the portal does.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { inject } from 'vitest';
import { createDb } from '@maillage/sql';
import { dataDir } from '../../importers/src/demo.ts';
import { openTestDb, dbModeName, type DbHandle } from '../support/db.ts';
import { fingerprint, loadToyTerritory } from '../importers/helpers.ts';

const cli = fileURLToPath(new URL('../../importers/src/cli.ts', import.meta.url));
const bundle = dataDir();
const args = [cli, 'communes', join(bundle, 'communes_metropole_2018.geojson.gz'),
  '--list', join(bundle, 'communes_france_2026.csv'), '--epci', join(bundle, 'epci_france_2026.csv'), '--departements', 'all'];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Resolves with the signal that ended the child (null when it exited by itself). */
function ended(child: ChildProcess): Promise<NodeJS.Signals | null> {
  return new Promise((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
}

describe(`importer killed with SIGKILL mid-run (${dbModeName()})`, () => {
  const server = inject('maillageDbTemplate').mode === 'postgres';
  let h: DbHandle | undefined;
  let folder: string | undefined;

  beforeAll(async () => {
    h = await openTestDb();
    await loadToyTerritory(h.db);
    if (!server) {
      // The child needs the database on disk: the same migrated, loaded state, in a folder.
      folder = mkdtempSync(join(tmpdir(), 'maillage-kill-'));
      const dump = await h.dump!();
      await h.close();
      h = await createDb({ dataDir: folder, loadDataDir: dump });
    }
  }, 120_000);
  afterAll(async () => {
    await h?.close();
    if (folder) rmSync(folder, { recursive: true, force: true });
  });

  it('leaves the database exactly as it was', async () => {
    const before = await fingerprint(h!.db);
    const env = { ...process.env };
    if (server) {
      env.DATABASE_URL = h!.location;
    } else {
      delete env.DATABASE_URL;
      env.MAILLAGE_PGLITE_DIR = folder!;
      await h!.close(); // PGlite is single-process: the child takes the folder.
      h = undefined;
    }
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => { stderr += d.toString(); });
    const exit = ended(child);

    if (server) {
      // Kill once the import's transaction has been writing for a second.
      const started = Date.now();
      for (;;) {
        const r = await sql<{ n: number }>`
          SELECT count(*)::int AS n FROM pg_stat_activity
          WHERE datname = current_database() AND pid <> pg_backend_pid() AND xact_start IS NOT NULL`.execute(h!.db);
        if (r.rows[0]!.n > 0) break;
        if (Date.now() - started > 60_000) throw new Error(`the import never started a transaction: ${stderr}`);
        await sleep(100);
      }
      await sleep(1500);
    } else {
      // Kill on the first progress line of the writing phase (« communes: 5 000 communes »):
      // the file has been read and the import's transaction is writing rows.
      const started = Date.now();
      while (!/\d communes \(/.test(stderr)) {
        if (Date.now() - started > 150_000) throw new Error(`the import never reached its writing phase: ${stderr}`);
        await sleep(50);
      }
    }
    child.kill('SIGKILL');
    expect(await exit, `the import ended by itself before the kill: ${stderr}`).toBe('SIGKILL');

    if (!server) h = await createDb({ dataDir: folder! });
    expect(await fingerprint(h!.db)).toEqual(before);
    // And the database still takes an import (it throws when rolled back): no lock left behind.
    await loadToyTerritory(h!.db);
    const after = await fingerprint(h!.db);
    expect({ ...after, sources: 'import dates' }).toEqual({ ...before, sources: 'import dates' });
  }, 180_000);
});
