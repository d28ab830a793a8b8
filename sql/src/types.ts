// The typed view of the schema in migrations/. Geometry columns are never read raw: queries
// select ST_AsGeoJSON / ST_AsBinary explicitly, so their select type is an opaque string.
import type { ColumnType, Generated, JSONColumnType, RawBuilder } from 'kysely';

export type Geometry = ColumnType<string, RawBuilder<unknown>, RawBuilder<unknown>>;
type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type Json = JSONColumnType<Record<string, unknown>, string | undefined, string>;

interface Provenance {
  source: string;
  source_id: string;
  licence: string;
  imported_at: Timestamp;
}

export interface SourcesTable {
  key: string;
  title: string;
  licence: string;
  licence_url: string | null;
  attribution: string;
  url: string | null;
  odbl: ColumnType<boolean, boolean | undefined, boolean>;
  imported_at: Date | null;
  file_name: string | null;
}

export interface PlaceCategoriesTable {
  code: string;
  family: 'daily_life' | 'social_infrastructure' | 'other';
  label_fr: string;
  label_en: string;
  color: string;
  sort: number;
}

export interface CommunesTable {
  code: string;
  name: string;
  population: number | null;
  epci_siren: string | null;
  epci_name: string | null;
  departement: string;
  departement_name: string | null;
  region: string | null;
  region_name: string | null;
  arrondissement: string | null;
  siren: string | null;
  postal_codes: string[];
  former_codes: string[];
  zone: string;
  area_m2: number | null;
  source: string;
  licence: string;
  imported_at: Timestamp;
  geom: Geometry | null;
  point: Geometry | null;
}

export interface EpciTable {
  siren: string;
  name: string;
  type: string | null;
  population: number | null;
  commune_count: number | null;
  source: string;
  licence: string;
  imported_at: Timestamp;
  geom: Geometry | null;
}

export interface PlacesTable extends Provenance {
  id: Generated<string>;
  category: string;
  name: string | null;
  commune_code: string | null;
  osm_id: string | null;
  osm_tag: string | null;
  status: ColumnType<'active' | 'closed', 'active' | 'closed' | undefined>;
  last_seen: Date | null;
  props: Json;
  geom: Geometry;
}

export interface TiersLieuxTable extends Provenance {
  id: Generated<string>;
  name: string;
  typology: string[];
  spaces: string[];
  legal_model: string | null;
  state: string | null;
  address: string | null;
  url: string | null;
  publics: string | null;
  fabrique_de_territoire: boolean | null;
  commune_code: string | null;
  props: Json;
  geom: Geometry;
}

export type VacantShopStatus = 'vacant' | 'reoccupied' | 'in_project';

export interface VacantShopsTable extends Provenance {
  id: Generated<string>;
  name: string | null;
  address: string | null;
  commune_code: string | null;
  vacant_since: Date | null;
  former_activity: string | null;
  surface_m2: number | null;
  status: ColumnType<VacantShopStatus, VacantShopStatus | undefined>;
  osm_id: string | null;
  last_seen: Date | null;
  props: Json;
  geom: Geometry;
}

export type Programme = 'action_coeur_de_ville' | 'petites_villes_de_demain' | 'france_services';

export interface ProgrammesTable extends Provenance {
  id: Generated<string>;
  programme: Programme;
  name: string;
  commune_code: string | null;
  programme_ref: string | null;
  detail: string | null;
  props: Json;
  geom: Geometry;
}

export interface StreetsTable extends Provenance {
  id: Generated<string>;
  name: string | null;
  name_display: string | null;
  road_class: string | null;
  commune_code: string | null;
  props: Json;
  geom: Geometry;
  /** Where name_display comes from (migration 0300_pilot). */
  name_origin: 'source' | 'expanded' | 'nearby' | null;
  /** maillage_name_key(name_display), generated: segments merge on it. */
  name_key: ColumnType<string | null, never, never>;
}

export type Role = 'citizen' | 'moderator' | 'planner' | 'admin';

export interface UsersTable {
  id: Generated<string>;
  email: string;
  password_hash: string;
  display_name: string;
  role: ColumnType<Role, Role | undefined>;
  created_at: Timestamp;
  disabled_at: Date | null;
}

export interface SessionsTable {
  id: string;
  user_id: string;
  csrf_token: string;
  created_at: Timestamp;
  expires_at: Date;
}

export type ProjectStage = 'besoin_repere' | 'idee' | 'etude_opportunite' | 'montage' | 'lancement' | 'en_activite';

export interface ProjectsTable {
  id: Generated<string>;
  title: string;
  themes: string[];
  stage: ColumnType<ProjectStage, ProjectStage | undefined>;
  lead_organisation: string | null;
  commune_codes: string[];
  status: ColumnType<'published' | 'archived', 'published' | 'archived' | undefined>;
  context: string | null;
  expected_results: string | null;
  results: string | null;
  next_step: string | null;
  created_by: string | null;
  source: string;
  source_id: string;
  licence: string;
  created_at: Timestamp;
  updated_at: Timestamp;
  geom: Geometry;
}

export interface NeedsTable {
  id: Generated<string>;
  category: string;
  comment: string | null;
  commune_code: string | null;
  status: ColumnType<'published' | 'archived', 'published' | 'archived' | undefined>;
  created_by: string | null;
  source: string;
  source_id: string;
  licence: string;
  created_at: Timestamp;
  geom: Geometry;
}

export interface TerritoriesTable {
  id: Generated<string>;
  name: string;
  owner_id: string | null;
  kind: 'communes' | 'drawn';
  commune_codes: string[];
  created_at: Timestamp;
  geom: Geometry;
  /** How it was defined: communes listed, EPCI picked, polygon drawn (migration 0300_pilot). */
  params: Json;
}

export interface ZonesTable {
  id: Generated<string>;
  name: string;
  scenario: string | null;
  territory_id: string | null;
  owner_id: string | null;
  kind: 'drawn' | 'communes' | 'buffer';
  params: Json;
  created_at: Timestamp;
  geom: Geometry;
  updated_at: Timestamp;
}

export interface ContributionsTable {
  id: Generated<string>;
  kind: 'place' | 'vacant_shop' | 'project' | 'need' | 'correction';
  target_layer: string | null;
  target_id: string | null;
  payload: Json;
  status: ColumnType<'pending' | 'approved' | 'rejected' | 'merged', 'pending' | undefined>;
  reason: string | null;
  licence_consent: string;
  author_id: string;
  moderator_id: string | null;
  idempotency_key: string | null;
  created_at: Timestamp;
  decided_at: Date | null;
  geom: Geometry | null;
  /** The feature the decision created or changed, or the one it was merged into (migration 0100_participation). */
  feature_id: string | null;
}

export interface AuditLogTable {
  id: Generated<string>;
  at: Timestamp;
  actor_id: string | null;
  action: string;
  layer: string;
  feature_id: string;
  contribution_id: string | null;
  before: Json | null;
  after: Json | null;
  /** Where the changed feature lies, for the change feed's territory filter (migration 0100_participation). */
  geom: Geometry | null;
}

// Participation (migration 0100_participation).
export interface PasswordResetsTable {
  token_hash: string;
  user_id: string;
  created_at: Timestamp;
  expires_at: Date;
  used_at: Date | null;
}

export interface ProjectCommentsTable {
  id: Generated<string>;
  project_id: string;
  author_id: string;
  body: string;
  status: ColumnType<'published' | 'hidden', 'published' | 'hidden' | undefined>;
  created_at: Timestamp;
}

export interface ProjectSupportsTable {
  project_id: string;
  user_id: string;
  created_at: Timestamp;
}

export type NotificationKind = 'contribution_approved' | 'contribution_rejected' | 'contribution_merged' | 'project_comment' | 'project_stage';

export interface NotificationsTable {
  id: Generated<string>;
  user_id: string;
  kind: NotificationKind;
  contribution_id: string | null;
  project_id: string | null;
  data: Json;
  created_at: Timestamp;
  read_at: Date | null;
}

export interface ImportRunsTable {
  id: Generated<string>;
  importer: string;
  input: string;
  started_at: Timestamp;
  finished_at: Date | null;
  inserted: ColumnType<number, number | undefined>;
  updated: ColumnType<number, number | undefined>;
  rejected: ColumnType<number, number | undefined>;
  summary: Json;
}

export interface Database {
  sources: SourcesTable;
  place_categories: PlaceCategoriesTable;
  communes: CommunesTable;
  epci: EpciTable;
  places: PlacesTable;
  tiers_lieux: TiersLieuxTable;
  vacant_shops: VacantShopsTable;
  programmes: ProgrammesTable;
  streets: StreetsTable;
  users: UsersTable;
  sessions: SessionsTable;
  projects: ProjectsTable;
  needs: NeedsTable;
  territories: TerritoriesTable;
  zones: ZonesTable;
  contributions: ContributionsTable;
  audit_log: AuditLogTable;
  import_runs: ImportRunsTable;
  password_resets: PasswordResetsTable;
  project_comments: ProjectCommentsTable;
  project_supports: ProjectSupportsTable;
  notifications: NotificationsTable;
}
