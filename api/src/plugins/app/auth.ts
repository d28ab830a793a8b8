// Who is asking, and may they write? Every /api request that carries a session cookie is
// resolved to `request.user`; every state-changing request (POST, PUT, PATCH, DELETE) is
// rate-limited per IP and per account and must carry a CSRF token in `x-csrf-token`:
// - signed in: the token bound to the session (given by GET /api/auth/me and at sign-in);
// - signed out (sign-up, sign-in, password reset): the double-submit token of the
//   `maillage_csrf` cookie, also given by GET /api/auth/me. This stops login CSRF too.
// A route that computes without changing anything may opt out with `config: { csrf: false }`.
import fp from 'fastify-plugin';
import cookie from '@fastify/cookie';
import rateLimit from '@fastify/rate-limit';
import type { FastifyReply, FastifyRequest, onRequestAsyncHookHandler, RouteOptions } from 'fastify';
import { timingSafeEqual } from 'node:crypto';
import type { Role } from '@maillage/sql';
import { HttpProblem, sendProblem } from '../../problem.ts';
import { findSession, newSecret, type ResolvedSession, type SessionUser } from '../../repositories/sessions.repository.ts';

export type { SessionUser } from '../../repositories/sessions.repository.ts';
export const ROLES: readonly Role[] = ['citizen', 'moderator', 'planner', 'admin'];

export const SESSION_COOKIE = 'maillage_session';
export const CSRF_COOKIE = 'maillage_csrf';
export const CSRF_HEADER = 'x-csrf-token';

export interface WriteLimit {
  /** Writes allowed per window from one IP address, whoever is signed in. */
  perIp: number;
  /** Writes allowed per window from one account, whatever its IP addresses. */
  perAccount: number;
  windowMs: number;
}

export interface AuthOptions {
  /** `Secure` cookie attribute: always, never, or `auto` (when the request came over https). */
  secureCookies?: boolean | 'auto';
  sessionDays?: number;
  writeLimit?: Partial<WriteLimit>;
  /** Failed sign-ins allowed per window, counted per e-mail and per IP, before a 429. */
  signInLimit?: { failures?: number; windowMs?: number };
  /** Lifetime of a password-reset link. */
  resetMinutes?: number;
  /** Origin of e-mailed links (never taken from the request's Host header, which a client chooses). */
  publicUrl?: string;
}

export interface ResolvedAuthOptions {
  secureCookies: boolean | 'auto';
  sessionDays: number;
  writeLimit: WriteLimit;
  signInLimit: { failures: number; windowMs: number };
  resetMinutes: number;
  publicUrl: string;
}

const envNumber = (name: string, fallback: number): number => {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number, got "${raw}"`);
  return n;
};

function secureFromEnv(): boolean | 'auto' {
  const raw = process.env.MAILLAGE_SECURE_COOKIES ?? 'auto';
  if (raw === 'auto') return 'auto';
  if (raw === '1' || raw === 'true') return true;
  if (raw === '0' || raw === 'false') return false;
  throw new Error(`MAILLAGE_SECURE_COOKIES must be 1, 0 or auto, got "${raw}"`);
}

/** Options given to buildApp win; then the environment (see README, Configuration); then the defaults. */
export function resolveAuthOptions(o: AuthOptions = {}): ResolvedAuthOptions {
  return {
    secureCookies: o.secureCookies ?? secureFromEnv(),
    sessionDays: o.sessionDays ?? envNumber('MAILLAGE_SESSION_DAYS', 30),
    writeLimit: {
      perIp: o.writeLimit?.perIp ?? envNumber('MAILLAGE_WRITE_LIMIT_IP', 600),
      perAccount: o.writeLimit?.perAccount ?? envNumber('MAILLAGE_WRITE_LIMIT_ACCOUNT', 100),
      windowMs: o.writeLimit?.windowMs ?? envNumber('MAILLAGE_WRITE_LIMIT_WINDOW_MS', 60_000),
    },
    signInLimit: {
      failures: o.signInLimit?.failures ?? envNumber('MAILLAGE_SIGNIN_FAILURES', 10),
      windowMs: o.signInLimit?.windowMs ?? 15 * 60_000,
    },
    resetMinutes: o.resetMinutes ?? 60,
    publicUrl: (o.publicUrl ?? process.env.MAILLAGE_PUBLIC_URL ?? `http://${process.env.HOST ?? '127.0.0.1'}:${process.env.PORT ?? 3000}`).replace(/\/+$/, ''),
  };
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The signed-in account, or null. */
    user: SessionUser | null;
    /** The session behind `user` (hashed id and CSRF token), or null. */
    authSession: ResolvedSession | null;
  }
  interface FastifyInstance {
    authOptions: ResolvedAuthOptions;
    /** Every POST, PUT, PATCH and DELETE route under /api and its role guard (tests enumerate them). */
    writeRoutes: WriteRoute[];
  }
  interface FastifyContextConfig {
    /** false: a POST that changes nothing (a computation on a posted geometry) needs no CSRF token. */
    csrf?: boolean;
    /** false: a read whose answer is the same for everyone (vector tiles); its requests' session cookie is not looked up. */
    session?: boolean;
  }
}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Sends a 429 problem with Retry-After (seconds). */
export function tooManyRequests(reply: FastifyReply, request: FastifyRequest, seconds: number, fr: string, en: string): FastifyReply {
  void reply.header('retry-after', String(Math.max(1, Math.ceil(seconds))));
  return sendProblem(reply, request, 429, `${fr} Réessayez dans ${Math.max(1, Math.ceil(seconds))} s.`, `${en} Retry in ${Math.max(1, Math.ceil(seconds))} s.`);
}

/** Sets the session cookie (HttpOnly, SameSite=Lax, Secure per configuration). */
export function setSessionCookie(reply: FastifyReply, secret: string, expires: Date, secure: boolean | 'auto'): void {
  void reply.setCookie(SESSION_COOKIE, secret, { path: '/', httpOnly: true, sameSite: 'lax', secure, expires });
}

export function clearSessionCookie(reply: FastifyReply, secure: boolean | 'auto'): void {
  void reply.clearCookie(SESSION_COOKIE, { path: '/', httpOnly: true, sameSite: 'lax', secure });
}

/**
 * The CSRF token a client must send back in `x-csrf-token`: the session's when signed in,
 * otherwise the double-submit cookie's (set here when missing).
 */
export function csrfTokenFor(request: FastifyRequest, reply: FastifyReply): string {
  if (request.authSession) return request.authSession.csrfToken;
  const existing = request.cookies[CSRF_COOKIE];
  if (existing && /^[A-Za-z0-9_-]{43}$/.test(existing)) return existing;
  const token = newSecret();
  // Readable by the server only: the page gets the value from the JSON answer, a foreign
  // site can neither read it nor set it on this origin.
  void reply.setCookie(CSRF_COOKIE, token, { path: '/', httpOnly: true, sameSite: 'lax', secure: request.server.authOptions.secureCookies });
  return token;
}

/** A role check, with the roles it lets through (read by the write-route inventory). */
export type RoleGuard = onRequestAsyncHookHandler & { roles: readonly Role[] };

/**
 * A hook that lets through only signed-in users with one of the roles: 401 when signed out,
 * 403 otherwise. Without roles, any signed-in user passes. Put it in `preHandler` or
 * `onRequest`: either way it runs before body validation (see the onRoute hook below).
 *
 * @example
 * app.post('/zones', { preHandler: requireRole('planner', 'admin') }, handler);
 */
export function requireRole(...roles: Role[]): RoleGuard {
  const allowed = roles.length ? roles : ROLES;
  const guard = async (request: FastifyRequest) => {
    if (!request.user) {
      throw new HttpProblem(401, 'Connectez-vous pour faire cela (/connexion).', 'Sign in to do this (/connexion).');
    }
    if (!allowed.includes(request.user.role)) {
      throw new HttpProblem(403, `Votre rôle (${request.user.role}) ne permet pas cette action ; rôles admis : ${allowed.join(', ')}.`,
        `Your role (${request.user.role}) does not allow this action; allowed roles: ${allowed.join(', ')}.`);
    }
  };
  return Object.assign(guard, { roles: allowed });
}

const isGuard = (hook: unknown): hook is RoleGuard => typeof hook === 'function' && Array.isArray((hook as { roles?: unknown }).roles);
const asList = <T>(x: T | T[] | undefined): T[] => (x === undefined ? [] : Array.isArray(x) ? x : [x]);

/** A state-changing route of the API, as the auth plugin saw it registered. */
export interface WriteRoute {
  method: string;
  url: string;
  /** Roles let through by its guard; null when it has none (public writes: sign-up, sign-in…). */
  roles: readonly Role[] | null;
  /** false for computations that change nothing (no CSRF token needed). */
  csrf: boolean;
}

/** The signed-in user, for handlers behind requireRole (a 401 if they are not). */
export function currentUser(request: FastifyRequest): SessionUser {
  if (!request.user) throw new HttpProblem(401, 'Connectez-vous pour faire cela (/connexion).', 'Sign in to do this (/connexion).');
  return request.user;
}

export default fp<AuthOptions>(async (app, options) => {
  const config = resolveAuthOptions(options);
  app.decorate('authOptions', config);
  await app.register(cookie);
  await app.register(rateLimit, { global: false });
  const { writeLimit } = config;
  const perIp = app.createRateLimit({ max: writeLimit.perIp, timeWindow: writeLimit.windowMs, keyGenerator: (r) => `ip:${r.ip}` });
  const perAccount = app.createRateLimit({
    max: writeLimit.perAccount, timeWindow: writeLimit.windowMs, keyGenerator: (r) => `account:${r.user?.id ?? 'none'}`,
  });

  app.decorateRequest('user', null);
  app.decorateRequest('authSession', null);

  // Role checks move to onRequest, before body validation: a signed-out caller gets a 401,
  // not a list of what the body should contain. Each write route is recorded with its roles.
  const writeRoutes: WriteRoute[] = [];
  app.decorate('writeRoutes', writeRoutes);
  app.addHook('onRoute', (route: RouteOptions) => {
    const guards = asList(route.preHandler).filter(isGuard);
    if (guards.length) {
      route.preHandler = asList(route.preHandler).filter((h) => !isGuard(h));
      route.onRequest = [...asList(route.onRequest), ...guards] as RouteOptions['onRequest'];
    }
    const all = asList(route.onRequest).filter(isGuard);
    for (const method of asList(route.method)) {
      if (!UNSAFE.has(String(method)) || !route.url.startsWith('/api/')) continue;
      writeRoutes.push({
        method: String(method), url: route.url,
        roles: all.length ? ROLES.filter((r) => all.every((g) => g.roles.includes(r))) : null,
        csrf: (route.config as { csrf?: boolean } | undefined)?.csrf !== false,
      });
    }
  });

  // A callback hook whose common cases (no /api path; a read without a session cookie; a read
  // of a route that answers everyone alike) cost no promise; the rest is `resolveRequest`.
  app.addHook('onRequest', (request, reply, done) => {
    if (!request.url.startsWith('/api/')) return done();
    const unsafe = UNSAFE.has(request.method);
    // `session: false` (public vector tiles): the answer is the same for everyone, so the
    // session is not looked up (a query per request for a signed-in browser). Writes always are.
    // (The cookie first: Fastify builds a new routeOptions object at each read.)
    if (!unsafe && (request.cookies[SESSION_COOKIE] === undefined || request.routeOptions.config.session === false)) return done();
    resolveRequest(request, reply).then(() => done(), done);
  });

  async function resolveRequest(request: FastifyRequest, reply: FastifyReply): Promise<unknown> {
    const secret = request.cookies[SESSION_COOKIE];
    if (secret) {
      const session = await findSession(app.db, secret);
      if (session) {
        request.authSession = session;
        request.user = session.user;
      }
    }
    // An unknown route is a 404 whatever the method; nothing to protect there.
    if (!UNSAFE.has(request.method) || request.routeOptions.url === undefined) return;

    for (const limiter of request.user ? [perIp, perAccount] : [perIp]) {
      const limit = await limiter(request);
      if (!limit.isAllowed && limit.isExceeded) {
        return tooManyRequests(reply, request, limit.ttlInSeconds, 'Trop d’écritures en peu de temps.', 'Too many writes in a short time.');
      }
    }

    if (request.routeOptions.config.csrf === false) return;
    // A second layer under the token: a browser names the page that sends a write in `Origin`;
    // one from another site is refused whatever it carries. (Clients that send no Origin, such
    // as scripts and curl, rely on the token alone.)
    const origin = request.headers.origin;
    if (origin !== undefined && !sameSite(origin, request.headers.host)) {
      return sendProblem(reply, request, 403,
        `Écriture refusée : elle vient d’un autre site (${origin.slice(0, 100)}). Écrivez depuis le portail lui-même.`,
        `Write refused: it comes from another site (${origin.slice(0, 100)}). Write from the portal itself.`);
    }
    const sent = request.headers[CSRF_HEADER];
    const expected = request.authSession?.csrfToken ?? request.cookies[CSRF_COOKIE];
    if (typeof sent !== 'string' || sent === '') {
      return sendProblem(reply, request, 403,
        `Jeton CSRF manquant : lisez csrfToken dans GET /api/auth/me et renvoyez-le dans l’en-tête ${CSRF_HEADER}.`,
        `Missing CSRF token: read csrfToken from GET /api/auth/me and send it back in the ${CSRF_HEADER} header.`);
    }
    if (!expected || !sameToken(sent, expected)) {
      return sendProblem(reply, request, 403,
        `Jeton CSRF invalide pour cette session : relisez csrfToken dans GET /api/auth/me (il change à chaque connexion).`,
        'Invalid CSRF token for this session: read csrfToken again from GET /api/auth/me (it changes at every sign-in).');
    }
    return undefined;
  }
}, { name: 'auth', dependencies: ['db'] });

/** Whether an `Origin` header names the host the request was sent to (`null` origins never do). */
function sameSite(origin: string, host: string | undefined): boolean {
  if (!host) return false;
  try {
    return new URL(origin).host === host;
  } catch {
    return false;
  }
}
