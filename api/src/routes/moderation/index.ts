// /api/moderation: the queue of contributions, and the decisions on them (approve, reject with
// a reason, merge into an existing feature). Moderators and admins only. A decision that
// changes a public layer tells the tile cache once its transaction has committed.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { HttpProblem } from '../../problem.ts';
import { currentUser, requireRole } from '../../plugins/app/auth.ts';
import { layerChanged } from '../../layers/versions.ts';
import { findLayer } from '../../layers/registry.ts';
import { featureSnapshot } from '../../repositories/audit.repository.ts';
import { findSimilar, listQueue } from '../../repositories/contributions.repository.ts';
import {
  approveContribution, type Decision, mergeContribution, rejectContribution,
} from '../../repositories/moderation.repository.ts';
import { ProblemSchema } from '../schemas.ts';
import { ContributionView, KindSchema, SimilarFeature, StatusSchema } from '../contributions/schemas.ts';
import { contributionView } from '../contributions/view.ts';

const Problems = { 400: ProblemSchema, 401: ProblemSchema, 403: ProblemSchema, 404: ProblemSchema, 409: ProblemSchema, 429: ProblemSchema };
const Id = Type.Object({ id: Type.Integer({ minimum: 1, maximum: 2 ** 53 - 1 }) });
const Note = Type.Optional(Type.String({ maxLength: 1000, description: 'Mot pour l’auteur / a word for the author' }));
const Feature = Type.Unsafe<Record<string, unknown>>({ type: 'object', additionalProperties: true, description: 'GeoJSON Feature' });

const QueueItem = Type.Intersect([ContributionView, Type.Object({
  author: Type.Object({ displayName: Type.String(), role: Type.String() }),
  moderator: Type.Union([Type.String(), Type.Null()]),
  commune: Type.Union([Type.Object({ code: Type.String(), name: Type.String() }), Type.Null()]),
  similar: Type.Array(SimilarFeature),
  /** The feature a correction or a status report is about, as it is now. */
  target: Type.Union([Feature, Type.Null()]),
})]);

const DecisionAnswer = Type.Object({
  contribution: ContributionView,
  feature: Type.Union([Type.Object({ layer: Type.String(), id: Type.String(), url: Type.String() }), Type.Null()]),
});

function answer(d: Decision) {
  if (d.layerChanged) layerChanged(d.layer.id);
  return {
    contribution: contributionView(d.contribution),
    feature: d.featureId === null ? null : { layer: d.layer.id, id: d.featureId, url: `/api/ogc/collections/${d.layer.id}/items/${d.featureId}` },
  };
}

const moderation: FastifyPluginAsyncTypebox = async (app) => {
  const moderators = requireRole('moderator', 'admin');

  app.get('/contributions', {
    preHandler: moderators,
    schema: {
      summary: 'File de modération / Moderation queue',
      tags: ['moderation'],
      querystring: Type.Object({
        status: Type.Optional(StatusSchema),
        kind: Type.Optional(KindSchema),
        layer: Type.Optional(Type.String({ maxLength: 40 })),
        commune: Type.Optional(Type.String({ pattern: '^[0-9][0-9AB][0-9]{3}$' })),
        limit: Type.Integer({ minimum: 1, maximum: 100, default: 50 }),
        offset: Type.Integer({ minimum: 0, maximum: 100_000, default: 0 }),
      }, { additionalProperties: false }),
      response: { 200: Type.Object({ total: Type.Integer(), contributions: Type.Array(QueueItem) }), ...Problems },
    },
  }, async (request, reply) => {
    void reply.header('cache-control', 'private, no-store');
    const q = request.query;
    const { rows, total } = await listQueue(app.db, { status: q.status ?? 'pending', kind: q.kind, layer: q.layer, commune: q.commune, limit: q.limit, offset: q.offset });
    const items = [];
    for (const r of rows) {
      const layer = r.target_layer ? findLayer(r.target_layer) : undefined;
      const location: [number, number] | null = r.lon === null || r.lat === null ? null : [r.lon, r.lat];
      const category = r.kind === 'place' || r.kind === 'need' ? String(r.payload.category) : null;
      const similar = r.status === 'pending' && layer && location && r.kind !== 'correction'
        ? (await findSimilar(app.db, layer.id, location, category)).filter((f) => f.id !== r.target_id)
        : [];
      const target = layer && r.target_id !== null ? await featureSnapshot(app.db, layer, r.target_id) : null;
      items.push({
        ...contributionView(r),
        author: { displayName: r.author_name, role: r.author_role },
        moderator: r.moderator_name,
        commune: r.commune_code && r.commune_name ? { code: r.commune_code, name: r.commune_name } : null,
        similar,
        target,
      });
    }
    return { total, contributions: items };
  });

  app.post('/contributions/:id/approve', {
    preHandler: moderators,
    bodyLimit: 8 * 1024,
    schema: {
      summary: 'Approuver : l’objet entre dans sa couche / Approve: the feature joins its layer',
      tags: ['moderation'],
      params: Id,
      body: Type.Object({ note: Note }, { additionalProperties: false }),
      response: { 200: DecisionAnswer, ...Problems },
    },
  }, async (request) => answer(await approveContribution(app.db, request.params.id, currentUser(request).id, request.body.note?.trim() || null)));

  app.post('/contributions/:id/reject', {
    preHandler: moderators,
    bodyLimit: 8 * 1024,
    schema: {
      summary: 'Rejeter avec un motif / Reject with a reason',
      tags: ['moderation'],
      params: Id,
      body: Type.Object({ reason: Type.String({ minLength: 3, maxLength: 1000, description: 'Lu par l’auteur / read by the author' }) }, { additionalProperties: false }),
      response: { 200: DecisionAnswer, ...Problems },
    },
  }, async (request) => {
    const reason = request.body.reason.trim();
    if (reason.length < 3) throw new HttpProblem(400, 'Donnez un motif de rejet (3 caractères au moins).', 'Give a reason for the rejection (at least 3 characters).');
    return answer(await rejectContribution(app.db, request.params.id, currentUser(request).id, reason));
  });

  app.post('/contributions/:id/merge', {
    preHandler: moderators,
    bodyLimit: 8 * 1024,
    schema: {
      summary: 'Fusionner dans un objet existant / Merge into an existing feature',
      tags: ['moderation'],
      params: Id,
      body: Type.Object({ featureId: Type.String({ minLength: 1, maxLength: 40 }), note: Note }, { additionalProperties: false }),
      response: { 200: DecisionAnswer, ...Problems },
    },
  }, async (request) => {
    const { featureId } = request.body;
    if (!/^[1-9][0-9]{0,17}$/.test(featureId)) {
      throw new HttpProblem(400, `Identifiant d’objet « ${featureId} » invalide : un entier positif.`, `Invalid feature id "${featureId}": a positive integer.`);
    }
    return answer(await mergeContribution(app.db, request.params.id, currentUser(request).id, featureId, request.body.note?.trim() || null));
  });
};

export default moderation;

