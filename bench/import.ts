// Import benchmark: the whole bundle's 35,228 commune polygons of France and 16,180 OSM places
// of the Pays de la Loire, loaded by Maillage's importers into PostGIS and into PGlite, beside
// ogr2ogr (Debian gdal-bin) loading the same files into the same PostGIS server.
//
// Every measurement is a child process (peak RSS = that process's), on a fresh database or
// PGlite folder, repeated `--runs` times; runs go round-robin over the cases so that a busy
// spell of the machine hits every case alike. Prints a Markdown table; writes JSON to
// bench/results/import-<date>.json. Run: `npm run bench -- --only import [--runs 3]`.
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { dataDir } from '../importers/src/demo.ts';
import type { Benchmark, BenchOptions } from './lib/bench.ts';
import type { ChildReport } from './lib/import-child.ts';
import { commandVersion, gitState, machine, packageVersion, repoRoot } from './lib/machine.ts';
import { hasGnuTime, measure, type Sample } from './lib/measure.ts';
import { BenchServer, postgisAvailable } from './lib/postgis.ts';
import { fmt, markdownTable, median, medianOf } from './lib/stats.ts';

type Engine = 'postgis' | 'pglite' | 'ogr2ogr';

interface CaseDef {
  id: string;
  label: string;
  engine: Engine;
  /** The ogr2ogr case this one is compared with (PostGIS rows only). */
  baseline?: string;
}

const ENGINE_LABEL: Record<Engine, string> = {
  postgis: 'Maillage → PostGIS',
  pglite: 'Maillage → PGlite',
  ogr2ogr: 'ogr2ogr → PostGIS',
};

const CASES: readonly CaseDef[] = [
  { id: 'pglite-init', label: 'PGlite + PostGIS init only (empty createDb)', engine: 'pglite' },
  { id: 'communes/postgis', label: 'communes of France + EPCI', engine: 'postgis', baseline: 'communes/ogr2ogr' },
  { id: 'communes/pglite', label: 'communes of France + EPCI', engine: 'pglite' },
  { id: 'communes/ogr2ogr', label: 'communes of France (polygons only)', engine: 'ogr2ogr' },
  { id: 'osm-points/postgis', label: 'OSM places, communes loaded', engine: 'postgis', baseline: 'osm-points/ogr2ogr' },
  { id: 'osm-points-no-communes/postgis', label: 'OSM places, no communes loaded', engine: 'postgis', baseline: 'osm-points/ogr2ogr' },
  { id: 'osm-points/pglite', label: 'OSM places, communes loaded', engine: 'pglite' },
  { id: 'osm-points/ogr2ogr', label: 'OSM places (points only)', engine: 'ogr2ogr' },
];

const FILES = {
  polygons: 'communes_metropole_2018.geojson.gz',
  list: 'communes_france_2026.csv',
  epci: 'epci_france_2026.csv',
  points: 'paysdelaloire_hors85_poi_osm_2019.geojson.gz',
} as const;
const EXPECTED = { polygons: 35_228, points: 16_180 } as const;
const GOAL = 1.5;
const CHILD = join(repoRoot, 'bench', 'lib', 'import-child.ts');
/** A run of the machine busier than this before it (other users) gets flagged. */
const BUSY = 0.25;

export const benchmark: Benchmark = {
  name: 'import',
  description: 'whole-bundle imports (35,228 communes, 16,180 OSM places): Maillage on PostGIS and PGlite vs ogr2ogr',
  cases: CASES.map((c) => c.id),
  run,
};

interface CaseResult {
  def: CaseDef;
  samples: Sample[];
}

async function run(options: BenchOptions): Promise<void> {
  const cases = CASES.filter((c) => options.selected(`import/${c.id}`));
  if (cases.length === 0) return;
  const data = dataDir();
  const missing = Object.values(FILES).filter((f) => !existsSync(join(data, f)));
  if (missing.length) throw new Error(`data bundle files not found in ${data}: ${missing.join(', ')} (set MAILLAGE_DATA_DIR)`);
  const needServer = cases.some((c) => c.engine !== 'pglite');
  if (needServer && !postgisAvailable()) throw new Error('PostGIS is not installed (Debian: apt-get install -y postgresql-15-postgis-3)');
  if (cases.some((c) => c.engine === 'ogr2ogr') && !commandVersion('ogr2ogr', ['--version'])) {
    throw new Error('ogr2ogr not found (Debian: apt-get install -y gdal-bin)');
  }
  const warnings: string[] = [];
  if (!hasGnuTime()) {
    warnings.push('GNU time (/usr/bin/time) is missing: peak RSS of ogr2ogr is NOT measured, and Maillage rows report the Node process\'s own maxRSS. Install it: apt-get install -y time');
    console.warn(`\n!! ${warnings[0]}\n`);
  }

  const began = performance.now();
  const tmp = mkdtempSync(join(tmpdir(), 'maillage-bench-import-'));
  let server: BenchServer | undefined;
  const cleanup = async () => {
    const s = server;
    server = undefined;
    if (s) await s.stop();
    rmSync(tmp, { recursive: true, force: true });
  };
  const onSignal = () => {
    void cleanup().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  try {
    if (needServer) {
      server = await BenchServer.start();
      console.log(`PostGIS server on 127.0.0.1:${server.port}: ${server.postgisVersion()} (fsync off)`);
    }
    const runner = new Runner(server, tmp, data, cases);
    const results: CaseResult[] = cases.map((def) => ({ def, samples: [] }));
    for (let round = 1; round <= options.runs; round++) {
      for (const result of results) {
        const sample = await runner.run(result.def, round);
        result.samples.push(sample);
        const phases = (sample.report as ChildReport | undefined)?.phases;
        console.log(`  run ${round}/${options.runs} ${result.def.id.padEnd(31)} ${fmt(sample.wallS, 2).padStart(7)} s  ` +
          `${fmt(sample.rssMiB, 0).padStart(5)} MiB` + (phases ? `  (open ${fmt(phases.open / 1000)} s, import ${fmt(phases.import / 1000)} s)` : '') +
          (sample.busyBefore !== null && sample.busyBefore > BUSY ? `  [machine ${Math.round(sample.busyBefore * 100)} % busy before]` : ''));
      }
    }
    const versions = {
      postgis: server?.postgisVersion() ?? null,
      postgres: server?.psql('SHOW server_version') ?? null,
      gdal: commandVersion('ogr2ogr', ['--version']),
      pglite: packageVersion('sql/node_modules/@electric-sql/pglite'),
      pglitePostgis: packageVersion('sql/node_modules/@electric-sql/pglite-postgis'),
    };
    await cleanup();
    report(results, options, warnings, versions, (performance.now() - began) / 1000);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await cleanup();
  }
}

/** Prepares each run's database, measures it, checks it loaded everything, and cleans up. */
class Runner {
  #postgisSeed: string | undefined;
  #pgliteSeed: string | undefined;
  #postgisSeedAnalyzed = false;
  #pgliteSeedAnalyzed = false;
  readonly #server: BenchServer | undefined;
  readonly #tmp: string;
  readonly #data: string;
  readonly #cases: readonly CaseDef[];
  constructor(server: BenchServer | undefined, tmp: string, data: string, cases: readonly CaseDef[]) {
    this.#server = server;
    this.#tmp = tmp;
    this.#data = data;
    this.#cases = cases;
  }

  get server(): BenchServer {
    if (!this.#server) throw new Error('no PostGIS server');
    return this.#server;
  }

  child(args: string[]): Parameters<typeof measure>[0] {
    const reportFile = join(this.#tmp, `report-${Date.now()}-${Math.random().toString(36).slice(2)}.json`);
    return {
      cmd: process.execPath,
      args: [CHILD, ...args, '--data', this.#data, '--report', reportFile],
      reportFile,
      selfRssKiB: (r) => (r as ChildReport | undefined)?.maxRssKiB,
      timeoutMs: 15 * 60_000,
    };
  }

  ogr2ogr(database: string, file: string, layer: string, promoteToMulti: boolean): Parameters<typeof measure>[0] {
    // -nln: the layer name would otherwise be `communes_metropole_2018.geojson`, read as schema.table.
    return {
      cmd: 'ogr2ogr',
      args: ['-f', 'PostgreSQL', `PG:${this.server.conninfo(database)}`, `/vsigzip/${join(this.#data, file)}`, '-nln', layer,
        ...(promoteToMulti ? ['-nlt', 'PROMOTE_TO_MULTI'] : [])],
      timeoutMs: 15 * 60_000,
    };
  }

  /** Would a later case use this engine's communes database as its starting point? */
  #wantsSeed(engine: 'postgis' | 'pglite'): boolean {
    return this.#cases.some((c) => c.id === `osm-points/${engine}`);
  }

  /**
   * A PostGIS database holding the communes import (the first measured run's, else one made
   * now, unmeasured), ANALYZEd: the steady state of a portal that has its communes. Right after
   * the import, before autovacuum has analyzed it, the points import is far slower (JIT, see
   * README), and when autovacuum gets there is up to chance: ANALYZE makes the runs alike.
   */
  async #postgisSeedDb(): Promise<string> {
    if (!this.#postgisSeed) {
      console.log('  (preparing a PostGIS database with the communes loaded, not measured)');
      const name = 'bench_seed_communes';
      this.server.createDatabase(name);
      await measure(this.child(['--engine', 'postgis', '--url', this.server.url(name), '--job', 'communes']));
      this.#postgisSeed = name;
    }
    if (!this.#postgisSeedAnalyzed) {
      this.server.psql('ANALYZE', this.#postgisSeed);
      this.#postgisSeedAnalyzed = true;
    }
    return this.#postgisSeed;
  }

  async #pgliteSeedDir(): Promise<string> {
    if (!this.#pgliteSeed) {
      console.log('  (preparing a PGlite folder with the communes loaded, not measured)');
      const dir = join(this.#tmp, 'pglite-seed');
      await measure(this.child(['--engine', 'pglite', '--data-dir', dir, '--job', 'communes']));
      this.#pgliteSeed = dir;
    }
    if (!this.#pgliteSeedAnalyzed) {
      await measure(this.child(['--engine', 'pglite', '--data-dir', this.#pgliteSeed, '--job', 'analyze']));
      this.#pgliteSeedAnalyzed = true;
    }
    return this.#pgliteSeed;
  }

  /** measure(), plus the PostGIS server's CPU time spent on `database` during the run. */
  async #onServer(database: string, command: Parameters<typeof measure>[0]): Promise<Sample> {
    const before = this.server.cpuSeconds();
    const sample = await measure(command);
    await this.server.waitIdle(database);
    const after = this.server.cpuSeconds();
    return { ...sample, serverCpuS: before === null || after === null ? null : after - before };
  }

  async run(def: CaseDef, round: number): Promise<Sample> {
    const slug = `bench_${def.id.replace(/[^a-z0-9]+/g, '_')}_r${round}`;
    const dir = join(this.#tmp, slug);
    this.#server?.checkpoint();
    switch (def.id) {
      case 'pglite-init': {
        const sample = await measure(this.child(['--engine', 'pglite', '--data-dir', dir, '--job', 'none']));
        rmSync(dir, { recursive: true, force: true });
        return sample;
      }
      case 'communes/postgis':
      case 'osm-points-no-communes/postgis': {
        const job = def.id.startsWith('communes') ? 'communes' : 'osm-points';
        this.server.createDatabase(slug);
        const sample = await this.#onServer(slug, this.child(['--engine', 'postgis', '--url', this.server.url(slug), '--job', job]));
        checkChild(def, sample);
        if (job === 'communes' && !this.#postgisSeed && this.#wantsSeed('postgis')) this.#postgisSeed = slug;
        else this.server.dropDatabase(slug);
        return sample;
      }
      case 'communes/pglite': {
        const sample = await measure(this.child(['--engine', 'pglite', '--data-dir', dir, '--job', 'communes']));
        checkChild(def, sample);
        if (!this.#pgliteSeed && this.#wantsSeed('pglite')) this.#pgliteSeed = dir;
        else rmSync(dir, { recursive: true, force: true });
        return sample;
      }
      case 'osm-points/postgis': {
        const seed = await this.#postgisSeedDb();
        this.server.checkpoint();
        this.server.createDatabase(slug, { template: seed });
        const sample = await this.#onServer(slug, this.child(['--engine', 'postgis', '--url', this.server.url(slug), '--job', 'osm-points']));
        checkChild(def, sample);
        this.server.dropDatabase(slug);
        return sample;
      }
      case 'osm-points/pglite': {
        cpSync(await this.#pgliteSeedDir(), dir, { recursive: true });
        const sample = await measure(this.child(['--engine', 'pglite', '--data-dir', dir, '--job', 'osm-points']));
        checkChild(def, sample);
        rmSync(dir, { recursive: true, force: true });
        return sample;
      }
      case 'communes/ogr2ogr':
      case 'osm-points/ogr2ogr': {
        const communes = def.id.startsWith('communes');
        this.server.createDatabase(slug);
        const sample = await this.#onServer(slug, communes
          ? this.ogr2ogr(slug, FILES.polygons, 'communes_2018', true)
          : this.ogr2ogr(slug, FILES.points, 'osm_points', false));
        const table = communes ? 'communes_2018' : 'osm_points';
        const rows = Number(this.server.psql(`SELECT count(*) FROM ${table}`, slug));
        const expected = communes ? EXPECTED.polygons : EXPECTED.points;
        if (rows !== expected) throw new Error(`${def.id}: ogr2ogr loaded ${rows} rows, expected ${expected}`);
        this.server.dropDatabase(slug);
        return sample;
      }
      default:
        throw new Error(`unknown case ${def.id}`);
    }
  }
}

/** A benchmark of an import that rejected its input would measure nothing useful. */
function checkChild(def: CaseDef, sample: Sample): void {
  const r = sample.report as ChildReport | undefined;
  if (!r || r.outcome !== 'committed' || !r.inserted) {
    throw new Error(`${def.id}: the import did not commit rows: ${JSON.stringify(r)}`);
  }
  if (def.id.startsWith('osm-points') && r.inserted !== EXPECTED.points) {
    throw new Error(`${def.id}: ${r.inserted} places inserted, expected ${EXPECTED.points}`);
  }
}

interface Versions {
  postgis: string | null;
  postgres: string | null;
  gdal: string | null;
  pglite: string | null;
  pglitePostgis: string | null;
}

function report(results: CaseResult[], options: BenchOptions, warnings: string[], versions: Versions, elapsedS: number): void {
  const byId = new Map(results.map((r) => [r.def.id, r]));
  const wall = (r: CaseResult) => median(r.samples.map((s) => s.wallS));
  const phase = (r: CaseResult, p: keyof ChildReport['phases']) =>
    medianOf(r.samples.map((s) => (s.report as ChildReport | undefined)?.phases[p])) ?? null;
  const totalCpu = (r: CaseResult) => medianOf(r.samples.map((s) => (s.cpuS === null ? null : s.cpuS + (s.serverCpuS ?? 0))));
  const rows = results.map((r) => {
    const base = r.def.baseline ? byId.get(r.def.baseline) : undefined;
    const walls = r.samples.map((s) => s.wallS);
    const open = phase(r, 'open');
    const imp = phase(r, 'import');
    const cpu = totalCpu(r);
    const baseCpu = base ? totalCpu(base) : null;
    return {
      id: r.def.id,
      label: r.def.label,
      engine: ENGINE_LABEL[r.def.engine],
      medianS: wall(r),
      minS: Math.min(...walls),
      maxS: Math.max(...walls),
      ratio: base ? wall(r) / wall(base) : null,
      rssMiB: medianOf(r.samples.map((s) => s.rssMiB)),
      clientCpuS: medianOf(r.samples.map((s) => s.cpuS)),
      serverCpuS: medianOf(r.samples.map((s) => s.serverCpuS)),
      cpuS: cpu,
      cpuRatio: cpu !== null && baseCpu ? cpu / baseCpu : null,
      openS: open === null ? null : open / 1000,
      importS: imp === null ? null : imp / 1000,
      samples: r.samples,
    };
  });
  const table = markdownTable(
    ['case', 'engine', 'median s', 'min–max s', '× ogr2ogr', 'peak RSS MiB', 'CPU s client + server', 'CPU × ogr2ogr', 'open s', 'import s'],
    rows.map((r) => [
      r.label, r.engine, fmt(r.medianS, 2), `${fmt(r.minS, 2)}–${fmt(r.maxS, 2)}`, r.ratio === null ? '' : `${fmt(r.ratio, 2)}×`,
      fmt(r.rssMiB, 0), r.serverCpuS === null ? `${fmt(r.clientCpuS)} (in-process)` : `${fmt(r.clientCpuS)} + ${fmt(r.serverCpuS)}`,
      r.cpuRatio === null ? '' : `${fmt(r.cpuRatio, 2)}×`, fmt(r.openS), fmt(r.importS),
    ]),
    [false, false, true, true, true, true, true, true, true, true],
  );
  const m = machine();
  const busyRuns = results.flatMap((r) => r.samples).filter((s) => s.busyBefore !== null && s.busyBefore > BUSY).length;
  const allRuns = results.reduce((n, r) => n + r.samples.length, 0);
  if (busyRuns) warnings.push(`the machine was more than ${BUSY * 100} % busy (other processes) just before ${busyRuns} of ${allRuns} runs: those timings may be inflated`);
  const verdicts = rows.filter((r) => r.ratio !== null).map((r) =>
    `${r.id}: ${fmt(r.ratio, 2)}× ogr2ogr's wall time (${fmt(r.cpuRatio, 2)}× its CPU time) — goal ≤ ${GOAL}× ${r.ratio! <= GOAL ? 'MET' : 'MISSED'}`);

  console.log(`\nImport benchmark — ${options.runs} run(s) per case, median wall time of the whole process; ` +
    `machine: ${m.nproc} cores, ${m.ramGiB} GiB RAM, ${m.cpu}\n`);
  console.log(table);
  console.log('\n"× ogr2ogr" = median wall time / ogr2ogr\'s on the same file; "CPU × ogr2ogr" = the same with CPU time (client + PostgreSQL server),');
  console.log('which other processes on the machine disturb much less than wall time. "open" = createDb (connect or PGlite init, migrations);');
  console.log('"import" = runImport; both medians, inside the wall time. Peak RSS is the client process only: PostgreSQL server memory is not');
  console.log('counted for the PostGIS rows, while PGlite runs the database inside the measured process.');
  for (const v of verdicts) console.log(v);
  for (const w of warnings) console.log(`warning: ${w}`);

  mkdirSync(options.resultsDir, { recursive: true });
  const file = join(options.resultsDir, `import-${new Date().toISOString().slice(0, 19).replace(/:/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify({
    benchmark: 'import',
    date: new Date().toISOString(),
    command: ['node', ...process.argv.slice(1).map((a) => (a.startsWith('/') ? relative(repoRoot, a) : a))].join(' '),
    runs: options.runs,
    elapsedS: Math.round(elapsedS),
    machine: m,
    versions,
    git: gitState(['importers', 'sql']),
    gnuTime: hasGnuTime(),
    goal: { ratio: GOAL, verdicts },
    warnings,
    cases: rows,
    table,
  }, null, 2)}\n`);
  console.log(`\nresults: ${relative(repoRoot, file)} (${Math.round(elapsedS)} s in all)`);
}
