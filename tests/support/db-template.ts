// Runs once per Vitest run, in the main process (globalSetup): migrates the template database
// that tests/support/db.ts clones for every openTestDb(), and removes it at the end.
import { createDb, type DbHandle } from '@maillage/sql';
import { sql } from 'kysely';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';

/** What the global setup hands to every test worker (through Vitest's provide/inject, so it must be plain JSON). */
export type DbTemplate =
  | { mode: 'pglite'; tarball: string }
  | { mode: 'postgres'; serverUrl: string; template: string; prefix: string };

declare module 'vitest' {
  export interface ProvidedContext {
    maillageDbTemplate: DbTemplate;
  }
}

/** Vitest globalSetup: prepare the template, provide it to the workers, return its teardown. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const started = Date.now();
  const { template, dispose } = await prepareDbTemplate();
  project.provide('maillageDbTemplate', template);
  console.log(`maillage tests: ${template.mode} template database ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return dispose;
}

/** The same database under another name, keeping the server, credentials and query parameters. */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/** A short-lived single connection to the server's DATABASE_URL database, for CREATE/DROP DATABASE. */
export async function onServer<T>(serverUrl: string, fn: (db: DbHandle['db']) => Promise<T>): Promise<T> {
  const admin = await createDb({ url: serverUrl, migrate: false, poolSize: 1 });
  try {
    return await fn(admin.db);
  } finally {
    await admin.close();
  }
}

/**
 * Migrates the template that openTestDb() clones, in the mode createDb() would pick (a server
 * when DATABASE_URL is set, else PGlite). Returns it with a function that removes it.
 */
async function prepareDbTemplate(): Promise<{ template: DbTemplate; dispose(): Promise<void> }> {
  const serverUrl = process.env.DATABASE_URL;
  return serverUrl ? prepareServerTemplate(serverUrl) : preparePgliteTemplate();
}

async function preparePgliteTemplate(): Promise<{ template: DbTemplate; dispose(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'maillage-template-'));
  const dispose = async () => rmSync(dir, { recursive: true, force: true });
  const handle = await createDb({ dataDir: 'memory://' });
  try {
    const tarball = join(dir, 'pgdata.tar');
    const dump = await handle.dump!();
    await writeFile(tarball, new Uint8Array(await dump.arrayBuffer()));
    return { template: { mode: 'pglite', tarball }, dispose };
  } catch (error) {
    await dispose();
    throw error;
  } finally {
    await handle.close();
  }
}

async function prepareServerTemplate(serverUrl: string): Promise<{ template: DbTemplate; dispose(): Promise<void> }> {
  // Names carry a run id, so two runs against the same server never touch each other's databases.
  const run = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  const templateName = `maillage_template_${run}`;
  const prefix = `maillage_test_${run}_`;
  const dispose = () =>
    onServer(serverUrl, async (db) => {
      // Test files that crashed before closing leave their database behind.
      const { rows } = await sql<{ datname: string }>`
        SELECT datname FROM pg_database WHERE starts_with(datname, ${prefix}) OR datname = ${templateName}`.execute(db);
      for (const { datname } of rows) await sql`DROP DATABASE IF EXISTS ${sql.id(datname)} WITH (FORCE)`.execute(db);
    });
  await onServer(serverUrl, (db) => sql`CREATE DATABASE ${sql.id(templateName)}`.execute(db));
  try {
    const handle = await createDb({ url: withDatabase(serverUrl, templateName), poolSize: 1 });
    // CREATE DATABASE … TEMPLATE refuses a template that has open connections.
    await handle.close();
  } catch (error) {
    await dispose();
    throw error;
  }
  return { template: { mode: 'postgres', serverUrl, template: templateName, prefix }, dispose };
}
