// The public change feed: the audit trail's recent changes to public layers, optionally only
// those of one layer and one territory (the communes of a scope, as analyses define them).
// It carries no actor at all: a feed is copied everywhere, so no name and no e-mail go in it.
import { type Kysely, type RawBuilder, sql } from 'kysely';
import { type Database, inScope, type Scope } from '@maillage/sql';

export interface FeedRow {
  id: number;
  at: Date;
  action: string;
  layer: string;
  feature_id: string;
  contribution_kind: string | null;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
}

export async function recentChanges(db: Kysely<Database>, f: { layer?: string | undefined; scope?: Scope | undefined; limit: number }): Promise<FeedRow[]> {
  const conditions: RawBuilder<unknown>[] = [sql`TRUE`];
  if (f.layer) conditions.push(sql`a.layer = ${f.layer}`);
  if (f.scope && f.scope.kind !== 'france') {
    conditions.push(sql`EXISTS (SELECT 1 FROM communes co WHERE ${inScope(f.scope, 'co')} AND co.geom && a.geom AND ST_Intersects(co.geom, a.geom))`);
  }
  const r = await sql<FeedRow>`
    SELECT a.id, a.at, a.action, a.layer, a.feature_id, c.kind AS contribution_kind, a.before, a.after
    FROM audit_log a LEFT JOIN contributions c ON c.id = a.contribution_id
    WHERE ${sql.join(conditions, sql` AND `)}
    ORDER BY a.at DESC, a.id DESC
    LIMIT ${f.limit}`.execute(db);
  return r.rows.map((row) => ({ ...row, id: Number(row.id), at: new Date(row.at) }));
}
