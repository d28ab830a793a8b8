// Every role × every write endpoint. The write routes come from the app itself (the auth
// plugin records each POST, PUT, PATCH and DELETE under /api with its role guard), so a new
// route is in the matrix the day it is added. Each one is called signed out, and as each role,
// with a valid CSRF token; the expected answer follows from the guard the route declares.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import type { Role } from '@maillage/sql';
import { participationApp as buildApp } from './app.ts';
import type { WriteRoute } from '../../api/src/plugins/app/auth.ts';
import { openTestDb, dbModeName, type DbHandle } from '../support/db.ts';
import { anonymousHeaders, type AuthHeaders, signedInAs } from '../support/auth.ts';

const ROLES: Role[] = ['citizen', 'moderator', 'planner', 'admin'];

/** Writes open to anyone: they are how one gets an account or a session in the first place. */
const PUBLIC_WRITES = new Set([
  'POST /api/auth/signup', 'POST /api/auth/signin', 'POST /api/auth/signout', 'POST /api/auth/password-reset', 'POST /api/auth/password-reset/confirm',
]);

/** The guard each participation route must have (others' routes are held to having one). */
const EXPECTED: Record<string, Role[]> = {
  'POST /api/contributions': ROLES,
  'POST /api/moderation/contributions/:id/approve': ['moderator', 'admin'],
  'POST /api/moderation/contributions/:id/reject': ['moderator', 'admin'],
  'POST /api/moderation/contributions/:id/merge': ['moderator', 'admin'],
  'POST /api/auth/notifications/read': ROLES,
  'POST /api/projects/:id/comments': ROLES,
  'DELETE /api/projects/:id/comments/:commentId': ROLES,
  'PUT /api/projects/:id/support': ROLES,
  'DELETE /api/projects/:id/support': ROLES,
  'POST /api/projects/:id/stage': ROLES,
};

/** A URL for the route, with ids that exist nowhere (a permitted caller gets 400 or 404, never 401 or 403). */
const concrete = (url: string) => url.replace(/:[A-Za-z]+/g, '987654321');

describe(`roles × write routes (${dbModeName()})`, () => {
  let h: DbHandle;
  let app: FastifyInstance;
  let routes: WriteRoute[];
  const headers: Partial<Record<Role | 'anonymous', AuthHeaders>> = {};

  beforeAll(async () => {
    h = await openTestDb();
    app = await buildApp({ handle: h, auth: { writeLimit: { perAccount: 10_000, perIp: 10_000 } } });
    await app.ready();
    routes = app.writeRoutes;
    headers.anonymous = await anonymousHeaders(app);
    for (const role of ROLES) headers[role] = (await signedInAs(app, h.db, role)).headers;
  });
  afterAll(async () => {
    await app?.close();
    await h?.close();
  });

  it('finds every participation write route, each with the guard it must have', () => {
    const byKey = new Map(routes.map((r) => [`${r.method} ${r.url}`, r]));
    for (const key of [...PUBLIC_WRITES, ...Object.keys(EXPECTED)]) expect(byKey.has(key), key).toBe(true);
    for (const [key, roles] of Object.entries(EXPECTED)) expect(byKey.get(key)!.roles, key).toEqual(roles);
    for (const key of PUBLIC_WRITES) expect(byKey.get(key)!.roles, key).toBeNull();
  });

  it('gives every other write route a role guard, unless it is a computation that changes nothing', () => {
    const unguarded = routes.filter((r) => r.roles === null && r.csrf && !PUBLIC_WRITES.has(`${r.method} ${r.url}`));
    expect(unguarded.map((r) => `${r.method} ${r.url}`)).toEqual([]);
  });

  it('refuses each guarded write without a CSRF token, whoever asks', async () => {
    for (const r of routes.filter((x) => x.csrf)) {
      for (const who of ['anonymous', ...ROLES] as const) {
        const res = await app.inject({ method: r.method as 'POST', url: concrete(r.url), headers: { cookie: headers[who]!.cookie }, payload: {} });
        expect(res.statusCode, `${who} ${r.method} ${r.url}`).toBe(403);
        expect(res.json().detail, `${who} ${r.method} ${r.url}`).toMatch(/CSRF/);
      }
    }
  });

  it('answers 401 signed out, 403 to a role the guard does not list, and lets the listed roles through', async () => {
    const table: string[] = [];
    for (const r of routes.filter((x) => x.roles !== null)) {
      for (const who of ['anonymous', ...ROLES] as const) {
        const res = await app.inject({ method: r.method as 'POST', url: concrete(r.url), headers: headers[who], payload: {} });
        const expected = who === 'anonymous' ? '401' : r.roles!.includes(who) ? 'passes' : '403';
        const got = res.statusCode === 401 || res.statusCode === 403 ? String(res.statusCode) : 'passes';
        table.push(`${r.method} ${r.url} ${who}: ${got}`);
        expect(got, `${who} ${r.method} ${r.url} → ${res.statusCode} ${res.body}`).toBe(expected);
        expect(res.statusCode, `${who} ${r.method} ${r.url}`).toBeLessThan(500);
        expect(res.headers['content-type'], `${who} ${r.method} ${r.url}`).toMatch(/json/);
      }
    }
    expect(table.length).toBeGreaterThanOrEqual(Object.keys(EXPECTED).length * 5);
  });
});
