// The audit trail: one row per change to a public feature (who, when, before, after, where),
// read back as the feature's history and as the public change feed. Snapshots are the feature
// as the API publishes it (registry properties and geometry), so they hold no personal data.
import { type Kysely, sql } from 'kysely';
import type { Database } from '@maillage/sql';
import type { LayerDefinition } from '../layers/registry.ts';
import { featureJson } from './features.repository.ts';
import { keyEquals } from './contributions.repository.ts';

export type AuditAction = 'create' | 'update' | 'merge' | 'stage';

/** The feature as published (GeoJSON Feature), whatever its moderation status; null when there is none. */
export async function featureSnapshot(db: Kysely<Database>, layer: LayerDefinition, id: string): Promise<Record<string, unknown> | null> {
  const r = await sql<{ f: string }>`SELECT ${featureJson(layer)} AS f FROM ${sql.table(layer.table)} t WHERE ${keyEquals(layer, id)}`.execute(db);
  const f = r.rows[0]?.f;
  return f === undefined ? null : JSON.parse(f) as Record<string, unknown>;
}

export interface Change {
  layer: LayerDefinition;
  featureId: string;
  action: AuditAction;
  actorId: number;
  contributionId: number | null;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
}

/** Writes the audit row of a change, inside the transaction that made it; its place is the feature's geometry now. */
export async function recordChange(db: Kysely<Database>, c: Change): Promise<void> {
  await sql`
    INSERT INTO audit_log (actor_id, action, layer, feature_id, contribution_id, before, after, geom)
    VALUES (${c.actorId}, ${c.action}, ${c.layer.id}, ${c.featureId}, ${c.contributionId},
            ${c.before === null ? null : JSON.stringify(c.before)}::jsonb, ${c.after === null ? null : JSON.stringify(c.after)}::jsonb,
            (SELECT t.geom FROM ${sql.table(c.layer.table)} t WHERE ${keyEquals(c.layer, c.featureId)}))`.execute(db);
}

export interface HistoryRow {
  id: number;
  at: Date;
  action: AuditAction;
  contribution_id: number | null;
  contribution_kind: string | null;
  actor_role: string | null;
  actor_name: string | null;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
}

/** Every recorded change of a feature, oldest first. */
export async function featureHistory(db: Kysely<Database>, layerId: string, featureId: string): Promise<HistoryRow[]> {
  const rows = await db.selectFrom('audit_log as a')
    .leftJoin('users as u', 'u.id', 'a.actor_id')
    .leftJoin('contributions as c', 'c.id', 'a.contribution_id')
    .select(['a.id', 'a.at', 'a.action', 'a.contribution_id', 'c.kind as contribution_kind', 'u.role as actor_role', 'u.display_name as actor_name', 'a.before', 'a.after'])
    .where('a.layer', '=', layerId).where('a.feature_id', '=', featureId)
    .orderBy('a.at').orderBy('a.id')
    .execute();
  return rows.map((r) => ({
    ...r, id: Number(r.id), at: new Date(r.at), action: r.action as AuditAction,
    contribution_id: r.contribution_id === null ? null : Number(r.contribution_id),
    contribution_kind: r.contribution_kind ?? null, actor_role: r.actor_role ?? null, actor_name: r.actor_name ?? null,
    before: r.before as Record<string, unknown> | null, after: r.after as Record<string, unknown> | null,
  }));
}
