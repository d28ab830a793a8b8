// What the map explorer needs beside the tiles:
// - GET /explorer/counts: the number of features of each layer in the view, with the layer's
//   filter; one request per view instead of one items request per layer.
// - GET /explorer/commune-labels: one label point per commune of the view (tiles cut communes
//   along tile edges, and a label per piece would repeat the name).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { findLayer, LAYERS, type LayerDefinition } from '../layers/registry.ts';
import { HttpProblem } from '../problem.ts';
import { communeLabels, countLayers, type LayerCountQuery } from '../repositories/explorer.repository.ts';
import { parseBbox, parseFilter } from './ogc/params.ts';
import { ProblemSchema } from './schemas.ts';

/** Labels per request: more would not fit on a screen; the most populous communes come first. */
const LABEL_LIMIT = 3000;

/** `filter.<layer>`: a CQL2 text filter on that layer, as the OGC items `filter` parameter. */
const FILTER_PREFIX = 'filter.';

function parseLayers(raw: string) {
  const ids = [...new Set(raw.split(',').map((s) => s.trim()).filter(Boolean))];
  if (ids.length === 0) {
    throw new HttpProblem(400, 'Le paramètre « layers » est vide : donnez au moins une couche, p. ex. layers=places,communes.',
      'Parameter "layers" is empty: give at least one layer, e.g. layers=places,communes.');
  }
  const known = LAYERS.map((l) => l.id).join(', ');
  return ids.map((id) => {
    const layer = findLayer(id);
    if (!layer) {
      throw new HttpProblem(400, `Couche inconnue « ${id} » dans layers. Couches : ${known}.`, `Unknown layer "${id}" in layers. Layers: ${known}.`);
    }
    return layer;
  });
}

/** The CQL2 filter of one layer; its 400 names the parameter, since a request may carry several. */
function layerFilter(layer: LayerDefinition, filter: string) {
  try {
    return parseFilter(layer, { filter });
  } catch (error) {
    if (!(error instanceof HttpProblem)) throw error;
    const name = `${FILTER_PREFIX}${layer.id}`;
    throw new HttpProblem(error.status, `${name} : ${error.fr}`, `${name}: ${error.en}`, error.extra);
  }
}

const explorer: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/explorer/counts', {
    schema: {
      summary: 'Nombre d’objets par couche dans une emprise / Feature counts per layer in a box',
      description: 'Pour chaque couche de `layers`, le nombre d’objets publics qui touchent `bbox` et satisfont `filter.<couche>` '
        + '(CQL2 texte, comme le paramètre filter des items OGC, dont ce nombre est le numberMatched). '
        + '/ For each layer, the number of public features meeting `bbox` and the CQL2 text filter `filter.<layer>`.',
      tags: ['layers'],
      querystring: Type.Object({
        bbox: Type.String({ maxLength: 200, description: 'minLon,minLat,maxLon,maxLat (WGS 84)' }),
        layers: Type.String({ maxLength: 500, description: 'Couches, séparées par des virgules / Comma-separated layer ids' }),
      }, { additionalProperties: Type.String({ maxLength: 4000 }) }),
      response: {
        200: Type.Object({
          bbox: Type.Tuple([Type.Number(), Type.Number(), Type.Number(), Type.Number()]),
          counts: Type.Record(Type.String(), Type.Integer({ minimum: 0 })),
        }),
        400: ProblemSchema,
      },
    },
  }, async (request) => {
    const { bbox: rawBbox, layers: rawLayers, ...rest } = request.query as Record<string, string>;
    const bbox = parseBbox(rawBbox ?? '');
    const layers = parseLayers(rawLayers ?? '');
    const filters = new Map<string, string>();
    for (const [name, value] of Object.entries(rest)) {
      const id = name.startsWith(FILTER_PREFIX) ? name.slice(FILTER_PREFIX.length) : null;
      if (id === null || !layers.some((l) => l.id === id)) {
        throw new HttpProblem(400, `Paramètre inconnu « ${name} ». Paramètres acceptés : bbox, layers, et filter.<couche> pour une couche de layers.`,
          `Unknown parameter "${name}". Accepted: bbox, layers, and filter.<layer> for a layer listed in layers.`);
      }
      filters.set(id, value);
    }
    const queries: LayerCountQuery[] = layers.map((layer) => {
      const filter = filters.get(layer.id);
      return { layer, filter: { bbox, condition: filter === undefined ? undefined : layerFilter(layer, filter) } };
    });
    return { bbox, counts: await countLayers(app.db, queries) };
  });

  app.get('/explorer/commune-labels', {
    schema: {
      summary: 'Points d’étiquette des communes / Label points of the municipalities',
      description: `Le point représentatif (dans la commune) de chaque commune dont ce point est dans \`bbox\`, les plus peuplées d’abord, au plus ${LABEL_LIMIT}. `
        + `/ The representative point (inside the municipality) of each municipality whose point lies in bbox, most populous first, at most ${LABEL_LIMIT}.`,
      tags: ['layers'],
      querystring: Type.Object({
        bbox: Type.String({ maxLength: 200, description: 'minLon,minLat,maxLon,maxLat (WGS 84)' }),
      }, { additionalProperties: false }),
      response: {
        200: Type.Object({
          type: Type.Literal('FeatureCollection'),
          features: Type.Array(Type.Object({
            type: Type.Literal('Feature'),
            id: Type.String({ description: 'Code INSEE' }),
            geometry: Type.Object({ type: Type.Literal('Point'), coordinates: Type.Tuple([Type.Number(), Type.Number()]) }),
            properties: Type.Object({ name: Type.String(), population: Type.Union([Type.Integer(), Type.Null()]) }),
          })),
        }),
        400: ProblemSchema,
      },
    },
  }, async (request, reply) => {
    const rows = await communeLabels(app.db, parseBbox(request.query.bbox), LABEL_LIMIT);
    reply.header('Cache-Control', 'public, max-age=300');
    return {
      type: 'FeatureCollection' as const,
      features: rows.map((r) => ({
        type: 'Feature' as const,
        id: r.code,
        geometry: { type: 'Point' as const, coordinates: [r.lon, r.lat] as [number, number] },
        properties: { name: r.name, population: r.population },
      })),
    };
  });
};

export default explorer;
