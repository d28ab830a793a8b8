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
  /** Queries waiting for a pooled connection past which requests are turned away (a bound on memory). MAILLAGE_MAX_DB_QUEUE, default 1000. */
  maxDbQueue?: number;
  /**
   * How long (ms) the oldest query may have waited for a pooled connection before new requests
   * are turned away. MAILLAGE_MAX_DB_WAIT_MS, default 1000. A long queue that moves is not
   * overload; a queue whose head has waited a second is: whatever joins it now waits longer.
   */
  maxDbWaitMs?: number;
}

const RETRY_AFTER_S = 2;

/**
 * Overload answers 503 with Retry-After instead of queueing without bound: when the event loop
 * lags (`@fastify/under-pressure`), or when the database's queue stops moving: its oldest query
 * has waited too long for a connection, or too many wait (server mode). /api/health is never shed, so that it keeps telling the truth.
 */
export default fp<LoadSheddingOptions>(async (app, options) => {
  const maxDbQueue = options.maxDbQueue ?? Number(process.env.MAILLAGE_MAX_DB_QUEUE ?? 1000);
  const maxDbWaitMs = options.maxDbWaitMs ?? Number(process.env.MAILLAGE_MAX_DB_WAIT_MS ?? 1000);
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

  const { waiting, oldestWaitMs } = options.handle;
  if (waiting && oldestWaitMs && (maxDbQueue > 0 || maxDbWaitMs > 0)) {
    // A callback hook (no promise per request); after a 503 is sent, Fastify runs nothing more.
    app.addHook('onRequest', (request, reply, done) => {
      if (request.url.startsWith('/api/health')) return done();
      const queued = waiting();
      if (maxDbQueue > 0 && queued > maxDbQueue) {
        busy(request, reply, { fr: `${queued} requêtes attendent la base`, en: `${queued} queries wait for the database` });
        return done();
      }
      const waited = oldestWaitMs();
      if (maxDbWaitMs > 0 && waited > maxDbWaitMs) {
        const s = (waited / 1000).toFixed(1);
        busy(request, reply, { fr: `une requête attend la base depuis ${s} s`, en: `a query has waited ${s} s for the database` });
      }
      done();
    });
  }
}, { name: 'load-shedding' });
