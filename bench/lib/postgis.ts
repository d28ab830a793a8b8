// The PostGIS server the benchmarks share: the throwaway cluster of tests/support/pg-cluster.ts
// (own folder, free loopback port, fsync off), plus database chores done with psql, outside
// any measurement.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { postgisAvailable, startPostgisCluster, type PostgisCluster } from '../../tests/support/pg-cluster.ts';

export { postgisAvailable };

const PSQL = ['/usr/lib/postgresql/15/bin/psql', '/usr/bin/psql'].find((p) => existsSync(p)) ?? 'psql';

export class BenchServer {
  readonly #cluster: PostgisCluster;
  readonly #url: URL;
  private constructor(cluster: PostgisCluster) {
    this.#cluster = cluster;
    this.#url = new URL(cluster.url);
  }

  #postmaster: number | undefined;

  /**
   * Starts the cluster and turns autovacuum off: it would otherwise analyze (and use CPU in)
   * a database at a moment left to chance, and the runs must be alike. Databases that need
   * statistics are ANALYZEd explicitly.
   */
  static async start(): Promise<BenchServer> {
    const server = new BenchServer(await startPostgisCluster());
    server.psql('ALTER SYSTEM SET autovacuum = off');
    server.psql('SELECT pg_reload_conf()');
    const dataDir = server.psql('SHOW data_directory');
    server.#postmaster = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    return server;
  }

  get port(): number {
    return Number(this.#url.port);
  }

  /** postgres:// URL of one database of this server. */
  url(database: string): string {
    const u = new URL(this.#url);
    u.pathname = `/${database}`;
    return u.toString();
  }

  /** libpq key=value connection string, as ogr2ogr's `PG:` wants it. */
  conninfo(database: string): string {
    return `host=${this.#url.hostname} port=${this.port} user=${decodeURIComponent(this.#url.username)} dbname=${database}`;
  }

  /** Runs SQL with psql (stops at the first error) and returns its unaligned output. */
  psql(command: string, database = 'postgres'): string {
    return execFileSync(PSQL, ['-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-d', this.url(database), '-c', command], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    }).trim();
  }

  /** A new database, with the postgis extension already created (as ogr2ogr needs it). */
  createDatabase(name: string, options: { template?: string } = {}): void {
    this.psql(`CREATE DATABASE "${name}"${options.template ? ` TEMPLATE "${options.template}"` : ''}`);
    if (!options.template) this.psql('CREATE EXTENSION postgis', name);
  }

  dropDatabase(name: string): void {
    this.psql(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  }

  /** Flushes dirty buffers, so that no checkpoint from the previous run lands in the next one. */
  checkpoint(): void {
    this.psql('CHECKPOINT');
  }

  /**
   * CPU seconds the whole server has used so far: the postmaster, its live processes, and the
   * backends that have exited (counted in the postmaster's children times once reaped). Null
   * when /proc cannot tell.
   */
  cpuSeconds(): number | null {
    const pid = this.#postmaster;
    if (!pid) return null;
    const fields = (p: number | string): string[] | null => {
      try {
        const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
        return stat.slice(stat.lastIndexOf(')') + 2).split(' '); // fields from the 3rd on
      } catch {
        return null;
      }
    };
    const own = fields(pid);
    if (!own) return null;
    // After ')': state(3) ppid(4) … utime(14) stime(15) cutime(16) cstime(17), so index = field − 3.
    let ticks = Number(own[11]) + Number(own[12]) + Number(own[13]) + Number(own[14]);
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      const f = fields(entry);
      if (f && Number(f[1]) === pid) ticks += Number(f[11]) + Number(f[12]);
    }
    return ticks / 100; // USER_HZ is 100 on Linux
  }

  /** Waits until no session is connected to `database` (its backends have exited). */
  async waitIdle(database: string, timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.psql(`SELECT count(*) FROM pg_stat_activity WHERE datname = '${database}'`) === '0') break;
      await new Promise((r) => setTimeout(r, 20));
    }
    await new Promise((r) => setTimeout(r, 50)); // the postmaster reaps them right after
  }

  /** postgis_full_version() of a scratch database (the server's own databases have no postgis). */
  postgisVersion(): string {
    const name = 'bench_version_probe';
    this.createDatabase(name);
    try {
      return this.psql('SELECT postgis_full_version()', name);
    } finally {
      this.dropDatabase(name);
    }
  }

  stop(): Promise<void> {
    return this.#cluster.stop();
  }
}
