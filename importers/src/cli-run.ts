// The CLI proper, loaded by src/cli.ts (`pnpm import <importer> <path|url> [options]`). Prints progress on
// stderr and a summary; exits 1 when the input was rejected (the database is then unchanged).
import { parseArgs } from 'node:util';
import { createDb, type Programme } from '@maillage/sql';
import { consoleProgress, formatSummary, type ImportSummary } from './report.ts';
import { type ImportJob, LICENCE_OUVERTE, ODBL, runImport, type SourceInfo } from './pipeline.ts';
import { communes } from './sources/communes.ts';
import { osmPoints } from './sources/osm-points.ts';
import { programmes, PROGRAMMES } from './sources/programmes.ts';
import { streets, type StreetFormat } from './sources/streets.ts';
import { tiersLieux } from './sources/tiers-lieux.ts';
import { generic, GENERIC_LAYERS, type GenericLayer } from './sources/generic.ts';
import { dataDir, loadDemo } from './demo.ts';

const USAGE = `Usage: pnpm import <importer> [input] [options]

Importers:
  demo                                  the demo territory from the data bundle (MAILLAGE_DATA_DIR)
  communes <polygons> --list <csv> [--epci <csv>] [--departements 53,44|all]
  osm-points <geojson[.gz]|url>         OSM shops and services (shop=vacant → vacant shops)
  tiers-lieux <geojson|url>
  programmes <geojson|url> [--programme action_coeur_de_ville|petites_villes_de_demain|france_services]
  streets <geojson|osm|url> [--format bdtopo|osm]   BD TOPO or OSM highways (GeoJSON, or OSM XML .osm)
          [--source-key <key> --title <text> --licence <text> --attribution <text> [--odbl]]  another extract than Nantes's
  generic <geojson|csv|url> --layer ${Object.keys(GENERIC_LAYERS).join('|')} --map id=<field>,name=<field>,…
          --source-key <key> --title <text> --licence <text> --attribution <text> [--odbl]
          [--lon <col> --lat <col> | --wkt <col>] [--delimiter ';']

Options:
  --departements 44,53     keep only these départements (default: all)
  --skip-invalid           write the valid rows even if some are rejected (default: reject the whole input)
  --database-url <url>     a PostGIS server (default: DATABASE_URL, else the embedded PGlite)
`;

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    list: { type: 'string' }, epci: { type: 'string' }, departements: { type: 'string' },
    programme: { type: 'string' }, format: { type: 'string' }, layer: { type: 'string' }, map: { type: 'string' },
    'source-key': { type: 'string' }, title: { type: 'string' }, licence: { type: 'string' }, attribution: { type: 'string' },
    odbl: { type: 'boolean' }, lon: { type: 'string' }, lat: { type: 'string' }, wkt: { type: 'string' }, delimiter: { type: 'string' },
    'skip-invalid': { type: 'boolean' }, 'database-url': { type: 'string' }, help: { type: 'boolean', short: 'h' },
  },
});

function fail(message: string): never {
  process.stderr.write(`maillage import: ${message}\n\n${USAGE}`);
  process.exit(2);
}

const [importer, input] = positionals;
if (values.help || !importer) {
  process.stdout.write(USAGE);
  process.exit(importer ? 0 : 2);
}
const departements = !values.departements || values.departements === 'all' ? [] : values.departements.split(',').map((d) => d.trim());
const need = (v: string | undefined, what: string): string => v ?? fail(`missing ${what}`);

/** The source described by --source-key, --title, --licence, --attribution and --odbl. */
function sourceFromFlags(): SourceInfo {
  const licence = need(values.licence, '--licence');
  return {
    key: need(values['source-key'], '--source-key'), title: values.title ?? values['source-key']!, licence,
    attribution: need(values.attribution, '--attribution'),
    ...(values.odbl ? { ...ODBL, licence, attribution: values.attribution! } : licence === LICENCE_OUVERTE.licence ? LICENCE_OUVERTE : {}),
  };
}

function jobsFor(name: string): ImportJob[] {
  const file = need(input, 'input path or URL');
  switch (name) {
    case 'communes':
      return [communes({ polygons: file, list: need(values.list, '--list <communes_france_2026.csv>'), epci: values.epci, departements })];
    case 'osm-points':
      return [osmPoints(file, departements)];
    case 'tiers-lieux':
      return [tiersLieux(file, departements)];
    case 'programmes': {
      if (values.programme && !(values.programme in PROGRAMMES)) fail(`unknown programme ${values.programme}`);
      const fromName = (Object.keys(PROGRAMMES) as Programme[]).filter((p) => file.includes(p));
      const chosen = values.programme ? [values.programme as Programme] : fromName.length ? fromName : (Object.keys(PROGRAMMES) as Programme[]);
      return chosen.map((p) => programmes(file, p, departements));
    }
    case 'streets': {
      const format = (values.format ?? (/bdtopo/i.test(file) ? 'bdtopo' : 'osm')) as StreetFormat;
      if (format !== 'bdtopo' && format !== 'osm') fail('--format must be bdtopo or osm');
      return [values['source-key'] ? streets(file, format, sourceFromFlags()) : streets(file, format)];
    }
    case 'generic': {
      const layer = need(values.layer, '--layer') as GenericLayer;
      const mapping = Object.fromEntries(need(values.map, '--map').split(',').map((pair) => {
        const [column, field] = pair.split('=');
        if (!column || !field) fail(`--map expects column=field pairs, got "${pair}"`);
        return [column.trim(), field.trim()];
      }));
      return [generic(file, {
        layer, mapping,
        source: sourceFromFlags(),
        ...(values.lon ? { lon: values.lon } : {}), ...(values.lat ? { lat: values.lat } : {}),
        ...(values.wkt ? { wkt: values.wkt } : {}), ...(values.delimiter ? { delimiter: values.delimiter } : {}),
      })];
    }
    default:
      return fail(`unknown importer "${name}"`);
  }
}

const handle = await createDb({ url: values['database-url'] });
let failed = false;
try {
  process.stderr.write(`database: ${handle.mode} (${handle.location})\n`);
  const options = { skipInvalid: !!values['skip-invalid'], onProgress: consoleProgress(importer) };
  const summaries: ImportSummary[] = importer === 'demo'
    ? await loadDemo(handle.db, { ...options, dir: input ?? dataDir(), log: (l) => process.stderr.write(`${l}\n`) })
    : [];
  if (importer !== 'demo') for (const job of jobsFor(importer)) summaries.push(await runImport(handle.db, job, options));
  for (const s of summaries) {
    process.stdout.write(`${formatSummary(s)}\n`);
    if (s.outcome !== 'committed') failed = true;
  }
} finally {
  await handle.close();
}
process.exit(failed ? 1 : 0);
