// Accounts and signed-in requests for app.inject. createUser() writes the account straight
// into the database (with a real argon2id hash); signIn() goes through POST /api/auth/signin,
// as a browser does, and returns the headers every later request must carry: the session
// cookie, and the CSRF token that state-changing requests need.
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import type { Kysely } from 'kysely';
import type { Database, Role } from '@maillage/sql';
import { randomBytes } from 'node:crypto';
import { hashPassword } from '../../api/src/plugins/app/passwords.ts';
import { insertUser } from '../../api/src/repositories/users.repository.ts';

export interface TestUser {
  id: number;
  email: string;
  password: string;
  displayName: string;
  role: Role;
}

/** Headers to pass to app.inject: `cookie` and `x-csrf-token`. */
export type AuthHeaders = { cookie: string; 'x-csrf-token': string };

export interface SignedIn {
  user: TestUser;
  headers: AuthHeaders;
  /** The session cookie alone, `maillage_session=…`. */
  cookie: string;
  csrfToken: string;
}

/**
 * Creates an account. E-mail, password and display name default to unique values.
 *
 * @example
 * const planner = await createUser(h.db, { role: 'planner' });
 */
export async function createUser(db: Kysely<Database>, o: { role?: Role; email?: string; password?: string; displayName?: string } = {}): Promise<TestUser> {
  const tag = randomBytes(4).toString('hex');
  const role = o.role ?? 'citizen';
  const user = {
    email: o.email ?? `${role}-${tag}@example.org`,
    password: o.password ?? `mot de passe ${tag}`,
    displayName: o.displayName ?? `${role} ${tag}`,
    role,
  };
  const id = await insertUser(db, { email: user.email, passwordHash: await hashPassword(user.password), displayName: user.displayName, role });
  if (id === undefined) throw new Error(`createUser: ${user.email} already exists`);
  return { id, ...user };
}

/** The `name=value` pairs of a response's Set-Cookie headers, keyed by name. */
export function cookiesOf(response: LightMyRequestResponse): Record<string, string> {
  return Object.fromEntries(response.cookies.map((c) => [c.name, `${c.name}=${c.value}`]));
}

/**
 * Signs in through the API and returns what to send with the next requests.
 *
 * @example
 * const { headers } = await signIn(app, planner);
 * await app.inject({ method: 'POST', url: '/api/zones', headers, payload: { … } });
 */
export async function signIn(app: FastifyInstance, user: Pick<TestUser, 'email' | 'password'> & Partial<TestUser>): Promise<SignedIn> {
  const anon = await anonymousHeaders(app);
  const r = await app.inject({ method: 'POST', url: '/api/auth/signin', headers: anon, payload: { email: user.email, password: user.password } });
  if (r.statusCode !== 200) throw new Error(`signIn(${user.email}): ${r.statusCode} ${r.body}`);
  const body = r.json() as { user: { id: number; role: Role; displayName: string }; csrfToken: string };
  const cookie = cookiesOf(r).maillage_session;
  if (!cookie) throw new Error(`signIn(${user.email}): no session cookie in the answer`);
  return {
    user: { id: body.user.id, email: user.email, password: user.password, displayName: body.user.displayName, role: body.user.role },
    headers: { cookie, 'x-csrf-token': body.csrfToken },
    cookie,
    csrfToken: body.csrfToken,
  };
}

/** Creates an account with the role and signs it in. */
export async function signedInAs(app: FastifyInstance, db: Kysely<Database>, role: Role, o: { email?: string; displayName?: string } = {}): Promise<SignedIn> {
  return signIn(app, await createUser(db, { role, ...o }));
}

/**
 * Headers for a write made signed out (sign-up, sign-in, password reset): the double-submit
 * CSRF cookie and its token, from GET /api/auth/me.
 */
export async function anonymousHeaders(app: FastifyInstance): Promise<AuthHeaders> {
  const r = await app.inject('/api/auth/me');
  const cookie = cookiesOf(r).maillage_csrf;
  if (!cookie) throw new Error('anonymousHeaders: GET /api/auth/me set no maillage_csrf cookie');
  return { cookie, 'x-csrf-token': (r.json() as { csrfToken: string }).csrfToken };
}
