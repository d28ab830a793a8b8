// The queryables of a layer (OGC API Features Part 3, /collections/{id}/queryables) as a JSON
// Schema, read from the registry: exactly the properties a CQL2 filter may name.
import type { LayerDefinition, PropertyType } from '../../layers/registry.ts';

export type QueryableSchema =
  | { title: string; type: 'string' | 'integer' | 'number' | 'boolean'; format?: 'date' }
  | { title: string; type: 'array'; items: { type: 'string' } }
  | { title: string; 'x-ogc-role': 'primary-geometry'; format: `geometry-${string}` };

export interface QueryablesDocument {
  $schema: 'https://json-schema.org/draft/2020-12/schema';
  $id: string;
  type: 'object';
  title: string;
  description: string;
  properties: Record<string, QueryableSchema>;
  /** Only the listed properties may appear in a filter. */
  additionalProperties: false;
}

const GEOMETRY_FORMATS: Record<LayerDefinition['geometry'], `geometry-${string}`> = {
  Point: 'geometry-point',
  MultiPolygon: 'geometry-multipolygon',
  MultiLineString: 'geometry-multilinestring',
  Geometry: 'geometry-any',
};

function propertySchema(type: PropertyType, title: string): QueryableSchema {
  switch (type) {
    case 'date': return { title, type: 'string', format: 'date' };
    case 'string[]': return { title, type: 'array', items: { type: 'string' } };
    default: return { title, type };
  }
}

/**
 * The queryables document of a layer, in French (the portal's first language) or English.
 * `id` is the absolute URL the document is served at; the route knows it.
 *
 * @example
 * queryablesSchema(findLayer('places')!, 'https://maillage.example/api/ogc/collections/places/queryables');
 * // { $schema: 'https://json-schema.org/draft/2020-12/schema', $id: '…/queryables', type: 'object',
 * //   title: 'Lieux du quotidien', properties: { geometry: { title: 'Géométrie',
 * //   'x-ogc-role': 'primary-geometry', format: 'geometry-point' }, name: { title: 'Nom', type: 'string' }, … },
 * //   additionalProperties: false, … }
 */
export function queryablesSchema(layer: LayerDefinition, id: string, lang: 'fr' | 'en' = 'fr'): QueryablesDocument {
  const properties: Record<string, QueryableSchema> = {
    geometry: { title: lang === 'fr' ? 'Géométrie' : 'Geometry', 'x-ogc-role': 'primary-geometry', format: GEOMETRY_FORMATS[layer.geometry] },
  };
  for (const p of layer.properties) properties[p.name] = propertySchema(p.type, p.title[lang]);
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: id,
    type: 'object',
    title: layer.title[lang],
    description: lang === 'fr'
      ? `Propriétés utilisables dans un filtre CQL2 (filter-lang=cql2-text) sur ${layer.title.fr}.`
      : `Properties usable in a CQL2 filter (filter-lang=cql2-text) on ${layer.title.en}.`,
    properties,
    additionalProperties: false,
  };
}
