// Pilot streets (« rues pilotes »): the streets of a commune (or of every commune of a scope),
// merged by name, ranked by a score whose parts a planner can read: active shops and vacant
// premises along the street (within the frontage distance), the vacancy rate, the length,
// cafés and tiers-lieux nearby.
//
// Where a commune has no named street in the streets layer (Laval), commercial strips are
// derived from the shop points: shops and vacant premises chained within `strip_gap_m`
// (ST_ClusterDBSCAN, in metres in the local UTM zone), drawn as a line through the cluster's
// premises ordered along its longest axis; their counts are the cluster's own premises.
import { type Kysely, sql } from 'kysely';
import type { Database } from '../types.ts';
import { AnalysisInputError, inScope, type Scope } from './scope.ts';
import { isActiveShop, placeObject } from './zone.ts';

export const PILOT_PARTS = ['vacant', 'active', 'vacancy_rate', 'length', 'cafes', 'tiers_lieux'] as const;
export type PilotPart = (typeof PILOT_PARTS)[number];
export type PilotWeights = Record<PilotPart, number>;

/** Default weights: vacant premises to allocate first, living frontage next (they sum to 100). */
export const DEFAULT_PILOT_WEIGHTS: PilotWeights = { vacant: 30, active: 25, vacancy_rate: 15, length: 15, cafes: 10, tiers_lieux: 5 };

/**
 * Each part is brought to 0–1. Vacant premises and active shops are relative: the candidate
 * with the most in the ranking gets the full part (so the ranking discriminates in a dense
 * centre as in a small town). The others are capped: a vacancy rate of 20 % (twice the alert
 * threshold) is the full part, 150 m of street (a walkable pilot stretch, some thirty shop fronts), 2 cafés and 1
 * tiers-lieu nearby too.
 */
export const PILOT_CAPS = { vacancy_rate: 0.2, length: 150, cafes: 2, tiers_lieux: 1 } as const;

export const PILOT_LIMITS = {
  frontage: { min: 5, max: 100, default: 25 },
  nearby: { min: 25, max: 500, default: 100 },
  stripGap: { min: 10, max: 100, default: 40 },
  stripMinPremises: { min: 2, max: 50, default: 3 },
  limit: { min: 1, max: 500, default: 20 },
  maxWeight: 100,
} as const;

export const PILOT_DEFINITION = {
  fr: 'Score sur 100 = Σ poids × part ÷ Σ poids. Parts (de 0 à 1) : locaux vacants à moins de la distance de façade ÷ le plus grand nombre parmi les rues classées ; commerces actifs à moins de la distance de façade ÷ le plus grand nombre parmi les rues classées ; taux de vacance ÷ 20 % (plafonné à 1) ; longueur ÷ 150 m (plafonnée) ; cafés à moins de la distance de proximité ÷ 2 (plafonné) ; tiers-lieux à moins de la distance de proximité ÷ 1 (plafonné). Les tronçons d’une commune sont fusionnés par nom.',
  en: 'Score out of 100 = Σ weight × part ÷ Σ weight. Parts (0 to 1): vacant premises within the frontage distance ÷ the most among the ranked streets; active shops within the frontage distance ÷ the most among the ranked streets; vacancy rate ÷ 20 % (capped at 1); length ÷ 150 m (capped); cafés within the nearby distance ÷ 2 (capped); tiers-lieux within the nearby distance ÷ 1 (capped). A commune\'s segments are merged by name.',
} as const;

export interface PilotStreetsParams {
  scope: Scope;
  frontageM?: number;
  nearbyM?: number;
  weights?: Partial<PilotWeights>;
  limit?: number;
  /** `auto` (default): streets where a commune has named streets, strips elsewhere. */
  method?: 'auto' | 'streets' | 'strips';
  stripGapM?: number;
  stripMinPremises?: number;
}

export interface PilotCounts {
  active_shops: number;
  vacant_shops: number;
  cafes: number;
  tiers_lieux: number;
  length_m: number;
}

export interface PilotScore {
  score: number;
  /** The measured values behind each part. */
  values: Record<PilotPart, number | null>;
  /** Each part in 0–1, and its points in the score (weight × part ÷ Σ weights × 100). */
  parts: Record<PilotPart, number>;
  points: Record<PilotPart, number>;
}

/** The most vacant premises and active shops among the candidates ranked together. */
export interface PilotMaxima {
  vacant_shops: number;
  active_shops: number;
}

/**
 * The score of a street from its counts: pure, the same for streets and strips.
 *
 * @example
 * const maxima = { vacant_shops: 4, active_shops: 20 };
 * pilotScore({ active_shops: 20, vacant_shops: 4, cafes: 2, tiers_lieux: 1, length_m: 300 }, maxima, DEFAULT_PILOT_WEIGHTS).score; // 100
 */
export function pilotScore(c: PilotCounts, maxima: PilotMaxima, weights: PilotWeights): PilotScore {
  const premises = c.active_shops + c.vacant_shops;
  const values: Record<PilotPart, number | null> = {
    vacant: c.vacant_shops,
    active: c.active_shops,
    vacancy_rate: premises > 0 ? c.vacant_shops / premises : null,
    length: c.length_m,
    cafes: c.cafes,
    tiers_lieux: c.tiers_lieux,
  };
  const ratio = (v: number, of: number) => (of > 0 ? Math.min(v / of, 1) : 0);
  const parts: Record<PilotPart, number> = {
    vacant: ratio(c.vacant_shops, maxima.vacant_shops),
    active: ratio(c.active_shops, maxima.active_shops),
    vacancy_rate: ratio(values.vacancy_rate ?? 0, PILOT_CAPS.vacancy_rate),
    length: ratio(c.length_m, PILOT_CAPS.length),
    cafes: ratio(c.cafes, PILOT_CAPS.cafes),
    tiers_lieux: ratio(c.tiers_lieux, PILOT_CAPS.tiers_lieux),
  };
  const total = PILOT_PARTS.reduce((s, p) => s + weights[p], 0);
  const points = Object.fromEntries(PILOT_PARTS.map((p) => [p, total > 0 ? (100 * weights[p] * parts[p]) / total : 0])) as Record<PilotPart, number>;
  return { score: PILOT_PARTS.reduce((s, p) => s + points[p], 0), values, parts, points };
}

/** A street (or strip) as the SQL gives it, before it is scored. */
interface CandidateRow extends PilotCounts {
  /** `<commune>:<name key>` for a street, `<commune>:strip:<n>` for a strip. */
  id: string;
  name: string;
  commune_code: string;
  commune_name: string;
  /** For a strip: the named premises nearest its middle, to find it on the ground. */
  landmark: string | null;
  /** The street-layer source the geometry comes from (null for a strip). */
  source: string | null;
  segments: number;
  /** RFC 7946 GeoJSON geometry text (MultiLineString or LineString). */
  geometry: string;
}

export interface PilotStreet extends CandidateRow, PilotScore {
  rank: number;
  method: 'streets' | 'strips_from_shops';
}

export interface PilotStreetsResult {
  method: 'streets' | 'strips_from_shops' | 'mixed';
  frontage_m: number;
  nearby_m: number;
  strip_gap_m: number;
  strip_min_premises: number;
  weights: PilotWeights;
  /** The counts that give a full vacant or active part. */
  maxima: PilotMaxima;
  /** Candidates scored (before the limit). */
  candidates: number;
  /** Vacant premises in the scope, and how many lie along a ranked candidate. */
  vacant_in_scope: number;
  communes: { code: string; name: string; method: 'streets' | 'strips_from_shops'; candidates: number }[];
  streets: PilotStreet[];
  sources: string[];
}

function bad(fr: string, en: string): never {
  throw new AnalysisInputError(fr, en);
}

function bounded(name: string, value: number | undefined, l: { min: number; max: number; default: number }, integer = false): number {
  if (value === undefined) return l.default;
  if (!Number.isFinite(value) || value < l.min || value > l.max || (integer && !Number.isInteger(value))) {
    bad(`${name} doit être un nombre${integer ? ' entier' : ''} entre ${l.min} et ${l.max} (reçu : ${value}).`,
      `${name} must be ${integer ? 'an integer' : 'a number'} between ${l.min} and ${l.max} (got ${value}).`);
  }
  return value;
}

/** Checks the parameters (AnalysisInputError with what to fix) and fills in the defaults. */
export function checkPilotParams(p: PilotStreetsParams) {
  const weights = { ...DEFAULT_PILOT_WEIGHTS };
  for (const [k, w] of Object.entries(p.weights ?? {})) {
    if (!(PILOT_PARTS as readonly string[]).includes(k)) {
      bad(`Poids « ${k} » inconnu ; les parts du score sont : ${PILOT_PARTS.join(', ')}.`, `Unknown weight "${k}"; the score's parts are: ${PILOT_PARTS.join(', ')}.`);
    }
    if (typeof w !== 'number' || !Number.isFinite(w) || w < 0 || w > PILOT_LIMITS.maxWeight) {
      bad(`Le poids de « ${k} » doit être un nombre entre 0 et ${PILOT_LIMITS.maxWeight} (reçu : ${String(w)}).`, `The weight of "${k}" must be a number between 0 and ${PILOT_LIMITS.maxWeight} (got ${String(w)}).`);
    }
    weights[k as PilotPart] = w as number;
  }
  if (PILOT_PARTS.every((k) => weights[k] === 0)) bad('Au moins un poids doit être supérieur à 0.', 'At least one weight must be above 0.');
  return {
    frontage: bounded('frontage_m', p.frontageM, PILOT_LIMITS.frontage),
    nearby: bounded('nearby_m', p.nearbyM, PILOT_LIMITS.nearby),
    gap: bounded('strip_gap_m', p.stripGapM, PILOT_LIMITS.stripGap),
    minPremises: bounded('strip_min_premises', p.stripMinPremises, PILOT_LIMITS.stripMinPremises, true),
    limit: bounded('limit', p.limit, PILOT_LIMITS.limit, true),
    method: p.method ?? 'auto',
    weights,
  };
}

/**
 * Ranks the streets (or strips) of the communes of a scope. Throws AnalysisInputError for bad
 * parameters; a scope with no commune gives an empty ranking.
 *
 * @example
 * const r = await pilotStreets(db, { scope: { kind: 'commune', code: '44109' } });
 * r.streets[0].name; // the street to start with, and r.streets[0].points says why
 */
export async function pilotStreets(db: Kysely<Database>, params: PilotStreetsParams): Promise<PilotStreetsResult> {
  const p = checkPilotParams(params);
  // Which communes of the scope have a street layer (named segments).
  const communes = await sql<{ code: string; name: string; has_streets: boolean }>`
    SELECT c.code, c.name, EXISTS (SELECT 1 FROM streets s WHERE s.commune_code = c.code AND s.name_key IS NOT NULL) AS has_streets
    FROM communes c WHERE ${inScope(params.scope)} ORDER BY c.code`.execute(db);
  const methodOf = (c: { has_streets: boolean }): 'streets' | 'strips_from_shops' =>
    p.method === 'streets' ? 'streets' : p.method === 'strips' ? 'strips_from_shops' : c.has_streets ? 'streets' : 'strips_from_shops';
  const withStreets = communes.rows.filter((c) => methodOf(c) === 'streets').map((c) => c.code);
  const withStrips = communes.rows.filter((c) => methodOf(c) === 'strips_from_shops').map((c) => c.code);

  const rows: (CandidateRow & { method: 'streets' | 'strips_from_shops' })[] = [];
  if (withStreets.length) rows.push(...(await streetCandidates(db, withStreets, p.frontage, p.nearby)).map((r) => ({ ...r, method: 'streets' as const })));
  if (withStrips.length) rows.push(...(await stripCandidates(db, withStrips, p.gap, p.minPremises, p.nearby)).map((r) => ({ ...r, method: 'strips_from_shops' as const })));

  const maxima: PilotMaxima = {
    vacant_shops: Math.max(0, ...rows.map((r) => r.vacant_shops)),
    active_shops: Math.max(0, ...rows.map((r) => r.active_shops)),
  };
  const scored = rows.map((r) => ({ ...r, ...pilotScore(r, maxima, p.weights) }))
    .sort((a, b) => b.score - a.score || b.vacant_shops - a.vacant_shops || a.name.localeCompare(b.name, 'fr') || a.id.localeCompare(b.id));
  // Strips are numbered by rank within their commune: « Linéaire commercial n° 1 » is the best one.
  const stripNumber = new Map<string, number>();
  for (const r of scored) {
    if (r.method !== 'strips_from_shops') continue;
    const n = (stripNumber.get(r.commune_code) ?? 0) + 1;
    stripNumber.set(r.commune_code, n);
    r.name = `Linéaire commercial n° ${n}`;
    r.id = `${r.commune_code}:strip:${n}`;
  }
  const vacant = await sql<{ n: number; sources: string[] }>`
    SELECT (SELECT count(*)::int FROM vacant_shops v WHERE v.status = 'vacant' AND v.commune_code = ANY(${communes.rows.map((c) => c.code)}::text[])) AS n,
           ARRAY(SELECT DISTINCT source FROM streets WHERE commune_code = ANY(${withStreets}::text[])
                 UNION SELECT DISTINCT source FROM places WHERE commune_code = ANY(${communes.rows.map((c) => c.code)}::text[])
                 UNION SELECT DISTINCT source FROM vacant_shops WHERE commune_code = ANY(${communes.rows.map((c) => c.code)}::text[])
                 UNION SELECT DISTINCT source FROM tiers_lieux WHERE commune_code = ANY(${communes.rows.map((c) => c.code)}::text[])
                 ORDER BY 1) AS sources`.execute(db);
  const methods = new Set(communes.rows.map(methodOf));
  return {
    method: methods.size > 1 ? 'mixed' : methods.has('strips_from_shops') ? 'strips_from_shops' : 'streets',
    frontage_m: p.frontage,
    nearby_m: p.nearby,
    strip_gap_m: p.gap,
    strip_min_premises: p.minPremises,
    weights: p.weights,
    maxima,
    candidates: scored.length,
    vacant_in_scope: vacant.rows[0]!.n,
    communes: communes.rows.map((c) => ({ code: c.code, name: c.name, method: methodOf(c), candidates: scored.filter((r) => r.commune_code === c.code).length })),
    streets: scored.slice(0, p.limit).map((r, i) => ({ ...r, rank: i + 1 })),
    sources: vacant.rows[0]!.sources,
  };
}

/**
 * Named streets, merged by name key within each commune. When two sources map a street of the
 * same name (BD TOPO and OSM), its line comes from the one with the longer total length. A
 * street that only another source than the commune's primary one (the most named length) has is
 * left out when its middle lies on a primary line of another name: « Cours des Cinquante Otages » in OSM
 * is « CRS DES 50 OTAGES » in BD TOPO. So no street counts twice. The name is the best spelling
 * among all the segments of that name.
 */
async function streetCandidates(db: Kysely<Database>, codes: string[], frontage: number, nearby: number): Promise<CandidateRow[]> {
  const r = await sql<CandidateRow>`
    WITH seg AS (
      SELECT s.commune_code, s.name_key, s.source, s.name_display, s.name_origin, s.geom, ST_Length(s.geom::geography) AS len
      FROM streets s WHERE s.commune_code = ANY(${codes}::text[]) AND s.name_key IS NOT NULL
    ), primary_source AS (
      SELECT DISTINCT ON (commune_code) commune_code, source
      FROM (SELECT commune_code, source, sum(len) AS len FROM seg GROUP BY 1, 2) x
      ORDER BY commune_code, len DESC, source
    ), pick AS (
      SELECT DISTINCT ON (commune_code, name_key) commune_code, name_key, source
      FROM (SELECT commune_code, name_key, source, sum(len) AS len FROM seg GROUP BY 1, 2, 3) x
      ORDER BY commune_code, name_key, len DESC, source
    ), spelling AS (
      SELECT commune_code, name_key, (array_agg(name_display ORDER BY name_origin = 'expanded', name_display))[1] AS name
      FROM seg GROUP BY 1, 2
    ), merged AS (
      SELECT seg.commune_code, seg.name_key, seg.source, count(*)::int AS segments, sum(seg.len) AS length_m,
             ST_LineMerge(ST_CollectionExtract(ST_Collect(seg.geom), 2)) AS geom
      FROM seg JOIN pick USING (commune_code, name_key, source)
      GROUP BY seg.commune_code, seg.name_key, seg.source
    ), street AS MATERIALIZED (
      SELECT m.* FROM merged m JOIN primary_source ps USING (commune_code)
      WHERE m.source = ps.source
        OR EXISTS (SELECT 1 FROM seg p WHERE p.commune_code = m.commune_code AND p.source = ps.source AND p.name_key = m.name_key)
        OR NOT EXISTS (
        SELECT 1 FROM streets p
        WHERE p.commune_code = m.commune_code AND p.source = ps.source AND p.name_key IS NOT NULL AND p.name_key <> m.name_key
          AND ST_DWithin(p.geom::geography, ST_ClosestPoint(m.geom, ST_Centroid(m.geom))::geography, 15))
    )
    SELECT st.commune_code || ':' || st.name_key AS id, sp.name, st.commune_code, c.name AS commune_name, NULL::text AS landmark,
           st.source, st.segments, st.length_m, ST_AsGeoJSON(st.geom, 7) AS geometry,
           (SELECT count(DISTINCT ${placeObject()})::int FROM places p WHERE ${isActiveShop()} AND ST_DWithin(p.geom::geography, st.geom::geography, ${frontage})) AS active_shops,
           (SELECT count(*)::int FROM vacant_shops v WHERE v.status = 'vacant' AND ST_DWithin(v.geom::geography, st.geom::geography, ${frontage})) AS vacant_shops,
           (SELECT count(DISTINCT ${placeObject()})::int FROM places p WHERE p.status = 'active' AND p.category = 'cafe_bar' AND ST_DWithin(p.geom::geography, st.geom::geography, ${nearby})) AS cafes,
           (SELECT count(*)::int FROM tiers_lieux t WHERE ST_DWithin(t.geom::geography, st.geom::geography, ${nearby})) AS tiers_lieux
    FROM street st JOIN spelling sp USING (commune_code, name_key) JOIN communes c ON c.code = st.commune_code`.execute(db);
  return r.rows;
}

/**
 * Commercial strips from the premises (active shops and vacant shops) of communes without a
 * street layer: DBSCAN in metres (the commune's UTM zone), chains of at least `minPremises`.
 */
async function stripCandidates(db: Kysely<Database>, codes: string[], gap: number, minPremises: number, nearby: number): Promise<CandidateRow[]> {
  const r = await sql<CandidateRow>`
    WITH utm AS (
      SELECT c.code, c.name,
             CASE WHEN ST_Y(c.point) >= 0 THEN 32600 ELSE 32700 END + least(60, floor((ST_X(c.point) + 180) / 6)::int + 1) AS srid
      FROM communes c WHERE c.code = ANY(${codes}::text[]) AND c.point IS NOT NULL
    ), premises AS (
      SELECT 'active' AS kind, ${placeObject()} AS obj, p.name, p.geom, u.code, u.srid FROM places p JOIN utm u ON u.code = p.commune_code WHERE ${isActiveShop()}
      UNION ALL
      SELECT 'vacant', 'vacant:' || v.id, v.name, v.geom, u.code, u.srid FROM vacant_shops v JOIN utm u ON u.code = v.commune_code WHERE v.status = 'vacant'
    ), clustered AS (
      SELECT *, ST_ClusterDBSCAN(ST_Transform(geom, srid), ${gap}::float8, 2) OVER (PARTITION BY code) AS cid FROM premises
    ), cluster AS (
      SELECT code, cid, count(DISTINCT obj) FILTER (WHERE kind = 'active')::int AS active_shops, count(*) FILTER (WHERE kind = 'vacant')::int AS vacant_shops,
             count(DISTINCT obj)::int AS premises, ST_LongestLine(ST_Collect(geom), ST_Collect(geom)) AS axis, ST_Centroid(ST_Collect(geom)) AS middle
      FROM clustered WHERE cid IS NOT NULL GROUP BY code, cid
    ), strip AS MATERIALIZED (
      SELECT k.code, k.cid, k.active_shops, k.vacant_shops, k.middle,
             (SELECT ST_MakeLine(m.geom ORDER BY ST_LineLocatePoint(k.axis, m.geom), m.obj) FROM clustered m WHERE m.code = k.code AND m.cid = k.cid) AS geom
      FROM cluster k WHERE k.premises >= ${minPremises}
    )
    SELECT s.code || ':cluster:' || s.cid AS id, '' AS name, s.code AS commune_code, u.name AS commune_name, NULL::text AS source, 0 AS segments,
           ST_Length(s.geom::geography) AS length_m, ST_AsGeoJSON(s.geom, 7) AS geometry, s.active_shops, s.vacant_shops,
           (SELECT m.name FROM clustered m WHERE m.code = s.code AND m.cid = s.cid AND m.name IS NOT NULL ORDER BY m.geom <-> s.middle, m.obj LIMIT 1) AS landmark,
           (SELECT count(DISTINCT ${placeObject()})::int FROM places p WHERE p.status = 'active' AND p.category = 'cafe_bar' AND ST_DWithin(p.geom::geography, s.geom::geography, ${nearby})) AS cafes,
           (SELECT count(*)::int FROM tiers_lieux t WHERE ST_DWithin(t.geom::geography, s.geom::geography, ${nearby})) AS tiers_lieux
    FROM strip s JOIN utm u ON u.code = s.code`.execute(db);
  return r.rows;
}
