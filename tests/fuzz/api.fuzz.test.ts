// 1,000 hostile requests against every documented operation of the API on the fixture territory
// (the benchmark suite sends 10,000: bench/fuzz.ts). No 5xx, every error a problem+json, and
// the data is unchanged afterwards. The seed changes every run and is printed, so a failure
// is reproducible with MAILLAGE_FUZZ_SEED=<seed>.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '@maillage/api';
import { openTestDb, dbModeName, type DbHandle } from '../support/db.ts';
import { fingerprint, loadToyTerritory } from '../importers/helpers.ts';
import { discoverOperations, fuzz, tally } from './http-fuzz.ts';

const RUNS = 1000;

describe(`HTTP fuzzing (${dbModeName()})`, () => {
  let h: DbHandle;
  let app: FastifyInstance;

  beforeAll(async () => {
    h = await openTestDb();
    await loadToyTerritory(h.db);
    app = await buildApp({ handle: h });
  });
  afterAll(async () => {
    await app?.close();
    await h?.close();
  });

  it('finds the operations to fuzz in the OpenAPI document', async () => {
    const operations = (await discoverOperations(app)).map((o) => `${o.method} ${o.path}`);
    expect(operations).toEqual(expect.arrayContaining([
      'GET /api/ogc/collections/{collectionId}/items',
      'GET /api/tiles/{collection}/{z}/{x}/{y}.mvt',
      'GET /api/exports/{file}',
      'GET /api/search',
    ]));
  });

  it(`answers ${RUNS} hostile requests without a 5xx, every error as problem+json, data unchanged`, async () => {
    const seed = Number(process.env.MAILLAGE_FUZZ_SEED ?? Date.now() % 2 ** 31);
    console.log(`fuzz seed ${seed} (MAILLAGE_FUZZ_SEED=${seed} reproduces this run)`);
    const before = await fingerprint(h.db);
    const outcomes = await fuzz(app, { runs: RUNS, seed });
    expect(outcomes.length).toBeGreaterThanOrEqual(RUNS);
    // The generator must reach both sides: real answers and rejections, not only 404s.
    const counts = tally(outcomes);
    const ok = [...counts].filter(([s]) => s < 300).reduce((n, [, c]) => n + c, 0);
    const bad = [...counts].filter(([s]) => s >= 400 && s !== 404).reduce((n, [, c]) => n + c, 0);
    expect(ok).toBeGreaterThan(RUNS * 0.1);
    expect(bad).toBeGreaterThan(RUNS * 0.1);
    expect(await fingerprint(h.db)).toEqual(before);
    expect((await app.inject('/api/health')).statusCode).toBe(200);
  }, 300_000);
});
