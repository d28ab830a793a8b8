// In-app notifications: what happened to my contributions and to the projects I follow.
import { type Kysely, sql } from 'kysely';
import type { Database, NotificationKind } from '@maillage/sql';

export interface NotificationRow {
  id: number;
  kind: NotificationKind;
  contribution_id: number | null;
  project_id: number | null;
  data: Record<string, unknown>;
  created_at: Date;
  read_at: Date | null;
}

export async function notify(db: Kysely<Database>, n: { userIds: number[]; kind: NotificationKind; contributionId?: number | null; projectId?: number | null; data?: Record<string, unknown> }): Promise<void> {
  const ids = [...new Set(n.userIds)];
  if (!ids.length) return;
  await db.insertInto('notifications').values(ids.map((userId) => ({
    user_id: String(userId), kind: n.kind,
    contribution_id: n.contributionId === undefined || n.contributionId === null ? null : String(n.contributionId),
    project_id: n.projectId === undefined || n.projectId === null ? null : String(n.projectId),
    data: JSON.stringify(n.data ?? {}),
  }))).execute();
}

export async function listNotifications(db: Kysely<Database>, userId: number, limit: number): Promise<{ rows: NotificationRow[]; unread: number }> {
  const [rows, unread] = await Promise.all([
    db.selectFrom('notifications').select(['id', 'kind', 'contribution_id', 'project_id', 'data', 'created_at', 'read_at'])
      .where('user_id', '=', String(userId)).orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).execute(),
    db.selectFrom('notifications').select(sql<number>`count(*)::int`.as('n')).where('user_id', '=', String(userId)).where('read_at', 'is', null).executeTakeFirstOrThrow(),
  ]);
  return {
    rows: rows.map((r) => ({
      ...r, id: Number(r.id), contribution_id: r.contribution_id === null ? null : Number(r.contribution_id),
      project_id: r.project_id === null ? null : Number(r.project_id), created_at: new Date(r.created_at),
      data: r.data as Record<string, unknown>,
    })),
    unread: Number(unread.n),
  };
}

/** Marks the user's notifications read: the listed ones, or all of them. */
export async function markRead(db: Kysely<Database>, userId: number, ids: number[] | undefined): Promise<number> {
  let q = db.updateTable('notifications').set({ read_at: sql<Date>`now()` }).where('user_id', '=', String(userId)).where('read_at', 'is', null);
  if (ids) q = q.where('id', 'in', ids.map(String));
  const r = await q.executeTakeFirst();
  return Number(r.numUpdatedRows);
}
