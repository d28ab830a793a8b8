// One measured import, run by bench/import.ts in its own process (so that its peak RSS is this
// import's alone). Does what `node importers/src/cli.ts …` does — createDb, then runImport —
// and writes how long each phase took, its own peak RSS and the import's counts to --report.
//
//   node bench/lib/import-child.ts --engine postgis --url postgres://…/db --job communes --data DIR --report out.json
//   node bench/lib/import-child.ts --engine pglite --data-dir /tmp/x --job none --report out.json
import { writeFileSync } from 'node:fs';
import { enableCompileCache } from 'node:module';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const started = performance.now(); // ms since this process started (Node's boot before it)
// As importers/src/cli.ts does, before the modules are loaded.
enableCompileCache();

export interface ChildReport {
  engine: 'postgis' | 'pglite';
  job: 'communes' | 'osm-points' | 'analyze' | 'none';
  /** Milliseconds: Node boot, loading the modules, createDb (connect/init + migrations), the import, close. */
  phases: { boot: number; load: number; open: number; import: number; close: number };
  /** process.resourceUsage().maxRSS, KiB. */
  maxRssKiB: number;
  outcome?: string;
  read?: number;
  inserted?: number;
  updated?: number;
  rejected?: number;
  notes?: string[];
}

const { values } = parseArgs({
  options: {
    engine: { type: 'string' },
    url: { type: 'string' },
    'data-dir': { type: 'string' },
    job: { type: 'string' },
    data: { type: 'string' },
    report: { type: 'string' },
  },
});
const engine = values.engine === 'pglite' ? 'pglite' : 'postgis';
const job = (values.job ?? 'none') as ChildReport['job'];
if (!values.report || (engine === 'postgis' ? !values.url : !values['data-dir'])) {
  throw new Error('usage: import-child.ts --engine postgis --url URL | --engine pglite --data-dir DIR, --job communes|osm-points|analyze|none --data DIR --report FILE');
}
// createDb falls back to DATABASE_URL when given no url: PGlite runs must never reach a server.
if (engine === 'pglite') delete process.env.DATABASE_URL;

const [{ createDb }, importers, { sql }] = await Promise.all([
  import('../../sql/src/index.ts'),
  import('../../importers/src/index.ts'),
  import('../../sql/node_modules/kysely/dist/index.js'),
]);
const loaded = performance.now();
const data = values.data ?? importers.dataDir();

const handle = await createDb(engine === 'postgis' ? { url: values.url, poolSize: 2 } : { dataDir: values['data-dir'] });
const opened = performance.now();
let summary: Awaited<ReturnType<typeof importers.runImport>> | undefined;
try {
  if (job === 'communes') {
    summary = await importers.runImport(handle.db, importers.communes({
      polygons: join(data, 'communes_metropole_2018.geojson.gz'),
      list: join(data, 'communes_france_2026.csv'),
      epci: join(data, 'epci_france_2026.csv'),
      departements: [],
    }));
  } else if (job === 'osm-points') {
    summary = await importers.runImport(handle.db, importers.osmPoints(join(data, 'paysdelaloire_hors85_poi_osm_2019.geojson.gz')));
  } else if (job === 'analyze') {
    await sql`ANALYZE`.execute(handle.db);
  }
} finally {
  const imported = performance.now();
  await handle.close();
  const closed = performance.now();
  const report: ChildReport = {
    engine,
    job,
    phases: { boot: started, load: loaded - started, open: opened - loaded, import: imported - opened, close: closed - imported },
    maxRssKiB: process.resourceUsage().maxRSS,
    ...(summary
      ? {
          outcome: summary.outcome,
          read: summary.read,
          inserted: summary.inserted,
          updated: summary.updated,
          rejected: summary.rejected.length,
          notes: summary.notes,
        }
      : {}),
  };
  writeFileSync(values.report, JSON.stringify(report));
}
if (summary && summary.outcome !== 'committed') {
  process.stderr.write(`import rolled back: ${JSON.stringify(summary).slice(0, 2000)}\n`);
  process.exit(1);
}
