import { Kysely, PGliteDialect, PostgresDialect } from 'kysely';
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Database } from './types.ts';
import { migrateToLatest } from './migrate.ts';

export type DbMode = 'pglite' | 'postgres';

export interface DbHandle {
  db: Kysely<Database>;
  mode: DbMode;
  /** Where the data lives: the PGlite folder, or the server URL without its password. */
  location: string;
  close(): Promise<void>;
  /** PGlite only: the whole data folder as a tarball, to start other instances from it (`loadDataDir`). */
  dump?: () => Promise<Blob>;
  /** Server mode: queries waiting for a free connection of the pool (the API sheds load on it). */
  waiting?: () => number;
  /** Server mode: how long the longest-waiting query has waited for a connection, ms (0 when none waits). */
  oldestWaitMs?: () => number;
}

export interface CreateDbOptions {
  /** A PostGIS server. Defaults to DATABASE_URL; when neither is set, PGlite is used. */
  url?: string | undefined;
  /** PGlite data folder (or `memory://`). Defaults to MAILLAGE_PGLITE_DIR, then `.data/pglite`. */
  dataDir?: string | undefined;
  /** PGlite only: start from a tarball made by `handle.dump()` (tests use it to skip the PostGIS setup). */
  loadDataDir?: Blob | undefined;
  /** Run migrations to the latest version (default true). */
  migrate?: boolean;
  /** Server mode: pool size (default 10). */
  poolSize?: number;
}

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export function defaultPgliteDir(): string {
  return process.env.MAILLAGE_PGLITE_DIR ?? join(repoRoot, '.data', 'pglite');
}

function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'postgres://(unparsable URL)';
  }
}

/**
 * Opens the database: a PostGIS server when a URL is given (or DATABASE_URL is set),
 * otherwise an embedded PGlite with PostGIS stored on disk. Both run the same migrations.
 *
 * @example
 * const { db, close } = await createDb();
 * const n = await db.selectFrom('communes').select(db.fn.countAll().as('n')).executeTakeFirstOrThrow();
 * await close();
 */
export async function createDb(options: CreateDbOptions = {}): Promise<DbHandle> {
  const url = options.url ?? process.env.DATABASE_URL;
  let handle: DbHandle;
  if (url) {
    const { default: pg } = await import('pg');
    // int8 (bigserial ids, counts) as strings would leak into JSON; ids fit in 2^53.
    pg.types.setTypeParser(20, (v) => Number(v));
    // A runaway query is cut after 30 s rather than holding a connection: query cost is bounded.
    // A server that does not answer fails a request after 5 s instead of queueing it for ever.
    const pool = new pg.Pool({
      connectionString: url,
      max: options.poolSize ?? 10,
      options: '-c statement_timeout=30000',
      connectionTimeoutMillis: Number(process.env.MAILLAGE_DB_CONNECT_TIMEOUT_MS ?? 5000),
    });
    // A connection dropped by the server (a restart, a failover) is an event, not a crash: the
    // pool discards an idle one, and a checked-out one fails its query (the error handler turns
    // that into a 503). Without a listener on each client, a drop that lands between checkout and
    // query would be an uncaught exception.
    const dropped = (error: Error) => console.error(`maillage: a database connection was lost: ${error.message}`);
    pool.on('error', dropped);
    pool.on('connect', (client) => client.on('error', dropped));
    // Each checkout is timed while it waits, so that the API can tell a queue that moves from
    // one that does not (Map keeps insertion order: the first entry is the oldest).
    const pending = new Map<symbol, number>();
    const timedPool = {
      connect: async () => {
        const key = Symbol('checkout');
        pending.set(key, performance.now());
        try {
          return await pool.connect();
        } finally {
          pending.delete(key);
        }
      },
      end: () => pool.end(),
      // Kysely reads these for query cancellation (a control client with the pool's options).
      Client: pg.Client,
      options: pool.options,
    };
    const oldestWaitMs = () => {
      const first = pending.values().next();
      return first.done ? 0 : performance.now() - first.value;
    };
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: timedPool }) });
    handle = { db, mode: 'postgres', location: redact(url), close: () => db.destroy(), waiting: () => pool.waitingCount, oldestWaitMs };
  } else {
    const dataDir = options.dataDir ?? defaultPgliteDir();
    if (!dataDir.startsWith('memory://')) mkdirSync(dataDir, { recursive: true });
    const [{ PGlite, types }, { postgis }] = await Promise.all([
      import('@electric-sql/pglite'),
      import('@electric-sql/pglite-postgis'),
    ]);
    const pglite = await PGlite.create(dataDir, {
      extensions: { postgis },
      loadDataDir: options.loadDataDir,
      parsers: { [types.INT8]: (v: string) => Number(v) },
    });
    const db = new Kysely<Database>({ dialect: new PGliteDialect({ pglite }) });
    // Uncompressed: loading it is faster, and such dumps are short-lived.
    handle = { db, mode: 'pglite', location: dataDir, close: () => db.destroy(), dump: () => pglite.dumpDataDir('none') };
  }
  if (options.migrate !== false) {
    try {
      await migrateToLatest(handle.db);
    } catch (error) {
      await handle.close();
      throw error;
    }
  }
  return handle;
}
