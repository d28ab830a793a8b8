// The one reader of an analysis scope: which communes an analysis is about. Text form, as in
// URLs: `departement:53`, `epci:<SIREN>`, `commune:<INSEE code>`, `territory:<id>` (a
// planner's territory, table `territories`) or `france` (every commune). The scope only picks
// the communes reported on: facilities outside it still count for distances.
import { type Kysely, type RawBuilder, sql } from 'kysely';
import type { Database } from '../types.ts';

export type Scope =
  | { kind: 'france' }
  | { kind: 'departement'; code: string }
  | { kind: 'epci'; siren: string }
  | { kind: 'commune'; code: string }
  | { kind: 'territory'; id: string };

export type ScopeKind = Scope['kind'];

/** The scope syntax, for messages and documentation. */
export const SCOPE_SYNTAX = 'france | departement:<code> | epci:<SIREN> | commune:<code INSEE> | territory:<id>';

/**
 * A parameter of an analysis that cannot be used, with what to write instead in French and in
 * English (the API answers 400 with both).
 */
export class AnalysisInputError extends Error {
  readonly fr: string;
  readonly en: string;
  constructor(fr: string, en: string) {
    super(en);
    this.fr = fr;
    this.en = en;
  }
}

/** A scope that cannot be read. */
export class ScopeSyntaxError extends AnalysisInputError {}

const PATTERNS: Record<Exclude<ScopeKind, 'france'>, { re: RegExp; fr: string; en: string }> = {
  // Two characters (01–95, 2A, 2B), or three for overseas (971–976, 977, 978, 984–989).
  departement: { re: /^(?:[0-9]{2}|2A|2B|97[0-9]|98[0-9])$/, fr: 'un code de département (53, 2A, 974…)', en: 'a département code (53, 2A, 974…)' },
  epci: { re: /^[0-9]{9}$/, fr: 'un SIREN d’EPCI à 9 chiffres', en: 'a 9-digit EPCI SIREN' },
  commune: { re: /^[0-9][0-9AB][0-9]{3}$/, fr: 'un code INSEE de commune à 5 caractères (53130)', en: 'a 5-character INSEE commune code (53130)' },
  territory: { re: /^[1-9][0-9]{0,17}$/, fr: 'l’identifiant numérique d’un territoire', en: 'the numeric id of a territory' },
};

/**
 * Reads a scope from its text form; throws ScopeSyntaxError with a message that says what to
 * write.
 *
 * @example
 * parseScope('departement:53'); // { kind: 'departement', code: '53' }
 * parseScope('france');         // { kind: 'france' }
 * parseScope('dept:53');        // throws ScopeSyntaxError
 */
export function parseScope(text: string): Scope {
  const trimmed = text.trim();
  if (trimmed === 'france') return { kind: 'france' };
  const colon = trimmed.indexOf(':');
  const kind = colon < 0 ? trimmed : trimmed.slice(0, colon);
  const value = colon < 0 ? '' : trimmed.slice(colon + 1).toUpperCase();
  if (!(kind in PATTERNS)) {
    throw new ScopeSyntaxError(`Périmètre « ${text} » inconnu : écrivez ${SCOPE_SYNTAX} (p. ex. departement:53).`,
      `Unknown scope "${text}": write ${SCOPE_SYNTAX} (e.g. departement:53).`);
  }
  const k = kind as keyof typeof PATTERNS;
  const p = PATTERNS[k];
  if (!p.re.test(value)) {
    throw new ScopeSyntaxError(`Périmètre « ${text} » : après « ${k}: » il faut ${p.fr}.`, `Scope "${text}": "${k}:" must be followed by ${p.en}.`);
  }
  switch (k) {
    case 'departement': return { kind: k, code: value };
    case 'epci': return { kind: k, siren: value };
    case 'commune': return { kind: k, code: value };
    case 'territory': return { kind: k, id: value };
  }
}

/**
 * The text form of a scope, the inverse of parseScope.
 *
 * @example
 * formatScope({ kind: 'epci', siren: '200083392' }); // 'epci:200083392'
 */
export function formatScope(scope: Scope): string {
  switch (scope.kind) {
    case 'france': return 'france';
    case 'departement': return `departement:${scope.code}`;
    case 'epci': return `epci:${scope.siren}`;
    case 'commune': return `commune:${scope.code}`;
    case 'territory': return `territory:${scope.id}`;
  }
}

/**
 * The condition a commune row (alias `c` of `communes`) meets when it is in the scope. A
 * territory of kind `communes` lists its members; a drawn one holds the communes whose
 * representative point (`communes.point`) lies in its polygon.
 */
export function inScope(scope: Scope, c = 'c'): RawBuilder<boolean> {
  const col = (name: string) => sql.ref(`${c}.${name}`);
  switch (scope.kind) {
    case 'france': return sql<boolean>`TRUE`;
    case 'departement': return sql<boolean>`${col('departement')} = ${scope.code}`;
    case 'epci': return sql<boolean>`${col('epci_siren')} = ${scope.siren}`;
    case 'commune': return sql<boolean>`${col('code')} = ${scope.code}`;
    case 'territory': return sql<boolean>`EXISTS (
      SELECT 1 FROM territories t WHERE t.id = ${scope.id}::bigint
        AND (CASE WHEN t.kind = 'communes' THEN ${col('code')} = ANY(t.commune_codes) ELSE ST_Intersects(t.geom, ${col('point')}) END))`;
  }
}

export interface ResolvedScope {
  scope: Scope;
  /** Text form (`departement:53`). */
  id: string;
  /** A name for people: « Mayenne », « CA Laval Agglomération », the territory's name. */
  name: string;
  /** Communes in the scope, and how many of them have no representative point (no polygon). */
  communes: number;
  withoutPoint: number;
  /** Sum of the communes' populations (a missing population counts 0). */
  population: number;
  /** [minLon, minLat, maxLon, maxLat] of the communes' polygons; null when none has one. */
  bbox: [number, number, number, number] | null;
}

/**
 * Checks that a scope names something that exists and describes it; undefined when it does
 * not (an unknown département, EPCI, commune or territory: the API answers 404).
 *
 * @example
 * const r = await resolveScope(db, parseScope('departement:53'));
 * r?.name; // 'Mayenne'
 */
export async function resolveScope(db: Kysely<Database>, scope: Scope): Promise<ResolvedScope | undefined> {
  const name = await scopeName(db, scope);
  if (name === undefined) return undefined;
  const r = await sql<{ communes: number; without_point: number; population: number; minx: number | null; miny: number | null; maxx: number | null; maxy: number | null }>`
    SELECT count(*)::int AS communes, count(*) FILTER (WHERE c.point IS NULL)::int AS without_point,
           coalesce(sum(c.population), 0)::float8 AS population,
           ST_XMin(ST_Extent(c.geom)) AS minx, ST_YMin(ST_Extent(c.geom)) AS miny, ST_XMax(ST_Extent(c.geom)) AS maxx, ST_YMax(ST_Extent(c.geom)) AS maxy
    FROM communes c WHERE ${inScope(scope)}`.execute(db);
  // An aggregate always returns one row; a known EPCI or territory with no commune loaded is an
  // empty scope, not an unknown one.
  const row = r.rows[0]!;
  return {
    scope, id: formatScope(scope), name, communes: row.communes, withoutPoint: row.without_point, population: Number(row.population),
    bbox: row.minx === null ? null : [row.minx, row.miny!, row.maxx!, row.maxy!],
  };
}

async function scopeName(db: Kysely<Database>, scope: Scope): Promise<string | undefined> {
  switch (scope.kind) {
    case 'france': return 'France';
    case 'departement': {
      const r = await db.selectFrom('communes').select(['departement_name']).where('departement', '=', scope.code).limit(1).executeTakeFirst();
      return r ? (r.departement_name ?? scope.code) : undefined;
    }
    case 'epci': {
      const e = await db.selectFrom('epci').select('name').where('siren', '=', scope.siren).executeTakeFirst();
      if (e) return e.name;
      const c = await db.selectFrom('communes').select('epci_name').where('epci_siren', '=', scope.siren).limit(1).executeTakeFirst();
      return c ? (c.epci_name ?? scope.siren) : undefined;
    }
    case 'commune': {
      const r = await db.selectFrom('communes').select('name').where('code', '=', scope.code).executeTakeFirst();
      return r?.name;
    }
    case 'territory': {
      const r = await db.selectFrom('territories').select('name').where('id', '=', scope.id).executeTakeFirst();
      return r?.name;
    }
  }
}
