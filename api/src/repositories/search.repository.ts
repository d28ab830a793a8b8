// Free-text search over communes, places, tiers-lieux and programmes. PGlite has neither
// unaccent nor pg_trgm, so names are folded in plain SQL (searchKey) on both sides of LIKE.
import { type Expression, type Kysely, type RawBuilder, sql } from 'kysely';
import type { Database } from '@maillage/sql';

export type SearchResultType = 'commune' | 'place' | 'tiers_lieu' | 'programme';

export interface SearchRow {
  type: SearchResultType;
  id: string;
  label: string;
  commune_code: string | null;
  commune_name: string | null;
  departement: string | null;
  departement_name: string | null;
  category: string | null;
  minx: number;
  miny: number;
  maxx: number;
  maxy: number;
}

// Upper case too: PGlite's C locale lowers ASCII only. œ/æ are spelt out afterwards.
const ACCENTED = 'àâäáãåçéèêëíìîïñóòôöõúùûüýÿÀÂÄÁÃÅÇÉÈÊËÍÌÎÏÑÓÒÔÖÕÚÙÛÜÝŸ-’ʼ‘';
const PLAIN = 'aaaaaaceeeeiiiinooooouuuuyyaaaaaaceeeeiiiinooooouuuuyy    ';

/**
 * A name folded for search: lower case, no accents, œ → oe, hyphens and apostrophes as
 * spaces, runs of spaces collapsed. Applied to the column and to the bound query alike.
 *
 * @example
 * searchKey(sql.ref('c.name')) // 'Château-Gontier-sur-Mayenne' → 'chateau gontier sur mayenne'
 */
export function searchKey(text: Expression<string | null>): RawBuilder<string> {
  const folded = sql`replace(replace(lower(translate(${text}, ${sql.lit(ACCENTED)}, ${sql.lit(PLAIN)})), 'œ', 'oe'), 'æ', 'ae')`;
  return sql<string>`btrim(regexp_replace(replace(${folded}, chr(39), ' '), '\\s+', ' ', 'g'))`;
}

/** LIKE wildcards typed by the user match themselves. */
function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** 0 exact, 1 prefix, 2 word prefix, 3 contains, null no match. */
function rank(key: Expression<string>, q: { exact: Expression<string>; like: Expression<string> }): RawBuilder<number | null> {
  return sql<number | null>`CASE
    WHEN ${key} = ${q.exact} THEN 0
    WHEN ${key} LIKE ${q.like} || '%' ESCAPE '\\' THEN 1
    WHEN ${key} LIKE '% ' || ${q.like} || '%' ESCAPE '\\' THEN 2
    WHEN ${key} LIKE '%' || ${q.like} || '%' ESCAPE '\\' THEN 3
  END`;
}

/** An INSEE code (2A/2B for Corsica) or a postal code, matched exactly. */
const CODE = /^[0-9][0-9AB][0-9]{3}$/i;

/**
 * The best matches for `text`, communes first at equal rank, then by population.
 *
 * @example
 * await search(db, 'chateau gontier', 10) // → [{ type: 'commune', id: '53062', … }, …]
 */
export async function search(db: Kysely<Database>, text: string, limit: number): Promise<SearchRow[]> {
  const q = { exact: sql<string>`q.exact`, like: sql<string>`q.like` };
  const code = CODE.test(text.trim()) ? text.trim().toUpperCase() : null;
  const point = (g: string) => sql`ST_X(${sql.ref(g)}) AS minx, ST_Y(${sql.ref(g)}) AS miny, ST_X(${sql.ref(g)}) AS maxx, ST_Y(${sql.ref(g)}) AS maxy`;
  const key = (column: string) => searchKey(sql.ref(column));
  // Each name is folded once (in `hits`), then ranked; a programme also matches by its kind.
  const r = await sql<SearchRow & { rank: number }>`
    WITH q AS (SELECT ${searchKey(sql`${text}::text`)} AS exact, ${searchKey(sql`${escapeLike(text)}::text`)} AS "like"),
    hits AS (
      SELECT 'commune' AS type, 0 AS type_order, c.code AS id, c.name AS label, c.code AS commune_code, c.name AS commune_name,
             c.departement, c.departement_name, NULL::text AS category, c.population,
             (c.code = ${code} OR ${code} = ANY(c.postal_codes)) AS code_hit, ${key('c.name')} AS name_key, NULL::text AS alt_key,
             ST_XMin(c.geom) AS minx, ST_YMin(c.geom) AS miny, ST_XMax(c.geom) AS maxx, ST_YMax(c.geom) AS maxy
      FROM communes c
      UNION ALL
      SELECT 'place', 1, p.id::text, p.name, p.commune_code, pc.name, pc.departement, pc.departement_name, p.category, pc.population,
             false, ${key('p.name')}, NULL, ${point('p.geom')}
      FROM places p LEFT JOIN communes pc ON pc.code = p.commune_code
      WHERE p.name IS NOT NULL AND p.status = 'active'
      UNION ALL
      SELECT 'tiers_lieu', 2, t.id::text, t.name, t.commune_code, tc.name, tc.departement, tc.departement_name, NULL, tc.population,
             false, ${key('t.name')}, NULL, ${point('t.geom')}
      FROM tiers_lieux t LEFT JOIN communes tc ON tc.code = t.commune_code
      UNION ALL
      SELECT 'programme', 3, g.id::text, g.name, g.commune_code, gc.name, gc.departement, gc.departement_name, g.programme, gc.population,
             false, ${key('g.name')}, replace(g.programme, '_', ' '), ${point('g.geom')}
      FROM programmes g LEFT JOIN communes gc ON gc.code = g.commune_code
    ),
    ranked AS (
      SELECT hits.*, CASE WHEN code_hit THEN 0 ELSE LEAST(${rank(sql`name_key`, q)}, ${rank(sql`alt_key`, q)}) END AS rank
      FROM hits CROSS JOIN q
      WHERE code_hit OR name_key LIKE '%' || q.like || '%' ESCAPE '\\' OR alt_key LIKE '%' || q.like || '%' ESCAPE '\\'
    )
    SELECT type, id, label, commune_code, commune_name, departement, departement_name, category, rank, minx, miny, maxx, maxy
    FROM ranked
    ORDER BY rank, type_order, population DESC NULLS LAST, label, id
    LIMIT ${limit}`.execute(db);
  return r.rows.map(({ rank: _rank, ...row }) => row);
}
