// GET /analysis/pilot-streets: the streets of a commune (or of every commune of a scope) ranked
// for a revitalisation pilot, each with its line and the parts of its score. Every parameter is
// in the URL and echoed in the answer, so the ranking is reproducible from its URL.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import {
  ACTIVE_SHOP_CATEGORIES, DEFAULT_PILOT_WEIGHTS, PILOT_CAPS, PILOT_DEFINITION, PILOT_LIMITS, PILOT_PARTS, type PilotPart, parseScope, SCOPE_SYNTAX,
  type Scope, VACANCY_ALERT_RATE, VACANCY_DEFINITION,
} from '@maillage/sql';
import { HttpProblem } from '../../problem.ts';
import { asProblem, pilotStreetsAnswer } from '../../repositories/pilot.repository.ts';
import { ProblemSchema } from '../schemas.ts';

const Query = Type.Object({
  commune: Type.Optional(Type.String({ pattern: '^[0-9][0-9AB][0-9]{3}$', description: 'Code INSEE de la commune (44109 Nantes, 53130 Laval)' })),
  scope: Type.Optional(Type.String({ maxLength: 60, description: `ou un périmètre : ${SCOPE_SYNTAX}` })),
  frontage_m: Type.Optional(Type.Number({ description: `Distance de façade en m (${PILOT_LIMITS.frontage.min}–${PILOT_LIMITS.frontage.max}, défaut ${PILOT_LIMITS.frontage.default})` })),
  nearby_m: Type.Optional(Type.Number({ description: `Distance de proximité pour cafés et tiers-lieux, m (${PILOT_LIMITS.nearby.min}–${PILOT_LIMITS.nearby.max}, défaut ${PILOT_LIMITS.nearby.default})` })),
  weights: Type.Optional(Type.String({ maxLength: 200, description: `Poids, part:nombre (0–${PILOT_LIMITS.maxWeight}) ; parts : ${PILOT_PARTS.join(', ')} ; défaut ${PILOT_PARTS.map((p) => `${p}:${DEFAULT_PILOT_WEIGHTS[p]}`).join(',')}` })),
  limit: Type.Optional(Type.Integer({ description: `Nombre de rues rendues (${PILOT_LIMITS.limit.min}–${PILOT_LIMITS.limit.max}, défaut ${PILOT_LIMITS.limit.default})` })),
  method: Type.Optional(Type.Union([Type.Literal('auto'), Type.Literal('streets'), Type.Literal('strips')], { description: 'auto (défaut) : rues nommées si la commune en a, sinon linéaires tirés des commerces' })),
  strip_gap_m: Type.Optional(Type.Number({ description: `Linéaires : écart maximal entre commerces voisins, m (défaut ${PILOT_LIMITS.stripGap.default})` })),
  strip_min_premises: Type.Optional(Type.Integer({ description: `Linéaires : nombre minimal de locaux (défaut ${PILOT_LIMITS.stripMinPremises.default})` })),
}, { additionalProperties: false });

/**
 * `vacant:40,active:20` → { vacant: 40, active: 20 }; a malformed pair is a 400.
 *
 * @example
 * parsePilotWeights('vacant:40,cafes:0'); // { vacant: 40, cafes: 0 }
 */
export function parsePilotWeights(text: string): Partial<Record<PilotPart, number>> {
  const out: Record<string, number> = {};
  for (const pair of text.split(',').map((s) => s.trim()).filter(Boolean)) {
    const m = /^([a-z_]+):([0-9]+(?:\.[0-9]+)?)$/.exec(pair);
    if (!m) {
      throw new HttpProblem(400, `Poids « ${pair} » illisible : écrivez part:nombre, séparés par des virgules (weights=vacant:40,active:20).`,
        `Weight "${pair}" cannot be read: write part:number, comma-separated (weights=vacant:40,active:20).`);
    }
    out[m[1]!] = Number(m[2]);
  }
  return out;
}

const pilotStreets: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/pilot-definitions', {
    schema: {
      summary: 'Définitions des analyses pilotes / Definitions of the pilot analyses',
      description: 'What the zone indicators and the pilot-street score count, their defaults and bounds: the one source of these facts for clients (the /pilotes page reads its form defaults here).',
      tags: ['analysis'],
      response: {
        200: Type.Object({
          active_shop_categories: Type.Array(Type.String()),
          vacancy: Type.Object({ alert_rate: Type.Number(), definition: Type.Object({ fr: Type.String(), en: Type.String() }) }),
          pilot_streets: Type.Object({
            parts: Type.Array(Type.String()),
            default_weights: Type.Record(Type.String(), Type.Number()),
            caps: Type.Record(Type.String(), Type.Number()),
            limits: Type.Unsafe<unknown>({ type: 'object' }),
            definition: Type.Object({ fr: Type.String(), en: Type.String() }),
          }),
        }),
      },
    },
  }, async () => ({
    active_shop_categories: [...ACTIVE_SHOP_CATEGORIES],
    vacancy: { alert_rate: VACANCY_ALERT_RATE, definition: VACANCY_DEFINITION },
    pilot_streets: { parts: [...PILOT_PARTS], default_weights: DEFAULT_PILOT_WEIGHTS, caps: PILOT_CAPS, limits: PILOT_LIMITS, definition: PILOT_DEFINITION },
  }));

  app.get('/pilot-streets', {
    schema: {
      summary: 'Rues pilotes / Pilot streets',
      description: 'Ranks the streets of a commune (`commune=44109`) or of every commune of a scope, merged by name, for a revitalisation '
        + `pilot. ${PILOT_DEFINITION.en} Where a commune has no named street in the streets layer, commercial strips are derived from the `
        + 'shop points (active shops and vacant premises chained within strip_gap_m, DBSCAN in metres) and ranked the same way; '
        + '`method` says which (`streets`, `strips_from_shops`, or `mixed` for a scope holding both). Answer: a GeoJSON FeatureCollection, '
        + 'one feature per street (its merged line) with its rank, score, measured values, parts and points.',
      tags: ['analysis'],
      querystring: Query,
      response: { 200: Type.Unsafe<unknown>({ description: 'application/geo+json FeatureCollection', type: 'object' }), 400: ProblemSchema, 404: ProblemSchema },
    },
  }, async (request, reply) => {
    const q = request.query;
    if ((q.commune === undefined) === (q.scope === undefined)) {
      throw new HttpProblem(400, 'Donnez soit commune=44109, soit scope=… (pas les deux).', 'Give either commune=44109 or scope=… (not both).');
    }
    let scope: Scope;
    try {
      scope = q.commune !== undefined ? { kind: 'commune', code: q.commune } : parseScope(q.scope!);
    } catch (error) {
      asProblem(error);
    }
    const { scope: resolved, result, provenance } = await pilotStreetsAnswer(app.db, {
      scope,
      frontageM: q.frontage_m, nearbyM: q.nearby_m, limit: q.limit, method: q.method, stripGapM: q.strip_gap_m, stripMinPremises: q.strip_min_premises,
      weights: q.weights === undefined ? undefined : parsePilotWeights(q.weights),
    });
    const body = {
      type: 'FeatureCollection',
      method: result.method,
      scope: { id: resolved.id, name: resolved.name, bbox: resolved.bbox },
      parameters: {
        frontage_m: result.frontage_m, nearby_m: result.nearby_m, weights: result.weights, limit: q.limit ?? PILOT_LIMITS.limit.default,
        strip_gap_m: result.strip_gap_m, strip_min_premises: result.strip_min_premises, method: q.method ?? 'auto',
      },
      definition: PILOT_DEFINITION,
      caps: PILOT_CAPS,
      maxima: result.maxima,
      candidates: result.candidates,
      vacant_in_scope: result.vacant_in_scope,
      communes: result.communes,
      licence: provenance.licence,
      attribution: provenance.attribution,
      sources: provenance.sources,
      features: result.streets.map((s) => ({
        type: 'Feature',
        id: s.id,
        geometry: JSON.parse(s.geometry) as unknown,
        properties: {
          rank: s.rank, name: s.name, method: s.method, commune_code: s.commune_code, commune_name: s.commune_name, landmark: s.landmark,
          score: Math.round(s.score * 10) / 10,
          active_shops: s.active_shops, vacant_shops: s.vacant_shops, vacancy_rate: s.values.vacancy_rate,
          cafes: s.cafes, tiers_lieux: s.tiers_lieux, length_m: Math.round(s.length_m),
          parts: s.parts, points: Object.fromEntries(PILOT_PARTS.map((p) => [p, Math.round(s.points[p] * 10) / 10])),
          source: s.source, segments: s.segments,
        },
      })),
    };
    return reply.type('application/geo+json').send(JSON.stringify(body));
  });
};

export default pilotStreets;
