// GET /api/layers/{layer}/features/{id}/history: every recorded change of a feature (when,
// what, before and after), oldest first. Public: it says the role of who made each change;
// moderators and admins also see their display names. Never an e-mail.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { requireLayer } from '../../layers/registry.ts';
import { HttpProblem } from '../../problem.ts';
import { featureHistory } from '../../repositories/audit.repository.ts';
import { validFeatureId } from '../../repositories/contributions.repository.ts';
import { ProblemSchema } from '../schemas.ts';

const Json = Type.Unsafe<Record<string, unknown> | null>({ type: ['object', 'null'], additionalProperties: true });

export const HistoryEntry = Type.Object({
  id: Type.Integer(),
  at: Type.String({ format: 'date-time' }),
  action: Type.String({ description: 'create | update | merge | stage' }),
  contribution: Type.Union([Type.Object({ id: Type.Integer(), kind: Type.String() }), Type.Null()]),
  actor: Type.Object({ role: Type.Union([Type.String(), Type.Null()]), displayName: Type.Optional(Type.String()) }),
  before: Json,
  after: Json,
});

const history: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/layers/:layer/features/:id/history', {
    schema: {
      summary: 'Historique d’un objet / Feature history',
      tags: ['moderation'],
      params: Type.Object({ layer: Type.String({ maxLength: 40 }), id: Type.String({ maxLength: 40 }) }),
      response: { 200: Type.Object({ layer: Type.String(), id: Type.String(), changes: Type.Array(HistoryEntry) }), 400: ProblemSchema, 404: ProblemSchema },
    },
  }, async (request) => {
    const layer = requireLayer(request.params.layer);
    const { id } = request.params;
    if (!validFeatureId(layer, id)) throw new HttpProblem(404, `Aucun objet « ${id} » dans ${layer.id}.`, `No feature "${id}" in ${layer.id}.`);
    const names = request.user?.role === 'moderator' || request.user?.role === 'admin';
    const rows = await featureHistory(app.db, layer.id, id);
    return {
      layer: layer.id,
      id,
      changes: rows.map((r) => ({
        id: r.id, at: r.at.toISOString(), action: r.action,
        contribution: r.contribution_id === null ? null : { id: r.contribution_id, kind: r.contribution_kind ?? '' },
        actor: names && r.actor_name !== null ? { role: r.actor_role, displayName: r.actor_name } : { role: r.actor_role },
        before: r.before, after: r.after,
      })),
    };
  });
};

export default history;
