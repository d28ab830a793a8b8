// OGC API Features items of any registered layer (Part 1 core: bbox, limit, offset).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { findLayer } from '../../layers/registry.ts';
import { HttpProblem } from '../../problem.ts';
import { type Bbox, countFeatures, listFeatures } from '../../repositories/features.repository.ts';
import { ProblemSchema } from '../schemas.ts';

export const MAX_LIMIT = 10_000;

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

const items: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/collections/:collectionId/items', {
    schema: {
      summary: 'Objets d’une collection / Features of a collection',
      tags: ['ogc'],
      params: Type.Object({ collectionId: Type.String({ maxLength: 64 }) }),
      querystring: Type.Object({
        bbox: Type.Optional(Type.String({ maxLength: 200 })),
        limit: Type.Integer({ minimum: 1, maximum: MAX_LIMIT, default: 100 }),
        offset: Type.Integer({ minimum: 0, maximum: 10_000_000, default: 0 }),
      }),
      response: {
        // Sent pre-serialised (geometries arrive as GeoJSON text); the schema documents it.
        200: Type.Unsafe<string>({ type: 'object', description: 'GeoJSON FeatureCollection (RFC 7946)' }),
        400: ProblemSchema,
        404: ProblemSchema,
      },
    },
  }, async (request, reply) => {
    const layer = findLayer(request.params.collectionId);
    if (!layer) {
      throw new HttpProblem(404, `Collection inconnue « ${request.params.collectionId} ».`, `Unknown collection "${request.params.collectionId}".`);
    }
    const bbox = request.query.bbox === undefined ? undefined : parseBbox(request.query.bbox);
    const { limit, offset } = request.query;
    const [matched, rows] = await Promise.all([
      countFeatures(app.db, layer, { bbox }),
      listFeatures(app.db, layer, { bbox, limit, offset }),
    ]);
    const base = `/api/ogc/collections/${layer.id}/items`;
    const page = (o: number) => {
      const params = new URLSearchParams({ ...(request.query.bbox ? { bbox: request.query.bbox } : {}), limit: String(limit), offset: String(o) });
      return `${base}?${params.toString()}`;
    };
    const links = [{ rel: 'self', type: 'application/geo+json', href: page(offset) }];
    if (offset + rows.length < matched) links.push({ rel: 'next', type: 'application/geo+json', href: page(offset + limit) });
    if (offset > 0) links.push({ rel: 'prev', type: 'application/geo+json', href: page(Math.max(0, offset - limit)) });
    const features = rows.map((r) => `{"type":"Feature","id":${JSON.stringify(r.id)},"geometry":${r.geometry ?? 'null'},"properties":${JSON.stringify(r.properties)}}`);
    // Geometries arrive as GeoJSON text from PostGIS: splice them in rather than parse and re-serialise.
    return reply.type('application/geo+json').send(
      `{"type":"FeatureCollection","numberMatched":${matched},"numberReturned":${rows.length},"timeStamp":${JSON.stringify(new Date().toISOString())},` +
      `"attribution":${JSON.stringify(layer.attribution)},"licence":${JSON.stringify(layer.licence)},"links":${JSON.stringify(links)},"features":[${features.join(',')}]}`);
  });
};

export default items;
