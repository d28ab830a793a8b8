// Counted writes across a crash of the PostGIS server, on a throwaway server of this file's own
// whatever the suite's mode (as server-faults.test.ts; synchronous_commit on, so a commit that
// was answered is on the server's disk before the answer). Signed-in writers submit
// contributions concurrently, each with its own Idempotency-Key, and retry a refused one with
// the same key, as the web app does; meanwhile the server is killed (pg_ctl -m immediate) and
// started again. Then:
// - every write answered 2xx is in the database, by id: no acknowledged write is lost;
// - every other answer is a 503 problem+json with Retry-After (never a 500, never a hang);
// - no retried write was stored twice: one contribution per key;
// - /api/health answered 503 while the server was down and 200 within 5 s of it being back.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { createDb, type DbHandle } from '@maillage/sql';
import { participationApp as buildApp } from '../participation/app.ts';
import { startPostgisCluster, type PostgisCluster } from '../support/pg-cluster.ts';
import { loadToyTerritory } from '../importers/helpers.ts';
import { createUser, signIn, type SignedIn } from '../support/auth.ts';

const WRITERS = 8;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Answer { status: number; key: string; id: number | null; problem: boolean; retryAfter: string | undefined; at: number }

describe('writes across a PostGIS server crash (own server)', () => {
  let cluster: PostgisCluster;
  let h: DbHandle;
  let app: FastifyInstance;
  let writers: SignedIn[];

  beforeAll(async () => {
    cluster = await startPostgisCluster({ durable: true });
    h = await createDb({ url: cluster.url, poolSize: 4 });
    await loadToyTerritory(h.db);
    // The write limits would answer 429 long before the test is done: lifted here.
    app = await buildApp({ handle: h, auth: { writeLimit: { perIp: 1_000_000, perAccount: 1_000_000 } } });
    writers = await Promise.all(Array.from({ length: WRITERS / 2 }, async () => signIn(app, await createUser(h.db))));
  }, 120_000);
  afterAll(async () => {
    await app?.close();
    await h?.close();
    await cluster?.stop();
  });

  it('keeps every acknowledged write, answers 503 meanwhile, and recovers within 5 s', async () => {
    const answers: Answer[] = [];
    let running = true;
    let serial = 0;
    const submit = async (who: SignedIn, key: string): Promise<Answer> => {
      const r = await app.inject({ method: 'POST', url: '/api/contributions', headers: { ...who.headers, 'idempotency-key': key },
        payload: { licenceConsent: true, kind: 'place', location: [0.004, 45.004], category: 'bakery', name: key } });
      const ok = r.statusCode >= 200 && r.statusCode < 300;
      return { status: r.statusCode, key, id: ok ? Number(r.json().contribution.id) : null,
        problem: /^application\/problem\+json/.test(String(r.headers['content-type'])), retryAfter: r.headers['retry-after'] as string | undefined, at: Date.now() };
    };
    // Each writer: a new key, retried (same key) until it is answered 2xx.
    const writer = async (who: SignedIn, n: number) => {
      while (running) {
        const key = `w${n}-${serial++}`;
        for (;;) {
          const a = await submit(who, key);
          answers.push(a);
          if (a.id !== null) break;
          await sleep(50);
        }
      }
    };
    const loops = Array.from({ length: WRITERS }, (_, n) => writer(writers[n % writers.length]!, n));

    await sleep(1000);
    const beforeCrash = answers.filter((a) => a.id !== null).length;
    cluster.down('immediate');
    const downAt = Date.now();
    const healthDown = await app.inject('/api/health');
    await sleep(1500);
    cluster.up();
    const upAt = Date.now();
    let healthBack = 0;
    let recoveredAt = 0;
    while (Date.now() - upAt < 10_000) {
      healthBack = (await app.inject('/api/health')).statusCode;
      if (healthBack === 200) {
        recoveredAt = Date.now();
        break;
      }
      await sleep(50);
    }
    await sleep(1000);
    running = false;
    await Promise.all(loops);

    const stored = await h.db.selectFrom('contributions').select(['id', 'idempotency_key']).execute();
    const acknowledged = answers.filter((a) => a.id !== null);
    const refused = answers.filter((a) => a.id === null);
    const refusedWhileDown = refused.filter((a) => a.at > downAt && a.at < upAt);
    console.log(`writes: ${answers.length} answers, ${acknowledged.length} 2xx (${beforeCrash} before the crash), ${refused.length} refused `
      + `(statuses ${[...new Set(refused.map((a) => a.status))].join(', ')}; ${refusedWhileDown.length} while the server was down), `
      + `${stored.length} contributions stored; down ${upAt - downAt} ms, health 200 again ${recoveredAt - upAt} ms after the server was back`);

    expect(healthDown.statusCode).toBe(503);
    expect(healthDown.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(healthBack).toBe(200);
    expect(recoveredAt - upAt).toBeLessThan(5000);
    // The test saw writes on both sides of the crash, and refusals during it.
    expect(beforeCrash).toBeGreaterThan(0);
    expect(acknowledged.filter((a) => a.at > recoveredAt).length).toBeGreaterThan(0);
    expect(refused.length).toBeGreaterThan(0);
    for (const a of refused) {
      expect(a, JSON.stringify(a)).toMatchObject({ status: 503, problem: true });
      expect(a.retryAfter).toMatch(/^\d+$/);
    }

    const ids = acknowledged.map((a) => a.id!);
    const storedIds = new Set(stored.map((s) => Number(s.id)));
    expect(ids.filter((id) => !storedIds.has(id))).toEqual([]);
    // One row per key: a write that committed but whose answer was lost was not stored again.
    const keys = stored.map((s) => s.idempotency_key);
    expect(keys.length).toBe(new Set(keys).size);
    expect(new Set(acknowledged.map((a) => a.key)).size).toBe(stored.length);
  }, 90_000);
});
