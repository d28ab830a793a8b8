// Sessions and password-reset tokens. Both tables keep the SHA-256 of the secret that the
// browser (cookie) or the e-mail (link) holds: a copy of the database opens no account.
import { createHash, randomBytes } from 'node:crypto';
import { type Kysely, sql } from 'kysely';
import type { Database, Role } from '@maillage/sql';

export const digest = (secret: string): string => createHash('sha256').update(secret).digest('hex');
/** 256 random bits, URL-safe. */
export const newSecret = (): string => randomBytes(32).toString('base64url');

export interface SessionUser {
  id: number;
  role: Role;
  displayName: string;
}

export interface ResolvedSession {
  /** The hashed id, as stored. */
  key: string;
  csrfToken: string;
  user: SessionUser;
}

/** Opens a session; returns the secret to put in the cookie and the CSRF token bound to it. */
export async function createSession(db: Kysely<Database>, userId: number, days: number): Promise<{ secret: string; csrfToken: string; expires: Date }> {
  const secret = newSecret();
  const csrfToken = newSecret();
  const expires = new Date(Date.now() + days * 86_400_000);
  // The account's expired sessions go on the way: the table does not grow for ever.
  await db.deleteFrom('sessions').where('user_id', '=', String(userId)).where('expires_at', '<=', sql<Date>`now()`).execute();
  await db.insertInto('sessions').values({ id: digest(secret), user_id: String(userId), csrf_token: csrfToken, expires_at: expires }).execute();
  return { secret, csrfToken, expires };
}

/** The live session of a cookie secret, with its user; expired sessions and disabled accounts give nothing. */
export async function findSession(db: Kysely<Database>, secret: string): Promise<ResolvedSession | undefined> {
  const row = await db.selectFrom('sessions as s')
    .innerJoin('users as u', 'u.id', 's.user_id')
    .select(['s.id', 's.csrf_token', 'u.id as user_id', 'u.role', 'u.display_name'])
    .where('s.id', '=', digest(secret))
    .where('s.expires_at', '>', sql<Date>`now()`)
    .where('u.disabled_at', 'is', null)
    .executeTakeFirst();
  if (!row) return undefined;
  return { key: row.id, csrfToken: row.csrf_token, user: { id: Number(row.user_id), role: row.role, displayName: row.display_name } };
}

export async function deleteSession(db: Kysely<Database>, key: string): Promise<void> {
  await db.deleteFrom('sessions').where('id', '=', key).execute();
}

/** Signs an account out everywhere (after a password reset), and drops expired sessions on the way. */
export async function deleteUserSessions(db: Kysely<Database>, userId: number): Promise<void> {
  await db.deleteFrom('sessions').where((eb) => eb.or([eb('user_id', '=', String(userId)), eb('expires_at', '<=', sql<Date>`now()`)])).execute();
}

export async function createPasswordReset(db: Kysely<Database>, userId: number, minutes: number): Promise<string> {
  const secret = newSecret();
  await db.insertInto('password_resets')
    .values({ token_hash: digest(secret), user_id: String(userId), expires_at: new Date(Date.now() + minutes * 60_000) })
    .execute();
  return secret;
}

/** Marks a reset token used and returns its account, or `undefined` when it is unknown, used or expired. */
export async function consumePasswordReset(db: Kysely<Database>, secret: string): Promise<number | undefined> {
  const row = await db.updateTable('password_resets')
    .set({ used_at: sql<Date>`now()` })
    .where('token_hash', '=', digest(secret))
    .where('used_at', 'is', null)
    .where('expires_at', '>', sql<Date>`now()`)
    .returning('user_id')
    .executeTakeFirst();
  return row ? Number(row.user_id) : undefined;
}
