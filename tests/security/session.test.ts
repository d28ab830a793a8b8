// Session fixation and cross-site request forgery, seen from an attacker's side: a session id
// planted in the victim's browser before sign-in, a session replayed after sign-out, and writes
// (a contribution) sent without the CSRF token, with a wrong one, with another session's, with
// the pre-sign-in double-submit token, or from a foreign origin. Every refusal is a 403
// problem+json and writes nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { participationApp as buildApp } from '../participation/app.ts';
import { openTestDb, dbModeName, type DbHandle } from '../support/db.ts';
import { loadToyTerritory } from '../importers/helpers.ts';
import { anonymousHeaders, cookiesOf, createUser, signIn, type SignedIn } from '../support/auth.ts';
import { digest } from '../../api/src/repositories/sessions.repository.ts';

const PLACE = { licenceConsent: true, kind: 'place', location: [0.0052, 45.0051], category: 'bakery', name: 'Boulangerie test' };

describe(`sessions and CSRF, from an attacker's side (${dbModeName()})`, () => {
  let h: DbHandle;
  let app: FastifyInstance;

  const me = (cookie: string) => app.inject({ url: '/api/auth/me', headers: { cookie } });
  const contribute = (headers: Record<string, string>) =>
    app.inject({ method: 'POST', url: '/api/contributions', headers, payload: PLACE });
  const contributions = async () => Number((await h.db.selectFrom('contributions').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
  const sessionRows = async (cookie: string) =>
    (await h.db.selectFrom('sessions').select('id').where('id', '=', digest(cookie.split('=')[1]!)).execute()).length;
  const expectForbidden = (r: LightMyRequestResponse, detail: RegExp) => {
    expect(r.statusCode).toBe(403);
    expect(r.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(r.json()).toMatchObject({ status: 403 });
    expect(r.json().detail_en).toMatch(detail);
  };

  beforeAll(async () => {
    h = await openTestDb();
    await loadToyTerritory(h.db);
    app = await buildApp({ handle: h });
  });
  afterAll(async () => {
    await app?.close();
    await h?.close();
  });

  it('gives a victim who signs in with a session id planted by an attacker a new id, and the planted one opens nothing', async () => {
    // The attacker signs in, then plants their session cookie in the victim's browser.
    const attacker = await signIn(app, await createUser(h.db));
    const victim = await createUser(h.db);
    const anon = await anonymousHeaders(app);
    const r = await app.inject({ method: 'POST', url: '/api/auth/signin',
      headers: { cookie: `${anon.cookie}; ${attacker.cookie}`, 'x-csrf-token': attacker.csrfToken },
      payload: { email: victim.email, password: victim.password } });
    expect(r.statusCode).toBe(200);
    const issued = cookiesOf(r).maillage_session!;
    expect(issued).toMatch(/^maillage_session=[A-Za-z0-9_-]{43}$/);
    expect(issued).not.toBe(attacker.cookie);
    expect(r.json().csrfToken).not.toBe(attacker.csrfToken);
    // The planted id is closed server-side: it is neither the victim nor the attacker any more.
    expect((await me(attacker.cookie)).json().user).toBeNull();
    expect(await sessionRows(attacker.cookie)).toBe(0);
    expect((await me(issued)).json().user.id).toBe(victim.id);
  });

  it('gives a new id when the planted value was never issued by the server', async () => {
    const victim = await createUser(h.db);
    const planted = `maillage_session=${'A'.repeat(43)}`;
    const anon = await anonymousHeaders(app);
    const r = await app.inject({ method: 'POST', url: '/api/auth/signin', headers: { ...anon, cookie: `${anon.cookie}; ${planted}` },
      payload: { email: victim.email, password: victim.password } });
    expect(r.statusCode).toBe(200);
    const issued = cookiesOf(r).maillage_session!;
    expect(issued).not.toBe(planted);
    expect((await me(planted)).json().user).toBeNull();
    expect((await me(issued)).json().user.id).toBe(victim.id);
  });

  it('does not accept the pre-sign-in double-submit token once signed in', async () => {
    const user = await createUser(h.db);
    const anon = await anonymousHeaders(app);
    const r = await app.inject({ method: 'POST', url: '/api/auth/signin', headers: anon, payload: { email: user.email, password: user.password } });
    const session = cookiesOf(r).maillage_session!;
    expect(r.json().csrfToken).not.toBe(anon['x-csrf-token']);
    const before = await contributions();
    expectForbidden(await contribute({ cookie: `${anon.cookie}; ${session}`, 'x-csrf-token': anon['x-csrf-token'] }), /Invalid CSRF token/);
    expect(await contributions()).toBe(before);
  });

  it('invalidates the session server-side at sign-out: a copy of the cookie can neither read nor write', async () => {
    const s = await signIn(app, await createUser(h.db));
    expect(await sessionRows(s.cookie)).toBe(1);
    expect((await app.inject({ method: 'POST', url: '/api/auth/signout', headers: s.headers })).statusCode).toBe(204);
    expect(await sessionRows(s.cookie)).toBe(0);
    expect((await me(s.cookie)).json().user).toBeNull();
    // Replayed with its old CSRF token, the stolen cookie is just a signed-out browser.
    const replay = await contribute(s.headers);
    expect(replay.statusCode).not.toBe(201);
    expect([401, 403]).toContain(replay.statusCode);
    expect(replay.headers['content-type']).toMatch(/^application\/problem\+json/);
  });

  describe('a contribution (a write) is refused with 403 problem+json and writes nothing', () => {
    let citizen: SignedIn;
    let other: SignedIn;
    beforeAll(async () => {
      citizen = await signIn(app, await createUser(h.db));
      other = await signIn(app, await createUser(h.db));
    });

    it('accepts it with the session’s own token (the control case)', async () => {
      const before = await contributions();
      const ok = await contribute(citizen.headers);
      expect(ok.statusCode).toBe(201);
      expect(await contributions()).toBe(before + 1);
    });

    it.each([
      ['without a token', () => ({ cookie: citizen.cookie }), /Missing CSRF token/],
      ['with an empty token', () => ({ cookie: citizen.cookie, 'x-csrf-token': '' }), /Missing CSRF token/],
      ['with a made-up token', () => ({ cookie: citizen.cookie, 'x-csrf-token': 'x'.repeat(43) }), /Invalid CSRF token/],
      ['with the token one character off', () => ({ cookie: citizen.cookie, 'x-csrf-token': citizen.csrfToken.slice(0, -1) + (citizen.csrfToken.endsWith('A') ? 'B' : 'A') }), /Invalid CSRF token/],
      ['with another session’s token', () => ({ cookie: citizen.cookie, 'x-csrf-token': other.csrfToken }), /Invalid CSRF token/],
    ] as const)('%s', async (_, headers, detail) => {
      const before = await contributions();
      expectForbidden(await contribute(headers()), detail);
      expect(await contributions()).toBe(before);
    });

    it('from a foreign origin: the browser sends the cookie (SameSite=Lax lets a top-level POST through on some browsers) but cannot know the token', async () => {
      const before = await contributions();
      const forged = await contribute({ cookie: citizen.cookie, origin: 'https://attacker.example', referer: 'https://attacker.example/page' });
      expectForbidden(forged, /comes from another site/);
      expect(await contributions()).toBe(before);
      // The Origin check stands even under a leaked token; the portal's own origin passes.
      expectForbidden(await contribute({ ...citizen.headers, origin: 'https://attacker.example' }), /comes from another site/);
      expectForbidden(await contribute({ ...citizen.headers, origin: 'null' }), /comes from another site/);
      expect(await contributions()).toBe(before);
      expect((await contribute({ ...citizen.headers, host: 'portail.example', origin: 'https://portail.example' })).statusCode).toBe(201);
      expect(await contributions()).toBe(before + 1);
      // …and cannot read it: the API grants no cross-origin read of /api/auth/me.
      const preflight = await app.inject({ method: 'OPTIONS', url: '/api/contributions',
        headers: { origin: 'https://attacker.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'x-csrf-token' } });
      expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
      const read = await app.inject({ url: '/api/auth/me', headers: { cookie: citizen.cookie, origin: 'https://attacker.example' } });
      expect(read.headers['access-control-allow-origin']).toBeUndefined();
      expect(read.headers['access-control-allow-credentials']).toBeUndefined();
    });
  });
});
