// POST /analysis/zone: the indicators of a pilot zone posted as GeoJSON (a drawn polygon, a
// point or a line with buffer_m, a list of communes, or a scope). GET /analysis/zone gives the
// same for what fits in a URL (scope=, communes=), so that such a result is reproducible from
// its URL. The answer is a GeoJSON Feature: the zone's outline, its indicators as properties.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyError } from 'fastify';
import { Type } from 'typebox';
import { parseScope, parseZoneRequest, SCOPE_SYNTAX, VACANCY_DEFINITION, ZONE_LIMITS, type ZoneRequest } from '@maillage/sql';
import { errorHandler, HttpProblem, sendProblem } from '../../problem.ts';
import { asProblem, type ZoneAnswer, zoneAnswer } from '../../repositories/pilot.repository.ts';
import { ProblemSchema } from '../schemas.ts';

const DESCRIPTION = 'Body: a GeoJSON Polygon or MultiPolygon (bare or as a Feature), in WGS 84 longitude/latitude; or a Point, MultiPoint, '
  + 'LineString or MultiLineString with `buffer_m` (metres, beside the geometry or in the Feature\'s properties); or `{ "communes": ["53130", …] }`; '
  + `or \`{ "scope": "territory:12" }\` (${SCOPE_SYNTAX}). Limits: ${ZONE_LIMITS.maxVertices} vertices, ${ZONE_LIMITS.maxAreaKm2} km² `
  + `(not for a scope), buffer ≤ ${ZONE_LIMITS.maxBufferM} m, ${ZONE_LIMITS.maxCommunes} communes. A self-intersecting polygon is refused with the place `
  + 'where it crosses itself. Answer: a GeoJSON Feature, the zone\'s outline with its indicators as properties: communes touched with '
  + 'the share of their area in the zone, area-weighted population estimate, active places by category, active shops, vacant shops '
  + `and the commercial vacancy rate (${VACANCY_DEFINITION.en}), tiers-lieux, programmes, published projects, and for cafés, groceries, `
  + 'bakeries, pharmacies, tiers-lieux and France services the number inside and the distance from the zone to the nearest (0 inside). '
  + 'Areas and distances in metres on the WGS 84 spheroid.';

const ZoneFeature = Type.Unsafe<unknown>({
  description: 'application/geo+json Feature: `geometry` the zone, `properties` its indicators, `licence`, `attribution` and `sources`',
  type: 'object',
});

/** The answer as a GeoJSON Feature: outline + indicators + where the figures come from. */
function asFeature(a: ZoneAnswer): Record<string, unknown> {
  return {
    type: 'Feature',
    geometry: JSON.parse(a.geometry) as unknown,
    properties: {
      kind: a.zone.kind,
      params: a.zone.params,
      scope: a.scope ? { id: a.scope.id, name: a.scope.name } : null,
      area_km2: Math.round(a.zone.area_m2 / 1e4) / 100,
      vertices: a.zone.vertices,
      bbox: a.zone.bbox,
      ...a.indicators,
      population_estimate: Math.round(a.indicators.population_estimate),
    },
    licence: a.provenance.licence,
    attribution: a.provenance.attribution,
    sources: a.provenance.sources,
  };
}

/** Body errors Fastify raises before the handler, said in French and English with the fix. */
function bodyProblem(error: FastifyError): [number, string, string] | undefined {
  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return [400, 'Le corps n’est pas du JSON valide : envoyez une géométrie GeoJSON (Content-Type: application/json ou application/geo+json).',
        'The body is not valid JSON: send a GeoJSON geometry (Content-Type: application/json or application/geo+json).'];
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return [415, 'Type de contenu refusé : envoyez du GeoJSON avec Content-Type: application/json ou application/geo+json.',
        'Content type refused: send GeoJSON with Content-Type: application/json or application/geo+json.'];
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return [413, `Géométrie trop lourde (plus de 1 Mio) : simplifiez-la (au plus ${ZONE_LIMITS.maxVertices} sommets).`,
        `Geometry too large (over 1 MiB): simplify it (at most ${ZONE_LIMITS.maxVertices} vertices).`];
    default:
      return undefined;
  }
}

const zone: FastifyPluginAsyncTypebox = async (app) => {
  // GeoJSON is JSON: application/geo+json is read like application/json.
  app.addContentTypeParser('application/geo+json', { parseAs: 'string' }, app.getDefaultJsonParser('error', 'ignore'));
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const problem = bodyProblem(error);
    if (problem) return sendProblem(reply, request, ...problem);
    return errorHandler(error, request, reply);
  });

  app.post('/zone', {
    // A computation on a posted geometry changes nothing: no CSRF token needed.
    config: { csrf: false },
    schema: {
      summary: 'Indicateurs d’une zone pilote / Pilot zone indicators',
      description: DESCRIPTION,
      tags: ['analysis'],
      body: Type.Unsafe<unknown>({ description: 'GeoJSON geometry or Feature, or { communes: [...] }, or { scope: "…" }' }),
      response: { 200: ZoneFeature, 400: ProblemSchema, 404: ProblemSchema, 413: ProblemSchema, 415: ProblemSchema },
    },
  }, async (request, reply) => {
    const body = request.body as Record<string, unknown> | null;
    let zoneRequest: ZoneRequest;
    try {
      zoneRequest = body && typeof body === 'object' && !Array.isArray(body) && typeof body.scope === 'string'
        ? { kind: 'scope', scope: parseScope(body.scope) }
        : parseZoneRequest(body);
    } catch (error) {
      asProblem(error);
    }
    const answer = await zoneAnswer(app.db, zoneRequest);
    return reply.type('application/geo+json').send(JSON.stringify(asFeature(answer)));
  });

  app.get('/zone', {
    schema: {
      summary: 'Indicateurs d’une zone pilote (communes ou périmètre) / Pilot zone indicators (municipalities or scope)',
      description: 'The indicators of POST /analysis/zone for a zone that fits in a URL: `communes=53130,53062`, `scope=territory:12`, or a saved zone (scenario) `zone=7`.',
      tags: ['analysis'],
      querystring: Type.Object({
        communes: Type.Optional(Type.String({ maxLength: 3000, pattern: '^[0-9AB]{5}(,[0-9AB]{5})*$', description: 'Codes INSEE séparés par des virgules' })),
        scope: Type.Optional(Type.String({ maxLength: 60, description: `Périmètre : ${SCOPE_SYNTAX}` })),
        zone: Type.Optional(Type.Integer({ minimum: 1, maximum: 2 ** 53 - 1, description: 'Identifiant d’une zone enregistrée (scénario, GET /api/zones)' })),
      }, { additionalProperties: false }),
      response: { 200: ZoneFeature, 400: ProblemSchema, 404: ProblemSchema },
    },
  }, async (request, reply) => {
    const { communes, scope, zone: saved } = request.query;
    if ([communes, scope, saved].filter((v) => v !== undefined).length !== 1) {
      throw new HttpProblem(400, 'Donnez un seul de communes=53130,53062, scope=territory:12 ou zone=7.',
        'Give exactly one of communes=53130,53062, scope=territory:12 or zone=7.');
    }
    let zoneRequest: ZoneRequest;
    try {
      zoneRequest = saved !== undefined ? { kind: 'saved', id: String(saved) }
        : scope !== undefined ? { kind: 'scope', scope: parseScope(scope) } : parseZoneRequest({ communes: communes!.split(',') });
    } catch (error) {
      asProblem(error);
    }
    const answer = await zoneAnswer(app.db, zoneRequest);
    return reply.type('application/geo+json').send(JSON.stringify(asFeature(answer)));
  });
};

export default zone;
