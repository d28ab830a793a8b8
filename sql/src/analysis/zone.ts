// Pilot zone (« zone pilote »): a drawn polygon, a set of communes, a buffer around a point or
// a line, or a scope (a planner's territory…) gives its indicators: communes touched with their
// area share, an area-weighted population estimate, places by category, active and vacant shops
// with the commercial vacancy rate, tiers-lieux, programmes, projects, and how far the nearest
// everyday facilities are. Areas and distances are on the WGS 84 spheroid (geography).
import { type Kysely, sql } from 'kysely';
import { asGeoJson } from '../spatial.ts';
import type { Database } from '../types.ts';
import { AnalysisInputError, inScope, type Scope } from './scope.ts';

/**
 * « Commerces actifs »: the places that occupy a shop front, i.e. every active place of the
 * daily-life family (café or bar, bakery, grocery, food shop, restaurant, fast food, pharmacy,
 * tobacco and press) and other shops. Hotels, community halls and cultural venues are not
 * shop premises. One OSM object listed in two categories (a bar-tabac) counts once.
 */
export const ACTIVE_SHOP_CATEGORIES = ['cafe_bar', 'bakery', 'grocery', 'food_shop', 'restaurant', 'fast_food', 'pharmacy', 'tobacco_press', 'other_shop'] as const;

/** The commercial vacancy rate above which French retail studies raise the alert. */
export const VACANCY_ALERT_RATE = 0.1;

export const VACANCY_DEFINITION = {
  fr: 'Taux de vacance commerciale = locaux vacants ÷ (locaux vacants + commerces actifs). Commerces actifs : cafés-bars, boulangeries, épiceries, commerces alimentaires, restaurants, restauration rapide, pharmacies, tabacs-presse et autres commerces. Seuil d’alerte : 10 %.',
  en: 'Commercial vacancy rate = vacant premises ÷ (vacant premises + active shops). Active shops: cafés and bars, bakeries, groceries, food shops, restaurants, fast food, pharmacies, tobacco and press, other shops. Alert threshold: 10 %.',
} as const;

/** Bounds on what a posted zone may be: beyond them the answer would be slow and meaningless for a pilot. */
export const ZONE_LIMITS = { maxAreaKm2: 5_000, maxVertices: 10_000, maxBufferM: 20_000, maxCommunes: 500 } as const;

/** SQL condition: place `p` is an active shop. */
export const isActiveShop = (p = 'p') => sql<boolean>`${sql.ref(`${p}.status`)} = 'active' AND ${sql.ref(`${p}.category`)} = ANY(${sql.lit(`{${ACTIVE_SHOP_CATEGORIES.join(',')}}`)}::text[])`;
/** SQL expression: the object behind place `p`, so that a bar-tabac (two categories, one OSM object) counts once. */
export const placeObject = (p = 'p') => sql<string>`coalesce('osm:' || ${sql.ref(`${p}.osm_id`)}::text, 'id:' || ${sql.ref(`${p}.id`)}::text)`;

type Position = number[];
interface GeoJsonGeometry { type: string; coordinates: unknown }

export type ZoneRequest =
  | { kind: 'drawn'; geometry: GeoJsonGeometry }
  | { kind: 'buffer'; geometry: GeoJsonGeometry; buffer_m: number }
  | { kind: 'communes'; communes: string[] }
  | { kind: 'scope'; scope: Scope }
  | { kind: 'saved'; id: string };

function bad(fr: string, en: string): never {
  throw new AnalysisInputError(fr, en);
}

function checkPosition(p: unknown, where: string): number {
  if (!Array.isArray(p) || p.length < 2 || p.length > 3 || !p.every((n) => typeof n === 'number' && Number.isFinite(n))) {
    bad(`${where} : une position s’écrit [longitude, latitude] en nombres.`, `${where}: a position is [longitude, latitude] as numbers.`);
  }
  const [lon, lat] = p as [number, number];
  if (Math.abs(lon) > 180 || Math.abs(lat) > 90) {
    bad(`${where} : la position [${lon}, ${lat}] n’est pas en degrés WGS 84 ; la géométrie semble projetée (Lambert-93 ?). Envoyez du GeoJSON en longitude/latitude (EPSG:4326).`,
      `${where}: position [${lon}, ${lat}] is not WGS 84 degrees; the geometry looks projected (Lambert-93?). Send GeoJSON in longitude/latitude (EPSG:4326).`);
  }
  return 1;
}

function checkLine(line: unknown, min: number, ring: boolean, where: string): number {
  if (!Array.isArray(line) || line.length < min) {
    bad(ring ? `${where} : un anneau de polygone compte au moins 4 positions (la première répétée à la fin).` : `${where} : une ligne compte au moins 2 positions.`,
      ring ? `${where}: a polygon ring has at least 4 positions (the first repeated at the end).` : `${where}: a line has at least 2 positions.`);
  }
  const positions = line as Position[];
  for (const p of positions) checkPosition(p, where);
  if (ring) {
    const a = positions[0]!;
    const b = positions[positions.length - 1]!;
    if (a[0] !== b[0] || a[1] !== b[1]) {
      bad(`${where} : l’anneau n’est pas fermé ; répétez la première position à la fin.`, `${where}: the ring is not closed; repeat the first position at the end.`);
    }
  }
  return positions.length;
}

function checkParts(parts: unknown, where: string, each: (part: unknown) => number): number {
  if (!Array.isArray(parts) || parts.length === 0) bad(`${where} : la géométrie est vide.`, `${where}: the geometry is empty.`);
  return (parts as unknown[]).reduce<number>((n, part) => n + each(part), 0);
}

const POLYGONS = ['Polygon', 'MultiPolygon'];
const BUFFERABLE = ['Point', 'MultiPoint', 'LineString', 'MultiLineString'];

/** Structure, WGS 84 range and vertex count of a GeoJSON geometry; returns its vertex count. */
function checkGeometry(g: unknown, allowed: readonly string[]): number {
  if (g === null || typeof g !== 'object' || Array.isArray(g)) bad('La zone doit être une géométrie GeoJSON (objet avec type et coordinates).', 'The zone must be a GeoJSON geometry (an object with type and coordinates).');
  const { type, coordinates, crs } = g as { type?: unknown; coordinates?: unknown; crs?: unknown };
  if (crs !== undefined) {
    const name = (crs as { properties?: { name?: unknown } } | null)?.properties?.name;
    if (typeof name !== 'string' || !/(CRS84|EPSG:+4326)$/i.test(name)) {
      bad(`Système de coordonnées ${JSON.stringify(name ?? crs)} refusé : le GeoJSON est en WGS 84 longitude/latitude (RFC 7946) ; reprojetez en EPSG:4326 et retirez « crs ».`,
        `Coordinate system ${JSON.stringify(name ?? crs)} refused: GeoJSON is WGS 84 longitude/latitude (RFC 7946); reproject to EPSG:4326 and drop "crs".`);
    }
  }
  if (typeof type !== 'string' || !allowed.includes(type)) {
    bad(`Type de géométrie ${JSON.stringify(type)} refusé ici : attendu ${allowed.join(' ou ')}.`, `Geometry type ${JSON.stringify(type)} is not accepted here: expected ${allowed.join(' or ')}.`);
  }
  const where = type as string;
  const polygon = (rings: unknown) => checkParts(rings, where, (r) => checkLine(r, 4, true, where));
  let n: number;
  switch (type) {
    case 'Point': n = checkPosition(coordinates, where); break;
    case 'MultiPoint': n = checkParts(coordinates, where, (p) => checkPosition(p, where)); break;
    case 'LineString': n = checkLine(coordinates, 2, false, where); break;
    case 'MultiLineString': n = checkParts(coordinates, where, (l) => checkLine(l, 2, false, where)); break;
    case 'Polygon': n = polygon(coordinates); break;
    default: n = checkParts(coordinates, where, polygon);
  }
  if (n > ZONE_LIMITS.maxVertices) {
    bad(`La géométrie compte ${n} sommets, au-delà de ${ZONE_LIMITS.maxVertices} : simplifiez-la (p. ex. mapshaper -simplify, ou ST_Simplify).`,
      `The geometry has ${n} vertices, more than ${ZONE_LIMITS.maxVertices}: simplify it (e.g. mapshaper -simplify, or ST_Simplify).`);
  }
  return n;
}

/**
 * Reads the body of a zone request: a GeoJSON Polygon or MultiPolygon (bare, or as a Feature);
 * a Point or a line with `buffer_m` (beside the geometry, or in the Feature's properties);
 * `{ "communes": ["53130", …] }`; or `{ "scope": <Scope> }` (parsed by the caller). Throws
 * AnalysisInputError saying what to fix.
 *
 * @example
 * parseZoneRequest({ type: 'Point', coordinates: [-0.77, 48.07], buffer_m: 500 }); // { kind: 'buffer', … }
 * parseZoneRequest({ communes: ['53130'] }); // { kind: 'communes', communes: ['53130'] }
 */
export function parseZoneRequest(body: unknown): Extract<ZoneRequest, { kind: 'drawn' | 'buffer' | 'communes' }> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    bad('Le corps doit être un objet JSON : une géométrie GeoJSON, une Feature, { "communes": [...] } ou { "scope": "territory:12" }.',
      'The body must be a JSON object: a GeoJSON geometry, a Feature, { "communes": [...] } or { "scope": "territory:12" }.');
  }
  const b = body as Record<string, unknown>;
  if ('communes' in b) {
    const list = b.communes;
    if (!Array.isArray(list) || list.length === 0 || !list.every((c) => typeof c === 'string' && /^[0-9][0-9AB][0-9]{3}$/.test(c))) {
      bad('« communes » doit être une liste non vide de codes INSEE à 5 caractères, p. ex. ["53130", "53062"].',
        '"communes" must be a non-empty list of 5-character INSEE codes, e.g. ["53130", "53062"].');
    }
    if (list.length > ZONE_LIMITS.maxCommunes) {
      bad(`Au plus ${ZONE_LIMITS.maxCommunes} communes par zone (${list.length} reçues).`, `At most ${ZONE_LIMITS.maxCommunes} municipalities per zone (${list.length} given).`);
    }
    return { kind: 'communes', communes: [...new Set(list as string[])] };
  }
  let geometry: unknown = b;
  let bufferM: unknown = b.buffer_m;
  if (b.type === 'Feature') {
    geometry = b.geometry;
    bufferM ??= (b.properties as Record<string, unknown> | null | undefined)?.buffer_m;
  } else if (b.type === undefined && 'geometry' in b) {
    geometry = b.geometry;
  } else if (b.type === 'FeatureCollection') {
    bad('Envoyez une seule géométrie ou une seule Feature, pas une FeatureCollection (fusionnez les polygones en un MultiPolygon).',
      'Send one geometry or one Feature, not a FeatureCollection (merge the polygons into a MultiPolygon).');
  }
  const type = (geometry as { type?: unknown } | null)?.type;
  if (typeof type === 'string' && BUFFERABLE.includes(type)) {
    if (typeof bufferM !== 'number' || !Number.isFinite(bufferM) || bufferM <= 0 || bufferM > ZONE_LIMITS.maxBufferM) {
      bad(`Un point ou une ligne devient une zone par un tampon : donnez « buffer_m », un nombre de mètres entre 1 et ${ZONE_LIMITS.maxBufferM} (p. ex. 300).`,
        `A point or a line becomes a zone through a buffer: give "buffer_m", a number of metres between 1 and ${ZONE_LIMITS.maxBufferM} (e.g. 300).`);
    }
    checkGeometry(geometry, BUFFERABLE);
    return { kind: 'buffer', geometry: geometry as GeoJsonGeometry, buffer_m: bufferM as number };
  }
  checkGeometry(geometry, [...POLYGONS, ...BUFFERABLE]);
  return { kind: 'drawn', geometry: geometry as GeoJsonGeometry };
}

/** A zone ready for analysis: its geometry (EWKB, hex) and what it was made from. */
export interface Zone {
  kind: ZoneRequest['kind'];
  /** The request that made it (a drawn geometry is not repeated here). */
  params: Record<string, unknown>;
  ewkb: string;
  area_m2: number;
  vertices: number;
  bbox: [number, number, number, number];
}

const zoneGeom = (zone: Pick<Zone, 'ewkb'>) => sql`ST_GeomFromEWKB(decode(${zone.ewkb}, 'hex'))`;

/**
 * Makes the zone's geometry in the database and checks it: valid (no self-intersection), not
 * empty, at most `maxAreaKm2` (ZONE_LIMITS.maxAreaKm2 by default; a planner's territory may be
 * larger). A posted polygon is never repaired silently: the answer says where it crosses itself.
 * A scope or a saved zone is not bounded in area (it was checked when it was saved); the caller
 * checks that they exist.
 */
export async function buildZone(db: Kysely<Database>, request: ZoneRequest, options: { maxAreaKm2?: number } = {}): Promise<Zone> {
  const maxAreaKm2 = options.maxAreaKm2 ?? ZONE_LIMITS.maxAreaKm2;
  let geom;
  let params: Record<string, unknown>;
  switch (request.kind) {
    case 'drawn': {
      const g = sql`ST_SetSRID(ST_GeomFromGeoJSON(${JSON.stringify(request.geometry)}), 4326)`;
      const check = await sql<{ valid: boolean; reason: string }>`SELECT ST_IsValid(g) AS valid, ST_IsValidReason(g) AS reason FROM (SELECT ${g} AS g) x`.execute(db);
      const { valid, reason } = check.rows[0]!;
      if (!valid) {
        const at = /\[([-0-9.e]+) ([-0-9.e]+)\]/.exec(reason);
        const where = at ? ` près de [${Number(at[1]).toFixed(6)}, ${Number(at[2]).toFixed(6)}]` : '';
        const whereEn = at ? ` near [${Number(at[1]).toFixed(6)}, ${Number(at[2]).toFixed(6)}]` : '';
        bad(`Polygone invalide (${reason})${where} : redessinez-le sans que ses bords se croisent ni se touchent.`,
          `Invalid polygon (${reason})${whereEn}: redraw it so that its edges neither cross nor touch.`);
      }
      geom = sql`ST_Multi(${g})`;
      params = {};
      break;
    }
    case 'buffer':
      // Buffering the geography works in metres wherever the zone is (a local projection chosen by PostGIS).
      geom = sql`ST_Multi(ST_Buffer(ST_SetSRID(ST_GeomFromGeoJSON(${JSON.stringify(request.geometry)}), 4326)::geography, ${request.buffer_m})::geometry)`;
      params = { buffer_m: request.buffer_m, centre: request.geometry };
      break;
    case 'communes': {
      const known = await db.selectFrom('communes').select('code').where('code', 'in', request.communes).where('geom', 'is not', null).execute();
      const missing = request.communes.filter((c) => !known.some((k) => k.code === c));
      if (missing.length) {
        bad(`Commune(s) inconnue(s) ou sans contour : ${missing.join(', ')}. Vérifiez les codes INSEE (2026).`,
          `Unknown municipality code(s), or without an outline: ${missing.join(', ')}. Check the INSEE codes (2026).`);
      }
      geom = sql`(SELECT ST_Multi(ST_Union(c.geom)) FROM communes c WHERE c.code = ANY(${request.communes}::text[]))`;
      params = { communes: request.communes };
      break;
    }
    case 'saved':
      geom = sql`(SELECT z.geom FROM zones z WHERE z.id = ${request.id}::bigint)`;
      params = { zone: request.id };
      break;
    case 'scope':
      geom = request.scope.kind === 'territory'
        ? sql`(SELECT t.geom FROM territories t WHERE t.id = ${request.scope.id}::bigint)`
        : sql`(SELECT ST_Multi(ST_Union(c.geom)) FROM communes c WHERE ${inScope(request.scope)})`;
      params = { scope: request.scope };
      break;
  }
  const r = await sql<{ ewkb: string | null; area_m2: number; vertices: number; kind: string | null; minx: number; miny: number; maxx: number; maxy: number }>`
    SELECT encode(ST_AsEWKB(g), 'hex') AS ewkb, ST_Area(g::geography) AS area_m2, ST_NPoints(g) AS vertices, GeometryType(g) AS kind,
           ST_XMin(g) AS minx, ST_YMin(g) AS miny, ST_XMax(g) AS maxx, ST_YMax(g) AS maxy
    FROM (SELECT ST_Multi(ST_CollectionExtract(${geom}, 3)) AS g) x`.execute(db);
  const z = r.rows[0];
  if (!z?.ewkb || !(z.area_m2 > 0)) {
    bad('La zone n’a pas de surface : dessinez un polygone, ou donnez un tampon à un point ou une ligne.',
      'The zone has no area: draw a polygon, or give a point or a line a buffer.');
  }
  if (request.kind !== 'scope' && request.kind !== 'saved' && z!.area_m2 / 1e6 > maxAreaKm2) {
    bad(`La zone couvre ${Math.round(z!.area_m2 / 1e6).toLocaleString('fr-FR')} km², au-delà de ${maxAreaKm2.toLocaleString('fr-FR')} km² : une zone pilote est plus petite ; pour un grand territoire, enregistrez-le et utilisez scope=territory:<id>.`,
      `The zone covers ${Math.round(z!.area_m2 / 1e6)} km², more than ${maxAreaKm2} km²: a pilot zone is smaller; for a large territory, save it and use scope=territory:<id>.`);
  }
  return { kind: request.kind, params, ewkb: z!.ewkb!, area_m2: z!.area_m2, vertices: z!.vertices, bbox: [z!.minx, z!.miny, z!.maxx, z!.maxy] };
}

export interface ZoneCommune {
  code: string;
  name: string;
  population: number | null;
  /** Area of the commune inside the zone, m². */
  area_in_zone_m2: number;
  /** Share of the commune's area inside the zone (0–1). */
  commune_share: number;
  /** Share of the zone's area in this commune (0–1). */
  zone_share: number;
  /** population × commune_share. */
  population_estimate: number | null;
}

export interface ZoneNearest {
  kind: string;
  label: { fr: string; en: string };
  /** How many lie inside the zone. */
  inside: number;
  /** 0 when one lies inside, else the distance from the zone's edge to the nearest, in metres; null when there is none. */
  metres: number | null;
  id: string | null;
  name: string | null;
  lon: number | null;
  lat: number | null;
}

export interface ZoneIndicators {
  area_m2: number;
  communes: ZoneCommune[];
  population_estimate: number;
  places: { category: string; family: string; label: { fr: string; en: string }; color: string; count: number }[];
  active_shops: number;
  vacant_shops: { vacant: number; reoccupied: number; in_project: number };
  vacancy: { rate: number | null; alert_threshold: number; alert: boolean; definition: { fr: string; en: string } };
  tiers_lieux: { count: number; items: { id: string; name: string; commune_code: string | null; state: string | null }[] };
  programmes: { count: number; items: { id: string; programme: string; name: string; commune_code: string | null }[] };
  projects: { count: number; items: { id: string; title: string; stage: string }[] };
  nearest: ZoneNearest[];
  /** Keys of the `sources` rows the figures come from. */
  sources: string[];
}

/** A commune sharing less than this with the zone is a sliver of simplified outlines, not a commune touched. */
const SLIVER_SHARE = 0.001;
const LIST_MAX = 100;

/** The facilities whose nearest distance a zone reports. */
export const ZONE_NEAREST = [
  { kind: 'cafe_bar', label: { fr: 'Café, bar', en: 'Café, bar' }, table: 'places', where: sql`f.category = 'cafe_bar' AND f.status = 'active'` },
  { kind: 'grocery', label: { fr: 'Épicerie, supérette', en: 'Grocery' }, table: 'places', where: sql`f.category = 'grocery' AND f.status = 'active'` },
  { kind: 'bakery', label: { fr: 'Boulangerie', en: 'Bakery' }, table: 'places', where: sql`f.category = 'bakery' AND f.status = 'active'` },
  { kind: 'pharmacy', label: { fr: 'Pharmacie', en: 'Pharmacy' }, table: 'places', where: sql`f.category = 'pharmacy' AND f.status = 'active'` },
  { kind: 'tiers_lieux', label: { fr: 'Tiers-lieu', en: 'Third place' }, table: 'tiers_lieux', where: sql`TRUE` },
  { kind: 'france_services', label: { fr: 'France services', en: 'France services' }, table: 'programmes', where: sql`f.programme = 'france_services'` },
] as const;

/**
 * The indicators of a zone. Points on the zone's edge count as inside (ST_Intersects).
 *
 * @example
 * const zone = await buildZone(db, parseZoneRequest({ communes: ['53130'] }));
 * const z = await zoneIndicators(db, zone);
 * z.vacancy.rate; // vacant ÷ (vacant + active shops) in Laval
 */
export async function zoneIndicators(db: Kysely<Database>, zone: Pick<Zone, 'ewkb' | 'area_m2'>): Promise<ZoneIndicators> {
  const z = zoneGeom(zone);
  const communes = await sql<ZoneCommune>`
    WITH z AS MATERIALIZED (SELECT ${z} AS g)
    SELECT code, name, population, area_in_zone_m2, commune_share, area_in_zone_m2 / ${zone.area_m2}::float8 AS zone_share,
           population * commune_share AS population_estimate
    FROM (
      SELECT c.code, c.name, c.population,
             ST_Area(ST_Intersection(c.geom, z.g)::geography) AS area_in_zone_m2,
             ST_Area(ST_Intersection(c.geom, z.g)::geography) / nullif(ST_Area(c.geom::geography), 0) AS commune_share
      FROM communes c, z WHERE ST_Intersects(c.geom, z.g)
    ) x WHERE commune_share >= ${SLIVER_SHARE}
    ORDER BY area_in_zone_m2 DESC, code`.execute(db);
  const counts = await sql<{ active: number; vacant: number; reoccupied: number; in_project: number; tiers_lieux: number; programmes: number; projects: number; sources: string[] }>`
    WITH z AS MATERIALIZED (SELECT ${z} AS g)
    SELECT (SELECT count(DISTINCT ${placeObject()})::int FROM places p, z WHERE ${isActiveShop()} AND ST_Intersects(p.geom, z.g)) AS active,
           (SELECT count(*) FILTER (WHERE v.status = 'vacant')::int FROM vacant_shops v, z WHERE ST_Intersects(v.geom, z.g)) AS vacant,
           (SELECT count(*) FILTER (WHERE v.status = 'reoccupied')::int FROM vacant_shops v, z WHERE ST_Intersects(v.geom, z.g)) AS reoccupied,
           (SELECT count(*) FILTER (WHERE v.status = 'in_project')::int FROM vacant_shops v, z WHERE ST_Intersects(v.geom, z.g)) AS in_project,
           (SELECT count(*)::int FROM tiers_lieux t, z WHERE ST_Intersects(t.geom, z.g)) AS tiers_lieux,
           (SELECT count(*)::int FROM programmes g, z WHERE ST_Intersects(g.geom, z.g)) AS programmes,
           (SELECT count(*)::int FROM projects j, z WHERE j.status = 'published' AND ST_Intersects(j.geom, z.g)) AS projects,
           ARRAY(SELECT DISTINCT s FROM (
             SELECT p.source AS s FROM places p, z WHERE ST_Intersects(p.geom, z.g)
             UNION SELECT v.source FROM vacant_shops v, z WHERE ST_Intersects(v.geom, z.g)
             UNION SELECT t.source FROM tiers_lieux t, z WHERE ST_Intersects(t.geom, z.g)
             UNION SELECT g.source FROM programmes g, z WHERE ST_Intersects(g.geom, z.g)
             UNION SELECT c.source FROM communes c, z WHERE ST_Intersects(c.geom, z.g)) u ORDER BY s) AS sources`.execute(db);
  const places = await sql<{ category: string; family: string; label_fr: string; label_en: string; color: string; count: number }>`
    WITH z AS MATERIALIZED (SELECT ${z} AS g)
    SELECT pc.code AS category, pc.family, pc.label_fr, pc.label_en, pc.color, count(p.id)::int AS count
    FROM place_categories pc
    LEFT JOIN (SELECT p.id, p.category FROM places p, z WHERE p.status = 'active' AND ST_Intersects(p.geom, z.g)) p ON p.category = pc.code
    GROUP BY pc.code ORDER BY pc.sort, pc.code`.execute(db);
  const tiersLieux = await sql<{ id: string; name: string; commune_code: string | null; state: string | null }>`
    SELECT t.id::text AS id, t.name, t.commune_code, t.state FROM tiers_lieux t WHERE ST_Intersects(t.geom, ${z})
    ORDER BY t.name, t.id LIMIT ${LIST_MAX}`.execute(db);
  const programmes = await sql<{ id: string; programme: string; name: string; commune_code: string | null }>`
    SELECT g.id::text AS id, g.programme, g.name, g.commune_code FROM programmes g WHERE ST_Intersects(g.geom, ${z})
    ORDER BY g.programme, g.name, g.id LIMIT ${LIST_MAX}`.execute(db);
  const projects = await sql<{ id: string; title: string; stage: string }>`
    SELECT j.id::text AS id, j.title, j.stage FROM projects j WHERE j.status = 'published' AND ST_Intersects(j.geom, ${z})
    ORDER BY j.title, j.id LIMIT ${LIST_MAX}`.execute(db);
  const nearest = await zoneNearest(db, zone);

  const c = counts.rows[0]!;
  const rate = c.vacant + c.active > 0 ? c.vacant / (c.vacant + c.active) : null;
  return {
    area_m2: zone.area_m2,
    communes: communes.rows,
    population_estimate: communes.rows.reduce((sum, r) => sum + (r.population_estimate ?? 0), 0),
    places: places.rows.map((p) => ({ category: p.category, family: p.family, label: { fr: p.label_fr, en: p.label_en }, color: p.color, count: p.count })),
    active_shops: c.active,
    vacant_shops: { vacant: c.vacant, reoccupied: c.reoccupied, in_project: c.in_project },
    vacancy: { rate, alert_threshold: VACANCY_ALERT_RATE, alert: rate !== null && rate >= VACANCY_ALERT_RATE, definition: VACANCY_DEFINITION },
    tiers_lieux: { count: c.tiers_lieux, items: tiersLieux.rows },
    programmes: { count: c.programmes, items: programmes.rows },
    projects: { count: c.projects, items: projects.rows },
    nearest,
    sources: c.sources,
  };
}

/**
 * For each facility kind: how many lie in the zone, and the distance from the zone to the
 * nearest (0 inside). The geography KNN picks candidates on the sphere; the spheroid distance
 * decides between them.
 */
async function zoneNearest(db: Kysely<Database>, zone: Pick<Zone, 'ewkb'>): Promise<ZoneNearest[]> {
  const z = zoneGeom(zone);
  const one = (f: (typeof ZONE_NEAREST)[number]) => sql`
    SELECT ${f.kind}::text AS kind,
           (SELECT count(*)::int FROM ${sql.table(f.table)} f, z WHERE ${f.where} AND ST_Intersects(f.geom, z.g)) AS inside,
           n.metres, n.id, n.name, n.lon, n.lat
    FROM z LEFT JOIN LATERAL (
      SELECT k.id::text AS id, k.name, ST_Distance(k.geom::geography, z.g::geography) AS metres, ST_X(k.geom) AS lon, ST_Y(k.geom) AS lat
      FROM (SELECT f.id, f.name, f.geom FROM ${sql.table(f.table)} f WHERE ${f.where}
            ORDER BY f.geom::geography <-> z.g::geography LIMIT 5) k
      ORDER BY 3, 1 LIMIT 1) n ON TRUE`;
  const r = await sql<Omit<ZoneNearest, 'label'>>`
    WITH z AS MATERIALIZED (SELECT ${z} AS g)
    ${sql.join(ZONE_NEAREST.map(one), sql` UNION ALL `)}`.execute(db);
  return ZONE_NEAREST.map((f) => {
    const row = r.rows.find((x) => x.kind === f.kind)!;
    return { ...row, label: f.label, metres: row.metres === null ? null : row.inside > 0 ? 0 : row.metres };
  });
}

/** The zone's outline as RFC 7946 GeoJSON text (7 decimals, right-hand rule). */
export async function zoneGeoJson(db: Kysely<Database>, zone: Pick<Zone, 'ewkb'>): Promise<string> {
  const r = await sql<{ g: string }>`SELECT ${asGeoJson(zoneGeom(zone))} AS g`.execute(db);
  return r.rows[0]!.g;
}
