// Accounts. E-mails are matched case-insensitively (the unique index is on lower(email)) and
// never leave this file except to their owner and the mailer.
import { type Kysely, sql } from 'kysely';
import type { Database, Role } from '@maillage/sql';

export interface UserRow {
  id: number;
  email: string;
  display_name: string;
  role: Role;
  password_hash: string;
  disabled_at: Date | null;
}

const COLUMNS = ['id', 'email', 'display_name', 'role', 'password_hash', 'disabled_at'] as const;

export async function findUserByEmail(db: Kysely<Database>, email: string): Promise<UserRow | undefined> {
  const row = await db.selectFrom('users').select(COLUMNS).where(sql<string>`lower(email)`, '=', email.toLowerCase()).executeTakeFirst();
  return row ? { ...row, id: Number(row.id) } : undefined;
}

export async function findUserById(db: Kysely<Database>, id: number): Promise<UserRow | undefined> {
  const row = await db.selectFrom('users').select(COLUMNS).where('id', '=', String(id)).executeTakeFirst();
  return row ? { ...row, id: Number(row.id) } : undefined;
}

/** Inserts an account; `undefined` when the e-mail is already taken (whatever its case). */
export async function insertUser(db: Kysely<Database>, u: { email: string; passwordHash: string; displayName: string; role: Role }): Promise<number | undefined> {
  const row = await db.insertInto('users')
    .values({ email: u.email, password_hash: u.passwordHash, display_name: u.displayName, role: u.role })
    .onConflict((oc) => oc.expression(sql`lower(email)`).doNothing())
    .returning('id')
    .executeTakeFirst();
  return row ? Number(row.id) : undefined;
}

export async function setPasswordHash(db: Kysely<Database>, userId: number, passwordHash: string): Promise<void> {
  await db.updateTable('users').set({ password_hash: passwordHash }).where('id', '=', String(userId)).execute();
}

export async function setRole(db: Kysely<Database>, userId: number, role: Role): Promise<void> {
  await db.updateTable('users').set({ role }).where('id', '=', String(userId)).execute();
}
