// Moderation decisions. Each one is a single transaction: lock the contribution, write the
// feature into its layer (or change it), record the audit row, mark the contribution decided
// and notify its author. Any failure rolls all of it back: nothing is ever half-written.
// Approved features carry the portal as their source (a `sources` row per licence).
import { type Kysely, type RawBuilder, sql } from 'kysely';
import type { Database } from '@maillage/sql';
import { findLayer, type LayerDefinition, type LayerProperty } from '../layers/registry.ts';
import { HttpProblem } from '../problem.ts';
import { type ContributionRow, keyEquals, lockContribution } from './contributions.repository.ts';
import { type AuditAction, featureSnapshot, recordChange } from './audit.repository.ts';
import { notify } from './users.notifications.repository.ts';

/** The portal as a source, one row per licence a contribution can carry. */
const PORTAL_SOURCES: Record<string, { key: string; title: string; licence_url: string; attribution: string; odbl: boolean }> = {
  'ODbL 1.0': {
    key: 'maillage_contributions_odbl',
    title: 'Contributions des habitants sur Maillage (couches issues d’OpenStreetMap)',
    licence_url: 'https://opendatacommons.org/licenses/odbl/1-0/',
    attribution: "Contributeurs de Maillage ; © les contributeurs d'OpenStreetMap (ODbL)",
    odbl: true,
  },
  'Licence Ouverte 2.0': {
    key: 'maillage_contributions',
    title: 'Contributions des habitants sur Maillage',
    licence_url: 'https://www.etalab.gouv.fr/licence-ouverte-open-licence/',
    attribution: 'Contributeurs de Maillage',
    odbl: false,
  },
};

async function portalSource(db: Kysely<Database>, licence: string): Promise<string> {
  const s = PORTAL_SOURCES[licence];
  if (!s) throw new Error(`no portal source for licence ${licence}`);
  await db.insertInto('sources')
    .values({ key: s.key, title: s.title, licence, licence_url: s.licence_url, attribution: s.attribution, url: null, odbl: s.odbl, imported_at: sql<Date>`now()` })
    .onConflict((oc) => oc.column('key').doUpdateSet({ imported_at: sql<Date>`now()` }))
    .execute();
  return s.key;
}

const v = (value: unknown, cast: string): RawBuilder<unknown> => sql`${value}::${sql.raw(cast)}`;

/** The columns a contribution of this kind fills, from its payload (absent fields are left out). */
function contributedColumns(c: ContributionRow): [string, RawBuilder<unknown>][] {
  const p = c.payload;
  const cols: [string, unknown, string][] = [];
  switch (c.kind) {
    case 'place': cols.push(['category', p.category, 'text'], ['name', p.name, 'text']); break;
    case 'vacant_shop': cols.push(['status', p.status, 'text'], ['address', p.address, 'text'], ['former_activity', p.formerActivity, 'text'],
      ['surface_m2', p.surfaceM2, 'float8'], ['vacant_since', p.vacantSince, 'date']); break;
    case 'project': cols.push(['title', p.title, 'text'], ['themes', p.themes, 'text[]'], ['stage', p.stage, 'text'],
      ['lead_organisation', p.leadOrganisation, 'text'], ['commune_codes', p.communeCodes, 'text[]'], ['context', p.context, 'text'],
      ['expected_results', p.expectedResults, 'text'], ['next_step', p.nextStep, 'text']); break;
    case 'need': cols.push(['category', p.category, 'text'], ['comment', p.comment, 'text']); break;
    case 'correction': break;
  }
  return cols.filter(([, value]) => value !== undefined).map(([column, value, cast]) => [column, v(value, cast)]);
}

const here = sql`ST_SetSRID(ST_MakePoint(c.lon, c.lat), 4326)`;

/** Inserts the feature a place, vacant shop, project or need proposal describes; returns its id. */
async function insertFeature(db: Kysely<Database>, layer: LayerDefinition, c: ContributionRow): Promise<string> {
  if (c.lon === null || c.lat === null) throw new HttpProblem(409, 'Cette contribution n’a pas d’emplacement.', 'This contribution has no location.');
  const source = await portalSource(db, c.licence_consent);
  const cols = contributedColumns(c);
  const extra: [string, RawBuilder<unknown>][] = [
    ['source', sql`${source}`], ['source_id', sql`${`contribution:${c.id}`}`], ['licence', sql`${c.licence_consent}`], ['geom', here],
  ];
  if (layer.table !== 'projects') {
    extra.push(['commune_code', sql`(SELECT co.code FROM communes co WHERE co.geom && ${here} AND ST_Intersects(co.geom, ${here}) LIMIT 1)`]);
  }
  if (layer.table === 'places' || layer.table === 'vacant_shops') extra.push(['last_seen', sql`current_date`]);
  if (layer.table === 'projects' || layer.table === 'needs') extra.push(['created_by', sql`${c.author_id}`]);
  const all = [...cols, ...extra];
  const r = await sql<{ id: number }>`
    INSERT INTO ${sql.table(layer.table)} (${sql.join(all.map(([col]) => sql.id(col)))})
    SELECT ${sql.join(all.map(([, value]) => value))} FROM (SELECT ${c.lon}::float8 AS lon, ${c.lat}::float8 AS lat) c
    RETURNING id`.execute(db);
  return String(r.rows[0]!.id);
}

/** The SQL cast of a registry property type. */
const CAST: Record<LayerProperty['type'], string> = { string: 'text', integer: 'bigint', number: 'float8', boolean: 'boolean', date: 'date', 'string[]': 'text[]' };

/** Applies a correction's changes (already checked against the registry) to the feature. */
async function applyCorrection(db: Kysely<Database>, layer: LayerDefinition, c: ContributionRow, featureId: string): Promise<void> {
  const changes = (c.payload.changes ?? {}) as Record<string, unknown>;
  const sets: RawBuilder<unknown>[] = [];
  for (const [name, value] of Object.entries(changes)) {
    const p = layer.properties.find((x) => x.name === name);
    if (!p) throw new HttpProblem(409, `La couche ${layer.id} n’a plus de propriété « ${name} ».`, `Layer ${layer.id} no longer has a property "${name}".`);
    sets.push(sql`${sql.id(p.column ?? p.name)} = ${v(value, CAST[p.type])}`);
  }
  if (c.lon !== null && c.lat !== null && layer.geometry === 'Point') {
    sets.push(sql`geom = ST_SetSRID(ST_MakePoint(${c.lon}::float8, ${c.lat}::float8), 4326)`);
  }
  if (!sets.length) return;
  await sql`UPDATE ${sql.table(layer.table)} t SET ${sql.join(sets)} WHERE ${keyEquals(layer, featureId)}`.execute(db);
}

/** A vacant shop that changed (reoccupied, in project…): its status and the details given. */
async function updateFeature(db: Kysely<Database>, layer: LayerDefinition, c: ContributionRow, featureId: string, fillOnly: boolean): Promise<void> {
  const sets = contributedColumns(c)
    // Merging fills what the feature lacks; a vacant shop's status is news, so it always applies.
    .map(([col, value]) => (fillOnly && col !== 'status' ? sql`${sql.id(col)} = coalesce(${sql.ref(`t.${col}`)}, ${value})` : sql`${sql.id(col)} = ${value}`));
  if (layer.table === 'places' || layer.table === 'vacant_shops') sets.push(sql`last_seen = current_date`);
  if (layer.table === 'projects') sets.push(sql`updated_at = now()`);
  if (!sets.length) return;
  await sql`UPDATE ${sql.table(layer.table)} t SET ${sql.join(sets)} WHERE ${keyEquals(layer, featureId)}`.execute(db);
}

export interface Decision {
  contribution: ContributionRow;
  layer: LayerDefinition;
  featureId: string | null;
  /** true when a public layer changed (the caller tells the caches once the transaction committed). */
  layerChanged: boolean;
}

function layerOf(c: ContributionRow): LayerDefinition {
  const layer = c.target_layer ? findLayer(c.target_layer) : undefined;
  if (!layer) throw new HttpProblem(409, `La couche « ${c.target_layer} » de cette contribution n’existe plus.`, `The layer "${c.target_layer}" of this contribution no longer exists.`);
  return layer;
}

async function lockPending(db: Kysely<Database>, id: number): Promise<ContributionRow> {
  const c = await lockContribution(db, id);
  if (!c) throw new HttpProblem(404, `Aucune contribution n° ${id}.`, `No contribution #${id}.`);
  if (c.status !== 'pending') {
    throw new HttpProblem(409, `La contribution n° ${id} a déjà été traitée (${c.status}).`, `Contribution #${id} was already decided (${c.status}).`, { contributionStatus: c.status });
  }
  return c;
}

async function featureGone(layer: LayerDefinition, id: string): Promise<never> {
  throw new HttpProblem(409, `L’objet ${layer.id}/${id} n’existe plus : rejetez la contribution ou fusionnez-la ailleurs.`,
    `Feature ${layer.id}/${id} no longer exists: reject the contribution or merge it elsewhere.`);
}

// A row the layer's own rules refuse (a CHECK, a foreign key): the contribution cannot be
// applied as it is. The transaction has rolled back; this says why, as a 409, not a 500.
async function inTransaction<T>(db: Kysely<Database>, work: (trx: Kysely<Database>) => Promise<T>): Promise<T> {
  try {
    return await db.transaction().execute(work);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' && (code.startsWith('23') || code === '22P02' || code === '22007' || code === '22008')) {
      const detail = (error as { detail?: string; constraint?: string }).constraint ?? (error as Error).message;
      throw new HttpProblem(409, `La contribution ne peut pas être appliquée : la couche la refuse (${detail}). Rien n’a été écrit.`,
        `The contribution cannot be applied: the layer refuses it (${detail}). Nothing was written.`);
    }
    throw error;
  }
}

async function decided(db: Kysely<Database>, c: ContributionRow, status: 'approved' | 'rejected' | 'merged', moderatorId: number, featureId: string | null, reason: string | null): Promise<ContributionRow> {
  await db.updateTable('contributions')
    .set({ status, moderator_id: String(moderatorId), decided_at: sql<Date>`now()`, feature_id: featureId, reason })
    .where('id', '=', String(c.id)).execute();
  return { ...c, status, moderator_id: moderatorId, feature_id: featureId, reason, decided_at: new Date() };
}

async function audit(db: Kysely<Database>, layer: LayerDefinition, featureId: string, action: AuditAction, actorId: number, c: ContributionRow, before: Record<string, unknown> | null): Promise<void> {
  const after = await featureSnapshot(db, layer, featureId);
  await recordChange(db, { layer, featureId, action, actorId, contributionId: c.id, before, after });
}

/** Approves a pending contribution: the feature is written into its layer, audited, and the author told. */
export async function approveContribution(db: Kysely<Database>, id: number, moderatorId: number, note: string | null): Promise<Decision> {
  return inTransaction(db, async (trx) => {
    const c = await lockPending(trx, id);
    const layer = layerOf(c);
    let featureId: string;
    let before: Record<string, unknown> | null = null;
    let action: AuditAction;
    if (c.kind === 'correction' || (c.kind === 'vacant_shop' && c.target_id !== null)) {
      featureId = c.target_id!;
      before = await featureSnapshot(trx, layer, featureId);
      if (!before) await featureGone(layer, featureId);
      if (c.kind === 'correction') await applyCorrection(trx, layer, c, featureId);
      else await updateFeature(trx, layer, c, featureId, false);
      action = 'update';
    } else {
      featureId = await insertFeature(trx, layer, c);
      action = 'create';
    }
    await audit(trx, layer, featureId, action, moderatorId, c, before);
    const contribution = await decided(trx, c, 'approved', moderatorId, featureId, note);
    await notify(trx, { userIds: [c.author_id], kind: 'contribution_approved', contributionId: c.id, data: { layer: layer.id, featureId } });
    return { contribution, layer, featureId, layerChanged: true };
  });
}

/** Rejects a pending contribution with the reason its author will read. */
export async function rejectContribution(db: Kysely<Database>, id: number, moderatorId: number, reason: string): Promise<Decision> {
  return inTransaction(db, async (trx) => {
    const c = await lockPending(trx, id);
    const layer = layerOf(c);
    const contribution = await decided(trx, c, 'rejected', moderatorId, null, reason);
    await notify(trx, { userIds: [c.author_id], kind: 'contribution_rejected', contributionId: c.id, data: { reason } });
    return { contribution, layer, featureId: null, layerChanged: false };
  });
}

/**
 * Merges a pending contribution into an existing feature of its layer (it described something
 * already there): the feature keeps its values and gains those it lacked.
 */
export async function mergeContribution(db: Kysely<Database>, id: number, moderatorId: number, featureId: string, note: string | null): Promise<Decision> {
  return inTransaction(db, async (trx) => {
    const c = await lockPending(trx, id);
    if (c.kind === 'correction') {
      throw new HttpProblem(409, 'Une correction s’applique ou se rejette ; elle ne se fusionne pas.', 'A correction is approved or rejected, not merged.');
    }
    const layer = layerOf(c);
    const before = await featureSnapshot(trx, layer, featureId);
    if (!before) await featureGone(layer, featureId);
    await updateFeature(trx, layer, c, featureId, true);
    await audit(trx, layer, featureId, 'merge', moderatorId, c, before);
    const contribution = await decided(trx, c, 'merged', moderatorId, featureId, note);
    await notify(trx, { userIds: [c.author_id], kind: 'contribution_merged', contributionId: c.id, data: { layer: layer.id, featureId } });
    return { contribution, layer, featureId, layerChanged: true };
  });
}
