// Frozen once merged. The unmet-needs analysis (sql/src/analysis/needs.ts) searches the nearest
// facility of one category at a time: a KNN on the whole places index walks every other
// category too (a café is one place in twelve), so each category of the taxonomy gets its own
// partial geography index, and France services theirs. A category added to the taxonomy later
// still works through places_geog_idx, only slower. Created from the taxonomy table itself:
// a migration imports no application code.
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql.raw(`DO $$
    DECLARE r record;
    BEGIN
      FOR r IN SELECT code FROM place_categories LOOP
        EXECUTE format('CREATE INDEX %I ON places USING gist ((geom::geography)) WHERE category = %L AND status = %L',
          'places_' || r.code || '_geog_idx', r.code, 'active');
      END LOOP;
    END $$`).execute(db);
  await sql.raw(`CREATE INDEX programmes_france_services_geog_idx ON programmes USING gist ((geom::geography)) WHERE programme = 'france_services'`).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql.raw(`DO $$
    DECLARE r record;
    BEGIN
      FOR r IN SELECT indexname FROM pg_indexes WHERE tablename = 'places' AND indexname ~ '^places_.+_geog_idx$' AND indexname <> 'places_geog_idx' LOOP
        EXECUTE format('DROP INDEX %I', r.indexname);
      END LOOP;
    END $$`).execute(db);
  await sql.raw(`DROP INDEX IF EXISTS programmes_france_services_geog_idx`).execute(db);
}
