// Frozen once merged: add a new migration instead of editing this one.
// The whole product schema in WGS 84 (EPSG:4326). Distances and areas are computed on the
// geography type (metres on the spheroid), so they are right in metropolitan and overseas
// France alike; the geography expression indexes make KNN searches in metres use an index.
import { type Kysely, sql } from 'kysely';

const statements = [
  `CREATE EXTENSION IF NOT EXISTS postgis`,

  // Provenance: one row per imported or contributed dataset.
  `CREATE TABLE sources (
     key text PRIMARY KEY,
     title text NOT NULL,
     licence text NOT NULL,
     licence_url text,
     attribution text NOT NULL,
     url text,
     odbl boolean NOT NULL DEFAULT false,
     imported_at timestamptz,
     file_name text
   )`,

  `CREATE TABLE place_categories (
     code text PRIMARY KEY,
     family text NOT NULL CHECK (family IN ('daily_life', 'social_infrastructure', 'other')),
     label_fr text NOT NULL,
     label_en text NOT NULL,
     color text NOT NULL,
     sort integer NOT NULL
   )`,

  `CREATE TABLE communes (
     code text PRIMARY KEY CHECK (code ~ '^[0-9][0-9AB][0-9]{3}$'),
     name text NOT NULL,
     population integer CHECK (population >= 0),
     epci_siren text,
     epci_name text,
     departement text NOT NULL,
     departement_name text,
     region text,
     region_name text,
     arrondissement text,
     siren text,
     postal_codes text[] NOT NULL DEFAULT '{}',
     former_codes text[] NOT NULL DEFAULT '{}',
     zone text NOT NULL DEFAULT 'metro',
     area_m2 double precision,
     source text NOT NULL REFERENCES sources(key),
     licence text NOT NULL,
     imported_at timestamptz NOT NULL DEFAULT now(),
     geom geometry(MultiPolygon, 4326),
     point geometry(Point, 4326)
   )`,
  `CREATE INDEX communes_geom_idx ON communes USING gist (geom)`,
  `CREATE INDEX communes_departement_idx ON communes (departement)`,
  `CREATE INDEX communes_epci_idx ON communes (epci_siren)`,

  `CREATE TABLE epci (
     siren text PRIMARY KEY,
     name text NOT NULL,
     type text,
     population integer,
     commune_count integer,
     source text NOT NULL REFERENCES sources(key),
     licence text NOT NULL,
     imported_at timestamptz NOT NULL DEFAULT now(),
     geom geometry(MultiPolygon, 4326)
   )`,
  `CREATE INDEX epci_geom_idx ON epci USING gist (geom)`,

  // Point layers share the provenance columns: source, source_id, licence, imported_at.
  `CREATE TABLE places (
     id bigserial PRIMARY KEY,
     category text NOT NULL REFERENCES place_categories(code),
     name text,
     commune_code text,
     osm_id bigint,
     osm_tag text,
     status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'closed')),
     last_seen date,
     props jsonb NOT NULL DEFAULT '{}',
     source text NOT NULL REFERENCES sources(key),
     source_id text NOT NULL,
     licence text NOT NULL,
     imported_at timestamptz NOT NULL DEFAULT now(),
     geom geometry(Point, 4326) NOT NULL,
     UNIQUE (source, source_id)
   )`,
  `CREATE INDEX places_geom_idx ON places USING gist (geom)`,
  `CREATE INDEX places_geog_idx ON places USING gist ((geom::geography))`,
  `CREATE INDEX places_category_idx ON places (category)`,
  `CREATE INDEX places_commune_idx ON places (commune_code)`,

  `CREATE TABLE tiers_lieux (
     id bigserial PRIMARY KEY,
     name text NOT NULL,
     typology text[] NOT NULL DEFAULT '{}',
     spaces text[] NOT NULL DEFAULT '{}',
     legal_model text,
     state text,
     address text,
     url text,
     publics text,
     fabrique_de_territoire boolean,
     commune_code text,
     props jsonb NOT NULL DEFAULT '{}',
     source text NOT NULL REFERENCES sources(key),
     source_id text NOT NULL,
     licence text NOT NULL,
     imported_at timestamptz NOT NULL DEFAULT now(),
     geom geometry(Point, 4326) NOT NULL,
     UNIQUE (source, source_id)
   )`,
  `CREATE INDEX tiers_lieux_geom_idx ON tiers_lieux USING gist (geom)`,
  `CREATE INDEX tiers_lieux_geog_idx ON tiers_lieux USING gist ((geom::geography))`,

  `CREATE TABLE vacant_shops (
     id bigserial PRIMARY KEY,
     name text,
     address text,
     commune_code text,
     vacant_since date,
     former_activity text,
     surface_m2 double precision CHECK (surface_m2 > 0),
     status text NOT NULL DEFAULT 'vacant' CHECK (status IN ('vacant', 'reoccupied', 'in_project')),
     osm_id bigint,
     last_seen date,
     props jsonb NOT NULL DEFAULT '{}',
     source text NOT NULL REFERENCES sources(key),
     source_id text NOT NULL,
     licence text NOT NULL,
     imported_at timestamptz NOT NULL DEFAULT now(),
     geom geometry(Point, 4326) NOT NULL,
     UNIQUE (source, source_id)
   )`,
  `CREATE INDEX vacant_shops_geom_idx ON vacant_shops USING gist (geom)`,
  `CREATE INDEX vacant_shops_geog_idx ON vacant_shops USING gist ((geom::geography))`,

  `CREATE TABLE programmes (
     id bigserial PRIMARY KEY,
     programme text NOT NULL CHECK (programme IN ('action_coeur_de_ville', 'petites_villes_de_demain', 'france_services')),
     name text NOT NULL,
     commune_code text,
     programme_ref text,
     detail text,
     props jsonb NOT NULL DEFAULT '{}',
     source text NOT NULL REFERENCES sources(key),
     source_id text NOT NULL,
     licence text NOT NULL,
     imported_at timestamptz NOT NULL DEFAULT now(),
     geom geometry(Point, 4326) NOT NULL,
     UNIQUE (source, source_id)
   )`,
  `CREATE INDEX programmes_geom_idx ON programmes USING gist (geom)`,
  `CREATE INDEX programmes_geog_idx ON programmes USING gist ((geom::geography))`,

  `CREATE TABLE streets (
     id bigserial PRIMARY KEY,
     name text,
     name_display text,
     road_class text,
     commune_code text,
     props jsonb NOT NULL DEFAULT '{}',
     source text NOT NULL REFERENCES sources(key),
     source_id text NOT NULL,
     licence text NOT NULL,
     imported_at timestamptz NOT NULL DEFAULT now(),
     geom geometry(MultiLineString, 4326) NOT NULL,
     UNIQUE (source, source_id)
   )`,
  `CREATE INDEX streets_geom_idx ON streets USING gist (geom)`,
  `CREATE INDEX streets_commune_name_idx ON streets (commune_code, name)`,

  // Participation.
  `CREATE TABLE users (
     id bigserial PRIMARY KEY,
     email text NOT NULL,
     password_hash text NOT NULL,
     display_name text NOT NULL,
     role text NOT NULL DEFAULT 'citizen' CHECK (role IN ('citizen', 'moderator', 'planner', 'admin')),
     created_at timestamptz NOT NULL DEFAULT now(),
     disabled_at timestamptz
   )`,
  `CREATE UNIQUE INDEX users_email_idx ON users (lower(email))`,

  `CREATE TABLE sessions (
     id text PRIMARY KEY,
     user_id bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
     csrf_token text NOT NULL,
     created_at timestamptz NOT NULL DEFAULT now(),
     expires_at timestamptz NOT NULL
   )`,
  `CREATE INDEX sessions_user_idx ON sessions (user_id)`,

  `CREATE TABLE projects (
     id bigserial PRIMARY KEY,
     title text NOT NULL,
     themes text[] NOT NULL DEFAULT '{}',
     stage text NOT NULL DEFAULT 'besoin_repere' CHECK (stage IN ('besoin_repere', 'idee', 'etude_opportunite', 'montage', 'lancement', 'en_activite')),
     lead_organisation text,
     commune_codes text[] NOT NULL DEFAULT '{}',
     status text NOT NULL DEFAULT 'published' CHECK (status IN ('published', 'archived')),
     context text,
     expected_results text,
     results text,
     next_step text,
     created_by bigint REFERENCES users(id),
     source text NOT NULL REFERENCES sources(key),
     source_id text NOT NULL,
     licence text NOT NULL,
     created_at timestamptz NOT NULL DEFAULT now(),
     updated_at timestamptz NOT NULL DEFAULT now(),
     geom geometry(Geometry, 4326) NOT NULL CHECK (GeometryType(geom) IN ('POINT', 'POLYGON', 'MULTIPOLYGON')),
     UNIQUE (source, source_id)
   )`,
  `CREATE INDEX projects_geom_idx ON projects USING gist (geom)`,

  `CREATE TABLE needs (
     id bigserial PRIMARY KEY,
     category text NOT NULL,
     comment text,
     commune_code text,
     status text NOT NULL DEFAULT 'published' CHECK (status IN ('published', 'archived')),
     created_by bigint REFERENCES users(id),
     source text NOT NULL REFERENCES sources(key),
     source_id text NOT NULL,
     licence text NOT NULL,
     created_at timestamptz NOT NULL DEFAULT now(),
     geom geometry(Point, 4326) NOT NULL,
     UNIQUE (source, source_id)
   )`,
  `CREATE INDEX needs_geom_idx ON needs USING gist (geom)`,

  // Planners' custom territories (may ignore administrative borders) and pilot zones.
  `CREATE TABLE territories (
     id bigserial PRIMARY KEY,
     name text NOT NULL,
     owner_id bigint REFERENCES users(id),
     kind text NOT NULL CHECK (kind IN ('communes', 'drawn')),
     commune_codes text[] NOT NULL DEFAULT '{}',
     created_at timestamptz NOT NULL DEFAULT now(),
     geom geometry(MultiPolygon, 4326) NOT NULL
   )`,
  `CREATE INDEX territories_geom_idx ON territories USING gist (geom)`,

  `CREATE TABLE zones (
     id bigserial PRIMARY KEY,
     name text NOT NULL,
     scenario text,
     territory_id bigint REFERENCES territories(id) ON DELETE SET NULL,
     owner_id bigint REFERENCES users(id),
     kind text NOT NULL CHECK (kind IN ('drawn', 'communes', 'buffer')),
     params jsonb NOT NULL DEFAULT '{}',
     created_at timestamptz NOT NULL DEFAULT now(),
     geom geometry(MultiPolygon, 4326) NOT NULL
   )`,
  `CREATE INDEX zones_geom_idx ON zones USING gist (geom)`,

  `CREATE TABLE contributions (
     id bigserial PRIMARY KEY,
     kind text NOT NULL CHECK (kind IN ('place', 'vacant_shop', 'project', 'need', 'correction')),
     target_layer text,
     target_id bigint,
     payload jsonb NOT NULL,
     status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected', 'merged')),
     reason text,
     licence_consent text NOT NULL,
     author_id bigint NOT NULL REFERENCES users(id),
     moderator_id bigint REFERENCES users(id),
     idempotency_key text,
     created_at timestamptz NOT NULL DEFAULT now(),
     decided_at timestamptz,
     geom geometry(Geometry, 4326),
     UNIQUE (author_id, idempotency_key)
   )`,
  `CREATE INDEX contributions_status_idx ON contributions (status, created_at)`,

  `CREATE TABLE audit_log (
     id bigserial PRIMARY KEY,
     at timestamptz NOT NULL DEFAULT now(),
     actor_id bigint REFERENCES users(id),
     action text NOT NULL,
     layer text NOT NULL,
     feature_id text NOT NULL,
     contribution_id bigint REFERENCES contributions(id),
     before jsonb,
     after jsonb
   )`,
  `CREATE INDEX audit_log_feature_idx ON audit_log (layer, feature_id, at)`,

  `CREATE TABLE import_runs (
     id bigserial PRIMARY KEY,
     importer text NOT NULL,
     input text NOT NULL,
     started_at timestamptz NOT NULL DEFAULT now(),
     finished_at timestamptz,
     inserted integer NOT NULL DEFAULT 0,
     updated integer NOT NULL DEFAULT 0,
     rejected integer NOT NULL DEFAULT 0,
     summary jsonb NOT NULL DEFAULT '{}'
   )`,

  `INSERT INTO place_categories (code, family, label_fr, label_en, color, sort) VALUES
     ('cafe_bar', 'daily_life', 'Café, bar', 'Café, bar', '#c0392b', 1),
     ('bakery', 'daily_life', 'Boulangerie', 'Bakery', '#d68910', 2),
     ('grocery', 'daily_life', 'Épicerie, supérette', 'Grocery', '#27ae60', 3),
     ('food_shop', 'daily_life', 'Commerce alimentaire', 'Food shop', '#7dcea0', 4),
     ('restaurant', 'daily_life', 'Restaurant', 'Restaurant', '#8e44ad', 5),
     ('fast_food', 'daily_life', 'Restauration rapide', 'Fast food', '#bb8fce', 6),
     ('pharmacy', 'daily_life', 'Pharmacie', 'Pharmacy', '#16a085', 7),
     ('tobacco_press', 'daily_life', 'Tabac, presse', 'Tobacco and press', '#5d6d7e', 8),
     ('hotel', 'other', 'Hôtel', 'Hotel', '#2e86c1', 9),
     ('other_shop', 'other', 'Autre commerce', 'Other shop', '#95a5a6', 10),
     ('community_hall', 'social_infrastructure', 'Salle des fêtes, salle polyvalente', 'Community hall', '#e67e22', 11),
     ('micro_folie', 'social_infrastructure', 'Micro-Folie', 'Micro-Folie', '#f1c40f', 12),
     ('culture', 'social_infrastructure', 'Lieu culturel', 'Cultural venue', '#f39c12', 13)`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  const tables = ['import_runs', 'audit_log', 'contributions', 'zones', 'territories', 'needs', 'projects', 'sessions', 'users',
    'streets', 'programmes', 'vacant_shops', 'tiers_lieux', 'places', 'epci', 'communes', 'place_categories', 'sources'];
  for (const table of tables) await sql`DROP TABLE IF EXISTS ${sql.id(table)} CASCADE`.execute(db);
}
