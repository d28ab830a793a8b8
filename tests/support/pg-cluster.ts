// A throwaway PostGIS server for one test run: its own cluster in a temporary folder, on a
// free loopback port, gone after stop(). PostgreSQL refuses to run as root and CI runs as
// root, so the server process runs as the `postgres` user when we are root.
import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.ts';

const PG_VERSION = '15';
const PG_BIN = `/usr/lib/postgresql/${PG_VERSION}/bin`;
const POSTGIS_CONTROL = `/usr/share/postgresql/${PG_VERSION}/extension/postgis.control`;
const TEST_ROLE = 'maillage';
const TEST_DB = 'maillage';

export interface PostgisCluster {
  /** `postgres://maillage@127.0.0.1:PORT/maillage`; the role is a superuser (it creates the postgis extension). */
  url: string;
  /** Stops the server and removes its folder. Safe to call twice. */
  stop(): Promise<void>;
  /**
   * Fault injection: stops the server (`immediate` is a crash: no shutdown checkpoint, clients
   * cut) and keeps its data; `up()` starts it again on the same port.
   */
  down(mode?: 'fast' | 'immediate'): void;
  up(): void;
}

/** True when this machine can start a PostGIS 3 server on PostgreSQL 15 (Debian `postgresql-15-postgis-3`). */
export function postgisAvailable(): boolean {
  return existsSync(join(PG_BIN, 'initdb')) && existsSync(join(PG_BIN, 'pg_ctl')) && existsSync(POSTGIS_CONTROL);
}

function postgresUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  try {
    return { uid: id('-u'), gid: id('-g') };
  } catch (error) {
    throw new Error('running as root, but there is no `postgres` user to run the PostgreSQL server as', { cause: error });
  }
}

function tail(file: string, lines = 30): string {
  if (!existsSync(file)) return '(no server log)';
  return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
}

/**
 * Runs a PostgreSQL binary, as `postgres` when we are root; throws with its output and the
 * server log tail when it fails.
 */
function pg(asPostgres: boolean, bin: string, args: string[], log: string): string {
  const [cmd, argv] = asPostgres ? ['runuser', ['-u', 'postgres', '--', join(PG_BIN, bin), ...args]] : [join(PG_BIN, bin), args];
  const r = spawnSync(cmd, argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 });
  if (r.status === 0) return r.stdout;
  const why = r.error ? String(r.error) : `exit ${r.status ?? r.signal}`;
  throw new Error(
    `${bin} ${args.join(' ')} failed (${why})\n${r.stdout}${r.stderr}\n--- server log (${log}) ---\n${tail(log)}`,
  );
}

/** The server's command-line settings: loopback only, durability off (the data is thrown away). */
function serverOptions(port: number, socket: string, durable: boolean): string {
  return [
    `-p ${port}`,
    `-k ${socket}`,
    `-c listen_addresses=127.0.0.1`,
    // fsync stays off even when durable: the tests kill the server, never the machine, and a
    // committed transaction's WAL handed to the OS survives the server.
    `-c fsync=off`,
    `-c synchronous_commit=${durable ? 'on' : 'off'}`,
    `-c full_page_writes=off`,
    // Each test file gets its own database; a few pools of 10 must fit.
    `-c max_connections=200`,
  ].join(' ');
}

/**
 * Starts a fresh PostGIS cluster (initdb, then pg_ctl) in a new temporary folder, listening on
 * 127.0.0.1 only with trust authentication, and creates the `maillage` role and database.
 * Durability is off (fsync, synchronous_commit): the data is thrown away anyway. `durable: true`
 * turns synchronous_commit on, for tests that kill the server and count committed writes.
 *
 * @example
 * const cluster = await startPostgisCluster();
 * process.env.DATABASE_URL = cluster.url;
 * // … run the suite …
 * await cluster.stop();
 */
export async function startPostgisCluster(options: { durable?: boolean } = {}): Promise<PostgisCluster> {
  const durable = options.durable ?? false;
  if (!postgisAvailable()) {
    throw new Error(`PostGIS is not installed: need ${PG_BIN}/initdb and ${POSTGIS_CONTROL} (Debian: postgresql-15-postgis-3)`);
  }
  const owner = postgresUser();
  const dir = mkdtempSync(join(tmpdir(), 'maillage-pg-'));
  const data = join(dir, 'data');
  const socket = join(dir, 'socket');
  const log = join(dir, 'server.log');
  mkdirSync(socket);
  if (owner) {
    chownSync(dir, owner.uid, owner.gid);
    chownSync(socket, owner.uid, owner.gid);
  }
  const asPostgres = owner !== undefined;
  let started = false;
  const stop = async () => {
    try {
      if (started) {
        started = false;
        pg(asPostgres, 'pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop'], log);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };

  try {
    pg(asPostgres, 'initdb', ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync'], log);
    let port = 0;
    for (let attempt = 1; !started; attempt++) {
      port = await freePort();
      try {
        pg(asPostgres, 'pg_ctl', ['-D', data, '-l', log, '-w', '-t', '60', '-o', serverOptions(port, socket, durable), 'start'], log);
        started = true;
      } catch (error) {
        // Lost the race for the port to another process: try another one.
        if (attempt < 3 && /could not bind|Address already in use/.test(tail(log, 10))) continue;
        throw error;
      }
    }
    const options = serverOptions(port, socket, durable);
    const down = (mode: 'fast' | 'immediate' = 'fast') => {
      pg(asPostgres, 'pg_ctl', ['-D', data, '-m', mode, '-w', 'stop'], log);
      started = false;
    };
    const up = () => {
      pg(asPostgres, 'pg_ctl', ['-D', data, '-l', log, '-w', '-t', '60', '-o', options, 'start'], log);
      started = true;
    };
    const psql = (command: string, db = 'postgres') =>
      pg(false, 'psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-d', db, '-c', command], log);
    psql(`CREATE ROLE ${TEST_ROLE} LOGIN SUPERUSER`);
    psql(`CREATE DATABASE ${TEST_DB} OWNER ${TEST_ROLE}`);
    return { url: `postgres://${TEST_ROLE}@127.0.0.1:${port}/${TEST_DB}`, stop, down, up };
  } catch (error) {
    try {
      await stop();
    } catch (stopError) {
      throw new AggregateError([error, stopError], 'starting the PostGIS test cluster failed, and so did cleaning it up', {
        cause: stopError,
      });
    }
    throw error;
  }
}
