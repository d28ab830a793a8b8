// Query parameters shared by OGC items and exports: bbox, and equality on queryable properties.
import type { RawBuilder } from 'kysely';
import type { LayerDefinition, LayerProperty } from '../../layers/registry.ts';
import { Cql2Error, cql2ToExpression } from '../../ogc/cql2/index.ts';
import { HttpProblem } from '../../problem.ts';
import type { Bbox, PropertyValue } from '../../repositories/features.repository.ts';

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
