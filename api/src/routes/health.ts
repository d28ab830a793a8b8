import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { databaseAnswers } from '../repositories/health.repository.ts';
import { sendProblem } from '../problem.ts';
import { ProblemSchema } from './schemas.ts';

const health: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/health', {
    schema: {
      summary: 'Santé du service / Service health',
      tags: ['service'],
      response: {
        200: Type.Object({ status: Type.Literal('ok'), database: Type.String() }),
        503: ProblemSchema,
      },
    },
  }, async (request, reply) => {
    if (await databaseAnswers(app.db)) return { status: 'ok' as const, database: app.dbMode };
    return sendProblem(reply, request, 503, 'La base de données ne répond pas.', 'The database does not answer.');
  });
};

export default health;
