// Hostile HTTP requests against a built app, generated with fast-check from the app's own
// OpenAPI document: every documented operation, with path and query parameters drawn from a mix
// of plausible values (real collection ids, commune codes, tile numbers, queryable names) and
// hostile ones (unicode, lone surrogates, huge and negative numbers, injection strings, broken
// percent-encoding, unknown parameters), and JSON bodies that are valid, mutated or broken.
//
// The property: the server never answers 5xx, and every error is RFC 9457 problem+json whose
// `status` is the HTTP status. Used by tests/fuzz (1,000 requests in CI) and bench/fuzz.ts
// (10,000 or more, with a table).
import fc from 'fast-check';
import type { FastifyInstance, InjectOptions } from 'fastify';

export interface Operation {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** OpenAPI path template under the server root, e.g. `/api/ogc/collections/{collectionId}/items`. */
  path: string;
  pathParams: string[];
  queryParams: string[];
  hasBody: boolean;
}

export interface FuzzRequest {
  operation: string;
  inject: InjectOptions;
}

export interface FuzzOutcome {
  request: FuzzRequest;
  status: number;
  /** Time to the whole response, in milliseconds (in-process, through app.inject). */
  ms: number;
  /** Why the response breaks the contract, or null when it keeps it. */
  violation: string | null;
}

/** Values that look right for the app under test: they let requests reach deep code paths. */
export interface Vocabulary {
  collections: string[];
  properties: string[];
  featureIds: string[];
  communeCodes: string[];
  /** A point inside the data (the centre of the communes' extent), to aim tiles and bboxes at. */
  centre: [number, number];
}

const METHODS = new Set(['get', 'post', 'put', 'patch', 'delete']);

/** The operations of the app's OpenAPI document (routes hidden from it are not fuzzed). */
export async function discoverOperations(app: FastifyInstance): Promise<Operation[]> {
  const doc = (await app.inject('/api/openapi.json')).json() as {
    paths: Record<string, Record<string, { parameters?: { in: string; name: string }[]; requestBody?: unknown }>>;
  };
  const operations: Operation[] = [];
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      if (!METHODS.has(method)) continue;
      const params = op.parameters ?? [];
      operations.push({
        method: method.toUpperCase() as Operation['method'],
        path,
        pathParams: params.filter((p) => p.in === 'path').map((p) => p.name),
        queryParams: params.filter((p) => p.in === 'query').map((p) => p.name),
        hasBody: op.requestBody !== undefined || method !== 'get',
      });
    }
  }
  return operations;
}

/** Collection ids, queryable names, some feature ids and commune codes, read through the API itself. */
export async function discoverVocabulary(app: FastifyInstance): Promise<Vocabulary> {
  const layers = ((await app.inject('/api/layers')).json() as { layers: { id: string }[] }).layers.map((l) => l.id);
  const properties = new Set<string>();
  const featureIds = new Set<string>();
  for (const id of layers) {
    const q = (await app.inject(`/api/ogc/collections/${id}/queryables`)).json() as { properties?: Record<string, unknown> };
    for (const name of Object.keys(q.properties ?? {})) properties.add(name);
    const items = (await app.inject(`/api/ogc/collections/${id}/items?limit=3`)).json() as { features?: { id: string | number }[] };
    for (const f of items.features ?? []) featureIds.add(String(f.id));
  }
  const communes = (await app.inject('/api/ogc/collections/communes/items?limit=5')).json() as { features?: { id: string }[] };
  const extent = (await app.inject('/api/ogc/collections/communes')).json() as { extent?: { spatial?: { bbox?: number[][] } } };
  const [w = 0, s = 45, e = 0, n = 45] = extent.extent?.spatial?.bbox?.[0] ?? [];
  return {
    centre: [(w + e) / 2, (s + n) / 2],
    collections: layers,
    properties: [...properties],
    featureIds: [...featureIds],
    communeCodes: (communes.features ?? []).map((f) => String(f.id)),
  };
}

// Strings that have broken servers before: injection, traversal, format strings, odd unicode.
const NASTY = [
  "' OR 1=1 --", "'; DROP TABLE communes; --", '") OR ("1"="1', '$1', '%s%s%n', '{{7*7}}', '${7*7}',
  '<script>alert(1)</script>', '../../etc/passwd', '..%2F..%2Fetc%2Fpasswd', '\u0000', 'null', 'undefined',
  'NaN', 'Infinity', '-Infinity', '1e309', '-1', '0', '9'.repeat(40), '0x7fffffff', '1.5', ' ', '',
  '\uD800', '\uDFFF', '\uFEFF', 'é', 'e\u0301', '🗺️', 'Ω'.repeat(300), 'a'.repeat(5000), '\r\nX-Injected: 1',
  '[]', '{}', 'true', 'POINT(0 0)', 'POLYGON((0 0,1 0,1 1,0 0))', 'ST_Intersects(geom, geom)',
];

// Raw (not percent-encoded) fragments: malformed escapes and encoded traversal.
const RAW = ['%', '%zz', '%E0%A4%A', '%00', '%2e%2e', '%C0%AE', '%FF%FE', '%uD800', '%252e'];

const hostileString = fc.oneof(
  fc.constantFrom(...NASTY),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
);

const hostileNumber = fc.oneof(
  fc.integer().map(String),
  fc.double({ noNaN: false }).map(String),
  fc.bigInt({ min: -(2n ** 80n), max: 2n ** 80n }).map(String),
  fc.constantFrom('-0', '1e-400', '00012', '+5', '5.', '.5', '1_000'),
);

function bboxArb(): fc.Arbitrary<string> {
  const coord = fc.oneof(fc.double({ min: -200, max: 200, noNaN: true }), fc.constantFrom(-180, 180, -90, 90, 0, -0.5, 0.5));
  return fc.oneof(
    fc.tuple(coord, coord, coord, coord).map((c) => c.join(',')),
    fc.array(coord, { minLength: 0, maxLength: 7 }).map((c) => c.join(',')),
    fc.constantFrom('-0.5,47.8,-0.4,47.9', '-180,-90,180,90', '1,2,3', 'a,b,c,d', '-0.5,47.8,-0.4,47.9,0,10'),
    hostileString,
  );
}

/** CQL2 text: valid expressions over real property names, then cut or mutated. */
function cql2Arb(properties: string[]): fc.Arbitrary<string> {
  const prop = fc.oneof(fc.constantFrom(...(properties.length ? properties : ['name'])), fc.constantFrom('password_hash', 'email', '"name"', 'geom'));
  const literal = fc.oneof(
    fc.integer({ min: -1000, max: 1_000_000 }).map(String),
    fc.string({ maxLength: 12 }).map((s) => `'${s.replaceAll("'", "''")}'`),
    fc.constantFrom("'Laval'", "'cafe_bar'", 'TRUE', 'NULL', "'%a%'", "'''", 'DATE(\'2024-01-01\')'),
  );
  const comparison = fc.tuple(prop, fc.constantFrom('=', '<>', '<', '<=', '>', '>=', 'LIKE', 'IN', 'BETWEEN', 'IS NULL', 'IS NOT NULL'), literal, literal).map(
    ([p, op, a, b]) =>
      op === 'IN' ? `${p} IN (${a}, ${b})` : op === 'BETWEEN' ? `${p} BETWEEN ${a} AND ${b}` : op.startsWith('IS') ? `${p} ${op}` : `${p} ${op} ${a}`,
  );
  const spatial = fc.constantFrom(
    'S_INTERSECTS(geom, POLYGON((-0.8 48, -0.7 48, -0.7 48.1, -0.8 48.1, -0.8 48)))',
    'S_INTERSECTS(geom, POINT(-0.77 48.07))',
    'S_INTERSECTS(geom, POLYGON((0 0, 1 1, 0 1, 1 0, 0 0)))',
    'S_INTERSECTS(geom, POLYGON((0 0, 1 0, 1 1)))',
    'S_INTERSECTS(geom, LINESTRING(999 999, -999 -999))',
  );
  const expr: fc.Arbitrary<string> = fc.letrec<{ e: string }>((tie) => ({
    e: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      comparison,
      spatial,
      fc.tuple(tie('e'), fc.constantFrom('AND', 'OR'), tie('e')).map(([a, op, b]) => `(${a}) ${op} (${b})`),
      tie('e').map((e) => `NOT (${e})`),
    ),
  })).e;
  return fc.oneof(
    expr,
    fc.tuple(expr, fc.nat()).map(([e, n]) => e.slice(0, n % (e.length + 1))),
    fc.tuple(expr, fc.nat(), hostileString).map(([e, n, s]) => {
      const at = n % (e.length + 1);
      return e.slice(0, at) + s + e.slice(at);
    }),
    fc.constant('('.repeat(500) + 'x = 1' + ')'.repeat(500)),
    fc.constant(Array.from({ length: 400 }, (_, i) => `name = '${i}'`).join(' OR ')),
    hostileString,
  );
}

/** A value for a named parameter: plausible most of the time, hostile otherwise. */
/** The x and y of the web-mercator tile holding a point at zoom z. */
function tileOf([lon, lat]: [number, number], z: number): { x: number; y: number } {
  const n = 2 ** z;
  const rad = (lat * Math.PI) / 180;
  return {
    x: Math.min(n - 1, Math.floor(((lon + 180) / 360) * n)),
    y: Math.min(n - 1, Math.floor(((1 - Math.log(Math.tan(rad) + 1 / Math.cos(rad)) / Math.PI) / 2) * n)),
  };
}

function paramArb(name: string, vocab: Vocabulary, hostile = true): fc.Arbitrary<string> {
  const plausible: Record<string, fc.Arbitrary<string>> = {
    collectionId: fc.constantFrom(...vocab.collections),
    collection: fc.constantFrom(...vocab.collections),
    featureId: fc.oneof(fc.constantFrom(...(vocab.featureIds.length ? vocab.featureIds : ['1'])), hostileNumber),
    code: fc.constantFrom(...(vocab.communeCodes.length ? vocab.communeCodes : ['53130']), '2A004', '97411', '00000', '5313'),
    z: fc.integer({ min: -1, max: 25 }).map(String),
    x: fc.integer({ min: -1, max: 70_000 }).map(String),
    y: fc.integer({ min: -1, max: 70_000 }).map(String),
    file: fc.tuple(fc.constantFrom(...vocab.collections, 'nope'), fc.constantFrom('geojson', 'csv', 'gpkg', 'json', 'exe', '')).map(([c, e]) => `${c}.${e}`),
    bbox: bboxArb(),
    limit: fc.oneof(fc.integer({ min: -5, max: 20_000 }).map(String), hostileNumber),
    offset: fc.oneof(fc.integer({ min: -5, max: 100_000 }).map(String), hostileNumber),
    filter: cql2Arb(vocab.properties),
    'filter-lang': fc.constantFrom('cql2-text', 'cql2-json', 'ecql', ''),
    f: fc.constantFrom('json', 'geojson', 'html', 'csv', 'xml'),
    q: fc.oneof(fc.constantFrom('chateau gontier', 'Laval', 'é', '%', '_', "l'huisserie"), hostileString),
    lang: fc.constantFrom('fr', 'en', 'de', ''),
    datetime: fc.constantFrom('2024-01-01T00:00:00Z', '../2024-12-31T00:00:00Z', '2024-01-01/..', '2024-13-45', '../..', 'now'),
  };
  // Values a well-behaved client sends, so that a non-hostile request usually succeeds.
  const [lon, lat] = vocab.centre;
  const valid: Record<string, fc.Arbitrary<string>> = {
    bbox: fc.double({ min: 0.001, max: 1, noNaN: true }).map((d) => [lon - d, lat - d, lon + d, lat + d].map((v) => v.toFixed(5)).join(',')),
    limit: fc.integer({ min: 1, max: 500 }).map(String),
    offset: fc.integer({ min: 0, max: 20 }).map(String),
    f: fc.constantFrom('json', 'geojson'),
    'filter-lang': fc.constant('cql2-text'),
    filter: fc.constantFrom('name IS NOT NULL', "name LIKE '%a%'", 'NOT (name IS NULL)',
      `S_INTERSECTS(geom, POLYGON((${lon - 1} ${lat - 1}, ${lon + 1} ${lat - 1}, ${lon + 1} ${lat + 1}, ${lon - 1} ${lat + 1}, ${lon - 1} ${lat - 1})))`),
    file: fc.tuple(fc.constantFrom(...vocab.collections), fc.constantFrom('geojson', 'csv', 'gpkg')).map(([c, e]) => `${c}.${e}`),
    q: fc.constantFrom('chateau gontier', 'Laval', 'alpha', 'test', 'caf'),
  };
  const good = plausible[name];
  if (!hostile) return valid[name] ?? good ?? fc.constantFrom(...(vocab.communeCodes.length ? vocab.communeCodes : ['1']), 'cafe_bar', 'Laval', '1');
  return good ? fc.oneof({ weight: 3, arbitrary: good }, { weight: 1, arbitrary: hostileString }) : fc.oneof(hostileString, hostileNumber);
}

/**
 * A path segment: encoded as a client would, or now and then left raw and malformed. A lone
 * surrogate (which encodeURIComponent refuses) goes out as its 3 bytes: invalid UTF-8.
 */
function segment(value: string, raw: string | null): string {
  if (raw !== null) return raw;
  return value.replace(/[\uD800-\uDFFF]/gu, (c) => {
    const u = c.charCodeAt(0);
    return `\u0000${[0xe0 | (u >> 12), 0x80 | ((u >> 6) & 0x3f), 0x80 | (u & 0x3f)].map((b) => `%${b.toString(16).toUpperCase()}`).join('')}`;
  }).split('\u0000').map((part, i) => (i === 0 ? encodeURIComponent(part) : part.slice(0, 9) + encodeURIComponent(part.slice(9)))).join('');
}

/** GeoJSON-ish and arbitrary JSON bodies, sometimes as broken text or with a wrong content type. */
function bodyArb(): fc.Arbitrary<Pick<InjectOptions, 'payload' | 'headers'>> {
  const position = fc.tuple(fc.double({ min: -200, max: 200, noNaN: true }), fc.double({ min: -100, max: 100, noNaN: true }));
  const ring = fc.array(position, { minLength: 0, maxLength: 6 }).map((r) => (r.length > 2 ? [...r, r[0]!] : r));
  const geometry = fc.oneof(
    position.map((c) => ({ type: 'Point', coordinates: c })),
    fc.array(position, { maxLength: 5 }).map((c) => ({ type: 'LineString', coordinates: c })),
    fc.array(ring, { maxLength: 3 }).map((c) => ({ type: 'Polygon', coordinates: c })),
    fc.record({ type: fc.constantFrom('Polygon', 'MultiPolygon', 'GeometryCollection', 'Feature', 'Nope'), coordinates: fc.anything() }),
  );
  const json = fc.oneof(
    geometry,
    geometry.map((g) => ({ type: 'Feature', geometry: g, properties: {} })),
    fc.record({ geometry, name: hostileString, category: fc.constantFrom('cafe_bar', 'grocery', 'nope'), comment: hostileString }, { requiredKeys: [] }),
    fc.anything({ maxDepth: 3 }),
    fc.json({ maxDepth: 3 }).map((s) => JSON.parse(s) as unknown),
  );
  return fc.oneof(
    { weight: 4, arbitrary: json.map((v) => ({ payload: JSON.stringify(v), headers: { 'content-type': 'application/json' } })) },
    { weight: 1, arbitrary: fc.tuple(json, fc.nat()).map(([v, n]) => {
      const text = JSON.stringify(v) ?? '';
      return { payload: text.slice(0, n % (text.length + 1)), headers: { 'content-type': 'application/json' } };
    }) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }).map((b) => ({ payload: Buffer.from(b), headers: { 'content-type': 'application/json; charset=latin1' } })) },
    { weight: 1, arbitrary: fc.tuple(hostileString, fc.constantFrom('text/plain', 'application/geo+json', 'multipart/form-data; boundary=x', 'text/csv')).map(([s, type]) => ({ payload: s, headers: { 'content-type': type } })) },
  );
}

/** One arbitrary request to one of the operations. */
export function requestArb(operations: Operation[], vocab: Vocabulary): fc.Arbitrary<FuzzRequest> {
  // Half the requests are hostile everywhere; the other half use plausible values only, so
  // that deep code paths (real tiles, real filters, real exports) are reached as well.
  return fc.tuple(fc.constantFrom(...operations), fc.boolean()).chain(([op, hostile]) => {
    const rawFreq = hostile ? 12 : 0;
    const pathValues = fc.tuple(...op.pathParams.map((name) => fc.tuple(paramArb(name, vocab, hostile), rawFreq ? fc.option(fc.constantFrom(...RAW), { freq: rawFreq }) : fc.constant(null))));
    const query = fc.record(
      Object.fromEntries([
        ...op.queryParams.map((name) => [name, fc.option(paramArb(name, vocab, hostile), { freq: hostile ? 2 : 3 })]),
        ['__property', hostile ? fc.option(fc.tuple(fc.constantFrom(...vocab.properties, 'unknown_field', 'email'), paramArb('value', vocab)), { freq: 3 }) : fc.constant(null)],
        ['__unknown', hostile ? fc.option(fc.tuple(hostileString, hostileString), { freq: 6 }) : fc.constant(null)],
      ]) as Record<string, fc.Arbitrary<unknown>>,
    );
    const body = op.hasBody ? fc.option(bodyArb(), { freq: 8 }) : fc.constant(null);
    // A real tile of the data most of the time when not hostile (z, x and y must agree).
    const tile = fc.integer({ min: 0, max: 16 }).map((z) => ({ z, ...tileOf(vocab.centre, z) }));
    return fc.tuple(pathValues, query, body, tile).map(([values, q, b, t]) => {
      let path = op.path;
      op.pathParams.forEach((name, i) => {
        const [value, raw] = values[i]!;
        const fromTile = !hostile && (name === 'z' || name === 'x' || name === 'y') ? String(t[name]) : null;
        path = path.replace(`{${name}}`, segment(fromTile ?? value, raw));
      });
      const params = new URLSearchParams();
      for (const [name, value] of Object.entries(q)) {
        if (value === null) continue;
        if (name === '__property' || name === '__unknown') {
          const [k, v] = value as [string, string];
          if (k) params.append(k, v);
        } else {
          params.append(name, value as string);
        }
      }
      const search = params.toString();
      const inject: InjectOptions = {
        method: op.method,
        url: search ? `${path}?${search}` : path,
        ...(b ?? {}),
      };
      return { operation: `${op.method} ${op.path}`, inject };
    });
  });
}

/** Sends one request and checks the contract: no 5xx, every error a problem+json with its status. */
export async function check(app: FastifyInstance, request: FuzzRequest): Promise<FuzzOutcome> {
  const started = performance.now();
  let response;
  try {
    response = await app.inject(request.inject);
  } catch (error) {
    return { request, status: 0, ms: performance.now() - started, violation: `the request could not be answered: ${String(error)}` };
  }
  const ms = performance.now() - started;
  const status = response.statusCode;
  return { request, status, ms, violation: contractViolation(status, String(response.headers['content-type'] ?? ''), response.body) };
}

function contractViolation(status: number, type: string, text: string): string | null {
  if (status >= 500) return `${status}: ${text.slice(0, 300)}`;
  if (status < 400) return null;
  if (!type.startsWith('application/problem+json')) return `${status} with content-type ${type || '(none)'}`;
  let body: { status?: unknown; title?: unknown; detail?: unknown };
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    return `${status} problem+json body is not JSON`;
  }
  if (body.status !== status) return `problem status ${String(body.status)} ≠ HTTP ${status}`;
  if (typeof body.title !== 'string' || typeof body.detail !== 'string') return 'problem without title or detail';
  return null;
}

/** Requests for every operation of this app, with its own vocabulary. */
export async function appRequests(app: FastifyInstance): Promise<fc.Arbitrary<FuzzRequest>> {
  return requestArb(await discoverOperations(app), await discoverVocabulary(app));
}

/** `runs` requests drawn from appRequests with a seed, to send without stopping at a failure. */
export async function sampleRequests(app: FastifyInstance, runs: number, seed: number): Promise<FuzzRequest[]> {
  return fc.sample(await appRequests(app), { numRuns: runs, seed });
}

/** A per-status tally, for the benchmark table and the test's own sanity checks. */
export function tally(outcomes: FuzzOutcome[]): Map<number, number> {
  const counts = new Map<number, number>();
  for (const o of outcomes) counts.set(o.status, (counts.get(o.status) ?? 0) + 1);
  return counts;
}

/**
 * Runs `runs` requests with fast-check (seeded, reproducible; on failure it shrinks to a
 * minimal request) and returns every outcome. Throws fast-check's report when the contract breaks.
 */
export async function fuzz(app: FastifyInstance, options: { runs: number; seed?: number }): Promise<FuzzOutcome[]> {
  const outcomes: FuzzOutcome[] = [];
  await fc.assert(
    fc.asyncProperty(await appRequests(app), async (request) => {
      const outcome = await check(app, request);
      outcomes.push(outcome);
      if (outcome.violation) throw new Error(`${request.inject.method} ${String(request.inject.url)} → ${outcome.violation}`);
    }),
    { numRuns: options.runs, ...(options.seed === undefined ? {} : { seed: options.seed }) },
  );
  return outcomes;
}
