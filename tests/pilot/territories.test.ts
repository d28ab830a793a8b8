// Custom territories and saved zones (scenarios) on the toy town: planners write, anyone reads,
// the author or an admin deletes; a territory is a scope for every analysis.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '@maillage/api';
import { openTestDb, dbModeName, type DbHandle } from '../support/db.ts';
import { signedInAs, type SignedIn } from '../support/auth.ts';
import { loadToyPilotTown } from './helpers.ts';

const square = (x0: number, y0: number, x1: number, y1: number) => ({ type: 'Polygon', coordinates: [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]] });

describe(`territories and scenarios (${dbModeName()})`, () => {
  let h: DbHandle;
  let app: FastifyInstance;
  let planner: SignedIn;
  let other: SignedIn;
  let citizen: SignedIn;

  beforeAll(async () => {
    h = await openTestDb();
    await loadToyPilotTown(h.db);
    app = await buildApp({ handle: h });
    planner = await signedInAs(app, h.db, 'planner');
    other = await signedInAs(app, h.db, 'planner');
    citizen = await signedInAs(app, h.db, 'citizen');
  });
  afterAll(async () => {
    await app?.close();
    await h?.close();
  });

  const post = (url: string, who: SignedIn | null, payload: unknown) =>
    app.inject({ method: 'POST', url, headers: who ? who.headers : {}, payload: payload as object });

  it('lets a planner save a territory from an EPCI, which becomes a scope for every analysis', async () => {
    const res = await post('/api/territories', planner, { name: 'Communauté du Test', epci: ['200000001'] });
    expect(res.statusCode).toBe(201);
    const t = res.json();
    expect(t).toMatchObject({ kind: 'communes', commune_codes: ['99001', '99002'], communes: 2, population: 350, mine: true, scope: `territory:${t.id}` });
    expect(t.members.map((m: { code: string }) => m.code)).toEqual(['99001', '99002']);
    // Pilot streets over the territory: Alpha's three streets and Beta-Gamma's two BD TOPO streets.
    const streets = (await app.inject(`/api/analysis/pilot-streets?scope=territory:${t.id}&limit=50`)).json();
    expect(streets.candidates).toBe(5);
    expect(streets.features[0].properties.name).toBe('Rue Crébillon');
    // Zone indicators over the territory: every vacant shop of the two communes (5 in Alpha, 1 in Beta).
    const zone = (await app.inject(`/api/analysis/zone?scope=territory:${t.id}`)).json().properties;
    expect([zone.vacant_shops.vacant, zone.population_estimate, zone.scope.name]).toEqual([6, 350, 'Communauté du Test']);
  });

  it('saves a drawn territory across communes and counts its communes by their representative point', async () => {
    const res = await post('/api/territories', planner, { name: 'À cheval', geometry: square(0.004, 45, 0.016, 45.01) });
    expect(res.statusCode).toBe(201);
    const t = res.json();
    expect(t.kind).toBe('drawn');
    expect(t.area_km2).toBeCloseTo(0.875 * 1.2, 1);
    const list = (await app.inject('/api/territories')).json().territories;
    expect(list.map((x: { name: string }) => x.name)).toEqual(['À cheval', 'Communauté du Test']);
    // Read signed out too, but "mine" only for its author.
    expect(list.every((x: { mine: boolean }) => !x.mine)).toBe(true);
  });

  it('refuses writes from citizens and signed-out visitors, and bad territories', async () => {
    expect((await post('/api/territories', null, { name: 'x', communes: ['99001'] })).statusCode).toBe(403); // no CSRF token signed out
    expect((await post('/api/territories', citizen, { name: 'x', communes: ['99001'] })).statusCode).toBe(403);
    const cases: [unknown, RegExp][] = [
      [{ name: 'x', communes: ['99001'], geometry: square(0, 45, 0.01, 45.01) }, /pas les deux/],
      [{ name: 'x' }, /pas les deux/],
      [{ name: 'x', communes: ['12345'] }, /inconnue\(s\).*12345/],
      [{ name: 'x', epci: ['999999999'] }, /EPCI inconnu/],
      [{ name: 'x', geometry: { type: 'Polygon', coordinates: [[[0, 45], [0.01, 45.01], [0.01, 45], [0, 45.01], [0, 45]]] } }, /Self-intersection/],
      [{ name: '   ', communes: ['99001'] }, /nom ne peut pas être vide/],
    ];
    for (const [payload, reason] of cases) {
      const res = await post('/api/territories', planner, payload);
      expect(res.statusCode, String(reason)).toBe(400);
      expect(res.json().detail).toMatch(reason);
    }
  });

  it('saves, lists, compares and deletes scenarios', async () => {
    const a = await post('/api/zones', planner, { name: 'Centre', scenario: 'Alpha 2027', zone: square(0, 45, 0.005, 45.01) });
    const b = await post('/api/zones', planner, { name: 'Autour du café', scenario: 'Alpha 2027', zone: { type: 'Point', coordinates: [0.0045, 45.0049], buffer_m: 30 } });
    const c = await post('/api/zones', other, { name: 'Beta', zone: { communes: ['99002'] } });
    expect([a.statusCode, b.statusCode, c.statusCode]).toEqual([201, 201, 201]);
    expect(b.json()).toMatchObject({ kind: 'buffer', params: { buffer_m: 30 }, mine: true });
    const group = (await app.inject({ url: '/api/zones?scenario=Alpha%202027', headers: planner.headers })).json().zones;
    expect(group.map((z: { name: string; mine: boolean }) => [z.name, z.mine])).toEqual([['Autour du café', true], ['Centre', true]]);
    // Each scenario's indicators are computed again from its stored geometry.
    const ind = (await app.inject(a.json().indicators)).json().properties;
    expect([ind.active_shops, ind.kind]).toEqual([7, 'saved']);
    const compared = (await app.inject(`/api/zones?ids=${a.json().id},${c.json().id}`)).json().zones;
    expect(compared).toHaveLength(2);
    // Only the author (or an admin) deletes.
    expect((await app.inject({ method: 'DELETE', url: `/api/zones/${c.json().id}`, headers: planner.headers })).statusCode).toBe(403);
    expect((await app.inject({ method: 'DELETE', url: `/api/zones/${a.json().id}`, headers: planner.headers })).statusCode).toBe(204);
    expect((await app.inject(`/api/zones/${a.json().id}`)).statusCode).toBe(404);
    expect((await app.inject(`/api/analysis/zone?zone=${a.json().id}`)).statusCode).toBe(404);
    const bad = await post('/api/zones', planner, { name: 'x', zone: { type: 'Point', coordinates: [0, 45] } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().detail).toMatch(/buffer_m/);
  });
});
