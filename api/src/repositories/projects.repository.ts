// Projects as their public pages show them, with comments (plain text), supports (one per
// user: the key says so) and stage changes, which go to the audit trail like every change.
import { type Kysely, type RawBuilder, sql } from 'kysely';
import type { Database, ProjectStage } from '@maillage/sql';
import { findLayer } from '../layers/registry.ts';
import { featureSnapshot, recordChange } from './audit.repository.ts';
import { notify } from './users.notifications.repository.ts';

export interface ProjectFilter {
  theme?: string | undefined;
  stage?: string | undefined;
  commune?: string | undefined;
  q?: string | undefined;
  limit: number;
  offset: number;
}

export interface ProjectRow {
  id: number;
  title: string;
  themes: string[];
  stage: ProjectStage;
  lead_organisation: string | null;
  communes: { code: string; name: string }[];
  context: string | null;
  expected_results: string | null;
  results: string | null;
  next_step: string | null;
  licence: string;
  source: string;
  created_at: Date;
  updated_at: Date;
  lon: number;
  lat: number;
  supports: number;
  comments: number;
}

const PUBLISHED = sql<boolean>`p.status = 'published'`;

function projectSelect(where: RawBuilder<boolean>, tail: RawBuilder<unknown>) {
  return sql<ProjectRow>`
    SELECT p.id, p.title, p.themes, p.stage, p.lead_organisation, p.context, p.expected_results, p.results, p.next_step,
           p.licence, p.source, p.created_at, p.updated_at,
           ST_X(ST_PointOnSurface(p.geom)) AS lon, ST_Y(ST_PointOnSurface(p.geom)) AS lat,
           coalesce((SELECT json_agg(json_build_object('code', c.code, 'name', c.name) ORDER BY c.name)
                     FROM communes c WHERE c.code = ANY(p.commune_codes)), '[]'::json) AS communes,
           (SELECT count(*)::int FROM project_supports s WHERE s.project_id = p.id) AS supports,
           (SELECT count(*)::int FROM project_comments k WHERE k.project_id = p.id AND k.status = 'published') AS comments
    FROM projects p
    WHERE ${where}
    ${tail}`;
}

const normalise = (r: ProjectRow): ProjectRow => ({ ...r, id: Number(r.id), created_at: new Date(r.created_at), updated_at: new Date(r.updated_at) });

export async function listProjects(db: Kysely<Database>, f: ProjectFilter): Promise<{ rows: ProjectRow[]; total: number }> {
  const conditions: RawBuilder<boolean>[] = [PUBLISHED];
  if (f.theme) conditions.push(sql<boolean>`${f.theme} = ANY(p.themes)`);
  if (f.stage) conditions.push(sql<boolean>`p.stage = ${f.stage}`);
  if (f.commune) conditions.push(sql<boolean>`${f.commune} = ANY(p.commune_codes)`);
  if (f.q) conditions.push(sql<boolean>`(p.title ILIKE ${`%${f.q.replace(/[\\%_]/g, '\\$&')}%`} OR p.lead_organisation ILIKE ${`%${f.q.replace(/[\\%_]/g, '\\$&')}%`})`);
  const where = sql.join(conditions, sql` AND `) as RawBuilder<boolean>;
  const [rows, total] = await Promise.all([
    projectSelect(where, sql`ORDER BY p.updated_at DESC, p.id DESC LIMIT ${f.limit} OFFSET ${f.offset}`).execute(db),
    sql<{ n: number }>`SELECT count(*)::int AS n FROM projects p WHERE ${where}`.execute(db),
  ]);
  return { rows: rows.rows.map(normalise), total: total.rows[0]?.n ?? 0 };
}

export async function getProject(db: Kysely<Database>, id: number): Promise<ProjectRow | undefined> {
  const r = await projectSelect(sql<boolean>`${PUBLISHED} AND p.id = ${id}::bigint`, sql``).execute(db);
  return r.rows[0] ? normalise(r.rows[0]) : undefined;
}

/** Who proposed the project (for the right to change its stage), or undefined when there is no such public project. */
export async function projectOwner(db: Kysely<Database>, id: number): Promise<{ createdBy: number | null } | undefined> {
  const r = await db.selectFrom('projects').select('created_by').where('id', '=', String(id)).where('status', '=', 'published').executeTakeFirst();
  return r ? { createdBy: r.created_by === null ? null : Number(r.created_by) } : undefined;
}

export interface CommentRow {
  id: number;
  body: string;
  author_name: string;
  created_at: Date;
}

export async function listComments(db: Kysely<Database>, projectId: number): Promise<CommentRow[]> {
  const rows = await db.selectFrom('project_comments as k').innerJoin('users as u', 'u.id', 'k.author_id')
    .select(['k.id', 'k.body', 'u.display_name as author_name', 'k.created_at'])
    .where('k.project_id', '=', String(projectId)).where('k.status', '=', 'published')
    .orderBy('k.created_at').orderBy('k.id').execute();
  return rows.map((r) => ({ ...r, id: Number(r.id), created_at: new Date(r.created_at) }));
}

/** Adds a comment and tells the project's author (unless they wrote it). */
export async function addComment(db: Kysely<Database>, projectId: number, authorId: number, body: string): Promise<CommentRow> {
  return db.transaction().execute(async (trx) => {
    const row = await trx.insertInto('project_comments').values({ project_id: String(projectId), author_id: String(authorId), body })
      .returning(['id', 'created_at']).executeTakeFirstOrThrow();
    const owner = await projectOwner(trx, projectId);
    if (owner?.createdBy && owner.createdBy !== authorId) {
      await notify(trx, { userIds: [owner.createdBy], kind: 'project_comment', projectId, data: { commentId: Number(row.id) } });
    }
    const author = await trx.selectFrom('users').select('display_name').where('id', '=', String(authorId)).executeTakeFirstOrThrow();
    return { id: Number(row.id), body, author_name: author.display_name, created_at: new Date(row.created_at) };
  });
}

/** Hides a comment (moderation, or its author); false when there is no such comment on the project. */
export async function hideComment(db: Kysely<Database>, projectId: number, commentId: number, byAuthor: number | null): Promise<boolean> {
  let q = db.updateTable('project_comments').set({ status: 'hidden' })
    .where('id', '=', String(commentId)).where('project_id', '=', String(projectId)).where('status', '=', 'published');
  if (byAuthor !== null) q = q.where('author_id', '=', String(byAuthor));
  const r = await q.executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

export async function commentAuthor(db: Kysely<Database>, projectId: number, commentId: number): Promise<number | undefined> {
  const r = await db.selectFrom('project_comments').select('author_id')
    .where('id', '=', String(commentId)).where('project_id', '=', String(projectId)).where('status', '=', 'published').executeTakeFirst();
  return r ? Number(r.author_id) : undefined;
}

/** « Je soutiens »: at most one per user and project; a second one changes nothing. Returns the count. */
export async function setSupport(db: Kysely<Database>, projectId: number, userId: number, on: boolean): Promise<number> {
  if (on) {
    await db.insertInto('project_supports').values({ project_id: String(projectId), user_id: String(userId) })
      .onConflict((oc) => oc.columns(['project_id', 'user_id']).doNothing()).execute();
  } else {
    await db.deleteFrom('project_supports').where('project_id', '=', String(projectId)).where('user_id', '=', String(userId)).execute();
  }
  return supportCount(db, projectId);
}

export async function supportCount(db: Kysely<Database>, projectId: number): Promise<number> {
  const r = await db.selectFrom('project_supports').select(sql<number>`count(*)::int`.as('n')).where('project_id', '=', String(projectId)).executeTakeFirstOrThrow();
  return Number(r.n);
}

export async function supports(db: Kysely<Database>, projectId: number, userId: number): Promise<boolean> {
  return (await db.selectFrom('project_supports').select('user_id').where('project_id', '=', String(projectId)).where('user_id', '=', String(userId)).executeTakeFirst()) !== undefined;
}

export interface StageRow {
  at: Date;
  stage: string;
  action: string;
}

/** The stages a project went through, from the audit trail (its creation, then each change). */
export async function stageHistory(db: Kysely<Database>, projectId: number): Promise<StageRow[]> {
  const rows = await db.selectFrom('audit_log').select(['at', 'action', sql<string | null>`after->'properties'->>'stage'`.as('stage')])
    .where('layer', '=', 'projects').where('feature_id', '=', String(projectId))
    .orderBy('at').orderBy('id').execute();
  const out: StageRow[] = [];
  for (const r of rows) {
    if (r.stage !== null && out.at(-1)?.stage !== r.stage) out.push({ at: new Date(r.at), stage: r.stage, action: r.action });
  }
  return out;
}

/** Moves a project to another stage, in one transaction with its audit row and the notifications. */
export async function changeStage(db: Kysely<Database>, projectId: number, actorId: number, stage: ProjectStage, nextStep: string | undefined): Promise<boolean> {
  const layer = findLayer('projects')!;
  return db.transaction().execute(async (trx) => {
    const before = await featureSnapshot(trx, layer, String(projectId));
    if (!before) return false;
    const r = await trx.updateTable('projects')
      .set({ stage, updated_at: sql<Date>`now()`, ...(nextStep !== undefined ? { next_step: nextStep } : {}) })
      .where('id', '=', String(projectId)).where('status', '=', 'published').returning('created_by').executeTakeFirst();
    if (!r) return false;
    const after = await featureSnapshot(trx, layer, String(projectId));
    await recordChange(trx, { layer, featureId: String(projectId), action: 'stage', actorId, contributionId: null, before, after });
    const supporters = await trx.selectFrom('project_supports').select('user_id').where('project_id', '=', String(projectId)).execute();
    const people = [...supporters.map((s) => Number(s.user_id)), ...(r.created_by === null ? [] : [Number(r.created_by)])].filter((id) => id !== actorId);
    await notify(trx, { userIds: people, kind: 'project_stage', projectId, data: { stage } });
    return true;
  });
}
