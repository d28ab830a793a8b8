// Shared path for point layers read from GeoJSON: check, scope, map, batch, upsert.
import { sql } from 'kysely';
import type { GeoJsonFeature } from './geojson.ts';
import { checkGeometry } from './geometry.ts';
import { Batcher, type FeatureRow, type FeatureTable, type ImportContext, importFeatures, type RowValue } from './pipeline.ts';

/** What a source module returns for one feature. */
export type Mapped =
  | { table: FeatureTable; row: FeatureRow; communeHint: string | null }
  | { skip: true }
  | { reject: string };

/** Département of an INSEE commune code: 2 characters, 3 for the DROM (971…976). */
export function departementOf(code: string): string {
  return code.startsWith('97') ? code.slice(0, 3) : code.slice(0, 2);
}

/** Text property, trimmed; empty strings become null. */
export function text(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  const s = String(v).trim();
  return s === '' ? null : s;
}

/**
 * The commune a point lies in, by point-in-polygon against the communes already loaded; the
 * source's own code is kept only for a point that falls in no loaded polygon (gaps between
 * simplified polygons, or communes not loaded).
 */
export function communeOf(lon: number, lat: number, hint: string | null): RowValue {
  return sql`COALESCE((SELECT c.code FROM communes c WHERE ST_Intersects(c.geom, ST_SetSRID(ST_MakePoint(${lon}, ${lat}), 4326)) ORDER BY c.code LIMIT 1), ${hint}::text)`;
}

export interface PointImport {
  ctx: ImportContext;
  input: string;
  /** Keep only these départements (by the commune the source gives); all when empty. */
  departements?: readonly string[];
  map(feature: GeoJsonFeature): Mapped;
}

export async function importPointFeatures({ ctx, input, departements = [], map }: PointImport): Promise<void> {
  const batchers = new Map<FeatureTable, Batcher>();
  for await (const { ref, feature } of importFeatures(ctx, input)) {
    const mapped = map(feature);
    if ('skip' in mapped) {
      ctx.skipped++;
      continue;
    }
    if ('reject' in mapped) {
      ctx.reject(ref, mapped.reject);
      continue;
    }
    if (departements.length > 0 && (!mapped.communeHint || !departements.includes(departementOf(mapped.communeHint)))) {
      ctx.skipped++;
      continue;
    }
    const problem = checkGeometry(feature.geometry, ['Point']);
    if (problem) {
      ctx.reject(`${ref} (${mapped.row.source_id})`, problem);
      continue;
    }
    const [lon, lat] = (feature.geometry as { coordinates: [number, number] }).coordinates;
    let batcher = batchers.get(mapped.table);
    if (!batcher) batchers.set(mapped.table, (batcher = new Batcher(ctx, mapped.table)));
    await batcher.add(ref, {
      ...mapped.row,
      commune_code: communeOf(lon, lat, mapped.communeHint),
      geom: sql`ST_SetSRID(ST_MakePoint(${lon}, ${lat}), 4326)`,
    });
  }
  for (const batcher of batchers.values()) await batcher.flush();
}
