// CQL2 text → SQL, as tables: each filter with the SQL and parameters it must compile to, and
// each bad filter with the error code and the position it must point at. No database: Kysely
// compiles against Postgres' query compiler with a driver that never connects.
import { describe, expect, it } from 'vitest';
import { DummyDriver, Kysely, PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler } from 'kysely';
import { findLayer, type LayerDefinition } from '../../api/src/layers/registry.ts';
import { CQL2_LIMITS, Cql2Error, cql2ToExpression, parseCql2, queryablesSchema } from '../../api/src/ogc/cql2/index.ts';

interface Tables { places: { id: number } }
const db = new Kysely<Tables>({
  dialect: {
    createAdapter: () => new PostgresAdapter(),
    createDriver: () => new DummyDriver(),
    createIntrospector: (k) => new PostgresIntrospector(k),
    createQueryCompiler: () => new PostgresQueryCompiler(),
  },
});

const layer = (id: string): LayerDefinition => findLayer(id) ?? (() => { throw new Error(`no layer ${id}`); })();
const PREFIX = 'select * from "places" as "t" where ';
/** Test titles stay readable when a filter is thousands of characters long. */
const title = (text: string) => (text.length > 80 ? `${text.slice(0, 60)}… (${text.length} characters)` : text);

function compile(text: string, layerId: string) {
  const { sql, parameters } = db.selectFrom('places as t').selectAll().where(cql2ToExpression(text, layer(layerId))).compile();
  expect(sql.startsWith(PREFIX)).toBe(true);
  return { sql: sql.slice(PREFIX.length), parameters };
}

function failure(text: string, layerId: string): Cql2Error {
  try {
    cql2ToExpression(text, layer(layerId));
  } catch (error) {
    if (error instanceof Cql2Error) return error;
    throw error;
  }
  throw new Error(`expected "${text}" to be refused`);
}

const square = 'POLYGON((0 45,0.01 45,0.01 45.01,0 45.01,0 45))';
const INTERSECTS = '("t"."geom" && ST_GeomFromText($1, 4326) AND ST_Intersects("t"."geom", ST_GeomFromText($2, 4326)))';

// [filter, layer, SQL after WHERE, parameters]
const GOOD: [string, string, string, unknown[]][] = [
  // comparisons and literals
  ["category = 'bakery'", 'places', '"t"."category" = $1', ['bakery']],
  ["name <> 'x'", 'places', '"t"."name" <> $1', ['x']],
  ['population > 100', 'communes', '"t"."population" > $1::bigint', [100]],
  ['population <= 250.5', 'communes', '"t"."population" <= $1::numeric', [250.5]],
  ['population >= -5', 'communes', '"t"."population" >= $1::bigint', [-5]],
  ['area_m2 < 1e6', 'communes', '"t"."area_m2" < $1::double precision', [1_000_000]],
  ['100 < population', 'communes', '$1::bigint < "t"."population"', [100]],
  ['population < area_m2', 'communes', '"t"."population" < "t"."area_m2"', []],
  ["last_seen >= DATE('2019-11-12')", 'places', '"t"."last_seen" >= $1::date', ['2019-11-12']],
  ["imported_at < TIMESTAMP('2030-01-01T00:00:00Z')", 'places', '"t"."imported_at" < $1::timestamptz', ['2030-01-01T00:00:00Z']],
  ['TRUE', 'places', '$1::boolean', [true]],
  // property names: bare, double-quoted, case-insensitive keywords
  ['"category" = \'bakery\'', 'places', '"t"."category" = $1', ['bakery']],
  ["category in ('a') and name is not null", 'places', '("t"."category" IN ($1) AND "t"."name" IS NOT NULL)', ['a']],
  // precedence: NOT > AND > OR, parentheses override, one level of parentheses per and/or
  ["name = 'a' OR name = 'b' AND name = 'c'", 'places', '("t"."name" = $1 OR ("t"."name" = $2 AND "t"."name" = $3))', ['a', 'b', 'c']],
  ["(name = 'a' OR name = 'b') AND name = 'c'", 'places', '(("t"."name" = $1 OR "t"."name" = $2) AND "t"."name" = $3)', ['a', 'b', 'c']],
  ["NOT name = 'a' AND name = 'b'", 'places', '(NOT ("t"."name" = $1) AND "t"."name" = $2)', ['a', 'b']],
  ["NOT (category = 'grocery' OR name IS NULL)", 'places', 'NOT ("t"."category" = $1 OR "t"."name" IS NULL)', ['grocery']],
  ["((((name = 'a'))))", 'places', '"t"."name" = $1', ['a']],
  ["name = 'a' AND name = 'b' AND name = 'c'", 'places', '("t"."name" = $1 AND "t"."name" = $2 AND "t"."name" = $3)', ['a', 'b', 'c']],
  // LIKE, BETWEEN, IN, IS NULL, and their negations
  ["name LIKE 'Bou%'", 'places', '"t"."name" LIKE $1', ['Bou%']],
  ["name NOT LIKE '_a\\%'", 'places', '"t"."name" NOT LIKE $1', ['_a\\%']],
  ['population BETWEEN 50 AND 150', 'communes', '"t"."population" BETWEEN $1::bigint AND $2::bigint', [50, 150]],
  ["last_seen NOT BETWEEN DATE('2019-01-01') AND DATE('2019-12-31')", 'places', '"t"."last_seen" NOT BETWEEN $1::date AND $2::date', ['2019-01-01', '2019-12-31']],
  ["category IN ('cafe_bar','bakery')", 'places', '"t"."category" IN ($1, $2)', ['cafe_bar', 'bakery']],
  ["code NOT IN ('99001')", 'communes', '"t"."code" NOT IN ($1)', ['99001']],
  ['population IN (100, 250)', 'communes', '"t"."population" IN ($1::bigint, $2::bigint)', [100, 250]],
  ['name IS NULL', 'places', '"t"."name" IS NULL', []],
  // lists: = means contains, IN means contains one of
  ["former_codes = '99003'", 'communes', '$1 = ANY("t"."former_codes")', ['99003']],
  ["typology IN ('fablab','coworking')", 'tiers_lieux', '"t"."typology" && ARRAY[$1, $2]::text[]', ['fablab', 'coworking']],
  ["themes NOT IN ('mobilite')", 'projects', 'NOT ("t"."themes" && ARRAY[$1]::text[])', ['mobilite']],
  // escaping and injection attempts: always one bound parameter, never SQL
  ["name = 'x'' OR 1=1 --'", 'places', '"t"."name" = $1', ["x' OR 1=1 --"]],
  ["name = 'it\\'s'", 'places', '"t"."name" = $1', ["it's"]],
  ["name = 'a\"; DROP TABLE places; --'", 'places', '"t"."name" = $1', ['a"; DROP TABLE places; --']],
  ["name = 'Épicerie « Chez Zoé »'", 'places', '"t"."name" = $1', ['Épicerie « Chez Zoé »']],
  ["name = ''", 'places', '"t"."name" = $1', ['']],
  // spatial: index-friendly && then the exact predicate, WKT written back and bound
  [`S_INTERSECTS(geom, ${square})`, 'places', INTERSECTS, [square, square]],
  [`s_intersects(geometry, POLYGON( ( 0 45 , 0.01 45,0.01 45.01, 0 45.01,0 45 ) ))`, 'places', INTERSECTS, [square, square]],
  ['S_INTERSECTS(geometry, POINT(0.005 45.005))', 'communes', INTERSECTS, ['POINT(0.005 45.005)', 'POINT(0.005 45.005)']],
  ['S_INTERSECTS(geom, LINESTRING(0 45, 1 46))', 'streets', INTERSECTS, ['LINESTRING(0 45,1 46)', 'LINESTRING(0 45,1 46)']],
  ['S_INTERSECTS(geom, MULTIPOLYGON(((0 45,1 45,1 46,0 45)),((2 45,3 45,3 46,2 45))))', 'communes', INTERSECTS,
    ['MULTIPOLYGON(((0 45,1 45,1 46,0 45)),((2 45,3 45,3 46,2 45)))', 'MULTIPOLYGON(((0 45,1 45,1 46,0 45)),((2 45,3 45,3 46,2 45)))']],
  ['S_INTERSECTS(geom, MULTIPOINT(0 45, (1 46)))', 'places', INTERSECTS, ['MULTIPOINT(0 45,1 46)', 'MULTIPOINT(0 45,1 46)']],
  ['S_INTERSECTS(geom, BBOX(0, 45, 0.01, 45.01))', 'places', INTERSECTS,
    ['POLYGON((0 45,0.01 45,0.01 45.01,0 45.01,0 45))', 'POLYGON((0 45,0.01 45,0.01 45.01,0 45.01,0 45))']],
  ['BBOX(geometry, 0, 45, 0.01, 45.01)', 'places', INTERSECTS,
    ['POLYGON((0 45,0.01 45,0.01 45.01,0 45.01,0 45))', 'POLYGON((0 45,0.01 45,0.01 45.01,0 45.01,0 45))']],
  ['S_INTERSECTS(geom, ENVELOPE(0, 45, 1, 46))', 'places', INTERSECTS, ['POLYGON((0 45,1 45,1 46,0 46,0 45))', 'POLYGON((0 45,1 45,1 46,0 46,0 45))']],
  ['S_WITHIN(geom, BBOX(0, 45, 1, 46))', 'places',
    '("t"."geom" && ST_GeomFromText($1, 4326) AND ST_Within("t"."geom", ST_GeomFromText($2, 4326)))',
    ['POLYGON((0 45,1 45,1 46,0 46,0 45))', 'POLYGON((0 45,1 45,1 46,0 46,0 45))']],
  ['S_CONTAINS(POLYGON((0 45,1 45,1 46,0 45)), geom)', 'places',
    '(ST_GeomFromText($1, 4326) && "t"."geom" AND ST_Contains(ST_GeomFromText($2, 4326), "t"."geom"))',
    ['POLYGON((0 45,1 45,1 46,0 45))', 'POLYGON((0 45,1 45,1 46,0 45))']],
  ['NOT S_DISJOINT(geom, POINT(0 45))', 'places', 'NOT ST_Disjoint("t"."geom", ST_GeomFromText($1, 4326))', ['POINT(0 45)']],
  [`S_INTERSECTS(geom, ${square}) AND NOT (category = 'bakery')`, 'places',
    `(${INTERSECTS} AND NOT ("t"."category" = $3))`, [square, square, 'bakery']],
];

describe('CQL2 text → SQL and parameters', () => {
  for (const [text, layerId, sql, parameters] of GOOD) {
    it(`${title(text)}  (${layerId})`, () => {
      const compiled = compile(text, layerId);
      expect(compiled.sql).toBe(sql);
      expect(compiled.parameters).toEqual(parameters);
      // Every literal went out as a parameter: no quote ever reaches the SQL text.
      expect(compiled.sql).not.toContain("'");
    });
  }

  it('keeps the order of the filter in the tree: NOT > AND > OR', () => {
    const tree = parseCql2("NOT a = 1 OR b = 2 AND c = 3");
    expect(tree).toMatchObject({ kind: 'or', args: [{ kind: 'not', arg: { kind: 'compare' } }, { kind: 'and', args: [{}, {}] }] });
  });

  it('accepts a filter at the limits (depth 32, 1,000 IN items)', () => {
    expect(compile(`${'('.repeat(32)}name = 'a'${')'.repeat(32)}`, 'places').parameters).toEqual(['a']);
    const list = Array.from({ length: CQL2_LIMITS.maxInItems }, (_, k) => String(k)).join(',');
    expect(compile(`population IN (${list})`, 'communes').parameters).toHaveLength(CQL2_LIMITS.maxInItems);
  });
});

// [filter, layer, code, position, English message]
const BAD: [string, string, Cql2Error['code'], number, RegExp][] = [
  ['', 'places', 'empty', 0, /empty/],
  ["name = 'abc", 'places', 'unterminated-string', 7, /unterminated string/],
  ['"name = \'a\'', 'places', 'unterminated-string', 0, /unterminated quoted property/],
  ["name = = 'x'", 'places', 'unexpected-token', 7, /unexpected "="; expected a property or a value/],
  ["name = 'a' 'b'", 'places', 'unexpected-token', 11, /unexpected 'b'; expected AND, OR or the end/],
  ["name = 'a' AND", 'places', 'unexpected-token', 14, /ends too early/],
  ["(name = 'a'", 'places', 'unexpected-token', 11, /ends too early; expected "\)"/],
  ["name = 'a')", 'places', 'unexpected-token', 10, /unexpected "\)"/],
  ["name != 'a'", 'places', 'unexpected-character', 5, /written <>/],
  ["name = 'a'; DROP TABLE places", 'places', 'unexpected-character', 10, /unexpected character ";"/],
  ["name NOT = 'a'", 'places', 'unexpected-token', 9, /LIKE, BETWEEN or IN after NOT/],
  ['name', 'places', 'unexpected-token', 4, /expected an operator/],
  ["nom = 'Café'", 'places', 'unknown-property', 0, /unknown property "nom" for layer places\. Queryable properties: geometry, name, category/],
  ["Category = 'bakery'", 'places', 'unknown-property', 0, /Did you mean "category"\?/],
  ["status = 'draft'", 'projects', 'unknown-property', 0, /unknown property "status"/],
  ["population = '100'", 'communes', 'type-mismatch', 13, /"population" \(integer\) and '100' \(text\)/],
  ['name = 5', 'places', 'type-mismatch', 7, /"name" \(text\) and 5 \(number\)/],
  ["last_seen = '2019-01-01'", 'places', 'type-mismatch', 12, /DATE\('2019-11-12'\)/],
  ['population = name', 'communes', 'type-mismatch', 0, /"population" \(integer\) and "name" \(text\)/],
  ["name BETWEEN 'a' AND 'b'", 'places', 'type-mismatch', 0, /BETWEEN applies to numbers or dates/],
  ['population LIKE 1', 'communes', 'type-mismatch', 0, /LIKE applies to a text property/],
  ['name LIKE name', 'places', 'type-mismatch', 10, /LIKE pattern is a quoted text/],
  ["former_codes <> '99003'", 'communes', 'type-mismatch', 0, /a list is filtered only with =/],
  ["geometry = 'x'", 'places', 'type-mismatch', 0, /S_INTERSECTS\(geometry/],
  ["'a' IS NULL", 'places', 'type-mismatch', 0, /IS NULL applies to a property/],
  ['S_INTERSECTS(name, POINT(0 45))', 'places', 'type-mismatch', 13, /compares the layer's geometry/],
  ['S_INTERSECTS(geom, geom)', 'places', 'type-mismatch', 19, /geometry property on one side and a geometry literal/],
  ["DATE('2019-02-30') = last_seen", 'places', 'invalid-literal', 5, /invalid DATE '2019-02-30'/],
  ["imported_at > TIMESTAMP('2019-11-12 10:00')", 'places', 'invalid-literal', 24, /YYYY-MM-DDThh:mm:ssZ/],
  ['population > 1e999', 'communes', 'invalid-literal', 13, /out of range/],
  ['S_INTERSECTS(geom, POLYGON((0 45,1 45,1 46,0 46)))', 'places', 'invalid-wkt', 27, /ring must be closed/],
  ['S_INTERSECTS(geom, POLYGON((0 45,1 45,0 45)))', 'places', 'invalid-wkt', 27, /at least 4 positions/],
  ['S_INTERSECTS(geom, LINESTRING(0 45))', 'places', 'invalid-wkt', 29, /at least 2 positions/],
  ['S_INTERSECTS(geom, POINT(0 45 12))', 'places', 'invalid-wkt', 30, /only 2D/],
  ['S_INTERSECTS(geom, POINT(0, 45))', 'places', 'invalid-wkt', 26, /"," instead of a y coordinate/],
  ['S_INTERSECTS(geom, POINT(200 45))', 'places', 'invalid-wkt', 25, /longitude 200/],
  ['S_INTERSECTS(geom, POINT EMPTY)', 'places', 'invalid-wkt', 25, /EMPTY geometries are not supported/],
  ['S_INTERSECTS(geom, POLYGON((0 45,1 45,1 46,0 45)', 'places', 'invalid-wkt', 48, /the end of the filter instead of "," or "\)"/],
  ['S_INTERSECTS(geom, BBOX(0, 45, 1))', 'places', 'invalid-wkt', 19, /expects 4 numbers/],
  ['BBOX(geom, 1, 45, 0, 46)', 'places', 'invalid-wkt', 0, /inverted/],
  ['S_INTERSECTS(geom, GEOMETRYCOLLECTION(POINT(0 45)))', 'places', 'unsupported', 19, /GEOMETRYCOLLECTION/],
  ["T_AFTER(last_seen, DATE('2020-01-01'))", 'places', 'unsupported', 0, /unsupported function "T_AFTER"/],
  ["CASEI(name) = 'x'", 'places', 'unsupported', 0, /unsupported function "CASEI"/],
  [`${'('.repeat(33)}name = 'a'${')'.repeat(33)}`, 'places', 'too-deep', 32, /more than 32 levels/],
  [`${'NOT ('.repeat(33)}name = 'a'${')'.repeat(33)}`, 'places', 'too-deep', 80, /nesting too deep/],
  [`population IN (${Array.from({ length: 1001 }, () => '1').join(',')})`, 'communes', 'too-many-items', 2014, /more than 1000 values/],
  [`name = '${'x'.repeat(4000)}'`, 'places', 'too-long', 4000, /longer than 4000 characters \(4009\)/],
];

describe('bad CQL2 filters → Cql2Error with position, French and English', () => {
  for (const [text, layerId, code, position, en] of BAD) {
    it(`${title(text)}  (${layerId}) → ${code} at ${position}`, () => {
      const e = failure(text, layerId);
      expect({ code: e.code, position: e.position }).toEqual({ code, position });
      expect(e.en).toMatch(en);
      expect(e.en.startsWith(`CQL2 filter, position ${position}: `)).toBe(true);
      expect(e.fr.startsWith(`Filtre CQL2, position ${position} : `)).toBe(true);
      expect(e.fr).not.toBe(e.en);
    });
  }
});

describe('queryables', () => {
  it('describes a point layer with its geometry role and every registry property', () => {
    const doc = queryablesSchema(layer('places'), 'https://maillage.example/api/ogc/collections/places/queryables');
    expect(doc).toMatchObject({
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      $id: 'https://maillage.example/api/ogc/collections/places/queryables',
      type: 'object',
      title: 'Lieux du quotidien',
      additionalProperties: false,
    });
    expect(doc.properties.geometry).toEqual({ title: 'Géométrie', 'x-ogc-role': 'primary-geometry', format: 'geometry-point' });
    expect(doc.properties.last_seen).toEqual({ title: 'Vu pour la dernière fois', type: 'string', format: 'date' });
    expect(Object.keys(doc.properties)).toEqual(['geometry', ...layer('places').properties.map((p) => p.name)]);
  });

  it('maps integers, numbers, lists and other geometries, in English on request', () => {
    const doc = queryablesSchema(layer('communes'), 'https://x/queryables', 'en');
    expect(doc.title).toBe('Municipalities');
    expect(doc.properties).toMatchObject({
      geometry: { format: 'geometry-multipolygon' },
      population: { type: 'integer', title: 'Population' },
      area_m2: { type: 'number' },
      former_codes: { type: 'array', items: { type: 'string' } },
    });
    expect(queryablesSchema(layer('projects'), 'x').properties.geometry).toMatchObject({ format: 'geometry-any' });
    expect(queryablesSchema(layer('streets'), 'x').properties.geometry).toMatchObject({ format: 'geometry-multilinestring' });
  });

  it('lists exactly the properties a filter may name', () => {
    for (const id of ['places', 'communes', 'tiers_lieux', 'projects']) {
      const l = layer(id);
      for (const name of Object.keys(queryablesSchema(l, 'x').properties)) {
        expect(() => cql2ToExpression(`${name} IS NULL`, l)).not.toThrow();
      }
    }
  });
});
