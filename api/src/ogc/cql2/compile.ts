// Syntax tree + layer → a parameterised Kysely expression. Properties are resolved through the
// layer registry (name → column), so only declared queryables are reachable; every literal is a
// bound parameter, cast to the type of the property it meets so both database modes plan it alike.
import { type RawBuilder, sql } from 'kysely';
import type { LayerDefinition, PropertyType } from '../../layers/registry.ts';
import { Cql2Error } from './errors.ts';
import { toWkt } from './geometry.ts';
import { type ComparisonOperator, type Cql2Node, type Operand, parseCql2, type SpatialFunction } from './parser.ts';

/** The table alias features.repository.ts gives every layer. */
const ALIAS = 't';
/** Names under which a filter may reach the layer's geometry column (always `geom`). */
const GEOMETRY_NAMES = ['geometry', 'geom'];

type ValueType = 'string' | 'number' | 'boolean' | 'date' | 'string[]' | 'geometry';

/** An operand once resolved: a column of known type, or a literal still to be bound. */
type Typed =
  | { kind: 'column'; type: ValueType; declared: PropertyType | 'geometry'; name: string; sql: RawBuilder<unknown>; start: number }
  | { kind: 'literal'; type: ValueType; operand: Operand; start: number };

const TYPE_NAMES: Record<PropertyType | ValueType, { fr: string; en: string }> = {
  string: { fr: 'texte', en: 'text' },
  integer: { fr: 'entier', en: 'integer' },
  number: { fr: 'nombre', en: 'number' },
  boolean: { fr: 'booléen', en: 'boolean' },
  date: { fr: 'date', en: 'date' },
  'string[]': { fr: 'liste de textes', en: 'list of text' },
  geometry: { fr: 'géométrie', en: 'geometry' },
};

function describe(t: Typed): { fr: string; en: string } {
  const type = TYPE_NAMES[t.kind === 'column' ? t.declared : t.type];
  if (t.kind === 'column') return { fr: `« ${t.name} » (${type.fr})`, en: `"${t.name}" (${type.en})` };
  const o = t.operand;
  const shown = o.kind === 'string' ? `'${o.value.length > 30 ? `${o.value.slice(0, 30)}…` : o.value}'`
    : o.kind === 'date' ? `DATE('${o.value}')` : o.kind === 'timestamp' ? `TIMESTAMP('${o.value}')`
      : o.kind === 'geometry' ? o.value.type.toUpperCase() : String(o.kind === 'property' ? o.name : o.value);
  return { fr: `${shown} (${type.fr})`, en: `${shown} (${type.en})` };
}

class Compiler {
  private readonly layer: LayerDefinition;

  constructor(layer: LayerDefinition) {
    this.layer = layer;
  }

  private resolve(o: Operand): Typed {
    if (o.kind !== 'property') {
      const type: ValueType = o.kind === 'timestamp' ? 'date' : o.kind;
      return { kind: 'literal', type, operand: o, start: o.start };
    }
    const p = this.layer.properties.find((q) => q.name === o.name);
    if (p) {
      const type: ValueType = p.type === 'integer' ? 'number' : p.type;
      return { kind: 'column', type, declared: p.type, name: p.name, sql: sql.id(ALIAS, p.column ?? p.name), start: o.start };
    }
    if (GEOMETRY_NAMES.includes(o.name)) {
      return { kind: 'column', type: 'geometry', declared: 'geometry', name: o.name, sql: sql.id(ALIAS, 'geom'), start: o.start };
    }
    const names = ['geometry', ...this.layer.properties.map((q) => q.name)].join(', ');
    const near = this.layer.properties.find((q) => q.name.toLowerCase() === o.name.toLowerCase());
    const hint = near ? { fr: ` Vouliez-vous dire « ${near.name} » ?`, en: ` Did you mean "${near.name}"?` } : { fr: '', en: '' };
    throw new Cql2Error('unknown-property', o.start,
      `propriété inconnue « ${o.name} » pour la couche ${this.layer.id}.${hint.fr} Propriétés interrogeables : ${names}.`,
      `unknown property "${o.name}" for layer ${this.layer.id}.${hint.en} Queryable properties: ${names}.`);
  }

  /** SQL for an operand; a literal is bound and cast to the type of the column it meets. */
  private render(t: Typed, peer?: Typed): RawBuilder<unknown> {
    if (t.kind === 'column') return t.sql;
    const o = t.operand;
    const target = peer?.kind === 'column' ? peer.declared : undefined;
    switch (o.kind) {
      case 'string': return sql`${o.value}`;
      case 'boolean': return sql`${o.value}::boolean`;
      case 'date': return sql`${o.value}::date`;
      case 'timestamp': return sql`${o.value}::timestamptz`;
      case 'geometry': return sql`ST_GeomFromText(${toWkt(o.value)}, 4326)`;
      case 'number':
        // bigint keeps an integer column's index usable; a fraction against it needs numeric.
        if (target === 'integer') return Number.isSafeInteger(o.value) ? sql`${o.value}::bigint` : sql`${o.value}::numeric`;
        return sql`${o.value}::double precision`;
      case 'property': throw new Error('unreachable: properties are resolved to columns');
    }
  }

  private mismatch(a: Typed, b: Typed): Cql2Error {
    const [x, y] = [describe(a), describe(b)];
    const dateHint = (a.type === 'date' || b.type === 'date') && (a.type === 'string' || b.type === 'string')
      ? { fr: " Une date s’écrit DATE('2019-11-12').", en: " A date is written DATE('2019-11-12')." } : { fr: '', en: '' };
    const at = b.kind === 'literal' ? b : a;
    return new Cql2Error('type-mismatch', at.start, `types incompatibles : ${x.fr} et ${y.fr}.${dateHint.fr}`,
      `type mismatch: ${x.en} and ${y.en}.${dateHint.en}`);
  }

  private refuse(t: Typed, fr: string, en: string): Cql2Error {
    const d = describe(t);
    return new Cql2Error('type-mismatch', t.start, `${d.fr} : ${fr}`, `${d.en}: ${en}`);
  }

  private listRule(t: Typed): Cql2Error {
    return this.refuse(t, 'une liste ne se filtre qu’avec = (la contient), IN (contient l’une des valeurs) ou IS NULL.',
      'a list is filtered only with = (contains), IN (contains one of the values) or IS NULL.');
  }

  private geometryRule(t: Typed): Cql2Error {
    return this.refuse(t, 'une géométrie se filtre avec S_INTERSECTS(geometry, …) ou BBOX(geometry, …).',
      'a geometry is filtered with S_INTERSECTS(geometry, …) or BBOX(geometry, …).');
  }

  /** Checks that `b` may stand beside `a` (same type, and not a list or geometry). */
  private scalarPair(a: Typed, b: Typed): void {
    for (const t of [a, b]) {
      if (t.type === 'geometry') throw this.geometryRule(t);
      if (t.type === 'string[]') throw this.listRule(t);
    }
    if (a.type !== b.type) throw this.mismatch(a, b);
  }

  compile(node: Cql2Node): RawBuilder<boolean> {
    switch (node.kind) {
      case 'and': return sql<boolean>`(${sql.join(node.args.map((n) => this.compile(n)), sql` AND `)})`;
      case 'or': return sql<boolean>`(${sql.join(node.args.map((n) => this.compile(n)), sql` OR `)})`;
      case 'not': {
        const inner = this.compile(node.arg);
        // and/or/spatial already come in parentheses (or are a function call).
        return ['and', 'or', 'spatial', 'literal'].includes(node.arg.kind) ? sql<boolean>`NOT ${inner}` : sql<boolean>`NOT (${inner})`;
      }
      case 'literal': return sql<boolean>`${node.value}::boolean`;
      case 'compare': return this.compare(node.op, this.resolve(node.left), this.resolve(node.right));
      case 'like': return this.like(node.not, this.resolve(node.value), this.resolve(node.pattern));
      case 'between': return this.between(node.not, this.resolve(node.value), this.resolve(node.low), this.resolve(node.high));
      case 'in': return this.in(node.not, this.resolve(node.value), node.list.map((o) => this.resolve(o)));
      case 'is-null': {
        const t = this.resolve(node.value);
        if (t.kind !== 'column') throw this.refuse(t, 'IS NULL s’applique à une propriété.', 'IS NULL applies to a property.');
        return node.not ? sql<boolean>`${t.sql} IS NOT NULL` : sql<boolean>`${t.sql} IS NULL`;
      }
      case 'spatial': return this.spatial(node.fn, this.resolve(node.args[0]), this.resolve(node.args[1]));
    }
  }

  private compare(op: ComparisonOperator, a: Typed, b: Typed): RawBuilder<boolean> {
    // A list "equals" a value when it contains it, as `?typology=fablab` does.
    const list = a.type === 'string[]' ? a : b.type === 'string[]' ? b : undefined;
    if (list) {
      const value = list === a ? b : a;
      if (op !== '=' || value.type !== 'string' || value.kind !== 'literal') throw this.listRule(list);
      return sql<boolean>`${this.render(value, list)} = ANY(${this.render(list)})`;
    }
    this.scalarPair(a, b);
    if (a.type === 'boolean' && op !== '=' && op !== '<>') {
      throw this.refuse(a, 'un booléen se compare seulement avec = ou <>.', 'a boolean is compared only with = or <>.');
    }
    const [x, y] = [this.render(a, b), this.render(b, a)];
    return COMPARE[op](x, y);
  }

  private like(not: boolean, value: Typed, pattern: Typed): RawBuilder<boolean> {
    if (value.kind !== 'column' || value.declared !== 'string') {
      throw this.refuse(value, 'LIKE s’applique à une propriété de type texte.', 'LIKE applies to a text property.');
    }
    if (pattern.kind !== 'literal' || pattern.type !== 'string') {
      throw this.refuse(pattern, "le motif de LIKE est un texte entre apostrophes, par exemple 'Boul%'.",
        "the LIKE pattern is a quoted text, for example 'Boul%'.");
    }
    const p = this.render(pattern, value);
    return not ? sql<boolean>`${value.sql} NOT LIKE ${p}` : sql<boolean>`${value.sql} LIKE ${p}`;
  }

  private between(not: boolean, value: Typed, low: Typed, high: Typed): RawBuilder<boolean> {
    this.scalarPair(value, low);
    this.scalarPair(value, high);
    if (value.type !== 'number' && value.type !== 'date') {
      throw this.refuse(value, 'BETWEEN s’applique à des nombres ou des dates.', 'BETWEEN applies to numbers or dates.');
    }
    const [v, l, h] = [this.render(value, low.kind === 'column' ? low : high), this.render(low, value), this.render(high, value)];
    return not ? sql<boolean>`${v} NOT BETWEEN ${l} AND ${h}` : sql<boolean>`${v} BETWEEN ${l} AND ${h}`;
  }

  private in(not: boolean, value: Typed, list: Typed[]): RawBuilder<boolean> {
    if (value.type === 'string[]') {
      const bad = list.find((t) => t.kind !== 'literal' || t.type !== 'string');
      if (bad) throw this.mismatch(value, bad);
      const overlaps = sql<boolean>`${this.render(value)} && ARRAY[${sql.join(list.map((t) => this.render(t, value)))}]::text[]`;
      return not ? sql<boolean>`NOT (${overlaps})` : overlaps;
    }
    for (const t of list) this.scalarPair(value, t);
    const items = sql.join(list.map((t) => this.render(t, value)));
    const v = this.render(value, list.find((t) => t.kind === 'column'));
    return not ? sql<boolean>`${v} NOT IN (${items})` : sql<boolean>`${v} IN (${items})`;
  }

  private spatial(fn: SpatialFunction, a: Typed, b: Typed): RawBuilder<boolean> {
    for (const t of [a, b]) {
      if (t.type !== 'geometry') {
        throw this.refuse(t, `${fn} compare la géométrie de la couche (geometry) à une géométrie WKT ou BBOX(…).`,
          `${fn} compares the layer's geometry (geometry) with a WKT geometry or BBOX(…).`);
      }
    }
    if (a.kind === b.kind) {
      throw this.refuse(b, `${fn} attend la propriété geometry d’un côté et une géométrie littérale de l’autre.`,
        `${fn} expects the geometry property on one side and a geometry literal on the other.`);
    }
    const [x, y] = [this.render(a), this.render(b)];
    if (fn === 'S_DISJOINT') return sql<boolean>`ST_Disjoint(${x}, ${y})`;
    // `&&` (bounding boxes overlap) is what the GiST index answers; every predicate but
    // disjoint implies it, so the exact test runs only on the rows the index kept.
    return sql<boolean>`(${x} && ${y} AND ${SPATIAL[fn](x, y)})`;
  }
}

type Binary = (a: RawBuilder<unknown>, b: RawBuilder<unknown>) => RawBuilder<boolean>;

const COMPARE: Record<ComparisonOperator, Binary> = {
  '=': (a, b) => sql`${a} = ${b}`,
  '<>': (a, b) => sql`${a} <> ${b}`,
  '<': (a, b) => sql`${a} < ${b}`,
  '>': (a, b) => sql`${a} > ${b}`,
  '<=': (a, b) => sql`${a} <= ${b}`,
  '>=': (a, b) => sql`${a} >= ${b}`,
};

const SPATIAL: Record<Exclude<SpatialFunction, 'S_DISJOINT'>, Binary> = {
  S_INTERSECTS: (a, b) => sql`ST_Intersects(${a}, ${b})`,
  S_EQUALS: (a, b) => sql`ST_Equals(${a}, ${b})`,
  S_TOUCHES: (a, b) => sql`ST_Touches(${a}, ${b})`,
  S_WITHIN: (a, b) => sql`ST_Within(${a}, ${b})`,
  S_OVERLAPS: (a, b) => sql`ST_Overlaps(${a}, ${b})`,
  S_CROSSES: (a, b) => sql`ST_Crosses(${a}, ${b})`,
  S_CONTAINS: (a, b) => sql`ST_Contains(${a}, ${b})`,
};

/**
 * Compiles a CQL2 text filter (`filter-lang=cql2-text`) for one layer into a boolean SQL
 * expression over the table aliased `t`. Every literal is a bound parameter; properties are
 * resolved through the layer registry; geometry literals become `ST_GeomFromText($n, 4326)` from
 * WKT the parser wrote back. Throws a `Cql2Error` (position, `fr`, `en`) for any bad filter.
 *
 * @example
 * const places = findLayer('places')!;
 * const where = cql2ToExpression("category IN ('cafe_bar','bakery') AND name LIKE 'Bou%'", places);
 * // ("t"."category" IN ($1, $2) AND "t"."name" LIKE $3)   parameters: cafe_bar, bakery, Bou%
 * await sql`SELECT count(*) FROM places t WHERE ${where}`.execute(db);
 */
export function cql2ToExpression(text: string, layer: LayerDefinition): RawBuilder<boolean> {
  return new Compiler(layer).compile(parseCql2(text));
}
