// Frozen once merged: add a new migration instead of editing this one.
// Pilot zones and pilot streets: a street-name key shared by the importer (accented spelling
// of a nearby street) and the analysis (segments merged by name), where each display name
// comes from, and how a planner's territory was defined.
import { type Kysely, sql } from 'kysely';

const statements = [
  // Lower case, no accents, ligatures spelt out, any run of other characters one space:
  // « Rue Jean-Jacques Rousseau », « RUE JEAN JACQUES ROUSSEAU » and « rue jean jacques rousseau »
  // share one key. IMMUTABLE so that it can feed a generated column and an index.
  `CREATE FUNCTION maillage_name_key(name text) RETURNS text
     LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
     RETURN nullif(btrim(regexp_replace(lower(translate(
       replace(replace(replace(replace(name, 'œ', 'oe'), 'Œ', 'OE'), 'æ', 'ae'), 'Æ', 'AE'),
       'ÀÁÂÃÄÅàáâãäåÇçÈÉÊËèéêëÌÍÎÏìíîïÑñÒÓÔÕÖòóôõöÙÚÛÜùúûüÝŸýÿ',
       'AAAAAAaaaaaaCcEEEEeeeeIIIIiiiiNnOOOOOoooooUUUUuuuuYYyy')), '[^a-z0-9]+', ' ', 'g')), '')`,

  // 'source': the source's own spelling (OSM name, BAN name of BD TOPO 3.3); 'expanded': an
  // abbreviated upper-case name written out (R CREBILLON → Rue Crebillon); 'nearby': the
  // accented spelling of a street of the same name close by (→ Rue Crébillon).
  `ALTER TABLE streets
     ADD COLUMN name_origin text CHECK (name_origin IN ('source', 'expanded', 'nearby')),
     ADD COLUMN name_key text GENERATED ALWAYS AS (maillage_name_key(name_display)) STORED`,
  `CREATE INDEX streets_commune_key_idx ON streets (commune_code, name_key)`,
  `CREATE INDEX streets_geog_idx ON streets USING gist ((geom::geography))`,

  // How the territory was made (communes listed, EPCI picked, polygon drawn), to show and redo it.
  `ALTER TABLE territories ADD COLUMN params jsonb NOT NULL DEFAULT '{}'`,
  `CREATE INDEX territories_owner_idx ON territories (owner_id)`,
  `ALTER TABLE zones ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now()`,
  `CREATE INDEX zones_owner_scenario_idx ON zones (owner_id, scenario)`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql.raw(`DROP INDEX IF EXISTS zones_owner_scenario_idx`).execute(db);
  await sql.raw(`ALTER TABLE zones DROP COLUMN IF EXISTS updated_at`).execute(db);
  await sql.raw(`DROP INDEX IF EXISTS territories_owner_idx`).execute(db);
  await sql.raw(`ALTER TABLE territories DROP COLUMN IF EXISTS params`).execute(db);
  await sql.raw(`DROP INDEX IF EXISTS streets_geog_idx`).execute(db);
  await sql.raw(`DROP INDEX IF EXISTS streets_commune_key_idx`).execute(db);
  await sql.raw(`ALTER TABLE streets DROP COLUMN IF EXISTS name_key, DROP COLUMN IF EXISTS name_origin`).execute(db);
  await sql.raw(`DROP FUNCTION IF EXISTS maillage_name_key(text)`).execute(db);
}
