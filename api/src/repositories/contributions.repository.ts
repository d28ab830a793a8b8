// Contributions: recording them (idempotently), reading them back for their author and for
// moderators, and finding features nearby that may already be the same thing.
import { type Kysely, type RawBuilder, sql } from 'kysely';
import type { ContributionsTable, Database } from '@maillage/sql';
import { findLayer, type LayerDefinition } from '../layers/registry.ts';

type Kind = ContributionsTable['kind'];
type Status = 'pending' | 'approved' | 'rejected' | 'merged';

export interface ContributionRow {
  id: number;
  kind: Kind;
  status: Status;
  target_layer: string | null;
  target_id: string | null;
  feature_id: string | null;
  payload: Record<string, unknown>;
  reason: string | null;
  licence_consent: string;
  author_id: number;
  moderator_id: number | null;
  idempotency_key: string | null;
  created_at: Date;
  decided_at: Date | null;
  lon: number | null;
  lat: number | null;
}

export interface NewContribution {
  kind: Kind;
  targetLayer: string;
  targetId: string | null;
  payload: Record<string, unknown>;
  licence: string;
  authorId: number;
  idempotencyKey: string | null;
  location: [number, number] | null;
}

const point = ([lon, lat]: [number, number]) => sql`ST_SetSRID(ST_MakePoint(${lon}, ${lat}), 4326)`;

function selectContribution(db: Kysely<Database>) {
  return db.selectFrom('contributions as c').select([
    'c.id', 'c.kind', 'c.status', 'c.target_layer', 'c.target_id', 'c.feature_id', 'c.payload', 'c.reason', 'c.licence_consent',
    'c.author_id', 'c.moderator_id', 'c.idempotency_key', 'c.created_at', 'c.decided_at',
    sql<number | null>`ST_X(ST_PointOnSurface(c.geom))`.as('lon'),
    sql<number | null>`ST_Y(ST_PointOnSurface(c.geom))`.as('lat'),
  ]);
}

function normalise(row: Record<string, unknown>): ContributionRow {
  const r = row as unknown as ContributionRow;
  return {
    ...r,
    id: Number(r.id),
    author_id: Number(r.author_id),
    moderator_id: r.moderator_id === null ? null : Number(r.moderator_id),
    target_id: r.target_id === null ? null : String(r.target_id),
    feature_id: r.feature_id === null ? null : String(r.feature_id),
    created_at: new Date(r.created_at),
    decided_at: r.decided_at === null ? null : new Date(r.decided_at),
  };
}

/**
 * Records a contribution, or returns the one the same author already made with the same
 * idempotency key (`created: false`): a retried submission never creates two. The unique
 * (author_id, idempotency_key) index settles concurrent retries too.
 */
export async function insertContribution(db: Kysely<Database>, c: NewContribution): Promise<{ row: ContributionRow; created: boolean }> {
  const inserted = await db.insertInto('contributions')
    .values({
      kind: c.kind,
      target_layer: c.targetLayer,
      target_id: c.targetId,
      payload: JSON.stringify(c.payload),
      licence_consent: c.licence,
      author_id: String(c.authorId),
      idempotency_key: c.idempotencyKey,
      geom: c.location ? point(c.location) : null,
    })
    .onConflict((oc) => oc.columns(['author_id', 'idempotency_key']).doNothing())
    .returning('id')
    .executeTakeFirst();
  const query = selectContribution(db);
  const row = inserted
    ? await query.where('c.id', '=', inserted.id).executeTakeFirstOrThrow()
    : await query.where('c.author_id', '=', String(c.authorId)).where('c.idempotency_key', '=', c.idempotencyKey).executeTakeFirstOrThrow();
  return { row: normalise(row), created: inserted !== undefined };
}

export async function getContribution(db: Kysely<Database>, id: number): Promise<ContributionRow | undefined> {
  const row = await selectContribution(db).where('c.id', '=', String(id)).executeTakeFirst();
  return row ? normalise(row) : undefined;
}

/** Locks a contribution for a decision (inside the deciding transaction). */
export async function lockContribution(db: Kysely<Database>, id: number): Promise<ContributionRow | undefined> {
  const row = await selectContribution(db).where('c.id', '=', String(id)).forUpdate().executeTakeFirst();
  return row ? normalise(row) : undefined;
}

export async function listAuthorContributions(db: Kysely<Database>, authorId: number, limit: number, offset: number): Promise<ContributionRow[]> {
  const rows = await selectContribution(db).where('c.author_id', '=', String(authorId))
    .orderBy('c.created_at', 'desc').orderBy('c.id', 'desc').limit(limit).offset(offset).execute();
  return rows.map(normalise);
}

export interface QueueFilter {
  status?: Status | undefined;
  kind?: Kind | undefined;
  layer?: string | undefined;
  commune?: string | undefined;
  limit: number;
  offset: number;
}

export interface QueueRow extends ContributionRow {
  author_name: string;
  author_role: string;
  moderator_name: string | null;
  commune_code: string | null;
  commune_name: string | null;
}

/** The moderation queue, oldest first for pending ones (first come, first served), newest first otherwise. */
export async function listQueue(db: Kysely<Database>, f: QueueFilter): Promise<{ rows: QueueRow[]; total: number }> {
  let q = selectContribution(db)
    .innerJoin('users as a', 'a.id', 'c.author_id')
    .leftJoin('users as m', 'm.id', 'c.moderator_id')
    .leftJoinLateral(
      (eb) => eb.selectFrom('communes as co').select(['co.code', 'co.name'])
        .where(sql<boolean>`c.geom IS NOT NULL AND co.geom && c.geom AND ST_Intersects(co.geom, ST_PointOnSurface(c.geom))`).limit(1).as('co'),
      (join) => join.onTrue(),
    )
    .select(['a.display_name as author_name', 'a.role as author_role', 'm.display_name as moderator_name', 'co.code as commune_code', 'co.name as commune_name']);
  if (f.status) q = q.where('c.status', '=', f.status);
  if (f.kind) q = q.where('c.kind', '=', f.kind);
  if (f.layer) q = q.where('c.target_layer', '=', f.layer);
  if (f.commune) q = q.where('co.code', '=', f.commune);
  const [rows, count] = await Promise.all([
    q.orderBy('c.created_at', f.status === 'pending' ? 'asc' : 'desc').orderBy('c.id', f.status === 'pending' ? 'asc' : 'desc')
      .limit(f.limit).offset(f.offset).execute(),
    q.clearSelect().select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow(),
  ]);
  return {
    rows: rows.map((r) => ({
      ...normalise(r), author_name: r.author_name, author_role: r.author_role, moderator_name: r.moderator_name ?? null,
      commune_code: r.commune_code ?? null, commune_name: r.commune_name ?? null,
    })),
    total: Number(count.n),
  };
}

export interface SimilarRow {
  layer: string;
  id: string;
  label: string | null;
  category: string | null;
  metres: number;
}

/** What a feature is called and what kind it is, per layer (for similar-feature warnings). */
function labelAndCategory(layer: LayerDefinition): { label: RawBuilder<string | null>; category: RawBuilder<string | null> } {
  switch (layer.table) {
    case 'places': return { label: sql`t.name`, category: sql`t.category` };
    case 'vacant_shops': return { label: sql`coalesce(t.name, t.address)`, category: sql`t.status` };
    case 'projects': return { label: sql`t.title`, category: sql`t.stage` };
    case 'needs': return { label: sql`t.comment`, category: sql`t.category` };
    case 'tiers_lieux': return { label: sql`t.name`, category: sql`NULL::text` };
    case 'programmes': return { label: sql`t.name`, category: sql`t.programme` };
    default: return { label: sql`NULL::text`, category: sql`NULL::text` };
  }
}

/**
 * Public features of a layer within `metres` of a point (and of the same category when one is
 * given), nearest first: the « this may already be on the map » warning.
 */
export async function findSimilar(db: Kysely<Database>, layerId: string, location: [number, number], category: string | null, metres = 50): Promise<SimilarRow[]> {
  const layer = findLayer(layerId);
  if (!layer) return [];
  const { label, category: cat } = labelAndCategory(layer);
  const here = sql`${point(location)}::geography`;
  const conditions: RawBuilder<unknown>[] = [sql`ST_DWithin(t.geom::geography, ${here}, ${metres})`];
  if (layer.moderated) conditions.push(sql`t.status = 'published'`);
  if (category !== null && (layer.table === 'places' || layer.table === 'needs')) conditions.push(sql`t.category = ${category}`);
  const r = await sql<SimilarRow>`
    SELECT ${layer.id}::text AS layer, t.${sql.id(layer.idColumn)}::text AS id, ${label} AS label, ${cat} AS category,
           round(ST_Distance(t.geom::geography, ${here})::numeric, 1)::float8 AS metres
    FROM ${sql.table(layer.table)} t
    WHERE ${sql.join(conditions, sql` AND `)}
    ORDER BY metres, id
    LIMIT 10`.execute(db);
  return r.rows;
}

/** True when the place category exists. */
export async function placeCategoryExists(db: Kysely<Database>, code: string): Promise<boolean> {
  return (await db.selectFrom('place_categories').select('code').where('code', '=', code).executeTakeFirst()) !== undefined;
}

/** True when the text can be a key of the layer (a bigint for `id` columns; codes are text). */
export function validFeatureId(layer: LayerDefinition, id: string): boolean {
  return layer.idColumn === 'id' ? /^[1-9][0-9]{0,17}$/.test(id) : /^[0-9A-Za-z_-]{1,40}$/.test(id);
}

/** `t.<key> = id`, typed so that the primary-key index is used; check validFeatureId first. */
export function keyEquals(layer: LayerDefinition, id: string): RawBuilder<boolean> {
  return layer.idColumn === 'id' ? sql<boolean>`t.id = ${id}::bigint` : sql<boolean>`t.${sql.id(layer.idColumn)} = ${id}`;
}

/** The key of a contribution's target in targetLabels' map. */
export function targetKey(c: Pick<ContributionRow, 'target_layer' | 'target_id'>): string {
  return `${c.target_layer ?? ''}/${c.target_id ?? ''}`;
}

/**
 * What the targets of corrections are called now (the name of a place, the title of a project…),
 * keyed by targetKey: one query per layer. A target that is gone, or unnamed, has no entry.
 */
export async function targetLabels(db: Kysely<Database>, rows: readonly ContributionRow[]): Promise<Map<string, string>> {
  const idsByLayer = new Map<LayerDefinition, string[]>();
  for (const r of rows) {
    const layer = r.kind === 'correction' && r.target_layer ? findLayer(r.target_layer) : undefined;
    if (!layer || r.target_id === null || !validFeatureId(layer, r.target_id)) continue;
    const ids = idsByLayer.get(layer) ?? [];
    ids.push(r.target_id);
    idsByLayer.set(layer, ids);
  }
  const labels = new Map<string, string>();
  for (const [layer, ids] of idsByLayer) {
    const key = layer.idColumn === 'id' ? sql`t.id = ANY(${ids}::bigint[])` : sql`t.${sql.id(layer.idColumn)} = ANY(${ids}::text[])`;
    const found = await sql<{ id: string; label: string | null }>`
      SELECT t.${sql.id(layer.idColumn)}::text AS id, ${labelAndCategory(layer).label} AS label
      FROM ${sql.table(layer.table)} t WHERE ${key}`.execute(db);
    for (const f of found.rows) if (f.label) labels.set(targetKey({ target_layer: layer.id, target_id: f.id }), f.label);
  }
  return labels;
}

/** True when the feature exists in the layer's table and is public. */
export async function featureExists(db: Kysely<Database>, layer: LayerDefinition, id: string): Promise<boolean> {
  if (!validFeatureId(layer, id)) return false;
  const r = await sql<{ one: number }>`
    SELECT 1 AS one FROM ${sql.table(layer.table)} t
    WHERE ${keyEquals(layer, id)} ${layer.moderated ? sql`AND t.status = 'published'` : sql``}`.execute(db);
  return r.rows.length > 0;
}
