// /api/projects: the public list and pages of territorial projects, with comments (plain
// text, shown as text), one « je soutiens » per signed-in person, and stage changes by the
// project's author, planners or moderators, recorded in the feature's history.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { ProjectStage } from '@maillage/sql';
import { HttpProblem } from '../../problem.ts';
import { currentUser, requireRole, type SessionUser } from '../../plugins/app/auth.ts';
import { layerChanged } from '../../layers/versions.ts';
import {
  addComment, changeStage, commentAuthor, getProject, hideComment, listComments, listProjects, projectOwner, type ProjectRow,
  setSupport, stageHistory, supports,
} from '../../repositories/projects.repository.ts';
import { I18nText, ProblemSchema } from '../schemas.ts';
import { LonLat } from '../contributions/schemas.ts';
import { STAGES, THEMES } from '../contributions/vocabulary.ts';

const Problems = { 400: ProblemSchema, 401: ProblemSchema, 403: ProblemSchema, 404: ProblemSchema, 429: ProblemSchema };
const Id = Type.Object({ id: Type.Integer({ minimum: 1, maximum: 2 ** 53 - 1 }) });
const StageSchema = Type.Unsafe<ProjectStage>({ type: 'string', enum: STAGES.map((s) => s.code) });
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);
const stageLabel = (code: string) => STAGES.find((s) => s.code === code)?.label ?? { fr: code, en: code };

const ProjectSummary = Type.Object({
  id: Type.Integer(),
  title: Type.String(),
  themes: Type.Array(Type.Object({ code: Type.String(), label: I18nText })),
  stage: Type.Object({ code: Type.String(), label: I18nText }),
  leadOrganisation: Nullable(Type.String()),
  communes: Type.Array(Type.Object({ code: Type.String(), name: Type.String() })),
  location: LonLat,
  supports: Type.Integer(),
  comments: Type.Integer(),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
});

const Comment = Type.Object({ id: Type.Integer(), body: Type.String(), author: Type.String({ description: 'Nom affiché / display name' }), createdAt: Type.String({ format: 'date-time' }) });

const ProjectPage = Type.Intersect([ProjectSummary, Type.Object({
  context: Nullable(Type.String()),
  expectedResults: Nullable(Type.String()),
  results: Nullable(Type.String()),
  nextStep: Nullable(Type.String()),
  licence: Type.String(),
  source: Type.String(),
  stages: Type.Array(Type.Object({ code: Type.String(), label: I18nText, at: Type.String({ format: 'date-time' }) })),
  commentList: Type.Array(Comment),
  /** For the signed-in reader: do they support it, may they change its stage. */
  viewer: Nullable(Type.Object({ supports: Type.Boolean(), canChangeStage: Type.Boolean(), canModerate: Type.Boolean() })),
  history: Type.String({ description: 'URL de l’historique / history URL' }),
})]);

function summary(p: ProjectRow) {
  return {
    id: p.id, title: p.title,
    themes: p.themes.map((code) => ({ code, label: THEMES.find((t) => t.code === code)?.label ?? { fr: code, en: code } })),
    stage: { code: p.stage, label: stageLabel(p.stage) },
    leadOrganisation: p.lead_organisation, communes: p.communes, location: [p.lon, p.lat] as [number, number],
    supports: p.supports, comments: p.comments, createdAt: p.created_at.toISOString(), updatedAt: p.updated_at.toISOString(),
  };
}

const mayModerate = (u: SessionUser | null) => u?.role === 'moderator' || u?.role === 'admin';
const mayChangeStage = (u: SessionUser | null, createdBy: number | null) => !!u && (u.role !== 'citizen' || u.id === createdBy);

const projects: FastifyPluginAsyncTypebox = async (app) => {
  async function requireProject(id: number) {
    const owner = await projectOwner(app.db, id);
    if (!owner) throw new HttpProblem(404, `Aucun projet publié n° ${id}.`, `No published project #${id}.`);
    return owner;
  }

  app.get('/', {
    schema: {
      summary: 'Projets de territoire / Territorial projects',
      tags: ['projects'],
      querystring: Type.Object({
        theme: Type.Optional(Type.Unsafe<string>({ type: 'string', enum: THEMES.map((t) => t.code) })),
        stage: Type.Optional(StageSchema),
        commune: Type.Optional(Type.String({ pattern: '^[0-9][0-9AB][0-9]{3}$' })),
        q: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
        limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
        offset: Type.Integer({ minimum: 0, maximum: 100_000, default: 0 }),
      }, { additionalProperties: false }),
      response: { 200: Type.Object({ total: Type.Integer(), projects: Type.Array(ProjectSummary) }), 400: ProblemSchema },
    },
  }, async (request) => {
    const { rows, total } = await listProjects(app.db, request.query);
    return { total, projects: rows.map(summary) };
  });

  app.get('/:id', {
    schema: {
      summary: 'Page d’un projet / Project page',
      tags: ['projects'],
      params: Id,
      response: { 200: ProjectPage, 400: ProblemSchema, 404: ProblemSchema },
    },
  }, async (request, reply) => {
    const { id } = request.params;
    const p = await getProject(app.db, id);
    if (!p) throw new HttpProblem(404, `Aucun projet publié n° ${id}.`, `No published project #${id}.`);
    const [comments, stages, owner] = await Promise.all([listComments(app.db, id), stageHistory(app.db, id), projectOwner(app.db, id)]);
    const user = request.user;
    if (user) void reply.header('cache-control', 'private, no-store');
    return {
      ...summary(p),
      context: p.context, expectedResults: p.expected_results, results: p.results, nextStep: p.next_step, licence: p.licence, source: p.source,
      stages: stages.map((s) => ({ code: s.stage, label: stageLabel(s.stage), at: s.at.toISOString() })),
      commentList: comments.map((c) => ({ id: c.id, body: c.body, author: c.author_name, createdAt: c.created_at.toISOString() })),
      viewer: user ? { supports: await supports(app.db, id, user.id), canChangeStage: mayChangeStage(user, owner?.createdBy ?? null), canModerate: mayModerate(user) } : null,
      history: `/api/layers/projects/features/${id}/history`,
    };
  });

  app.post('/:id/comments', {
    preHandler: requireRole(),
    bodyLimit: 16 * 1024,
    schema: {
      summary: 'Commenter (texte brut) / Comment (plain text)',
      tags: ['projects'],
      params: Id,
      body: Type.Object({ body: Type.String({ minLength: 1, maxLength: 2000, pattern: '^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f]*$' }) }, { additionalProperties: false }),
      response: { 201: Comment, ...Problems },
    },
  }, async (request, reply) => {
    const { id } = request.params;
    await requireProject(id);
    const text = request.body.body.trim();
    if (!text) throw new HttpProblem(400, 'Le commentaire est vide.', 'The comment is empty.');
    const c = await addComment(app.db, id, currentUser(request).id, text);
    return reply.code(201).send({ id: c.id, body: c.body, author: c.author_name, createdAt: c.created_at.toISOString() });
  });

  app.delete('/:id/comments/:commentId', {
    preHandler: requireRole(),
    schema: {
      summary: 'Masquer un commentaire (son auteur ou la modération) / Hide a comment (its author or moderators)',
      tags: ['projects'],
      params: Type.Object({ id: Type.Integer({ minimum: 1, maximum: 2 ** 53 - 1 }), commentId: Type.Integer({ minimum: 1, maximum: 2 ** 53 - 1 }) }),
      response: { 204: Type.Null(), ...Problems },
    },
  }, async (request, reply) => {
    const { id, commentId } = request.params;
    const user = currentUser(request);
    const author = await commentAuthor(app.db, id, commentId);
    if (author === undefined) throw new HttpProblem(404, `Aucun commentaire n° ${commentId} sur le projet ${id}.`, `No comment #${commentId} on project ${id}.`);
    if (author !== user.id && !mayModerate(user)) {
      throw new HttpProblem(403, 'Seuls l’auteur du commentaire et la modération peuvent le masquer.', 'Only the comment’s author and moderators can hide it.');
    }
    await hideComment(app.db, id, commentId, null);
    return reply.code(204).send(null);
  });

  for (const method of ['PUT', 'DELETE'] as const) {
    app.route({
      method,
      url: '/:id/support',
      preHandler: requireRole(),
      schema: {
        summary: method === 'PUT' ? 'Je soutiens (une fois par personne) / Support (once per person)' : 'Retirer mon soutien / Withdraw my support',
        tags: ['projects'],
        params: Id,
        response: { 200: Type.Object({ supports: Type.Integer(), supported: Type.Boolean() }), ...Problems },
      },
      handler: async (request) => {
        const { id } = request.params as { id: number };
        await requireProject(id);
        const count = await setSupport(app.db, id, currentUser(request).id, method === 'PUT');
        return { supports: count, supported: method === 'PUT' };
      },
    });
  }

  app.post('/:id/stage', {
    preHandler: requireRole(),
    bodyLimit: 8 * 1024,
    schema: {
      summary: 'Changer l’étape (porteur, chargé de mission, modération) / Change the stage (author, planners, moderators)',
      tags: ['projects'],
      params: Id,
      body: Type.Object({ stage: StageSchema, nextStep: Type.Optional(Type.String({ maxLength: 1000 })) }, { additionalProperties: false }),
      response: { 200: Type.Object({ stage: Type.String() }), ...Problems },
    },
  }, async (request) => {
    const { id } = request.params;
    const user = currentUser(request);
    const owner = await requireProject(id);
    if (!mayChangeStage(user, owner.createdBy)) {
      throw new HttpProblem(403, 'Seuls le porteur du projet, les chargés de mission et la modération changent son étape.',
        'Only the project’s author, planners and moderators change its stage.');
    }
    if (!await changeStage(app.db, id, user.id, request.body.stage, request.body.nextStep?.trim())) {
      throw new HttpProblem(404, `Aucun projet publié n° ${id}.`, `No published project #${id}.`);
    }
    layerChanged('projects');
    return { stage: request.body.stage };
  });
};

export default projects;
