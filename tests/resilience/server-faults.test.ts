// Faults of a PostGIS server, on a throwaway server of this file's own whatever the suite's mode
// (the faults are a server's; Debian's postgresql-15-postgis-3, as for the PostGIS pass):
// - the server goes away and comes back: the API answers 503 problem+json with Retry-After
//   meanwhile (never a 500, never a hang), /api/health says the database does not answer, and
//   once the server is back the same process serves again without a restart;
// - every connection is busy and requests pile up: past the queue limit the API sheds load with
//   503 and Retry-After, and /api/health still answers; the same when the oldest queued query
//   has waited past the wait limit, however short the queue.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '@maillage/api';
import { createDb, type DbHandle } from '@maillage/sql';
import { startPostgisCluster, type PostgisCluster } from '../support/pg-cluster.ts';
import { loadToyTerritory } from '../importers/helpers.ts';

describe('PostGIS server faults (own server)', () => {
  let cluster: PostgisCluster;
  let h: DbHandle;
  let app: FastifyInstance;
  const queueLimit = process.env.MAILLAGE_MAX_DB_QUEUE;
  const waitLimit = process.env.MAILLAGE_MAX_DB_WAIT_MS;

  beforeAll(async () => {
    cluster = await startPostgisCluster({ durable: true });
    h = await createDb({ url: cluster.url, poolSize: 2 });
    await loadToyTerritory(h.db);
    process.env.MAILLAGE_MAX_DB_QUEUE = '3';
    process.env.MAILLAGE_MAX_DB_WAIT_MS = '0'; // off: the queue-length case below, alone
    app = await buildApp({ handle: h });
  }, 120_000);
  afterAll(async () => {
    for (const [name, value] of [['MAILLAGE_MAX_DB_QUEUE', queueLimit], ['MAILLAGE_MAX_DB_WAIT_MS', waitLimit]] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    await app?.close();
    await h?.close();
    await cluster?.stop();
  });

  it('answers 503 with Retry-After while the server is down, and recovers by itself when it is back', async () => {
    expect((await app.inject('/api/ogc/collections/places/items')).statusCode).toBe(200);

    cluster.down('immediate');
    const items = await app.inject('/api/ogc/collections/places/items');
    expect(items.statusCode).toBe(503);
    expect(items.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(items.headers['retry-after']).toBe('5');
    expect(items.json().detail).toMatch(/injoignable/);
    const health = await app.inject('/api/health');
    expect(health.statusCode).toBe(503);

    cluster.up();
    const back = Date.now();
    let status = 0;
    while (Date.now() - back < 5000) {
      status = (await app.inject('/api/health')).statusCode;
      if (status === 200) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(status).toBe(200);
    const again = await app.inject('/api/ogc/collections/places/items');
    expect(again.statusCode).toBe(200);
    expect(again.json().numberMatched).toBe(3);
  }, 60_000);

  it('sheds load with 503 and Retry-After when more queries wait for a connection than the limit', async () => {
    // Hold both pooled connections: every request now queues for one.
    const release: (() => void)[] = [];
    const held = [0, 1].map(() => h.db.connection().execute((conn) => new Promise<void>((resolve) => {
      release.push(resolve);
      void conn;
    })));
    while (release.length < 2) await new Promise((r) => setTimeout(r, 10));

    const queued = [1, 2, 3, 4].map(() => app.inject('/api/ogc/collections/places/items'));
    while ((h.waiting?.() ?? 0) < 4) await new Promise((r) => setTimeout(r, 10));
    const shed = await app.inject('/api/ogc/collections/communes/items');
    expect(shed.statusCode).toBe(503);
    expect(shed.headers['retry-after']).toBe('2');
    expect(shed.json().detail).toMatch(/surchargé/);

    for (const r of release) r();
    await Promise.all(held);
    const answers = await Promise.all(queued);
    expect(answers.map((a) => a.statusCode)).toEqual([200, 200, 200, 200]);
    expect((await app.inject('/api/ogc/collections/communes/items')).statusCode).toBe(200);
  }, 60_000);

  it('sheds load when the oldest queued query has waited past the wait limit, even in a short queue', async () => {
    process.env.MAILLAGE_MAX_DB_QUEUE = '0';
    process.env.MAILLAGE_MAX_DB_WAIT_MS = '300';
    const patient = await buildApp({ handle: h });
    const release: (() => void)[] = [];
    try {
      const held = [0, 1].map(() => h.db.connection().execute(() => new Promise<void>((resolve) => {
        release.push(resolve);
      })));
      while (release.length < 2) await new Promise((r) => setTimeout(r, 10));

      const queued = patient.inject('/api/ogc/collections/places/items');
      while ((h.waiting?.() ?? 0) < 1) await new Promise((r) => setTimeout(r, 10));
      // One query waiting, not for long yet: a queue that moves is not overload.
      expect(h.oldestWaitMs!()).toBeLessThan(300);
      await new Promise((r) => setTimeout(r, 400));
      expect(h.oldestWaitMs!()).toBeGreaterThan(300);
      const shed = await patient.inject('/api/ogc/collections/communes/items');
      expect(shed.statusCode).toBe(503);
      expect(shed.headers['retry-after']).toBe('2');
      expect(shed.json().detail).toMatch(/attend la base depuis/);

      for (const r of release) r();
      await Promise.all(held);
      expect((await queued).statusCode).toBe(200);
      expect(h.oldestWaitMs!()).toBe(0);
      expect((await patient.inject('/api/ogc/collections/communes/items')).statusCode).toBe(200);
    } finally {
      for (const r of release) r(); // a failed assertion must not leave the pool held (afterAll closes it)
      await patient.close();
    }
  }, 60_000);
});
