export { createDb, defaultPgliteDir, type CreateDbOptions, type DbHandle, type DbMode } from './db.ts';
export { migrateToLatest, migrations } from './migrate.ts';
export type * from './types.ts';
export * from './spatial.ts';
export * from './analysis/index.ts';
