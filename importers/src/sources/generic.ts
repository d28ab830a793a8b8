// Any GeoJSON or CSV of points into a point layer, with a column mapping:
// `--map name=nom,category=type` maps layer columns to input fields; CSV positions come from
// lon/lat columns or a WKT POINT column.
import { readCsvRows } from '../csv.ts';
import { checkGeometry } from '../geometry.ts';
import { openInput } from '../input.ts';
import { type FeatureTable, type ImportContext, importFeatures, type ImportJob, type SourceInfo } from '../pipeline.ts';
import { type PointRow, PointWriter, text } from '../points.ts';
import { ImportFileError } from '../report.ts';

/** Columns each point layer accepts from a mapping, with the ones that must be present. */
export const GENERIC_LAYERS = {
  places: { columns: ['name', 'category', 'commune_code'], required: ['category'] },
  tiers_lieux: { columns: ['name', 'legal_model', 'state', 'address', 'url', 'publics', 'commune_code'], required: ['name'] },
  vacant_shops: { columns: ['name', 'address', 'former_activity', 'status', 'commune_code'], required: [] },
  programmes: { columns: ['programme', 'name', 'programme_ref', 'detail', 'commune_code'], required: ['programme', 'name'] },
} as const satisfies Partial<Record<FeatureTable, { columns: readonly string[]; required: readonly string[] }>>;

export type GenericLayer = keyof typeof GENERIC_LAYERS;

export interface GenericOptions {
  layer: GenericLayer;
  source: SourceInfo;
  /** layer column → input field; `id` names the field holding the stable source id. */
  mapping: Record<string, string>;
  format?: 'geojson' | 'csv';
  lon?: string;
  lat?: string;
  wkt?: string;
  delimiter?: string;
}

const WKT_POINT = /^\s*POINT\s*\(\s*(-?[\d.eE+-]+)\s+(-?[\d.eE+-]+)\s*\)\s*$/i;

/** Checks a mapping against the layer before reading anything. */
export function checkMapping(o: GenericOptions): string | null {
  const spec = GENERIC_LAYERS[o.layer];
  if (!spec) return `unknown layer "${String(o.layer)}" (expected ${Object.keys(GENERIC_LAYERS).join(', ')})`;
  const unknown = Object.keys(o.mapping).filter((c) => c !== 'id' && !(spec.columns as readonly string[]).includes(c));
  if (unknown.length) return `unknown column(s) ${unknown.join(', ')} for ${o.layer} (accepted: id, ${spec.columns.join(', ')})`;
  const missing = (spec.required as readonly string[]).filter((c) => !o.mapping[c]);
  if (missing.length) return `the mapping must give ${missing.join(', ')} for ${o.layer}`;
  if (!o.mapping.id) return 'the mapping must give id=<field> (a stable identifier, so that re-imports update instead of duplicating)';
  return null;
}

function position(o: GenericOptions, row: Record<string, string>): [number, number] | string {
  if (o.wkt && (row[o.wkt] ?? '') !== '') {
    const m = WKT_POINT.exec(row[o.wkt] ?? '');
    if (!m) return `column ${o.wkt} is not a WKT POINT(lon lat)`;
    return [Number(m[1]), Number(m[2])];
  }
  const lon = Number((row[o.lon ?? 'lon'] ?? '').replace(',', '.'));
  const lat = Number((row[o.lat ?? 'lat'] ?? '').replace(',', '.'));
  if (!Number.isFinite(lon) || !Number.isFinite(lat) || row[o.lon ?? 'lon'] === '' || row[o.lat ?? 'lat'] === '') {
    return `columns ${o.lon ?? 'lon'}/${o.lat ?? 'lat'} must hold decimal degrees`;
  }
  return [lon, lat];
}

/** Closed vocabularies, checked per row so that a typo is a rejected row, not a database error. */
async function allowedValues(ctx: ImportContext, layer: GenericLayer): Promise<Record<string, readonly string[]>> {
  switch (layer) {
    case 'places':
      return { category: (await ctx.trx.selectFrom('place_categories').select('code').execute()).map((r) => r.code) };
    case 'vacant_shops':
      return { status: ['vacant', 'reoccupied', 'in_project'] };
    case 'programmes':
      return { programme: ['action_coeur_de_ville', 'petites_villes_de_demain', 'france_services'] };
    default:
      return {};
  }
}

async function addRow(ctx: ImportContext, writer: PointWriter, o: GenericOptions, allowed: Record<string, readonly string[]>,
  ref: string, fields: Record<string, unknown>, geometry: unknown): Promise<void> {
  const id = text(fields[o.mapping.id!]);
  if (!id) return ctx.reject(ref, `missing id field "${o.mapping.id}"`);
  const row: PointRow = { source_id: id };
  for (const column of GENERIC_LAYERS[o.layer].columns) {
    const field = o.mapping[column];
    if (field) row[column] = text(fields[field]);
  }
  const missing = (GENERIC_LAYERS[o.layer].required as readonly string[]).filter((c) => !row[c]);
  if (missing.length) return ctx.reject(`${ref} (${id})`, `empty ${missing.map((c) => `${c} (field ${o.mapping[c]})`).join(', ')}`);
  for (const [column, values] of Object.entries(allowed)) {
    const value = row[column];
    if (value !== undefined && value !== null && !values.includes(value as string)) {
      return ctx.reject(`${ref} (${id})`, `${column} "${String(value)}" is not one of ${values.join(', ')}`);
    }
  }
  const problem = checkGeometry(geometry, ['Point']);
  if (problem) return ctx.reject(`${ref} (${id})`, problem);
  const { commune_code: hint, ...columns } = row;
  columns.props = JSON.stringify(Object.fromEntries(Object.entries(fields).filter(([k]) => !Object.values(o.mapping).includes(k))));
  await writer.add(ref, o.layer, columns as PointRow, (geometry as { coordinates: [number, number] }).coordinates, (hint as string | null | undefined) ?? null);
}

export function generic(input: string, o: GenericOptions): ImportJob {
  const format = o.format ?? (/\.csv(\.gz)?$/i.test(input) ? 'csv' : 'geojson');
  return {
    importer: `generic:${format}:${o.layer}`,
    input,
    source: o.source,
    run: async (ctx) => {
      const mappingProblem = checkMapping(o);
      if (mappingProblem) throw new ImportFileError(mappingProblem);
      const allowed = await allowedValues(ctx, o.layer);
      await PointWriter.with(ctx, async (writer) => {
        if (format === 'csv') {
          for await (const { line, row } of readCsvRows(await openInput(input), { ...(o.delimiter ? { delimiter: o.delimiter } : {}) })) {
            ctx.read++;
            const pos = position(o, row);
            if (typeof pos === 'string') ctx.reject(`line ${line}`, pos);
            else await addRow(ctx, writer, o, allowed, `line ${line}`, row, { type: 'Point', coordinates: pos });
          }
        } else {
          for await (const { ref, feature } of importFeatures(ctx, input)) {
            await addRow(ctx, writer, o, allowed, ref, feature.properties, feature.geometry);
          }
        }
      });
    },
  };
}
