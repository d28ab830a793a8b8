// /api/auth: sign up, sign in, sign out, who am I, password reset. Sessions live in an
// HttpOnly SameSite=Lax cookie; every sign-in opens a new session (no session fixation).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { HttpProblem } from '../../problem.ts';
import type { Mailer } from '../../mail/mailer.ts';
import {
  clearSessionCookie, csrfTokenFor, setSessionCookie, tooManyRequests,
} from '../../plugins/app/auth.ts';
import { hashPassword, PASSWORD_MAX, verifyPassword } from '../../plugins/app/passwords.ts';
import {
  consumePasswordReset, createPasswordReset, createSession, deleteSession, deleteUserSessions,
} from '../../repositories/sessions.repository.ts';
import { findUserByEmail, findUserById, insertUser, setPasswordHash } from '../../repositories/users.repository.ts';
import { ProblemSchema } from '../schemas.ts';
import { DisplayName, Email, MeSchema, Password } from './schemas.ts';
import notifications from './notifications.ts';

export interface AuthRoutesOptions {
  mailer: Mailer;
}

const Problems = { 400: ProblemSchema, 401: ProblemSchema, 403: ProblemSchema, 409: ProblemSchema, 413: ProblemSchema, 429: ProblemSchema };
const BODY_LIMIT = 16 * 1024;

const authRoutes: FastifyPluginAsyncTypebox<AuthRoutesOptions> = async (app, { mailer }) => {
  const { sessionDays, secureCookies, signInLimit, resetMinutes, publicUrl } = app.authOptions;
  // Failed sign-ins, counted per e-mail (password guessing on one account from many IPs) and
  // per IP (one IP trying many accounts). Successful ones do not count.
  const failuresByEmail = app.createRateLimit({
    max: signInLimit.failures, timeWindow: signInLimit.windowMs,
    keyGenerator: (r) => `signin-email:${String((r.body as { email?: unknown } | undefined)?.email ?? '').toLowerCase()}`,
  });
  const failuresByIp = app.createRateLimit({ max: signInLimit.failures * 5, timeWindow: signInLimit.windowMs, keyGenerator: (r) => `signin-ip:${r.ip}` });

  async function openSession(request: Parameters<typeof csrfTokenFor>[0], reply: Parameters<typeof csrfTokenFor>[1], userId: number) {
    // Rotation: whatever session the browser had is closed, and a new id is issued.
    if (request.authSession) await deleteSession(app.db, request.authSession.key);
    const { secret, csrfToken, expires } = await createSession(app.db, userId, sessionDays);
    setSessionCookie(reply, secret, expires, secureCookies);
    return csrfToken;
  }

  await app.register(notifications);

  app.get('/me', {
    schema: {
      summary: 'Compte connecté et jeton CSRF / Signed-in account and CSRF token',
      description: 'Le jeton csrfToken est à renvoyer dans l’en-tête x-csrf-token de toute écriture. / Send csrfToken back in the x-csrf-token header of every write.',
      tags: ['auth'],
      response: { 200: MeSchema },
    },
  }, async (request, reply) => {
    void reply.header('cache-control', 'no-store');
    const user = request.user ? await findUserById(app.db, request.user.id) : undefined;
    return {
      user: user ? { id: user.id, role: user.role, displayName: user.display_name, email: user.email } : null,
      csrfToken: csrfTokenFor(request, reply),
    };
  });

  app.post('/signup', {
    bodyLimit: BODY_LIMIT,
    schema: {
      summary: 'Créer un compte / Sign up',
      tags: ['auth'],
      body: Type.Object({ email: Email, password: Password, displayName: DisplayName }, { additionalProperties: false }),
      response: { 201: MeSchema, ...Problems },
    },
  }, async (request, reply) => {
    const email = request.body.email.trim();
    const displayName = request.body.displayName.trim();
    if (!displayName) throw new HttpProblem(400, 'Le nom affiché ne peut pas être vide.', 'The display name cannot be empty.');
    const id = await insertUser(app.db, { email, passwordHash: await hashPassword(request.body.password), displayName, role: 'citizen' });
    if (id === undefined) {
      throw new HttpProblem(409, 'Un compte existe déjà avec cette adresse : connectez-vous, ou réinitialisez le mot de passe.',
        'An account already exists with this address: sign in, or reset the password.');
    }
    const csrfToken = await openSession(request, reply, id);
    return reply.code(201).header('cache-control', 'no-store').send({ user: { id, role: 'citizen' as const, displayName, email }, csrfToken });
  });

  app.post('/signin', {
    bodyLimit: BODY_LIMIT,
    schema: {
      summary: 'Se connecter / Sign in',
      tags: ['auth'],
      body: Type.Object({ email: Email, password: Type.String({ minLength: 1, maxLength: PASSWORD_MAX }) }, { additionalProperties: false }),
      response: { 200: MeSchema, ...Problems },
    },
  }, async (request, reply) => {
    for (const limiter of [failuresByEmail, failuresByIp]) {
      // A peek: `remaining` is 0 once the failures have used the whole budget.
      const status = await limiter(request, { increment: false });
      if (!status.isAllowed && status.remaining <= 0) {
        return tooManyRequests(reply, request, status.ttlInSeconds, 'Trop d’essais de connexion manqués.', 'Too many failed sign-in attempts.');
      }
    }
    const user = await findUserByEmail(app.db, request.body.email.trim());
    const ok = await verifyPassword(user?.password_hash ?? null, request.body.password);
    if (!user || !ok || user.disabled_at) {
      await failuresByEmail(request);
      await failuresByIp(request);
      throw new HttpProblem(401, 'Adresse ou mot de passe incorrect.', 'Wrong e-mail address or password.');
    }
    const csrfToken = await openSession(request, reply, user.id);
    void reply.header('cache-control', 'no-store');
    return { user: { id: user.id, role: user.role, displayName: user.display_name, email: user.email }, csrfToken };
  });

  app.post('/signout', {
    schema: {
      summary: 'Se déconnecter / Sign out',
      tags: ['auth'],
      response: { 204: Type.Null(), ...Problems },
    },
  }, async (request, reply) => {
    if (request.authSession) await deleteSession(app.db, request.authSession.key);
    clearSessionCookie(reply, secureCookies);
    return reply.code(204).send(null);
  });

  app.post('/password-reset', {
    bodyLimit: BODY_LIMIT,
    schema: {
      summary: 'Demander un lien de réinitialisation / Ask for a password-reset link',
      description: 'Répond 202 que l’adresse ait un compte ou non. / Answers 202 whether the address has an account or not.',
      tags: ['auth'],
      body: Type.Object({ email: Email }, { additionalProperties: false }),
      response: { 202: Type.Object({ status: Type.Literal('sent_if_known') }), ...Problems },
    },
  }, async (request, reply) => {
    const user = await findUserByEmail(app.db, request.body.email.trim());
    if (user && !user.disabled_at) {
      const token = await createPasswordReset(app.db, user.id, resetMinutes);
      const link = `${publicUrl}/connexion/reinitialiser?token=${encodeURIComponent(token)}`;
      await mailer.send({
        to: user.email,
        subject: 'Maillage : réinitialiser votre mot de passe / reset your password',
        text: `Bonjour ${user.display_name},\n\nPour choisir un nouveau mot de passe, ouvrez ce lien (valable ${resetMinutes} minutes) :\n${link}\n\n`
          + `To choose a new password, open this link (valid for ${resetMinutes} minutes):\n${link}\n\n`
          + 'Si vous n’avez rien demandé, ignorez ce message. / If you did not ask, ignore this message.\n',
      });
    }
    return reply.code(202).send({ status: 'sent_if_known' as const });
  });

  app.post('/password-reset/confirm', {
    bodyLimit: BODY_LIMIT,
    schema: {
      summary: 'Choisir un nouveau mot de passe / Set a new password',
      tags: ['auth'],
      body: Type.Object({ token: Type.String({ minLength: 20, maxLength: 100 }), password: Password }, { additionalProperties: false }),
      response: { 204: Type.Null(), ...Problems },
    },
  }, async (request, reply) => {
    const passwordHash = await hashPassword(request.body.password);
    const userId = await app.db.transaction().execute(async (trx) => {
      const id = await consumePasswordReset(trx, request.body.token);
      if (id === undefined) return undefined;
      await setPasswordHash(trx, id, passwordHash);
      // Whoever knew the old password is signed out everywhere.
      await deleteUserSessions(trx, id);
      return id;
    });
    if (userId === undefined) {
      throw new HttpProblem(400, 'Ce lien de réinitialisation est inconnu, déjà utilisé ou expiré : demandez-en un nouveau.',
        'This reset link is unknown, already used or expired: ask for a new one.');
    }
    clearSessionCookie(reply, secureCookies);
    return reply.code(204).send(null);
  });
};

export default authRoutes;
