// Query parameters shared by OGC items and exports: bbox, datetime, CQL2 and equality on
// queryable properties.
import type { RawBuilder } from 'kysely';
import { LAYERS, type LayerDefinition, type LayerProperty, temporalProperty } from '../../layers/registry.ts';
import { Cql2Error, cql2ToExpression } from '../../ogc/cql2/index.ts';
import { HttpProblem } from '../../problem.ts';
import type { Bbox, PropertyValue, TimeFilter } from '../../repositories/features.repository.ts';

/** Parses `minLon,minLat,maxLon,maxLat` (WGS 84), refusing anything that is not a real box. */
export function parseBbox(raw: string): Bbox {
  const parts = raw.split(',').map((s) => Number(s.trim()));
  if (parts.length !== 4 || parts.some((n) => !Number.isFinite(n))) {
    throw new HttpProblem(400, 'bbox doit contenir quatre nombres : minLon,minLat,maxLon,maxLat.',
      'bbox must be four numbers: minLon,minLat,maxLon,maxLat.');
  }
  const [minx, miny, maxx, maxy] = parts as Bbox;
  if (minx < -180 || maxx > 180 || miny < -90 || maxy > 90) {
    throw new HttpProblem(400, 'bbox sort des limites WGS 84 (longitude -180 à 180, latitude -90 à 90).',
      'bbox is outside WGS 84 bounds (longitude -180 to 180, latitude -90 to 90).');
  }
  if (minx > maxx || miny > maxy) {
    throw new HttpProblem(400, 'bbox est inversée : le minimum doit précéder le maximum (minLon,minLat,maxLon,maxLat).',
      'bbox is inverted: minimum before maximum (minLon,minLat,maxLon,maxLat).');
  }
  return [minx, miny, maxx, maxy];
}

function convert(p: LayerProperty, raw: string): PropertyValue {
  const bad = (fr: string, en: string) => new HttpProblem(400, `Le paramètre « ${p.name} » attend ${fr} (reçu « ${raw} »).`,
    `Parameter "${p.name}" expects ${en} (got "${raw}").`);
  switch (p.type) {
    case 'integer':
      if (!/^-?\d{1,15}$/.test(raw)) throw bad('un entier', 'an integer');
      return Number(raw);
    case 'number':
      if (raw.trim() === '' || !Number.isFinite(Number(raw))) throw bad('un nombre', 'a number');
      return Number(raw);
    case 'boolean':
      if (raw !== 'true' && raw !== 'false') throw bad('true ou false', 'true or false');
      return raw === 'true';
    case 'date':
      if (!/^\d{4}-\d{2}-\d{2}$/.test(raw)) throw bad('une date AAAA-MM-JJ', 'a date YYYY-MM-DD');
      return raw;
    default:
      if (raw.length > 500) throw bad('au plus 500 caractères', 'at most 500 characters');
      return raw;
  }
}

/**
 * Equality filters from the query string: every parameter that is not one of `reserved` must be
 * a queryable property of the layer.
 */
export function propertyFilters(layer: LayerDefinition, query: Record<string, unknown>, reserved: readonly string[]) {
  const filters: { property: LayerProperty; value: PropertyValue }[] = [];
  for (const [name, raw] of Object.entries(query)) {
    if (reserved.includes(name)) continue;
    const property = layer.properties.find((p) => p.name === name);
    if (!property) {
      const names = layer.properties.map((p) => p.name).join(', ');
      throw new HttpProblem(400, `Paramètre inconnu « ${name} » pour ${layer.id}. Paramètres acceptés : ${reserved.join(', ')}, et les propriétés ${names}.`,
        `Unknown parameter "${name}" for ${layer.id}. Accepted: ${reserved.join(', ')}, and the properties ${names}.`);
    }
    if (typeof raw !== 'string') {
      throw new HttpProblem(400, `Le paramètre « ${name} » doit apparaître une seule fois.`, `Parameter "${name}" must appear once.`);
    }
    filters.push({ property, value: convert(property, raw) });
  }
  return filters;
}

/** The CQL2 `filter` parameter as a parameterised condition; a bad filter is a 400 naming the position. */
export function parseFilter(layer: LayerDefinition, query: Record<string, unknown>): RawBuilder<boolean> | undefined {
  const { filter } = query;
  const lang = query['filter-lang'] ?? 'cql2-text';
  const crs = query['filter-crs'];
  if (filter === undefined) return undefined;
  if (typeof filter !== 'string' || typeof lang !== 'string') {
    throw new HttpProblem(400, 'Les paramètres filter et filter-lang doivent apparaître une seule fois.', 'filter and filter-lang must appear once.');
  }
  if (lang !== 'cql2-text') {
    throw new HttpProblem(400, `filter-lang « ${lang} » non pris en charge : seul cql2-text l’est.`, `filter-lang "${lang}" is not supported: only cql2-text is.`);
  }
  if (crs !== undefined && crs !== 'http://www.opengis.net/def/crs/OGC/1.3/CRS84' && crs !== 'http://www.opengis.net/def/crs/EPSG/0/4326') {
    throw new HttpProblem(400, 'filter-crs : seules les coordonnées WGS 84 (CRS84) sont acceptées.', 'filter-crs: only WGS 84 (CRS84) coordinates are accepted.');
  }
  try {
    return cql2ToExpression(filter, layer);
  } catch (error) {
    if (error instanceof Cql2Error) throw new HttpProblem(400, error.fr, error.en, { code: error.code, position: error.position });
    throw error;
  }
}

/** The `datetime` parameter, as the OpenAPI document describes it (items and exports). */
export const DATETIME_DESCRIPTION = 'OGC `datetime`, on collections with a per-feature date (the property named in the collection\'s '
  + '`extent.temporal`): an instant `2024-01-01T00:00:00Z`, a date `2024-01-01` (the whole day, UTC) or an interval `start/end`, '
  + 'bounds included, `..` for an open end (`2024-01-01/..`, `../2024-12-31T23:59:59Z`). A 400 on collections without one.';

// RFC 3339: a full date, optionally with a time and a mandatory offset.
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2}))?$/;

/** One bound of `datetime`: an RFC 3339 instant for PostgreSQL, and whether it was a date alone. */
function parseInstant(raw: string): { at: string; dateOnly: boolean } | null {
  const m = DATE_TIME.exec(raw);
  if (!m) return null;
  const [, y, mo, d, h, mi, s, frac, offset] = m as unknown as [string, string, string, string, string?, string?, string?, string?, string?];
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  // Day 0 of the next month is the last day of this one.
  const days = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (month < 1 || month > 12 || day < 1 || day > days) return null;
  if (h === undefined) return { at: `${y}-${mo}-${d}T00:00:00Z`, dateOnly: true };
  const off = offset!.toUpperCase();
  if (Number(h) > 23 || Number(mi) > 59 || Number(s) > 59 || (off !== 'Z' && (Number(off.slice(1, 3)) > 23 || Number(off.slice(4)) > 59))) return null;
  return { at: `${y}-${mo}-${d}T${h}:${mi}:${s}${frac ?? ''}${off}`, dateOnly: false };
}

/** The day after a YYYY-MM-DD date, at midnight UTC. */
function nextDay(at: string): string {
  const t = new Date(at);
  t.setUTCDate(t.getUTCDate() + 1);
  return `${t.toISOString().slice(0, 10)}T00:00:00Z`;
}

/**
 * OGC API Features `datetime`: an instant (`2024-01-01T00:00:00Z`), a date (`2024-01-01`, the
 * whole day in UTC) or an interval `start/end`, bounds included, one of whose ends may be open
 * (`..` or empty). It filters the layer's registry `temporal` property; a layer without one, or a
 * value that is none of these, is a 400 that says what to send.
 *
 * @example
 * parseDatetime(findLayer('places')!, '2024-01-01/..'); // { property: imported_at, start: '2024-01-01T00:00:00Z', end: null, endExclusive: false }
 */
export function parseDatetime(layer: LayerDefinition, raw: unknown): TimeFilter | undefined {
  if (raw === undefined) return undefined;
  const property = temporalProperty(layer);
  if (!property) {
    const dated = LAYERS.filter((l) => l.temporal !== undefined).map((l) => l.id).join(', ');
    throw new HttpProblem(400, `La collection ${layer.id} n’a pas de date propre à chaque objet : datetime ne s’y applique pas. Retirez-le, ou utilisez une collection datée (${dated}).`,
      `Collection ${layer.id} has no per-feature date: datetime does not apply to it. Remove it, or use a dated collection (${dated}).`);
  }
  if (typeof raw !== 'string') throw new HttpProblem(400, 'Le paramètre « datetime » doit apparaître une seule fois.', 'Parameter "datetime" must appear once.');
  const bad = (): never => {
    throw new HttpProblem(400,
      `datetime « ${raw} » invalide : donnez un instant RFC 3339 (2024-01-01T00:00:00Z), une date (2024-01-01) ou un intervalle début/fin dont une borne ouverte s’écrit « .. » (2024-01-01T00:00:00Z/.., ../2024-12-31).`,
      `Invalid datetime "${raw}": send an RFC 3339 instant (2024-01-01T00:00:00Z), a date (2024-01-01) or an interval start/end whose open end is ".." (2024-01-01T00:00:00Z/.., ../2024-12-31).`);
  };
  const parts = raw.split('/');
  if (parts.length > 2) bad();
  // In an interval, `..` or nothing is an open end; alone, a value must be an instant or a date.
  const bound = (p: string) => (parts.length === 2 && (p === '..' || p === '') ? null : parseInstant(p) ?? bad());
  const first = bound(parts[0]!);
  const last = parts.length === 2 ? bound(parts[1]!) : first;
  // OGC API Features' grammar has closed, open-start and open-end intervals: not both ends open.
  if (first === null && last === null) bad();
  // An instant alone is the interval [instant, instant]; a date is its whole day.
  const end = last === null ? null : last.dateOnly ? nextDay(last.at) : last.at;
  const filter: TimeFilter = { property, start: first?.at ?? null, end, endExclusive: last?.dateOnly ?? false };
  if (filter.start !== null && filter.end !== null
    && (filter.endExclusive ? Date.parse(filter.start) >= Date.parse(filter.end) : Date.parse(filter.start) > Date.parse(filter.end))) {
    throw new HttpProblem(400, `datetime « ${raw} » : le début de l’intervalle est après sa fin.`, `datetime "${raw}": the interval starts after it ends.`);
  }
  return filter;
}
