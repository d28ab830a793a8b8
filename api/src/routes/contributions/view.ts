// A contribution as the API shows it to its author and to moderators.
import { type ContributionRow, targetKey } from '../../repositories/contributions.repository.ts';
import type { ContributionViewT } from './schemas.ts';

/** `targetLabel`: what the target of a correction is called now (see targetLabels). */
function title(c: ContributionRow, targetLabel: string | undefined): string {
  const p = c.payload;
  switch (c.kind) {
    case 'place': return String(p.name ?? p.category ?? '');
    case 'vacant_shop': return String(p.address ?? p.formerActivity ?? `local ${String(p.status)}`);
    case 'project': return String(p.title ?? '');
    case 'need': return String(p.category ?? '');
    case 'correction': return targetLabel ?? `${c.target_layer ?? '?'}/${c.target_id ?? '?'}`;
  }
}

export function contributionView(c: ContributionRow, targetLabels?: ReadonlyMap<string, string>): ContributionViewT {
  return {
    id: c.id,
    kind: c.kind,
    status: c.status,
    layer: c.target_layer ?? '',
    featureId: c.feature_id,
    targetId: c.target_id,
    title: title(c, targetLabels?.get(targetKey(c))),
    payload: c.payload,
    location: c.lon === null || c.lat === null ? null : [c.lon, c.lat],
    licence: c.licence_consent,
    reason: c.reason,
    createdAt: c.created_at.toISOString(),
    decidedAt: c.decided_at ? c.decided_at.toISOString() : null,
  };
}
