// Frozen once merged: add a new migration instead of editing this one.
// Participation beyond the core tables: password-reset tokens, project comments and supports,
// in-app notifications, the feature a moderation decision wrote, and where each audited change
// lies (so the change feed can be filtered by territory without knowing every layer's table).
import { type Kysely, sql } from 'kysely';

const statements = [
  // The token itself is only in the e-mail; the table keeps its SHA-256, as sessions do.
  `CREATE TABLE password_resets (
     token_hash text PRIMARY KEY,
     user_id bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
     created_at timestamptz NOT NULL DEFAULT now(),
     expires_at timestamptz NOT NULL,
     used_at timestamptz
   )`,
  `CREATE INDEX password_resets_user_idx ON password_resets (user_id)`,
  `CREATE INDEX sessions_expires_idx ON sessions (expires_at)`,

  // Plain text, shown as text: never rendered as HTML.
  `CREATE TABLE project_comments (
     id bigserial PRIMARY KEY,
     project_id bigint NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
     author_id bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
     body text NOT NULL CHECK (char_length(body) BETWEEN 1 AND 2000),
     status text NOT NULL DEFAULT 'published' CHECK (status IN ('published', 'hidden')),
     created_at timestamptz NOT NULL DEFAULT now()
   )`,
  `CREATE INDEX project_comments_project_idx ON project_comments (project_id, created_at)`,

  // « Je soutiens »: one per user and project, enforced by the key.
  `CREATE TABLE project_supports (
     project_id bigint NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
     user_id bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
     created_at timestamptz NOT NULL DEFAULT now(),
     PRIMARY KEY (project_id, user_id)
   )`,

  `CREATE TABLE notifications (
     id bigserial PRIMARY KEY,
     user_id bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
     kind text NOT NULL CHECK (kind IN ('contribution_approved', 'contribution_rejected', 'contribution_merged', 'project_comment', 'project_stage')),
     contribution_id bigint REFERENCES contributions(id) ON DELETE CASCADE,
     project_id bigint REFERENCES projects(id) ON DELETE CASCADE,
     data jsonb NOT NULL DEFAULT '{}',
     created_at timestamptz NOT NULL DEFAULT now(),
     read_at timestamptz
   )`,
  `CREATE INDEX notifications_user_idx ON notifications (user_id, created_at DESC)`,

  // The feature an approval created or changed, or the one a contribution was merged into.
  `ALTER TABLE contributions ADD COLUMN feature_id bigint`,
  `CREATE INDEX contributions_author_idx ON contributions (author_id, created_at DESC)`,

  // Where the changed feature lies (after the change; before it for a removal).
  `ALTER TABLE audit_log ADD COLUMN geom geometry(Geometry, 4326)`,
  `CREATE INDEX audit_log_at_idx ON audit_log (at DESC, id DESC)`,
  `CREATE INDEX audit_log_geom_idx ON audit_log USING gist (geom)`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const statement of [
    `DROP INDEX IF EXISTS audit_log_geom_idx`,
    `DROP INDEX IF EXISTS audit_log_at_idx`,
    `ALTER TABLE audit_log DROP COLUMN IF EXISTS geom`,
    `DROP INDEX IF EXISTS contributions_author_idx`,
    `ALTER TABLE contributions DROP COLUMN IF EXISTS feature_id`,
    `DROP TABLE IF EXISTS notifications`,
    `DROP TABLE IF EXISTS project_supports`,
    `DROP TABLE IF EXISTS project_comments`,
    `DROP INDEX IF EXISTS sessions_expires_idx`,
    `DROP TABLE IF EXISTS password_resets`,
  ]) await sql.raw(statement).execute(db);
}
