// Accounts and sessions: argon2id hashes, cookie flags, session rotation at sign-in, CSRF on
// every write (signed in and signed out), sign-in and write rate limits, password reset
// through the mailer, and problem+json answers to bad input.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { participationApp as buildApp } from './app.ts';
import { memoryMailer } from '../../api/src/mail/mailer.ts';
import { main as createAdmin } from '../../api/src/cli/create-admin.ts';
import { openTestDb, dbModeName, type DbHandle } from '../support/db.ts';
import { anonymousHeaders, cookiesOf, createUser, signIn } from '../support/auth.ts';

describe(`accounts and sessions (${dbModeName()})`, () => {
  let h: DbHandle;
  let app: FastifyInstance;
  const mailer = memoryMailer();

  beforeAll(async () => {
    h = await openTestDb();
    app = await buildApp({ handle: h, mailer, auth: { publicUrl: 'https://maillage.test', signInLimit: { failures: 3 } } });
  });
  afterAll(async () => {
    await app?.close();
    await h?.close();
  });

  it('signs up with an argon2id hash, an HttpOnly SameSite=Lax session cookie and a CSRF token', async () => {
    const anon = await anonymousHeaders(app);
    const r = await app.inject({ method: 'POST', url: '/api/auth/signup', headers: anon,
      payload: { email: ' Camille@Example.org ', password: 'un mot de passe long', displayName: 'Camille' } });
    expect(r.statusCode).toBe(201);
    const body = r.json();
    expect(body.user).toMatchObject({ role: 'citizen', displayName: 'Camille', email: 'Camille@Example.org' });
    expect(body.csrfToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const cookie = r.cookies.find((c) => c.name === 'maillage_session')!;
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' });
    expect(cookie.secure).toBeUndefined();
    expect(cookie.value).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const row = await h.db.selectFrom('users').select(['password_hash']).where('email', '=', 'Camille@Example.org').executeTakeFirstOrThrow();
    expect(row.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    // The cookie holds the secret; the table holds only its SHA-256.
    const sessions = await h.db.selectFrom('sessions').select(['id']).execute();
    expect(sessions.map((s) => s.id)).not.toContain(cookie.value);
    const me = (await app.inject({ url: '/api/auth/me', headers: { cookie: `maillage_session=${cookie.value}` } })).json();
    expect(me).toMatchObject({ user: { displayName: 'Camille', role: 'citizen' }, csrfToken: body.csrfToken });
  });

  it('refuses a second account with the same e-mail in another case (409)', async () => {
    const r = await app.inject({ method: 'POST', url: '/api/auth/signup', headers: await anonymousHeaders(app),
      payload: { email: 'camille@EXAMPLE.org', password: 'un autre mot de passe', displayName: 'Autre' } });
    expect(r.statusCode).toBe(409);
    expect(r.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(r.json().detail).toMatch(/existe déjà/);
    expect(r.json().detail_en).toMatch(/already exists/);
  });

  it.each([
    [{ email: 'pas-une-adresse', password: 'un mot de passe long', displayName: 'X' }, /email/],
    [{ email: 'a@b.fr', password: 'court', displayName: 'X' }, /password/],
    [{ email: 'a@b.fr', password: 'un mot de passe long', displayName: '' }, /displayName/],
    [{ email: 'a@b.fr', password: 'un mot de passe long', displayName: 'X', role: 'admin' }, /additional/],
    [{ email: 'a@b.fr', password: 'un mot de passe long', displayName: 'bip\u0007' }, /displayName/],
  ])('refuses a bad sign-up body %j with a 400 problem', async (payload, detail) => {
    const r = await app.inject({ method: 'POST', url: '/api/auth/signup', headers: await anonymousHeaders(app), payload });
    expect(r.statusCode).toBe(400);
    expect(r.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(r.json().detail_en).toMatch(detail);
    expect(r.json().detail).toMatch(/invalide/);
  });

  it('answers 404, not 403, to a write on a route that does not exist', async () => {
    const r = await app.inject({ method: 'POST', url: '/api/nothing-here', payload: {} });
    expect(r.statusCode).toBe(404);
    expect(r.headers['content-type']).toMatch(/application\/problem\+json/);
  });

  it('creates the first admin from the command line, and promotes an account only when asked', async () => {
    const open = async () => ({ ...h, close: async () => undefined });
    const previous = process.env.MAILLAGE_ADMIN_PASSWORD;
    process.env.MAILLAGE_ADMIN_PASSWORD = 'le mot de passe de l’admin';
    try {
      expect(await createAdmin(['--email', 'admin@example.org', '--name', 'Équipe'], open)).toBe(0);
      expect(await createAdmin(['--name', 'Sans adresse'], open)).toBe(2);
      const citizen = await createUser(h.db, { email: 'futur.admin@example.org' });
      expect(await createAdmin(['--email', citizen.email], open)).toBe(1);
      expect(await createAdmin(['--email', citizen.email, '--promote'], open)).toBe(0);
    } finally {
      if (previous === undefined) delete process.env.MAILLAGE_ADMIN_PASSWORD;
      else process.env.MAILLAGE_ADMIN_PASSWORD = previous;
    }
    const admin = await signIn(app, { email: 'admin@example.org', password: 'le mot de passe de l’admin' });
    expect(admin.user).toMatchObject({ role: 'admin', displayName: 'Équipe' });
    const row = await h.db.selectFrom('users').select(['role', 'password_hash']).where('email', '=', 'futur.admin@example.org').executeTakeFirstOrThrow();
    expect(row.role).toBe('admin');
    expect(row.password_hash).toMatch(/^\$argon2id\$/);
  });

  it('refuses a body over the size limit with 413', async () => {
    const r = await app.inject({ method: 'POST', url: '/api/auth/signup', headers: { ...(await anonymousHeaders(app)), 'content-type': 'application/json' },
      payload: JSON.stringify({ email: 'a@b.fr', password: 'x'.repeat(40_000), displayName: 'X' }) });
    expect(r.statusCode).toBe(413);
    expect(r.headers['content-type']).toMatch(/application\/problem\+json/);
  });

  it('refuses writes without a CSRF token, or with one that is not the session’s (403)', async () => {
    const a = await signIn(app, await createUser(h.db));
    const b = await signIn(app, await createUser(h.db));
    const signout = (headers: Record<string, string>) => app.inject({ method: 'POST', url: '/api/auth/signout', headers });
    const missing = await signout({ cookie: a.cookie });
    expect(missing.statusCode).toBe(403);
    expect(missing.json().detail).toMatch(/Jeton CSRF manquant/);
    const foreign = await signout({ cookie: a.cookie, 'x-csrf-token': b.csrfToken });
    expect(foreign.statusCode).toBe(403);
    expect(foreign.json().detail_en).toMatch(/Invalid CSRF token/);
    // Signed out: the token must match the double-submit cookie.
    const anon = await anonymousHeaders(app);
    const other = await anonymousHeaders(app);
    const forged = await app.inject({ method: 'POST', url: '/api/auth/signin', headers: { cookie: anon.cookie, 'x-csrf-token': other['x-csrf-token'] },
      payload: { email: a.user.email, password: a.user.password } });
    expect(forged.statusCode).toBe(403);
    const noCookie = await app.inject({ method: 'POST', url: '/api/auth/signin', headers: { 'x-csrf-token': anon['x-csrf-token'] },
      payload: { email: a.user.email, password: a.user.password } });
    expect(noCookie.statusCode).toBe(403);
    // And the session is still there: nothing was done.
    expect((await app.inject({ url: '/api/auth/me', headers: { cookie: a.cookie } })).json().user.id).toBe(a.user.id);
  });

  it('issues a new session id at sign-in and closes the one the browser had (no session fixation)', async () => {
    const user = await createUser(h.db);
    const first = await signIn(app, user);
    // Sign in again from the same browser: the old cookie is sent along.
    const r = await app.inject({ method: 'POST', url: '/api/auth/signin', headers: first.headers, payload: { email: user.email, password: user.password } });
    expect(r.statusCode).toBe(200);
    const second = cookiesOf(r).maillage_session!;
    expect(second).not.toBe(first.cookie);
    expect(r.json().csrfToken).not.toBe(first.csrfToken);
    expect((await app.inject({ url: '/api/auth/me', headers: { cookie: first.cookie } })).json().user).toBeNull();
    expect((await app.inject({ url: '/api/auth/me', headers: { cookie: second } })).json().user.id).toBe(user.id);
    // A cookie value the server never issued (planted by an attacker) opens nothing.
    const planted = await app.inject({ url: '/api/auth/me', headers: { cookie: 'maillage_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' } });
    expect(planted.json().user).toBeNull();
  });

  it('signs out: the session is gone and the cookie is cleared', async () => {
    const s = await signIn(app, await createUser(h.db));
    const r = await app.inject({ method: 'POST', url: '/api/auth/signout', headers: s.headers });
    expect(r.statusCode).toBe(204);
    const cleared = r.cookies.find((c) => c.name === 'maillage_session')!;
    expect(cleared.value).toBe('');
    expect((await app.inject({ url: '/api/auth/me', headers: { cookie: s.cookie } })).json().user).toBeNull();
  });

  it('answers 401 for a wrong password or an unknown e-mail, then 429 with Retry-After after repeated failures', async () => {
    const user = await createUser(h.db);
    const attempt = async (email: string, password: string) => app.inject({ method: 'POST', url: '/api/auth/signin',
      headers: await anonymousHeaders(app), payload: { email, password } });
    const unknown = await attempt('personne@example.org', 'peu importe');
    expect(unknown.statusCode).toBe(401);
    for (let i = 0; i < 3; i++) expect((await attempt(user.email, `mauvais ${i}`)).statusCode).toBe(401);
    const blocked = await attempt(user.email, user.password);
    expect(blocked.statusCode).toBe(429);
    expect(blocked.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
    expect(blocked.json().detail).toMatch(/Trop d’essais/);
    // Another account from the same place still signs in (the per-IP budget is larger).
    const other = await createUser(h.db);
    expect((await attempt(other.email, other.password)).statusCode).toBe(200);
  });

  it('resets a password through the e-mailed link, once, and signs the account out everywhere', async () => {
    const user = await createUser(h.db, { email: 'dominique@example.org' });
    const old = await signIn(app, user);
    mailer.outbox.length = 0;
    const ask = (email: string) => app.inject({ method: 'POST', url: '/api/auth/password-reset', headers: old.headers, payload: { email } });
    const unknown = await ask('inconnu@example.org');
    expect(unknown.statusCode).toBe(202);
    expect(mailer.outbox).toHaveLength(0);
    expect((await ask('DOMINIQUE@example.org')).statusCode).toBe(202);
    expect(mailer.outbox).toHaveLength(1);
    const mail = mailer.outbox[0]!;
    expect(mail.to).toBe('dominique@example.org');
    const link = /https:\/\/maillage\.test\/connexion\/reinitialiser\?token=([A-Za-z0-9_-]+)/.exec(mail.text);
    expect(link).not.toBeNull();
    const token = link![1]!;
    const anon = await anonymousHeaders(app);
    const confirm = (password: string) => app.inject({ method: 'POST', url: '/api/auth/password-reset/confirm', headers: anon, payload: { token, password } });
    expect((await confirm('nouveau mot de passe')).statusCode).toBe(204);
    expect((await app.inject({ url: '/api/auth/me', headers: { cookie: old.cookie } })).json().user).toBeNull();
    const again = await confirm('encore un autre mot');
    expect(again.statusCode).toBe(400);
    expect(again.json().detail).toMatch(/déjà utilisé ou expiré/);
    await expect(signIn(app, user)).rejects.toThrow(/401/);
    expect((await signIn(app, { email: user.email, password: 'nouveau mot de passe' })).user.id).toBe(user.id);
  });
});

describe(`write rate limit and secure cookies (${dbModeName()})`, () => {
  let h: DbHandle;
  let app: FastifyInstance;

  beforeAll(async () => {
    h = await openTestDb();
    app = await buildApp({ handle: h, auth: { secureCookies: true, writeLimit: { perAccount: 3, perIp: 1000, windowMs: 60_000 } } });
  });
  afterAll(async () => {
    await app?.close();
    await h?.close();
  });

  it('sets Secure on the cookies when configured', async () => {
    const r = await app.inject('/api/auth/me');
    expect(r.cookies.find((c) => c.name === 'maillage_csrf')).toMatchObject({ secure: true, httpOnly: true, sameSite: 'Lax' });
    const user = await createUser(h.db);
    const s = await app.inject({ method: 'POST', url: '/api/auth/signin', headers: { cookie: cookiesOf(r).maillage_csrf!, 'x-csrf-token': r.json().csrfToken },
      payload: { email: user.email, password: user.password } });
    expect(s.cookies.find((c) => c.name === 'maillage_session')).toMatchObject({ secure: true, httpOnly: true, sameSite: 'Lax' });
  });

  it('answers 429 problem+json with Retry-After once an account has used its writes', async () => {
    const s = await signIn(app, await createUser(h.db));
    const write = () => app.inject({ method: 'POST', url: '/api/auth/password-reset', headers: s.headers, payload: { email: 'x@example.org' } });
    for (let i = 0; i < 3; i++) expect((await write()).statusCode).toBe(202);
    const r = await write();
    expect(r.statusCode).toBe(429);
    expect(r.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(Number(r.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(r.headers['retry-after'])).toBeLessThanOrEqual(60);
    // Another account is not affected.
    const other = await signIn(app, await createUser(h.db));
    expect((await app.inject({ method: 'POST', url: '/api/auth/password-reset', headers: other.headers, payload: { email: 'x@example.org' } })).statusCode).toBe(202);
  });
});
