// CQL2 text → syntax tree, by recursive descent over the tokens. It knows the grammar only; which
// properties exist and what types they have is the compiler's business (compile.ts).
//
//   filter      = or END
//   or          = and { OR and }
//   and         = factor { AND factor }
//   factor      = [ NOT ] primary
//   primary     = "(" or ")" | spatial | bboxPredicate | operand [ predicateTail ]
//   predicateTail = compareOp operand | [NOT] LIKE operand | [NOT] BETWEEN operand AND operand
//               | [NOT] IN "(" operand { "," operand } ")" | IS [NOT] NULL
//   spatial     = S_INTERSECTS | S_EQUALS | … "(" operand "," operand ")"
//   operand     = property | string | number | TRUE | FALSE | DATE(string) | TIMESTAMP(string)
//               | POINT(…) | LINESTRING(…) | POLYGON(…) | MULTI…(…) | BBOX(w,s,e,n) | ENVELOPE(w,s,e,n)
import { CQL2_LIMITS, Cql2Error } from './errors.ts';
import { bboxPolygon, type GeometryLiteral, type GeometryType, type Position, WKT_TYPES } from './geometry.ts';
import { type Token, tokenize } from './lexer.ts';

export type ComparisonOperator = '=' | '<>' | '<' | '>' | '<=' | '>=';

export type Operand = { start: number } & (
  | { kind: 'property'; name: string }
  | { kind: 'string'; value: string }
  | { kind: 'number'; value: number }
  | { kind: 'boolean'; value: boolean }
  | { kind: 'date'; value: string }
  | { kind: 'timestamp'; value: string }
  | { kind: 'geometry'; value: GeometryLiteral }
);

export type Cql2Node = { start: number } & (
  | { kind: 'and' | 'or'; args: Cql2Node[] }
  | { kind: 'not'; arg: Cql2Node }
  | { kind: 'compare'; op: ComparisonOperator; left: Operand; right: Operand }
  | { kind: 'like'; not: boolean; value: Operand; pattern: Operand }
  | { kind: 'between'; not: boolean; value: Operand; low: Operand; high: Operand }
  | { kind: 'in'; not: boolean; value: Operand; list: Operand[] }
  | { kind: 'is-null'; not: boolean; value: Operand }
  | { kind: 'spatial'; fn: SpatialFunction; args: [Operand, Operand] }
  | { kind: 'literal'; value: boolean }
);

export const SPATIAL_FUNCTIONS = ['S_INTERSECTS', 'S_EQUALS', 'S_DISJOINT', 'S_TOUCHES', 'S_WITHIN', 'S_OVERLAPS', 'S_CROSSES', 'S_CONTAINS'] as const;
export type SpatialFunction = (typeof SPATIAL_FUNCTIONS)[number];

const RESERVED = new Set(['AND', 'OR', 'NOT', 'LIKE', 'BETWEEN', 'IN', 'IS', 'NULL']);

function show(t: Token): { fr: string; en: string } {
  if (t.kind === 'end') return { fr: 'la fin du filtre', en: 'the end of the filter' };
  const raw = t.kind === 'string' ? `'${t.text}'` : t.kind === 'quoted-identifier' ? `"${t.text}"` : t.text;
  const cut = raw.length > 40 ? `${raw.slice(0, 40)}…` : raw;
  // A string shows its own quotes; anything else gets the language's.
  return t.kind === 'string' ? { fr: cut, en: cut } : { fr: `« ${cut} »`, en: `"${cut}"` };
}

class Parser {
  private i = 0;
  private depth = 0;
  private readonly tokens: Token[];

  constructor(tokens: Token[]) {
    this.tokens = tokens;
  }

  private peek(ahead = 0): Token {
    return this.tokens[Math.min(this.i + ahead, this.tokens.length - 1)]!;
  }

  private next(): Token {
    const t = this.peek();
    if (t.kind !== 'end') this.i++;
    return t;
  }

  private isKeyword(t: Token, keyword: string): boolean {
    return t.kind === 'identifier' && t.text.toUpperCase() === keyword;
  }

  private unexpected(t: Token, expected: { fr: string; en: string }): Cql2Error {
    if (t.kind === 'end') {
      return new Cql2Error('unexpected-token', t.start, `le filtre s’arrête trop tôt ; attendu : ${expected.fr}.`,
        `the filter ends too early; expected ${expected.en}.`);
    }
    const got = show(t);
    return new Cql2Error('unexpected-token', t.start, `${got.fr} inattendu ; attendu : ${expected.fr}.`, `unexpected ${got.en}; expected ${expected.en}.`);
  }

  private expect(kind: Token['kind'], expected: { fr: string; en: string }): Token {
    const t = this.peek();
    if (t.kind !== kind) throw this.unexpected(t, expected);
    return this.next();
  }

  private expectKeyword(keyword: string): Token {
    const t = this.peek();
    if (!this.isKeyword(t, keyword)) throw this.unexpected(t, { fr: keyword, en: keyword });
    return this.next();
  }

  /** Parentheses and NOT nest; each level costs stack and planner time, so there is a ceiling. */
  private nested<T>(at: Token, parse: () => T): T {
    if (++this.depth > CQL2_LIMITS.maxDepth) {
      throw new Cql2Error('too-deep', at.start, `imbrication trop profonde (plus de ${CQL2_LIMITS.maxDepth} niveaux de parenthèses ou de NOT).`,
        `nesting too deep (more than ${CQL2_LIMITS.maxDepth} levels of parentheses or NOT).`);
    }
    const result = parse();
    this.depth--;
    return result;
  }

  parseFilter(): Cql2Node {
    if (this.peek().kind === 'end') throw new Cql2Error('empty', 0, 'le filtre est vide.', 'the filter is empty.');
    const node = this.or();
    const t = this.peek();
    if (t.kind !== 'end') throw this.unexpected(t, { fr: 'AND, OR ou la fin du filtre', en: 'AND, OR or the end of the filter' });
    return node;
  }

  private or(): Cql2Node {
    return this.chain('or', () => this.and());
  }

  private and(): Cql2Node {
    return this.chain('and', () => this.factor());
  }

  /** `operand { keyword operand }`, flattened: a OR b OR c is one node with three arguments. */
  private chain(kind: 'and' | 'or', operand: () => Cql2Node): Cql2Node {
    const start = this.peek().start;
    const args = [operand()];
    while (this.isKeyword(this.peek(), kind.toUpperCase())) {
      this.next();
      args.push(operand());
    }
    return args.length === 1 ? args[0]! : { kind, args, start };
  }

  private factor(): Cql2Node {
    const t = this.peek();
    if (!this.isKeyword(t, 'NOT')) return this.primary();
    this.next();
    return this.nested(t, () => ({ kind: 'not', arg: this.primary(), start: t.start }));
  }

  private primary(): Cql2Node {
    const t = this.peek();
    if (t.kind === '(') {
      this.next();
      return this.nested(t, () => {
        const inner = this.or();
        this.expect(')', { fr: '« ) »', en: '")"' });
        return inner;
      });
    }
    const upper = t.kind === 'identifier' ? t.text.toUpperCase() : '';
    if (this.peek(1).kind === '(') {
      if ((SPATIAL_FUNCTIONS as readonly string[]).includes(upper)) return this.spatial(upper as SpatialFunction);
      // BBOX(geometry, w, s, e, n): the shorthand predicate (ECQL, and OGC API Features Part 1's bbox).
      const arg = this.peek(2);
      if (upper === 'BBOX' && (arg.kind === 'identifier' || arg.kind === 'quoted-identifier')) return this.bboxPredicate();
    }
    const left = this.operand();
    return this.predicateTail(left);
  }

  private spatial(fn: SpatialFunction): Cql2Node {
    const name = this.next();
    this.next(); // (
    const a = this.operand();
    this.expect(',', { fr: '« , »', en: '","' });
    const b = this.operand();
    this.expect(')', { fr: '« ) »', en: '")"' });
    return { kind: 'spatial', fn, args: [a, b], start: name.start };
  }

  private bboxPredicate(): Cql2Node {
    const name = this.next();
    this.next(); // (
    const property = this.operand();
    this.expect(',', { fr: '« , »', en: '","' });
    const at = this.peek().start;
    const box: Operand = { kind: 'geometry', value: this.bboxBody(name), start: at };
    return { kind: 'spatial', fn: 'S_INTERSECTS', args: [property, box], start: name.start };
  }

  private predicateTail(left: Operand): Cql2Node {
    const t = this.peek();
    const start = left.start;
    if (t.kind === 'operator') {
      this.next();
      return { kind: 'compare', op: t.text as ComparisonOperator, left, right: this.operand(), start };
    }
    const not = this.isKeyword(t, 'NOT');
    if (not) this.next();
    const k = this.peek();
    if (this.isKeyword(k, 'LIKE')) {
      this.next();
      return { kind: 'like', not, value: left, pattern: this.operand(), start };
    }
    if (this.isKeyword(k, 'BETWEEN')) {
      this.next();
      const low = this.operand();
      this.expectKeyword('AND');
      return { kind: 'between', not, value: left, low, high: this.operand(), start };
    }
    if (this.isKeyword(k, 'IN')) {
      this.next();
      this.expect('(', { fr: '« ( » après IN', en: '"(" after IN' });
      const list = [this.operand()];
      while (this.peek().kind === ',') {
        const comma = this.next();
        if (list.length >= CQL2_LIMITS.maxInItems) {
          throw new Cql2Error('too-many-items', comma.start, `liste IN trop longue (plus de ${CQL2_LIMITS.maxInItems} valeurs).`,
            `IN list too long (more than ${CQL2_LIMITS.maxInItems} values).`);
        }
        list.push(this.operand());
      }
      this.expect(')', { fr: '« , » ou « ) »', en: '"," or ")"' });
      return { kind: 'in', not, value: left, list, start };
    }
    if (not) throw this.unexpected(k, { fr: 'LIKE, BETWEEN ou IN après NOT', en: 'LIKE, BETWEEN or IN after NOT' });
    if (this.isKeyword(k, 'IS')) {
      this.next();
      const isNot = this.isKeyword(this.peek(), 'NOT');
      if (isNot) this.next();
      this.expectKeyword('NULL');
      return { kind: 'is-null', not: isNot, value: left, start };
    }
    if (left.kind === 'boolean') return { kind: 'literal', value: left.value, start };
    throw this.unexpected(k, { fr: 'un opérateur (=, <>, <, >, <=, >=, LIKE, BETWEEN, IN, IS NULL)', en: 'an operator (=, <>, <, >, <=, >=, LIKE, BETWEEN, IN, IS NULL)' });
  }

  private operand(): Operand {
    const t = this.peek();
    const start = t.start;
    switch (t.kind) {
      case 'string':
        this.next();
        return { kind: 'string', value: t.text, start };
      case 'number':
        this.next();
        return { kind: 'number', value: this.number(t), start };
      case 'quoted-identifier':
        this.next();
        return { kind: 'property', name: t.text, start };
      case 'identifier':
        return this.word(t);
      default:
        throw this.unexpected(t, { fr: 'une propriété ou une valeur', en: 'a property or a value' });
    }
  }

  private number(t: Token): number {
    const n = Number(t.text);
    if (!Number.isFinite(n)) {
      throw new Cql2Error('invalid-literal', t.start, `nombre hors limites ${show(t).fr}.`, `number out of range ${show(t).en}.`);
    }
    return n;
  }

  private word(t: Token): Operand {
    const upper = t.text.toUpperCase();
    const start = t.start;
    const call = this.peek(1).kind === '(';
    if (upper === 'TRUE' || upper === 'FALSE') {
      this.next();
      return { kind: 'boolean', value: upper === 'TRUE', start };
    }
    if (RESERVED.has(upper)) throw this.unexpected(t, { fr: 'une propriété ou une valeur', en: 'a property or a value' });
    if (upper === 'DATE' && call) return { kind: 'date', value: this.instant(/^\d{4}-\d{2}-\d{2}$/, 'AAAA-MM-JJ', 'YYYY-MM-DD'), start };
    if (upper === 'TIMESTAMP' && call) {
      return { kind: 'timestamp', value: this.instant(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z$/, 'AAAA-MM-JJThh:mm:ssZ', 'YYYY-MM-DDThh:mm:ssZ'), start };
    }
    if ((upper === 'BBOX' || upper === 'ENVELOPE') && call) {
      const name = this.next();
      this.next();
      return { kind: 'geometry', value: this.bboxBody(name), start };
    }
    const type = WKT_TYPES[upper];
    if (type) {
      const after = this.peek(1);
      if (call) {
        this.next();
        return { kind: 'geometry', value: this.geometry(type), start };
      }
      if (after.kind === 'identifier' && /^(EMPTY|Z|M|ZM)$/i.test(after.text)) {
        throw new Cql2Error('invalid-wkt', after.start, `géométrie ${after.text.toUpperCase()} non prise en charge : seules les géométries 2D non vides le sont.`,
          `${after.text.toUpperCase()} geometries are not supported: only non-empty 2D geometries are.`);
      }
    }
    if (upper === 'GEOMETRYCOLLECTION') {
      throw new Cql2Error('unsupported', start, 'GEOMETRYCOLLECTION n’est pas pris en charge ; utilisez une géométrie MULTI….',
        'GEOMETRYCOLLECTION is not supported; use a MULTI… geometry.');
    }
    if (call) {
      throw new Cql2Error('unsupported', start,
        `fonction non prise en charge ${show(t).fr}. Fonctions disponibles : ${SPATIAL_FUNCTIONS.join(', ')}, BBOX, DATE, TIMESTAMP.`,
        `unsupported function ${show(t).en}. Available: ${SPATIAL_FUNCTIONS.join(', ')}, BBOX, DATE, TIMESTAMP.`);
    }
    this.next();
    return { kind: 'property', name: t.text, start };
  }

  /** DATE('…') or TIMESTAMP('…'): the string must have the CQL2 form and be a real instant. */
  private instant(form: RegExp, fr: string, en: string): string {
    const name = this.next();
    this.next(); // (
    const s = this.expect('string', { fr: `une date entre apostrophes ('${fr}')`, en: `a quoted date ('${en}')` });
    this.expect(')', { fr: '« ) »', en: '")"' });
    const d = new Date(s.text.length === 10 ? `${s.text}T00:00:00Z` : s.text);
    // Date accepts 2019-02-30 by rolling over; comparing its own rendering back catches that.
    if (!form.test(s.text) || Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== s.text.slice(0, 10)) {
      throw new Cql2Error('invalid-literal', s.start, `${name.text.toUpperCase()} invalide ${show(s).fr} : forme attendue '${fr}'.`,
        `invalid ${name.text.toUpperCase()} ${show(s).en}: expected the form '${en}'.`);
    }
    return s.text;
  }

  // --- Geometry literals (WKT inside the filter) -------------------------------------------

  private coordinate(axis: 'x' | 'y'): number {
    const t = this.peek();
    if (t.kind !== 'number') {
      throw new Cql2Error('invalid-wkt', t.start, `WKT invalide : ${show(t).fr} au lieu d’une coordonnée ${axis}.`,
        `invalid WKT: ${show(t).en} instead of ${axis === 'x' ? 'an x' : 'a y'} coordinate.`);
    }
    this.next();
    const n = this.number(t);
    const limit = axis === 'x' ? 180 : 90;
    if (Math.abs(n) > limit) {
      throw new Cql2Error('invalid-wkt', t.start, `coordonnée hors des limites WGS 84 : ${axis === 'x' ? 'longitude' : 'latitude'} ${n} (±${limit}).`,
        `coordinate outside WGS 84 bounds: ${axis === 'x' ? 'longitude' : 'latitude'} ${n} (±${limit}).`);
    }
    return n;
  }

  private position(): Position {
    const p: Position = [this.coordinate('x'), this.coordinate('y')];
    const t = this.peek();
    if (t.kind === 'number') {
      throw new Cql2Error('invalid-wkt', t.start, 'seules les coordonnées 2D (longitude latitude) sont prises en charge.',
        'only 2D coordinates (longitude latitude) are supported.');
    }
    return p;
  }

  /** "(" item { "," item } ")" */
  private parenthesised<T>(item: () => T): { items: T[]; start: number } {
    const open = this.peek();
    if (open.kind !== '(') {
      throw new Cql2Error('invalid-wkt', open.start, `WKT invalide : ${show(open).fr} au lieu de « ( ».`, `invalid WKT: ${show(open).en} instead of "(".`);
    }
    this.next();
    const items = [item()];
    while (this.peek().kind === ',') {
      this.next();
      items.push(item());
    }
    const close = this.peek();
    if (close.kind !== ')') {
      throw new Cql2Error('invalid-wkt', close.start, `WKT invalide : ${show(close).fr} au lieu de « , » ou « ) ».`,
        `invalid WKT: ${show(close).en} instead of "," or ")".`);
    }
    this.next();
    return { items, start: open.start };
  }

  private point(): Position {
    const { items, start } = this.parenthesised(() => this.position());
    if (items.length !== 1) {
      throw new Cql2Error('invalid-wkt', start, `WKT invalide : un point a une seule position, il y en a ${items.length}.`,
        `invalid WKT: a point has exactly one position, there are ${items.length}.`);
    }
    return items[0]!;
  }

  private lineString(min: number): Position[] {
    const { items, start } = this.parenthesised(() => this.position());
    if (items.length < min) {
      throw new Cql2Error('invalid-wkt', start, `WKT invalide : il faut au moins ${min} positions ici, il y en a ${items.length}.`,
        `invalid WKT: at least ${min} positions are needed here, there are ${items.length}.`);
    }
    return items;
  }

  private ring(): Position[] {
    const start = this.peek().start;
    const ring = this.lineString(4);
    const [first, last] = [ring[0]!, ring[ring.length - 1]!];
    if (first[0] !== last[0] || first[1] !== last[1]) {
      throw new Cql2Error('invalid-wkt', start, 'WKT invalide : un anneau de polygone doit se refermer (dernière position = première).',
        'invalid WKT: a polygon ring must be closed (last position = first).');
    }
    return ring;
  }

  private polygon(): Position[][] {
    return this.parenthesised(() => this.ring()).items;
  }

  private geometry(type: GeometryType): GeometryLiteral {
    switch (type) {
      case 'Point': return { type, coordinates: this.point() };
      case 'LineString': return { type, coordinates: this.lineString(2) };
      case 'Polygon': return { type, coordinates: this.polygon() };
      // MULTIPOINT((0 1),(2 3)) and MULTIPOINT(0 1, 2 3) are both valid WKT.
      case 'MultiPoint': return { type, coordinates: this.parenthesised(() => (this.peek().kind === '(' ? this.point() : this.position())).items };
      case 'MultiLineString': return { type, coordinates: this.parenthesised(() => this.lineString(2)).items };
      case 'MultiPolygon': return { type, coordinates: this.parenthesised(() => this.polygon()).items };
    }
  }

  /** After `BBOX(` or `ENVELOPE(`: west, south, east, north (elevations, if given, are dropped). */
  private bboxBody(name: Token): GeometryLiteral {
    const numbers: Token[] = [];
    for (;;) {
      const t = this.peek();
      if (t.kind !== 'number') {
        throw new Cql2Error('invalid-wkt', t.start, `${name.text.toUpperCase()} attend des nombres : ${show(t).fr} trouvé.`,
          `${name.text.toUpperCase()} expects numbers: found ${show(t).en}.`);
      }
      numbers.push(this.next());
      if (this.peek().kind !== ',') break;
      this.next();
    }
    this.expect(')', { fr: '« , » ou « ) »', en: '"," or ")"' });
    if (numbers.length !== 4 && numbers.length !== 6) {
      throw new Cql2Error('invalid-wkt', name.start, `${name.text.toUpperCase()} attend 4 nombres (ouest, sud, est, nord) ou 6 avec les altitudes, il y en a ${numbers.length}.`,
        `${name.text.toUpperCase()} expects 4 numbers (west, south, east, north), or 6 with elevations; there are ${numbers.length}.`);
    }
    const corners = numbers.length === 4 ? numbers : [numbers[0]!, numbers[1]!, numbers[3]!, numbers[4]!];
    const [w, s, e, n] = corners.map((t, k) => {
      const v = this.number(t);
      const limit = k % 2 === 0 ? 180 : 90;
      if (Math.abs(v) > limit) {
        throw new Cql2Error('invalid-wkt', t.start, `${name.text.toUpperCase()} sort des limites WGS 84 (longitude ±180, latitude ±90).`,
          `${name.text.toUpperCase()} is outside WGS 84 bounds (longitude ±180, latitude ±90).`);
      }
      return v;
    }) as [number, number, number, number];
    if (s > n || w > e) {
      // West east of east would mean crossing the antimeridian, which no Maillage territory needs.
      throw new Cql2Error('invalid-wkt', name.start, `${name.text.toUpperCase()} inversée : ouest ≤ est et sud ≤ nord (le franchissement de l’antiméridien n’est pas pris en charge).`,
        `${name.text.toUpperCase()} is inverted: west ≤ east and south ≤ north (crossing the antimeridian is not supported).`);
    }
    return bboxPolygon(w, s, e, n);
  }
}

/**
 * Parses CQL2 text into a syntax tree, checking grammar, literals and geometry but not
 * properties (that needs a layer: see `cql2ToExpression`).
 *
 * @example
 * parseCql2("category = 'bakery'");
 * // { kind: 'compare', op: '=', left: { kind: 'property', name: 'category', start: 0 },
 * //   right: { kind: 'string', value: 'bakery', start: 11 }, start: 0 }
 */
export function parseCql2(text: string): Cql2Node {
  return new Parser(tokenize(text)).parseFilter();
}
