// /api/contributions: what signed-in people propose (a place, a vacant or reoccupied shop, a
// project, a need, a correction), and their own list. Every submission is checked, given the
// licence of its layer, warned about similar features within 50 m, and made idempotent by
// the Idempotency-Key header.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { isDeepStrictEqual } from 'node:util';
import { HttpProblem } from '../../problem.ts';
import { currentUser, requireRole } from '../../plugins/app/auth.ts';
import { listPlaceCategories } from '../../repositories/categories.repository.ts';
import {
  findSimilar, getContribution, insertContribution, listAuthorContributions, targetLabels, type ContributionRow,
} from '../../repositories/contributions.repository.ts';
import { findLayer, LAYERS } from '../../layers/registry.ts';
import { I18nText, ProblemSchema } from '../schemas.ts';
import { ContributionBody, type ContributionInput, ContributionView, SimilarFeature, SubmitAnswer } from './schemas.ts';
import { checkContribution, editableProperties } from './validate.ts';
import { contributionView } from './view.ts';
import { contributionLicence, NEED_CATEGORIES, STAGES, THEMES, VACANT_STATUSES } from './vocabulary.ts';

const Problems = { 400: ProblemSchema, 401: ProblemSchema, 403: ProblemSchema, 404: ProblemSchema, 409: ProblemSchema, 413: ProblemSchema, 422: ProblemSchema, 429: ProblemSchema };
const Code = Type.Object({ code: Type.String(), label: I18nText });

/** What a retried request must repeat: everything but the consent flag. */
function stored(body: ContributionInput): { payload: Record<string, unknown>; location: [number, number] | null; targetId: string | null } {
  const { kind: _kind, licenceConsent: _consent, ...rest } = body;
  const location = 'location' in rest && rest.location ? rest.location as [number, number] : null;
  if (body.kind === 'correction') {
    return { payload: { changes: body.changes, comment: body.comment }, location, targetId: body.featureId };
  }
  const { location: _l, ...payload } = rest as Record<string, unknown>;
  return { payload, location, targetId: body.kind === 'vacant_shop' && body.targetId !== undefined ? String(body.targetId) : null };
}

function sameRequest(row: ContributionRow, body: ContributionInput, s: ReturnType<typeof stored>): boolean {
  const close = (a: number | null, b: number | undefined) => a !== null && b !== undefined && Math.abs(a - b) < 1e-9;
  const location = s.location === null ? row.lon === null : close(row.lon, s.location[0]) && close(row.lat, s.location[1]);
  return row.kind === body.kind && row.target_id === s.targetId && location && isDeepStrictEqual(row.payload, JSON.parse(JSON.stringify(s.payload)));
}

const contributions: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/vocabulary', {
    schema: {
      summary: 'Listes des formulaires de contribution / Contribution form vocabularies',
      tags: ['contributions'],
      response: {
        200: Type.Object({
          placeCategories: Type.Array(Code), needCategories: Type.Array(Code), themes: Type.Array(Code), stages: Type.Array(Code),
          vacantStatuses: Type.Array(Code),
          layers: Type.Array(Type.Object({
            id: Type.String(), title: I18nText, geometry: Type.String(), licence: Type.String(),
            editable: Type.Array(Type.Object({ name: Type.String(), type: Type.String(), title: I18nText })),
          })),
        }),
      },
    },
  }, async () => {
    const categories = await listPlaceCategories(app.db);
    return {
      placeCategories: categories.map((c) => ({ code: c.code, label: { fr: c.label_fr, en: c.label_en } })),
      needCategories: NEED_CATEGORIES.map((c) => ({ code: c.code, label: c.label })),
      themes: THEMES.map((c) => ({ code: c.code, label: c.label })),
      stages: STAGES.map((c) => ({ code: c.code, label: c.label })),
      vacantStatuses: VACANT_STATUSES.map((c) => ({ code: c.code, label: c.label })),
      layers: LAYERS.map((l) => ({
        id: l.id, title: l.title, geometry: l.geometry, licence: contributionLicence(l),
        editable: editableProperties(l).map((p) => ({ name: p.name, type: p.type, title: p.title })),
      })),
    };
  });

  app.get('/similar', {
    schema: {
      summary: 'Objets semblables à moins de 50 m / Similar features within 50 m',
      description: 'À consulter avant d’envoyer une contribution. / Check before submitting a contribution.',
      tags: ['contributions'],
      querystring: Type.Object({
        layer: Type.String({ maxLength: 40 }),
        lon: Type.Number({ minimum: -180, maximum: 180 }),
        lat: Type.Number({ minimum: -90, maximum: 90 }),
        category: Type.Optional(Type.String({ maxLength: 40 })),
      }, { additionalProperties: false }),
      response: { 200: Type.Object({ similar: Type.Array(SimilarFeature) }), 400: ProblemSchema, 404: ProblemSchema },
    },
  }, async (request) => {
    const { layer, lon, lat, category } = request.query;
    if (!findLayer(layer)) {
      throw new HttpProblem(404, `Couche « ${layer} » inconnue.`, `Unknown layer "${layer}".`);
    }
    return { similar: await findSimilar(app.db, layer, [lon, lat], category ?? null) };
  });

  app.post('/', {
    preHandler: requireRole(),
    bodyLimit: 32 * 1024,
    schema: {
      summary: 'Proposer une contribution / Submit a contribution',
      description: 'Lieu, local vacant (ou réoccupé), projet, besoin, correction. En-tête Idempotency-Key : une nouvelle tentative ne crée jamais de doublon. / '
        + 'Place, vacant (or reoccupied) shop, project, need, correction. Idempotency-Key header: a retry never creates a duplicate.',
      tags: ['contributions'],
      headers: Type.Object({ 'idempotency-key': Type.Optional(Type.String({ minLength: 1, maxLength: 100, pattern: '^[\\x21-\\x7e]+$' })) }),
      body: ContributionBody,
      response: { 200: SubmitAnswer, 201: SubmitAnswer, ...Problems },
    },
  }, async (request, reply) => {
    const user = currentUser(request);
    const body = request.body;
    const layer = await checkContribution(app.db, body);
    const s = stored(body);
    const key = request.headers['idempotency-key'] ?? null;
    const { row, created } = await insertContribution(app.db, {
      kind: body.kind, targetLayer: layer.id, targetId: s.targetId, payload: s.payload, licence: contributionLicence(layer),
      authorId: user.id, idempotencyKey: key, location: s.location,
    });
    if (!created && !sameRequest(row, body, s)) {
      throw new HttpProblem(422, 'Cette clé Idempotency-Key a déjà servi pour une autre contribution : prenez une nouvelle clé.',
        'This Idempotency-Key was already used for another contribution: use a new key.');
    }
    const category = body.kind === 'place' || body.kind === 'need' ? body.category : null;
    const similar = s.location && body.kind !== 'correction'
      ? (await findSimilar(app.db, layer.id, s.location, category)).filter((f) => !(body.kind === 'vacant_shop' && f.id === s.targetId))
      : [];
    if (!created) void reply.header('idempotent-replayed', 'true');
    return reply.code(created ? 201 : 200).send({ contribution: contributionView(row), similar, replayed: !created });
  });

  app.get('/mine', {
    preHandler: requireRole(),
    schema: {
      summary: 'Mes contributions / My contributions',
      tags: ['contributions'],
      querystring: Type.Object({
        limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
        offset: Type.Integer({ minimum: 0, maximum: 100_000, default: 0 }),
      }, { additionalProperties: false }),
      response: { 200: Type.Object({ contributions: Type.Array(ContributionView) }), 400: ProblemSchema, 401: ProblemSchema },
    },
  }, async (request, reply) => {
    void reply.header('cache-control', 'private, no-store');
    const rows = await listAuthorContributions(app.db, currentUser(request).id, request.query.limit, request.query.offset);
    const labels = await targetLabels(app.db, rows);
    return { contributions: rows.map((row) => contributionView(row, labels)) };
  });

  app.get('/:id', {
    preHandler: requireRole(),
    schema: {
      summary: 'Une contribution (son auteur ou la modération) / One contribution (its author or moderators)',
      tags: ['contributions'],
      params: Type.Object({ id: Type.Integer({ minimum: 1, maximum: 2 ** 53 - 1 }) }),
      response: { 200: ContributionView, 400: ProblemSchema, 401: ProblemSchema, 404: ProblemSchema },
    },
  }, async (request, reply) => {
    const user = currentUser(request);
    const row = await getContribution(app.db, request.params.id);
    // Someone else's contribution is as absent as a missing one: its existence is not public.
    if (!row || (row.author_id !== user.id && user.role !== 'moderator' && user.role !== 'admin')) {
      throw new HttpProblem(404, `Aucune contribution n° ${request.params.id} parmi les vôtres.`, `No contribution #${request.params.id} among yours.`);
    }
    void reply.header('cache-control', 'private, no-store');
    return contributionView(row, await targetLabels(app.db, [row]));
  });
};

export default contributions;
