import fp from 'fastify-plugin';
import underPressure from '@fastify/under-pressure';
import type { DbHandle } from '@maillage/sql';
import { sendProblem } from '../../problem.ts';

export interface LoadSheddingOptions {
  handle: DbHandle;
  /**
   * Event-loop delay (ms) past which requests are turned away. MAILLAGE_MAX_EVENT_LOOP_DELAY_MS;
   * default 1000 on a server, off (0) on PGlite, whose queries run on the event loop itself, so
   * that a long query there is not mistaken for overload.
   */
  maxEventLoopDelayMs?: number;
  /** Queries waiting for a pooled connection past which requests are turned away. MAILLAGE_MAX_DB_QUEUE, default 100. */
  maxDbQueue?: number;
}

const RETRY_AFTER_S = 2;

/**
 * Overload answers 503 with Retry-After instead of queueing without bound: when the event loop
 * lags (`@fastify/under-pressure`), or when too many queries already wait for a database
 * connection (server mode). /api/health is never shed, so that it keeps telling the truth.
 */
export default fp<LoadSheddingOptions>(async (app, options) => {
  const maxDbQueue = options.maxDbQueue ?? Number(process.env.MAILLAGE_MAX_DB_QUEUE ?? 100);
  const busy = (request: Parameters<typeof sendProblem>[1], reply: Parameters<typeof sendProblem>[0], why: { fr: string; en: string }) => {
    void reply.header('retry-after', String(RETRY_AFTER_S));
    return sendProblem(reply, request, 503, `Le service est surchargé (${why.fr}) ; réessayez dans ${RETRY_AFTER_S} s.`,
      `The service is overloaded (${why.en}); retry in ${RETRY_AFTER_S} s.`);
  };

  await app.register(underPressure, {
    maxEventLoopDelay: options.maxEventLoopDelayMs
      ?? Number(process.env.MAILLAGE_MAX_EVENT_LOOP_DELAY_MS ?? (options.handle.mode === 'postgres' ? 1000 : 0)),
    retryAfter: RETRY_AFTER_S,
    pressureHandler: (request, reply, type, value) => {
      if (request.url.startsWith('/api/health')) return; // not sent: handled as usual
      busy(request, reply, { fr: `${type} ${Math.round(Number(value))}`, en: `${type} ${Math.round(Number(value))}` });
    },
  });

  const waiting = options.handle.waiting;
  if (waiting && maxDbQueue > 0) {
    app.addHook('onRequest', async (request, reply) => {
      if (waiting() <= maxDbQueue || request.url.startsWith('/api/health')) return;
      return busy(request, reply, { fr: `${waiting()} requêtes attendent la base`, en: `${waiting()} queries wait for the database` });
    });
  }
}, { name: 'load-shedding' });
