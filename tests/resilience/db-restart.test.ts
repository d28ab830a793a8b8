// The PostGIS server goes away and comes back: the API answers 503 problem+json with
// Retry-After meanwhile (never a 500, never a hang), /api/health says the database does not
// answer, and once the server is back the same process serves again without a restart.
// This file starts its own throwaway server whatever the suite's mode, since the fault is a
// server's; it needs Debian's postgresql-15-postgis-3 like the PostGIS pass of the suite.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '@maillage/api';
import { createDb, type DbHandle } from '@maillage/sql';
import { startPostgisCluster, type PostgisCluster } from '../support/pg-cluster.ts';
import { loadToyTerritory } from '../importers/helpers.ts';

describe('database restart (own PostGIS server)', () => {
  let cluster: PostgisCluster;
  let h: DbHandle;
  let app: FastifyInstance;

  beforeAll(async () => {
    cluster = await startPostgisCluster({ durable: true });
    h = await createDb({ url: cluster.url, poolSize: 4 });
    await loadToyTerritory(h.db);
    app = await buildApp({ handle: h });
  }, 120_000);
  afterAll(async () => {
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
});
