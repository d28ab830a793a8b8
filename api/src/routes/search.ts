// GET /search: one box for communes (name, INSEE or postal code), places, tiers-lieux and
// programmes, accent-, case- and hyphen-insensitive.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { HttpProblem } from '../problem.ts';
import { search, type SearchRow } from '../repositories/search.repository.ts';
import { ProblemSchema } from './schemas.ts';

const SearchResult = Type.Object({
  type: Type.Union([Type.Literal('commune'), Type.Literal('place'), Type.Literal('tiers_lieu'), Type.Literal('programme')]),
  id: Type.String(),
  label: Type.String(),
  /** Commune and département, to tell homonyms apart. */
  sublabel: Type.String(),
  /** Place category or programme code; absent for communes and tiers-lieux. */
  category: Type.Optional(Type.String()),
  commune_code: Type.Union([Type.String(), Type.Null()]),
  bbox: Type.Optional(Type.Tuple([Type.Number(), Type.Number(), Type.Number(), Type.Number()], { description: 'minLon, minLat, maxLon, maxLat (communes)' })),
  point: Type.Optional(Type.Tuple([Type.Number(), Type.Number()], { description: 'lon, lat (points)' })),
  url: Type.String(),
});

export const SearchResponse = Type.Object({ results: Type.Array(SearchResult) });

function sublabel(r: SearchRow): string {
  const dep = r.departement ? `${r.departement_name ?? r.departement} (${r.departement})` : '';
  if (r.type === 'commune') return dep;
  return [r.commune_name, dep].filter(Boolean).join(', ');
}

function result(r: SearchRow) {
  const base = {
    type: r.type, id: r.id, label: r.label, sublabel: sublabel(r), commune_code: r.commune_code,
    url: r.commune_code ? `/communes/${r.commune_code}` : '/',
  };
  const extra = r.category === null ? {} : { category: r.category };
  return r.type === 'commune'
    ? { ...base, ...extra, bbox: [r.minx, r.miny, r.maxx, r.maxy] as [number, number, number, number] }
    : { ...base, ...extra, point: [r.minx, r.miny] as [number, number] };
}

const searchRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/search', {
    schema: {
      summary: 'Recherche / Search',
      description: 'Communes (nom, code INSEE, code postal), lieux, tiers-lieux et programmes ; sans tenir compte des accents, '
        + 'de la casse ni des traits d’union. / Municipalities (name, INSEE or postal code), places, third places and programmes.',
      tags: ['search'],
      querystring: Type.Object({
        q: Type.String({ minLength: 1, maxLength: 100 }),
        limit: Type.Integer({ minimum: 1, maximum: 50, default: 10 }),
      }, { additionalProperties: false }),
      response: { 200: SearchResponse, 400: ProblemSchema },
    },
  }, async (request) => {
    const { q, limit } = request.query;
    // Only punctuation or spaces would fold to '' and match every name.
    if (!/[\p{L}\p{N}]/u.test(q)) {
      throw new HttpProblem(400, 'paramètre « q » invalide : il faut au moins une lettre ou un chiffre.', 'querystring q: at least one letter or digit is needed.');
    }
    return { results: (await search(app.db, q, limit)).map(result) };
  });
};

export default searchRoutes;
