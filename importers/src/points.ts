// Shared path for point layers read from GeoJSON: check, scope, map, batch, upsert.
import { sql } from 'kysely';
import type { GeoJsonFeature } from './geojson.ts';
import { checkGeometry } from './geometry.ts';
import { columnTypes, countWrites, type FeatureTable, type ImportContext, importFeatures, InFlight, jsonRows, updateIfChanged } from './pipeline.ts';

/** A point layer's row before its commune and geometry: plain values only. */
export type PointRow = Record<string, string | number | boolean | null | string[]> & { source_id: string };

/** What a source module returns for one feature. */
export type Mapped =
  | { table: FeatureTable; row: PointRow; communeHint: string | null }
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

/** Rows per statement: one JSON parameter each, so the size is bounded by memory, not by parameters. */
const BATCH = 2000;

/**
 * Writes the points of one import into their tables, in batches: each batch is one statement
 * that finds every point's commune by point-in-polygon against the communes already loaded (the
 * source's own code is kept only for a point that falls in no loaded polygon: gaps between
 * simplified polygons, or communes not loaded) and upserts by (source, source_id). One
 * statement per batch rather than a sub-select per row: PostgreSQL plans the lookup once.
 *
 * The commune the source names is tried first, by its key: a point that lies in it needs no
 * spatial index search, which cost ~45 µs a point (a GiST descent over 35k communes: 0.8 s of
 * the 16k places of the bundle, against 0.1 s this way). Only a point outside it (or without
 * one) is searched, and gets the lowest code among the polygons it lies in. Where polygons
 * overlap, a point in the named commune keeps it. A batch is sorted by that commune, so that
 * PostGIS's cache of the last polygon tested (read, indexed for point-in-polygon) serves the
 * rows that follow.
 */
export class PointWriter {
  readonly #ctx: ImportContext;
  readonly #pending = new Map<FeatureTable, (PointRow & { lon: number; lat: number; commune_hint: string | null })[]>();
  readonly #seen = new Map<FeatureTable, Map<string, string>>();
  readonly #types = new Map<FeatureTable, Map<string, string>>();
  readonly #inFlight: InFlight;
  private constructor(ctx: ImportContext, inFlight: InFlight) {
    this.#ctx = ctx;
    this.#inFlight = inFlight;
  }

  /** Queues a point; a second row with the same source id in one input is rejected. */
  async add(ref: string, table: FeatureTable, row: PointRow, [lon, lat]: readonly [number, number], communeHint: string | null): Promise<void> {
    let seen = this.#seen.get(table);
    if (!seen) this.#seen.set(table, (seen = new Map()));
    const first = seen.get(row.source_id);
    if (first !== undefined) {
      this.#ctx.reject(ref, `duplicate id ${row.source_id} (already at ${first})`);
      return;
    }
    seen.set(row.source_id, ref);
    let rows = this.#pending.get(table);
    if (!rows) this.#pending.set(table, (rows = []));
    rows.push({ ...row, lon, lat, commune_hint: communeHint });
    if (rows.length >= BATCH) await this.#flush(table);
  }

  /** Runs `body` with a writer, then writes what is still queued. */
  static async with(ctx: ImportContext, body: (writer: PointWriter) => Promise<void>): Promise<void> {
    await InFlight.with(async (inFlight) => {
      const writer = new PointWriter(ctx, inFlight);
      await body(writer);
      for (const table of writer.#pending.keys()) await writer.#flush(table);
    });
  }

  async #flush(table: FeatureTable): Promise<void> {
    const rows = this.#pending.get(table) ?? [];
    if (rows.length === 0) return;
    this.#pending.set(table, []);
    rows.sort((a, b) => ((a.commune_hint ?? '') < (b.commune_hint ?? '') ? -1 : (a.commune_hint ?? '') > (b.commune_hint ?? '') ? 1 : 0));
    let types = this.#types.get(table);
    if (!types) this.#types.set(table, (types = await columnTypes(this.#ctx, table)));
    const columns = Object.keys(rows[0]!).filter((c) => c !== 'lon' && c !== 'lat' && c !== 'commune_hint' && c !== 'commune_code');
    // JSON text arrives as text and is cast: a string in a json(b) record column would stay a JSON string.
    const json = (c: string) => /^jsonb?$/.test(types.get(c) ?? '');
    const definition: Record<string, string> = { lon: 'float8', lat: 'float8', commune_hint: 'text' };
    for (const c of columns) {
      const type = types.get(c);
      if (!type) throw new Error(`${table} has no column ${c}`);
      definition[c] = json(c) ? 'text' : type;
    }
    const values = columns.map((c) => (json(c) ? sql`r.${sql.id(c)}::${sql.raw(types.get(c)!)}` : sql`r.${sql.id(c)}`));
    const point = sql`ST_SetSRID(ST_MakePoint(r.lon, r.lat), 4326)`;
    const ctx = this.#ctx;
    const statement = sql`INSERT INTO ${sql.table(table)} AS t (${sql.join(columns.map((c) => sql.id(c)))}, commune_code, geom, source, licence)
      SELECT ${sql.join(values)}, coalesce(named.code, c.code, r.commune_hint), ${point}, ${ctx.source.key}, ${ctx.licence}
      FROM ${jsonRows(rows, 'r', definition)}
      LEFT JOIN communes named ON named.code = r.commune_hint AND ST_Intersects(named.geom, ${point})
      LEFT JOIN LATERAL (SELECT c.code FROM communes c WHERE named.code IS NULL AND ST_Intersects(c.geom, ${point}) ORDER BY c.code LIMIT 1) c ON true
      ${updateIfChanged(['source', 'source_id'], [...columns.filter((c) => c !== 'source_id'), 'commune_code', 'geom', 'licence'])}`;
    await this.#inFlight.send(() => countWrites(ctx, statement));
  }
}

export interface PointImport {
  ctx: ImportContext;
  input: string;
  /** Keep only these départements (by the commune the source gives); all when empty. */
  departements?: readonly string[];
  map(feature: GeoJsonFeature): Mapped;
}

export async function importPointFeatures({ ctx, input, departements = [], map }: PointImport): Promise<void> {
  await PointWriter.with(ctx, async (writer) => {
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
      await writer.add(ref, mapped.table, mapped.row, (feature.geometry as { coordinates: [number, number] }).coordinates, mapped.communeHint);
    }
  });
}
