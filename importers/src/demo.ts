// The demo territory: Mayenne (53) at the centre, with the rest of the Pays de la Loire data of
// the bundle around it (44, 49, 72; Vendée is not in the bundle) so that distances near
// borders are right, and the Nantes streets for the pilot-street analysis.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Kysely } from 'kysely';
import type { Database } from '@maillage/sql';
import { type ImportJob, type ImportOptions, runImport } from './pipeline.ts';
import type { ImportSummary } from './report.ts';
import { communes } from './sources/communes.ts';
import { osmPoints } from './sources/osm-points.ts';
import { programmes } from './sources/programmes.ts';
import { streets } from './sources/streets.ts';
import { tiersLieux } from './sources/tiers-lieux.ts';

export const DEMO_DEPARTEMENTS = ['44', '49', '53', '72'] as const;

/** The data bundle folder: MAILLAGE_DATA_DIR, else `../shared/data` beside the repository. */
export function dataDir(): string {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
  return resolve(process.env.MAILLAGE_DATA_DIR ?? join(root, '..', 'shared', 'data'));
}

export function demoJobs(dir = dataDir(), departements: readonly string[] = DEMO_DEPARTEMENTS): ImportJob[] {
  const file = (name: string) => join(dir, name);
  return [
    communes({
      polygons: file('communes_metropole_2018.geojson.gz'),
      list: file('communes_france_2026.csv'),
      epci: file('epci_france_2026.csv'),
      departements,
    }),
    // The regional file includes Mayenne's points and its vacant shops (category `vacant`).
    osmPoints(file('paysdelaloire_hors85_poi_osm_2019.geojson.gz'), departements),
    tiersLieux(file('paysdelaloire_hors85_tiers_lieux_2022.geojson'), departements),
    programmes(file('programme_action_coeur_de_ville.geojson'), 'action_coeur_de_ville', departements),
    programmes(file('programme_petites_villes_de_demain.geojson'), 'petites_villes_de_demain', departements),
    programmes(file('programme_france_services_2020.geojson'), 'france_services', departements),
    streets(file('nantes_streets_bdtopo_2021.geojson'), 'bdtopo'),
    streets(file('nantes_streets_osm_tan_2019.geojson'), 'osm'),
  ];
}

export function missingDemoFiles(dir = dataDir()): string[] {
  return demoJobs(dir).map((j) => j.input).filter((f) => !existsSync(f));
}

/** Loads the whole demo territory; each dataset is its own transaction. */
export async function loadDemo(db: Kysely<Database>, options: ImportOptions & { dir?: string; log?: (line: string) => void } = {}): Promise<ImportSummary[]> {
  const missing = missingDemoFiles(options.dir);
  if (missing.length) throw new Error(`demo data not found: ${missing.join(', ')} (set MAILLAGE_DATA_DIR to the data bundle folder)`);
  const summaries: ImportSummary[] = [];
  for (const job of demoJobs(options.dir)) {
    options.log?.(`importing ${job.source.key} from ${job.input.split('/').pop()}…`);
    const summary = await runImport(db, job, options);
    summaries.push(summary);
    if (summary.outcome !== 'committed') {
      throw new Error(`demo import of ${job.input} was rolled back: ${summary.fileError ?? summary.rejected.slice(0, 3).map((r) => `${r.ref}: ${r.reason}`).join('; ')}`);
    }
  }
  return summaries;
}
