// GET /api/search on the real demo bundle: accents, case, hyphens and apostrophes do not
// matter, communes come first, user input is data (never SQL, never a LIKE pattern).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '@maillage/api';
import { loadDemo } from '@maillage/importers';
import { openTestDb, dbModeName, type DbHandle } from '../support/db.ts';

interface Result { type: string; id: string; label: string; sublabel: string; url: string; bbox?: number[]; point?: number[] }

describe(`search API on the demo territory (${dbModeName()})`, () => {
  let h: DbHandle;
  let app: FastifyInstance;
  const results = async (q: string, limit?: number): Promise<Result[]> => {
    const query = new URLSearchParams({ q, ...(limit === undefined ? {} : { limit: String(limit) }) });
    const r = await app.inject(`/api/search?${query.toString()}`);
    expect(r.statusCode, r.body).toBe(200);
    return r.json().results as Result[];
  };

  beforeAll(async () => {
    h = await openTestDb();
    await loadDemo(h.db);
    app = await buildApp({ handle: h });
    // Until app.ts registers it itself.
  }, 300_000);
  afterAll(async () => {
    await app?.close();
    await h?.close();
  });

  it.each([
    ['chateau gontier', '53062', 'Château-Gontier-sur-Mayenne'],
    ['CHÂTEAU-GONTIER', '53062', 'Château-Gontier-sur-Mayenne'],
    ['LAVAL', '53130', 'Laval'],
    ['laval', '53130', 'Laval'],
    ['saint berthevin', '53201', 'Saint-Berthevin'],
    ['Saint-Berthevin', '53201', 'Saint-Berthevin'],
    ['53130', '53130', 'Laval'],
    ['53940', '53201', 'Saint-Berthevin'],
  ])('« %s » finds commune %s first', async (q, code, name) => {
    const [first] = await results(q);
    expect(first).toMatchObject({ type: 'commune', id: code, label: name, url: `/communes/${code}`, sublabel: 'Mayenne (53)' });
    const [minx, miny, maxx, maxy] = first!.bbox!;
    expect(minx! < maxx! && miny! < maxy!).toBe(true);
  });

  it('ranks an exact name before names that start with it (Laval before Laval-…)', async () => {
    const communes = (await results('laval', 50)).filter((r) => r.type === 'commune');
    expect(communes[0]!.label).toBe('Laval');
    expect(communes.length).toBeGreaterThan(1);
  });

  it('finds a place by name, whatever the accents and apostrophes', async () => {
    const [pub] = await results('famous knight');
    expect(pub).toMatchObject({ type: 'place', label: 'The Famous Knight Pub' });
    expect(pub!.point).toHaveLength(2);
    expect((await results('le kortes'))[0]).toMatchObject({ type: 'place', label: 'Le Kortès' });
    expect((await results('chin s bar'))[0]).toMatchObject({ type: 'place', label: "Chin's Bar" });
  });

  it('finds France services and other programmes by name', async () => {
    const hits = await results('france services', 50);
    expect(hits.length).toBeGreaterThan(0);
    expect(hits.every((r) => r.type === 'programme')).toBe(true);
    const evron = await results('evron', 50);
    expect(evron[0]).toMatchObject({ type: 'commune', label: 'Évron' });
    expect(evron.some((r) => r.type === 'programme' && r.label === 'Évron')).toBe(true);
  });

  it.each([
    ["%' OR 1=1 --"],
    ["'; DROP TABLE communes; --"],
    ['lav%'],
    ['l_val'],
    ['laval\\'],
  ])('treats « %s » as text: no error, no false match', async (q) => {
    expect(await results(q)).toEqual([]);
    expect((await results('laval'))[0]!.id).toBe('53130');
  });

  it('honours limit', async () => {
    expect(await results('saint', 3)).toHaveLength(3);
    expect((await results('saint', 50)).length).toBeLessThanOrEqual(50);
    expect((await results('saint')).length).toBe(10);
  });

  it.each([
    ['/api/search', /q/],
    ['/api/search?q=', /q/],
    [`/api/search?q=${'a'.repeat(101)}`, /q/],
    ['/api/search?q=laval&limit=0', /limit/],
    ['/api/search?q=laval&limit=51', /limit/],
    ['/api/search?q=laval&limit=ten', /limit/],
    ['/api/search?q=---', /lettre ou un chiffre/],
    ['/api/search?q=%25', /lettre ou un chiffre/],
    ['/api/search?q=laval&colour=red', /colour|additional/],
  ])('%s → 400 problem+json', async (url, detail) => {
    const r = await app.inject(url);
    expect(r.statusCode).toBe(400);
    expect(r.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(`${r.json().detail} ${r.json().detail_en}`).toMatch(detail);
  });
});
