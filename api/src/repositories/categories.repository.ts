import type { Kysely } from 'kysely';
import type { Database } from '@maillage/sql';

export function listPlaceCategories(db: Kysely<Database>) {
  return db.selectFrom('place_categories').selectAll().orderBy('sort').execute();
}
