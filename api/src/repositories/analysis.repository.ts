// The analyses' access to the database: the SQL itself lives in @maillage/sql (sql/src/analysis);
// this file resolves the scope (404 when it names nothing) and gathers the sources cited.
import type { Kysely } from 'kysely';
import {
  type Database, needCategories, type NeedCategory, needsAnalysis, type NeedsParams, type NeedsResult, type ResolvedScope, resolveScope, type Scope,
} from '@maillage/sql';
import { HttpProblem } from '../problem.ts';
import type { ExportSource } from '../exports/types.ts';

export function listNeedCategories(db: Kysely<Database>): Promise<NeedCategory[]> {
  return needCategories(db);
}

/** The scope, described; a 404 problem when it names no département, EPCI, commune or territory. */
export async function requireScope(db: Kysely<Database>, scope: Scope): Promise<ResolvedScope> {
  const resolved = await resolveScope(db, scope);
  if (resolved) return resolved;
  const [fr, en] = (() => {
    switch (scope.kind) {
      case 'departement': return [`Aucune commune du département ${scope.code} n’est chargée.`, `No municipality of département ${scope.code} is loaded.`];
      case 'epci': return [`Aucun EPCI de SIREN ${scope.siren}.`, `No EPCI with SIREN ${scope.siren}.`];
      case 'commune': return [`Aucune commune de code INSEE ${scope.code}.`, `No municipality with INSEE code ${scope.code}.`];
      case 'territory': return [`Aucun territoire d’identifiant ${scope.id}.`, `No territory with id ${scope.id}.`];
      case 'france': return ['Aucune commune n’est chargée.', 'No municipality is loaded.'];
    }
  })();
  throw new HttpProblem(404, fr, en);
}

export interface NeedsAnswer {
  scope: ResolvedScope;
  result: NeedsResult;
  /** The `sources` rows the result is made of, as they travel with an export. */
  sources: ExportSource[];
}

/** The unmet-needs analysis of a scope that must exist, with the sources it is made of. */
export async function runNeedsAnalysis(db: Kysely<Database>, params: NeedsParams): Promise<NeedsAnswer> {
  const scope = await requireScope(db, params.scope);
  const result = await needsAnalysis(db, params);
  const rows = result.sources.length === 0 ? [] : await db.selectFrom('sources')
    .select(['key', 'title', 'licence', 'licence_url', 'attribution', 'url', 'odbl', 'imported_at'])
    .where('key', 'in', result.sources).orderBy('key').execute();
  const sources = rows.map((s) => ({ ...s, imported_at: s.imported_at ? new Date(s.imported_at).toISOString() : null }));
  return { scope, result, sources };
}
