// Unmet needs: for every commune of a scope and every chosen category of facility, the
// distance from the commune's representative point (communes.point, ST_PointOnSurface at
// import) to the nearest facility anywhere, the facilities inside the commune, the desert
// flag, the population beyond the threshold and a weighted needs score. The definitions are
// written out on the portal's methods page (/analyse/methode); keep the two in step.
import { type Kysely, type RawBuilder, sql } from 'kysely';
import type { Database } from '../types.ts';
import { AnalysisInputError, inScope, type Scope } from './scope.ts';

/** The layer a category's facilities come from. */
export type FacilityLayer = 'places' | 'tiers_lieux' | 'programmes';

export interface NeedCategory {
  /** The code used in URLs and output columns: a place category (`cafe_bar`), `tiers_lieux` or `france_services`. */
  code: string;
  label: { fr: string; en: string };
  layer: FacilityLayer;
  family: string;
  color: string;
}

/**
 * Facility sets that are not place categories: the tiers-lieux layer (every tiers-lieu of
 * the list, in activity or in project) and the France services desks of the programmes layer.
 * Place categories come from the taxonomy table `place_categories`, so a category added there
 * is analysable with no edit here.
 */
export const OTHER_NEED_CATEGORIES: readonly NeedCategory[] = [
  { code: 'tiers_lieux', label: { fr: 'Tiers-lieu', en: 'Third place' }, layer: 'tiers_lieux', family: 'social_infrastructure', color: '#1f7a8c' },
  { code: 'france_services', label: { fr: 'France services', en: 'France services' }, layer: 'programmes', family: 'social_infrastructure', color: '#3d3b8e' },
];

/** Every category an analysis can use: the place taxonomy, then the two other facility sets. */
export async function needCategories(db: Kysely<Database>): Promise<NeedCategory[]> {
  const places = await db.selectFrom('place_categories').select(['code', 'label_fr', 'label_en', 'family', 'color']).orderBy('sort').orderBy('code').execute();
  return [
    ...places.map((p) => ({ code: p.code, label: { fr: p.label_fr, en: p.label_en }, layer: 'places' as const, family: p.family, color: p.color })),
    ...OTHER_NEED_CATEGORIES,
  ];
}

/** The facilities of a category, as a table (alias `f`) and a condition. */
function facilities(category: NeedCategory): { table: FacilityLayer; where: RawBuilder<boolean> } {
  // Literals, not parameters: the planner picks a category's partial index (migration
  // 2026_11_22_0200_needs) only when it sees the value. Codes come from needCategories().
  const code = sql.lit(category.code);
  switch (category.layer) {
    case 'places': return { table: 'places', where: sql<boolean>`f.category = ${code} AND f.status = 'active'` };
    case 'tiers_lieux': return { table: 'tiers_lieux', where: sql<boolean>`TRUE` };
    case 'programmes': return { table: 'programmes', where: sql<boolean>`f.programme = ${code}` };
  }
}

/**
 * The geography KNN (`<->`) orders by distance on a sphere of the mean Earth radius, which is
 * not the WGS 84 spheroid. Along any path the ratio of spheroid to sphere length lies between
 * M/R₁ and N/R₁ (meridian and prime-vertical radii of curvature), so over the Earth it varies by
 * at most N(90°)/M(0°) = (1 − e²)^(−3/2) < 1.0102: every facility nearer than the sphere-nearest
 * one on the spheroid is within that factor of its sphere distance (+ 1 m for rounding).
 */
const SPHERE_BAND = 1.0102;
/**
 * Sphere-nearest candidates taken per commune and category. When the band above holds more of
 * them (facilities all far away, in a distant dense cluster) the answer is the nearest of these,
 * within 1 % of the true distance, and it is counted as `approximate` in the summary.
 */
const CANDIDATES = 4;

/** Category statements run side by side (see nearestByCategory). */
const NEAREST_CONCURRENCY = 2;

export interface NearestFacility {
  id: string;
  name: string | null;
  commune_code: string | null;
  source: string;
  lon: number;
  lat: number;
  /** Metres on the WGS 84 spheroid from the commune's representative point. */
  metres: number;
  /** False when more candidates than were compared could have been nearer (see CANDIDATES): then within 1 %. */
  exact: boolean;
}

export interface CommuneFacilities {
  code: string;
  category: string;
  /** Null when the category has no facility anywhere in the data. */
  nearest: NearestFacility | null;
  /** Facilities of the category whose commune is this one (`commune_code`, set by point in polygon at import). */
  count: number;
  /** Published residents' needs of this category in the commune (`needs`, status published). */
  residentsNeeds: number;
}

export interface NearestRow {
  code: string;
  category: string;
  id: string | null;
  name: string | null;
  commune_code: string | null;
  source: string | null;
  lon: number | null;
  lat: number | null;
  metres: number | null;
  exact: boolean | null;
  count: number;
  residents_needs: number;
}

/**
 * A published need's commune: its own `commune_code`, else the commune whose polygon holds it.
 * Needs are counted per commune, whichever category; this is the one place that says how.
 */
const needCommune = sql<string>`coalesce(n.commune_code, (SELECT c2.code FROM communes c2 WHERE ST_Intersects(c2.geom, n.geom) ORDER BY c2.code LIMIT 1))`;

/**
 * For every commune of the scope that has a representative point, and every category: the
 * nearest facility anywhere (in or out of the scope), the count inside the commune and the
 * residents' needs. Nearest-neighbour search uses the geography GiST indexes (`*_geog_idx`),
 * never a cross join: the KNN walks the facilities in sphere order, the spheroid distance
 * decides among those within SPHERE_BAND of the first — so the answer is the true nearest in
 * metres anywhere on Earth, proven so (`exact`) unless more than CANDIDATES facilities crowd
 * that band.
 *
 * @example
 * const rows = await nearestByCategory(db, { kind: 'commune', code: '53130' }, categories.filter((c) => c.code === 'cafe_bar'));
 * rows[0].nearest?.metres; // 182.4
 */
export async function nearestByCategory(db: Kysely<Database>, scope: Scope, categories: readonly NeedCategory[]): Promise<CommuneFacilities[]> {
  // One statement per category, so each stays well under the statement timeout whatever the
  // number of categories; two at a time on a server, so one analysis holds at most two of the
  // pool's connections (and a PostGIS server's cores are few).
  const one = (category: NeedCategory) => withoutJit(db, async (q) => (await nearestQuery(scope, [category]).execute(q)).rows);
  const rows: NearestRow[] = [];
  for (let i = 0; i < categories.length; i += NEAREST_CONCURRENCY) {
    for (const part of await Promise.all(categories.slice(i, i + NEAREST_CONCURRENCY).map(one))) rows.push(...part);
  }
  return rows.map((row) => ({
    code: row.code,
    category: row.category,
    nearest: row.id === null ? null : {
      id: row.id, name: row.name, commune_code: row.commune_code, source: row.source!, lon: row.lon!, lat: row.lat!, metres: row.metres!, exact: row.exact!,
    },
    count: row.count,
    residentsNeeds: row.residents_needs,
  }));
}

/**
 * Runs `f` in a transaction (or the caller's) with PostgreSQL's JIT off: on all communes of
 * France it spends seconds compiling these queries' expressions, longer than they run.
 */
export async function withoutJit<T>(db: Kysely<Database>, f: (q: Kysely<Database>) => Promise<T>): Promise<T> {
  const run = async (q: Kysely<Database>) => {
    await sql`SET LOCAL jit = off`.execute(q);
    return f(q);
  };
  return db.isTransaction ? run(db) : db.transaction().execute(run);
}

/** The SQL of nearestByCategory, for EXPLAIN (the benchmark shows its plan). */
export function nearestQuery(scope: Scope, categories: readonly NeedCategory[]): RawBuilder<NearestRow> {
  const one = (category: NeedCategory) => {
    const { table, where } = facilities(category);
    const t = sql.table(table);
    return sql`
      SELECT ${category.code}::text AS category, c.code, n.id, n.name, n.commune_code, n.source, n.lon, n.lat, n.metres, n.exact,
             coalesce(k.n, 0)::int AS count, coalesce(r.n, 0)::int AS residents_needs
      FROM communes c
      LEFT JOIN LATERAL (
        SELECT b.id::text AS id, b.name, b.commune_code, b.source, ST_X(b.geom) AS lon, ST_Y(b.geom) AS lat,
               ST_Distance(b.geom::geography, c.point::geography) AS metres,
               (b.n < ${sql.lit(CANDIDATES)} OR b.far > b.first * ${sql.lit(SPHERE_BAND)} + 1) AS exact
        FROM (
          SELECT k.*, min(k.sphere) OVER () AS first, max(k.sphere) OVER () AS far, count(*) OVER () AS n
          FROM (
            SELECT f.id, f.name, f.commune_code, f.source, f.geom, f.geom::geography <-> c.point::geography AS sphere
            FROM ${t} f WHERE ${where}
            ORDER BY f.geom::geography <-> c.point::geography LIMIT ${sql.lit(CANDIDATES)}
          ) k
        ) b
        WHERE b.sphere <= b.first * ${sql.lit(SPHERE_BAND)} + 1
        ORDER BY metres, b.id LIMIT 1
      ) n ON TRUE
      LEFT JOIN (SELECT f.commune_code, count(*) AS n FROM ${t} f WHERE ${where} GROUP BY f.commune_code) k ON k.commune_code = c.code
      LEFT JOIN (SELECT ${needCommune} AS code, count(*) AS n FROM needs n WHERE n.status = 'published' AND n.category = ${category.code} GROUP BY 1) r
        ON r.code = c.code
      WHERE ${inScope(scope)} AND c.point IS NOT NULL`;
  };
  return sql<NearestRow>`${sql.join(categories.map(one), sql` UNION ALL `)} ORDER BY code, category`;
}

export interface ScopeCommune {
  code: string;
  name: string;
  population: number | null;
  /** The representative point, [lon, lat]. */
  point: [number, number];
  source: string;
  /** Published residents' needs in the commune, every category. */
  residentsNeeds: number;
}

/** The communes of a scope that have a representative point, by code. */
export async function scopeCommunes(db: Kysely<Database>, scope: Scope): Promise<ScopeCommune[]> {
  const r = await withoutJit(db, (q) => sql<{ code: string; name: string; population: number | null; lon: number; lat: number; source: string; residents_needs: number }>`
    SELECT c.code, c.name, c.population, ST_X(c.point) AS lon, ST_Y(c.point) AS lat, c.source, coalesce(r.n, 0)::int AS residents_needs
    FROM communes c
    LEFT JOIN (SELECT ${needCommune} AS code, count(*) AS n FROM needs n WHERE n.status = 'published' GROUP BY 1) r ON r.code = c.code
    WHERE ${inScope(scope)} AND c.point IS NOT NULL
    ORDER BY c.code`.execute(q));
  return r.rows.map((c) => ({ code: c.code, name: c.name, population: c.population, point: [c.lon, c.lat], source: c.source, residentsNeeds: c.residents_needs }));
}

// ---- The needs score and the figures of a scope: pure functions of the rows above.

/** Bounds of the parameters: the API refuses values outside them with a 400. */
export const NEEDS_LIMITS = {
  /** A threshold beyond this is not a local service question any more. */
  maxKm: 200,
  maxPopulation: 10_000_000,
  /** Each category is one index search per commune; eight keep all of France near 15 s. */
  maxCategories: 8,
  maxWeight: 100,
} as const;

export interface NeedsParams {
  scope: Scope;
  /** Category codes, in the order wanted in the output; none repeated. */
  categories: readonly string[];
  /** Distance threshold D, in kilometres (0 < D ≤ 200). */
  maxKm: number;
  /** Population threshold P of the desert flag (≥ 0). */
  minPopulation: number;
  /** Weight of each category in the needs score (0–100, default 1); at least one above 0. */
  weights?: Readonly<Record<string, number>>;
}

/**
 * The need of one category for one commune, from 0 to 1: the distance to the nearest
 * facility divided by twice the threshold D, capped at 1. It is 0 with the facility at the
 * representative point, 0.5 at exactly D, 1 at 2·D or more — or when the category has no
 * facility anywhere in the data.
 *
 * @example
 * categoryNeed(2500, 5); // 0.25
 * categoryNeed(12000, 5); // 1
 * categoryNeed(null, 5); // 1
 */
export function categoryNeed(metres: number | null, maxKm: number): number {
  if (metres === null) return 1;
  return Math.min(1, metres / (2 * maxKm * 1000));
}

/**
 * The needs score, 0–100 with one decimal: the weighted mean of the categories' needs × 100.
 *
 * @example
 * needsScore([{ need: 0.25, weight: 2 }, { need: 1, weight: 1 }]); // 50
 */
export function needsScore(parts: readonly { need: number; weight: number }[]): number {
  const total = parts.reduce((s, p) => s + p.weight, 0);
  if (total <= 0) return 0;
  return Math.round((1000 * parts.reduce((s, p) => s + p.need * p.weight, 0)) / total) / 10;
}

export interface NeedsCategoryFigures {
  /** Metres to the nearest facility, one decimal; null when there is none in the data. */
  distance_m: number | null;
  nearest: Omit<NearestFacility, 'metres'> | null;
  count: number;
  /** Farther than D (or no facility at all). */
  beyond: boolean;
  /** Population ≥ P and farther than D. */
  desert: boolean;
  /** 0–1, see categoryNeed. */
  need: number;
  residents_needs: number;
}

export interface NeedsCommune {
  code: string;
  name: string;
  population: number | null;
  point: [number, number];
  categories: Record<string, NeedsCategoryFigures>;
  needs_score: number;
  /** 1 for the highest score; equal scores share a rank (1, 2, 2, 4…). */
  rank: number;
  /** Categories for which the commune is a desert. */
  desert_count: number;
  residents_needs_count: number;
}

export interface NeedsBeyond {
  /** Population of the communes farther than D. */
  population_beyond: number;
  /** population_beyond ÷ population of the communes analysed, 0–1 (4 decimals); null when that is 0. */
  share_beyond: number | null;
  communes_beyond: number;
  /** Communes flagged as deserts, and their population. */
  deserts: number;
  desert_population: number;
}

export interface NeedsCategorySummary extends NeedsBeyond {
  code: string;
  label: { fr: string; en: string };
  layer: FacilityLayer;
  weight: number;
  /** False when no commune analysed has a facility of the category anywhere (none in the data). */
  has_facilities: boolean;
  /** Median distance over the communes analysed, metres; null when none has a facility. */
  median_distance_m: number | null;
  /** Communes whose nearest facility could not be proven the nearest (see CANDIDATES): within 1 %. */
  approximate: number;
}

export interface NeedsResult {
  categories: NeedCategory[];
  weights: Record<string, number>;
  communes: NeedsCommune[];
  /** Figures of the whole scope: per category, and for « any category » (farther than D from at least one). */
  summary: {
    communes: number;
    population: number;
    per_category: NeedsCategorySummary[];
    any_category: NeedsBeyond;
  };
  /** Keys of the `sources` rows the result is made of (communes and facilities). */
  sources: string[];
}

/**
 * Checks the parameters against the categories that exist and the limits; throws
 * AnalysisInputError with what to fix. Returns the categories (in the order asked) and the
 * weights, every category given one (default 1).
 */
export function checkNeedsParams(params: NeedsParams, known: readonly NeedCategory[]): { categories: NeedCategory[]; weights: Record<string, number> } {
  const list = known.map((c) => c.code).join(', ');
  if (params.categories.length === 0) {
    throw new AnalysisInputError(`Choisissez au moins une catégorie (categories=cafe_bar,grocery) parmi : ${list}.`,
      `Choose at least one category (categories=cafe_bar,grocery) among: ${list}.`);
  }
  if (params.categories.length > NEEDS_LIMITS.maxCategories) {
    throw new AnalysisInputError(`Au plus ${NEEDS_LIMITS.maxCategories} catégories par analyse (${params.categories.length} demandées).`,
      `At most ${NEEDS_LIMITS.maxCategories} categories per analysis (${params.categories.length} asked).`);
  }
  const categories: NeedCategory[] = [];
  for (const code of params.categories) {
    const c = known.find((k) => k.code === code);
    if (!c) throw new AnalysisInputError(`Catégorie « ${code} » inconnue ; les catégories sont : ${list}.`, `Unknown category "${code}"; the categories are: ${list}.`);
    if (categories.includes(c)) throw new AnalysisInputError(`La catégorie « ${code} » est demandée deux fois.`, `Category "${code}" is asked twice.`);
    categories.push(c);
  }
  if (!Number.isFinite(params.maxKm) || params.maxKm <= 0 || params.maxKm > NEEDS_LIMITS.maxKm) {
    throw new AnalysisInputError(`max_km doit être un nombre de kilomètres supérieur à 0 et au plus ${NEEDS_LIMITS.maxKm} (reçu : ${params.maxKm}).`,
      `max_km must be a number of kilometres above 0 and at most ${NEEDS_LIMITS.maxKm} (got ${params.maxKm}).`);
  }
  if (!Number.isInteger(params.minPopulation) || params.minPopulation < 0 || params.minPopulation > NEEDS_LIMITS.maxPopulation) {
    throw new AnalysisInputError(`min_population doit être un nombre entier d’habitants entre 0 et ${NEEDS_LIMITS.maxPopulation} (reçu : ${params.minPopulation}).`,
      `min_population must be a whole number of inhabitants from 0 to ${NEEDS_LIMITS.maxPopulation} (got ${params.minPopulation}).`);
  }
  const weights: Record<string, number> = {};
  for (const c of categories) weights[c.code] = 1;
  for (const [code, w] of Object.entries(params.weights ?? {})) {
    if (!(code in weights)) {
      throw new AnalysisInputError(`Poids donné à « ${code} », qui n’est pas une des catégories choisies (${params.categories.join(', ')}).`,
        `A weight is given to "${code}", which is not one of the chosen categories (${params.categories.join(', ')}).`);
    }
    if (!Number.isFinite(w) || w < 0 || w > NEEDS_LIMITS.maxWeight) {
      throw new AnalysisInputError(`Le poids de « ${code} » doit être un nombre entre 0 et ${NEEDS_LIMITS.maxWeight} (reçu : ${w}).`,
        `The weight of "${code}" must be a number from 0 to ${NEEDS_LIMITS.maxWeight} (got ${w}).`);
    }
    weights[code] = w;
  }
  if (Object.values(weights).every((w) => w === 0)) {
    throw new AnalysisInputError('Au moins une catégorie doit avoir un poids supérieur à 0.', 'At least one category must have a weight above 0.');
  }
  return { categories, weights };
}

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

const round1 = (x: number) => Math.round(x * 10) / 10;

function beyondFigures(rows: readonly { population: number; beyond: boolean; desert: boolean }[], total: number): NeedsBeyond {
  const population_beyond = rows.reduce((s, r) => s + (r.beyond ? r.population : 0), 0);
  return {
    population_beyond,
    share_beyond: total > 0 ? Math.round((population_beyond / total) * 10_000) / 10_000 : null,
    communes_beyond: rows.filter((r) => r.beyond).length,
    deserts: rows.filter((r) => r.desert).length,
    desert_population: rows.reduce((s, r) => s + (r.desert ? r.population : 0), 0),
  };
}

/**
 * The unmet-needs analysis of a scope. The scope must exist (see resolveScope); parameters are
 * checked here (AnalysisInputError).
 *
 * @example
 * const r = await needsAnalysis(db, { scope: parseScope('departement:53'), categories: ['cafe_bar', 'grocery'], maxKm: 5, minPopulation: 0 });
 * r.communes[0]; // the commune with the highest needs score
 * r.summary.any_category.share_beyond; // share of the population farther than 5 km from a café or a grocery
 */
export async function needsAnalysis(db: Kysely<Database>, params: NeedsParams): Promise<NeedsResult> {
  const { categories, weights } = checkNeedsParams(params, await needCategories(db));
  const [communes, rows] = await Promise.all([scopeCommunes(db, params.scope), nearestByCategory(db, params.scope, categories)]);
  const byCommune = new Map<string, Map<string, CommuneFacilities>>();
  for (const row of rows) {
    let m = byCommune.get(row.code);
    if (!m) byCommune.set(row.code, (m = new Map()));
    m.set(row.category, row);
  }
  const maxM = params.maxKm * 1000;
  const sources = new Set(communes.map((c) => c.source));

  const out: NeedsCommune[] = communes.map((c) => {
    const population = c.population ?? 0;
    const figures: Record<string, NeedsCategoryFigures> = {};
    for (const cat of categories) {
      const row = byCommune.get(c.code)?.get(cat.code);
      const nearest = row?.nearest ?? null;
      if (nearest) sources.add(nearest.source);
      const beyond = nearest === null || nearest.metres > maxM;
      const { metres, ...facility } = nearest ?? { metres: null };
      figures[cat.code] = {
        distance_m: metres === null ? null : round1(metres),
        nearest: nearest ? (facility as Omit<NearestFacility, 'metres'>) : null,
        count: row?.count ?? 0,
        beyond,
        desert: beyond && population >= params.minPopulation,
        need: categoryNeed(metres, params.maxKm),
        residents_needs: row?.residentsNeeds ?? 0,
      };
    }
    return {
      code: c.code, name: c.name, population: c.population, point: c.point, categories: figures,
      needs_score: needsScore(categories.map((cat) => ({ need: figures[cat.code]!.need, weight: weights[cat.code]! }))),
      rank: 0,
      desert_count: categories.filter((cat) => figures[cat.code]!.desert).length,
      residents_needs_count: c.residentsNeeds,
    };
  });

  out.sort((a, b) => b.needs_score - a.needs_score || (b.population ?? 0) - (a.population ?? 0) || a.code.localeCompare(b.code));
  out.forEach((c, i) => {
    c.rank = i > 0 && out[i - 1]!.needs_score === c.needs_score ? out[i - 1]!.rank : i + 1;
  });

  const population = out.reduce((s, c) => s + (c.population ?? 0), 0);
  const per_category: NeedsCategorySummary[] = categories.map((cat) => {
    const figures = out.map((c) => ({ population: c.population ?? 0, ...c.categories[cat.code]! }));
    const distances = figures.flatMap((f) => (f.distance_m === null ? [] : [f.distance_m]));
    return {
      code: cat.code, label: cat.label, layer: cat.layer, weight: weights[cat.code]!,
      has_facilities: distances.length > 0,
      median_distance_m: median(distances),
      approximate: figures.filter((f) => f.nearest !== null && !f.nearest.exact).length,
      ...beyondFigures(figures, population),
    };
  });
  const any_category = beyondFigures(out.map((c) => {
    const all = categories.map((cat) => c.categories[cat.code]!);
    return { population: c.population ?? 0, beyond: all.some((f) => f.beyond), desert: all.some((f) => f.desert) };
  }), population);

  return {
    categories, weights, communes: out,
    summary: { communes: out.length, population, per_category, any_category },
    sources: [...sources].sort(),
  };
}
