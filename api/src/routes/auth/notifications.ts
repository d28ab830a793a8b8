// /api/auth/notifications: the signed-in account's in-app notifications (decisions on its
// contributions, comments and stage changes on its projects).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { currentUser, requireRole } from '../../plugins/app/auth.ts';
import { listNotifications, markRead } from '../../repositories/users.notifications.repository.ts';
import { ProblemSchema } from '../schemas.ts';

const notifications: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/notifications', {
    preHandler: requireRole(),
    schema: {
      summary: 'Mes notifications / My notifications',
      tags: ['auth'],
      querystring: Type.Object({ limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }) }, { additionalProperties: false }),
      response: {
        200: Type.Object({
          unread: Type.Integer(),
          notifications: Type.Array(Type.Object({
            id: Type.Integer(), kind: Type.String(), contributionId: Type.Union([Type.Integer(), Type.Null()]),
            projectId: Type.Union([Type.Integer(), Type.Null()]),
            data: Type.Unsafe<Record<string, unknown>>({ type: 'object', additionalProperties: true }),
            createdAt: Type.String({ format: 'date-time' }), read: Type.Boolean(),
          })),
        }),
        400: ProblemSchema, 401: ProblemSchema,
      },
    },
  }, async (request, reply) => {
    void reply.header('cache-control', 'private, no-store');
    const { rows, unread } = await listNotifications(app.db, currentUser(request).id, request.query.limit);
    return {
      unread,
      notifications: rows.map((n) => ({
        id: n.id, kind: n.kind, contributionId: n.contribution_id, projectId: n.project_id, data: n.data,
        createdAt: n.created_at.toISOString(), read: n.read_at !== null,
      })),
    };
  });

  app.post('/notifications/read', {
    preHandler: requireRole(),
    bodyLimit: 8 * 1024,
    schema: {
      summary: 'Marquer comme lues (toutes, ou celles listées) / Mark as read (all, or those listed)',
      tags: ['auth'],
      body: Type.Object({ ids: Type.Optional(Type.Array(Type.Integer({ minimum: 1, maximum: 2 ** 53 - 1 }), { minItems: 1, maxItems: 200 })) }, { additionalProperties: false }),
      response: { 200: Type.Object({ marked: Type.Integer() }), 400: ProblemSchema, 401: ProblemSchema, 403: ProblemSchema, 429: ProblemSchema },
    },
  }, async (request) => ({ marked: await markRead(app.db, currentUser(request).id, request.body.ids) }));
};

export default notifications;
