import fp from 'fastify-plugin';
import type { Kysely } from 'kysely';
import type { Database, DbHandle, DbMode } from '@maillage/sql';

declare module 'fastify' {
  interface FastifyInstance {
    db: Kysely<Database>;
    dbMode: DbMode;
  }
}

/** Decorates the app with the database. The caller owns the handle and closes it. */
export default fp<{ handle: DbHandle }>(async (app, { handle }) => {
  app.decorate('db', handle.db);
  app.decorate('dbMode', handle.mode);
}, { name: 'db' });
