// The one way every importer writes: one transaction, validate before write, upsert by
// (source, source_id), and a summary. Any file error, and in strict mode any rejected row,
// rolls the whole transaction back so the database is exactly as it was.
import { type Kysely, type RawBuilder, sql, type Transaction } from 'kysely';
import type { Database } from '@maillage/sql';
import { type GeoJsonFeature, readGeoJsonFeatures } from './geojson.ts';
import { openInput } from './input.ts';
import { type ImportSummary, ImportFileError, type ProgressFn, type Rejection } from './report.ts';

export interface SourceInfo {
  key: string;
  title: string;
  licence: string;
  licenceUrl?: string;
  attribution: string;
  url?: string;
  odbl?: boolean;
}

export const LICENCE_OUVERTE = { licence: 'Licence Ouverte 2.0', licenceUrl: 'https://www.etalab.gouv.fr/licence-ouverte-open-licence/' } as const;
export const ODBL = {
  licence: 'ODbL 1.0',
  licenceUrl: 'https://opendatacommons.org/licenses/odbl/1-0/',
  attribution: "© les contributeurs d'OpenStreetMap (ODbL)",
  odbl: true,
} as const;

export interface ImportOptions {
  /** Write the valid rows even when some are rejected (default: reject the whole file). */
  skipInvalid?: boolean;
  onProgress?: ProgressFn;
}

export class ImportContext {
  read = 0;
  inserted = 0;
  updated = 0;
  skipped = 0;
  readonly rejected: Rejection[] = [];
  readonly notes: string[] = [];
  readonly trx: Transaction<Database>;
  readonly source: SourceInfo;
  readonly options: ImportOptions;
  constructor(trx: Transaction<Database>, source: SourceInfo, options: ImportOptions) {
    this.trx = trx;
    this.source = source;
    this.options = options;
  }

  reject(ref: string, reason: string): void {
    this.rejected.push({ ref, reason });
  }
  note(text: string): void {
    this.notes.push(text);
  }
  progress(done: number, total: number | undefined, unit: string): void {
    this.options.onProgress?.(done, total, unit);
  }
  get licence(): string {
    return this.source.licence;
  }
}

export interface ImportJob {
  importer: string;
  input: string;
  source: SourceInfo;
  run(ctx: ImportContext): Promise<void>;
}

class Rollback extends Error {}

/**
 * Runs one import job in one transaction and returns its summary. Never throws for bad input:
 * the summary says what was rejected and why; it throws only for database failures.
 */
export async function runImport(db: Kysely<Database>, job: ImportJob, options: ImportOptions = {}): Promise<ImportSummary> {
  const started = Date.now();
  let ctx: ImportContext | undefined;
  let fileError: string | undefined;
  try {
    await db.transaction().execute(async (trx) => {
      ctx = new ImportContext(trx, job.source, options);
      // An import is one long transaction by design: the API's per-query timeout does not apply.
      await sql`SET LOCAL statement_timeout = 0`.execute(trx);
      // Its statements are few and big, and spend their time in PostGIS's C functions: compiling
      // their expressions (JIT, PostgreSQL server only) costs more than it saves, and on tables
      // without statistics yet it cost minutes (bench/README.md).
      await sql`SET LOCAL jit = off`.execute(trx);
      await upsertSource(trx, job.source, job.input);
      try {
        await job.run(ctx);
      } catch (error) {
        if (error instanceof ImportFileError) {
          fileError = error.message;
          throw new Rollback();
        }
        throw error;
      }
      if (ctx.rejected.length > 0 && !options.skipInvalid) throw new Rollback();
    });
  } catch (error) {
    if (!(error instanceof Rollback)) throw error;
  }
  const c = ctx!;
  const committed = !fileError && (c.rejected.length === 0 || !!options.skipInvalid);
  const summary: ImportSummary = {
    importer: job.importer,
    input: job.input,
    source: job.source.key,
    outcome: committed ? 'committed' : 'rolled_back',
    read: c.read,
    inserted: committed ? c.inserted : 0,
    updated: committed ? c.updated : 0,
    unchanged: committed ? Math.max(0, c.read - c.inserted - c.updated - c.skipped - c.rejected.length) : 0,
    skipped: c.skipped,
    rejected: c.rejected,
    notes: committed ? c.notes : [...c.notes, 'nothing was written: fix the rejected rows, or pass --skip-invalid to import the valid ones'],
    ...(fileError ? { fileError } : {}),
    durationMs: Date.now() - started,
  };
  await db.insertInto('import_runs').values({
    importer: job.importer,
    input: job.input,
    finished_at: new Date(),
    inserted: summary.inserted,
    updated: summary.updated,
    rejected: summary.rejected.length,
    summary: JSON.stringify({ ...summary, rejected: summary.rejected.slice(0, 1000) }),
  }).execute();
  return summary;
}

async function upsertSource(trx: Transaction<Database>, s: SourceInfo, input: string): Promise<void> {
  const row = {
    key: s.key,
    title: s.title,
    licence: s.licence,
    licence_url: s.licenceUrl ?? null,
    attribution: s.attribution,
    url: s.url ?? null,
    odbl: s.odbl ?? false,
    imported_at: new Date(),
    file_name: input.split(/[\\/]/).pop() ?? input,
  };
  await trx.insertInto('sources').values(row)
    .onConflict((oc) => oc.column('key').doUpdateSet({ ...row, key: undefined } as never))
    .execute();
}

/** The tables keyed by (source, source_id) that importers upsert into. */
export type FeatureTable = 'places' | 'tiers_lieux' | 'vacant_shops' | 'programmes' | 'streets';

export type RowValue = string | number | boolean | null | string[] | RawBuilder<unknown>;
export type FeatureRow = Record<string, RowValue> & { source_id: string };

/**
 * Inserts or updates rows by (source, source_id); a row identical to the stored one is left
 * alone so that a re-import reports it as unchanged. Counts go into the context. Rows may hold
 * SQL expressions (RawBuilder), evaluated per row.
 */
export async function upsertFeatures(ctx: ImportContext, table: FeatureTable, rows: FeatureRow[]): Promise<void> {
  if (rows.length === 0) return;
  const columns = Object.keys(rows[0]!).filter((c) => c !== 'source_id');
  const values = rows.map((r) => sql`(${sql.join([r.source_id, ...columns.map((c) => r[c]), ctx.source.key, ctx.licence])})`);
  await countWrites(ctx, sql`INSERT INTO ${sql.table(table)} AS t (source_id, ${sql.join(columns.map((c) => sql.id(c)))}, source, licence)
    VALUES ${sql.join(values)}
    ${updateIfChanged(['source', 'source_id'], [...columns, 'licence'])}`);
}

/**
 * `ON CONFLICT (key) DO UPDATE` that rewrites a row (and its import date) only when one of the
 * columns differs, so that re-imports count unchanged rows as unchanged. The table must be
 * aliased `t` in the INSERT.
 */
export function updateIfChanged(key: string | readonly string[], columns: readonly string[]): RawBuilder<unknown> {
  const ids = columns.map((c) => sql.id(c));
  return sql`ON CONFLICT (${sql.join((typeof key === 'string' ? [key] : key).map((k) => sql.id(k)))}) DO UPDATE SET ${sql.join(ids.map((c) => sql`${c} = excluded.${c}`))}, imported_at = now()
    WHERE (${sql.join(ids.map((c) => sql`t.${c}`))}) IS DISTINCT FROM (${sql.join(ids.map((c) => sql`excluded.${c}`))})`;
}

/**
 * Runs an `INSERT … ${updateIfChanged(…)}` and adds its inserted and updated rows to the counts
 * (the rows that the update's WHERE leaves alone are the unchanged ones).
 */
export async function countWrites(ctx: ImportContext, insert: RawBuilder<unknown>): Promise<void> {
  const r = await sql<{ inserted: number; written: number }>`
    WITH w AS (${insert} RETURNING (xmax = 0) AS inserted)
    SELECT count(*) FILTER (WHERE inserted)::int AS inserted, count(*)::int AS written FROM w`.execute(ctx.trx);
  const { inserted, written } = r.rows[0]!;
  ctx.inserted += inserted;
  ctx.updated += written - inserted;
}

/**
 * A batch of rows as one JSON parameter, read back as a typed row set:
 * `json_to_recordset($1) AS r(code text, population integer, …)`. One parameter instead of one
 * per value keeps big batches cheap for the driver and for the server's parser.
 */
export function jsonRows(rows: readonly object[], alias: string, columns: Readonly<Record<string, string>>): RawBuilder<unknown> {
  const definition = Object.entries(columns).map(([c, type]) => sql`${sql.id(c)} ${sql.raw(type)}`);
  return sql`json_to_recordset(${JSON.stringify(rows)}::json) AS ${sql.id(alias)}(${sql.join(definition)})`;
}

/**
 * The geometry of each row of a `jsonRows` set whose columns `wkb_at` and `wkb_length` place it
 * in `blob`, the bytes of an `EwkbBlob` (src/wkb.ts), sent as one binary parameter.
 */
export function blobGeometry(blob: Buffer, alias: string): RawBuilder<unknown> {
  return sql`ST_GeomFromEWKB(substring(${blob}::bytea FROM ${sql.ref(`${alias}.wkb_at`)} FOR ${sql.ref(`${alias}.wkb_length`)}))`;
}

/** The SQL type of each column of a table, as `format_type` writes it (`text[]`, `jsonb`…). */
export async function columnTypes(ctx: ImportContext, table: string): Promise<Map<string, string>> {
  const r = await sql<{ name: string; type: string }>`
    SELECT attname AS name, format_type(atttypid, atttypmod) AS type FROM pg_attribute
    WHERE attrelid = ${table}::regclass AND attnum > 0 AND NOT attisdropped`.execute(ctx.trx);
  return new Map(r.rows.map((c) => [c.name, c.type]));
}

/**
 * Keeps one statement running on the server while the client reads and prepares the next
 * batch, so that parsing and the database's work overlap. `settle()` before anything that must
 * see every batch written, and before leaving the import: a failed statement throws there.
 */
export class InFlight {
  #pending: Promise<void> = Promise.resolve();
  #failure: { error: unknown } | undefined;

  /**
   * Runs `body`, then waits for the last statement. When `body` fails, its error is the one
   * thrown (the statement in flight is waited for, and its outcome dropped: all is rolled back).
   */
  static async with(body: (inFlight: InFlight) => Promise<void>): Promise<void> {
    const inFlight = new InFlight();
    try {
      await body(inFlight);
    } catch (error) {
      await inFlight.settle().catch(() => undefined);
      throw error;
    }
    await inFlight.settle();
  }

  async send(statement: () => Promise<unknown>): Promise<void> {
    await this.settle();
    this.#pending = statement().then(() => undefined, (error: unknown) => {
      this.#failure = { error };
    });
  }
  async settle(): Promise<void> {
    await this.#pending;
    if (this.#failure) throw this.#failure.error;
  }
}

/** Collects rows and flushes them in batches (bounded memory, bounded statement size). */
export class Batcher {
  #rows: FeatureRow[] = [];
  readonly #seen = new Map<string, string>();
  readonly #ctx: ImportContext;
  readonly #table: FeatureTable;
  readonly #size: number;
  constructor(ctx: ImportContext, table: FeatureTable, size = 500) {
    this.#ctx = ctx;
    this.#table = table;
    this.#size = size;
  }
  /** Queues a row; a second row with the same source id in one input is rejected. */
  async add(ref: string, row: FeatureRow): Promise<void> {
    const first = this.#seen.get(row.source_id);
    if (first !== undefined) {
      this.#ctx.reject(ref, `duplicate id ${row.source_id} (already at ${first})`);
      return;
    }
    this.#seen.set(row.source_id, ref);
    this.#rows.push(row);
    if (this.#rows.length >= this.#size) await this.flush();
  }
  async flush(): Promise<void> {
    const rows = this.#rows;
    this.#rows = [];
    await upsertFeatures(this.#ctx, this.#table, rows);
  }
}

/**
 * The features of a GeoJSON input, counted and with progress; an element that is not a Feature
 * is rejected here, so importers see only features.
 */
export async function* importFeatures(ctx: ImportContext, input: string): AsyncGenerator<{ ref: string; feature: GeoJsonFeature }> {
  const opened = await openInput(input);
  for await (const item of readGeoJsonFeatures(opened)) {
    ctx.read++;
    ctx.progress(opened.bytesRead(), opened.totalBytes, 'bytes');
    const ref = `feature ${item.index}`;
    if ('problem' in item) ctx.reject(ref, item.problem);
    else yield { ref, feature: item.feature };
  }
}
