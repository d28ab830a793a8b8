// GET /analysis/needs: the unmet-needs analysis (sql/src/analysis/needs.ts) as GeoJSON (one
// point feature per commune, ranked), CSV or the CSV's CSVW description. The URL alone gives
// the result again: every parameter is in it, and the response echoes them.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Readable } from 'node:stream';
import { setImmediate } from 'node:timers/promises';
import { Type } from 'typebox';
import {
  AnalysisInputError, NEEDS_LIMITS, type NeedCategory, type NeedsCommune, parseScope, SCOPE_SYNTAX,
} from '@maillage/sql';
import { csvChunks, csvwMetadata, formatCoordinate } from '../../exports/csv.ts';
import { CSVW_MEDIA_TYPE } from '../../exports/formats.ts';
import { buildExportMetadata, exportFileName, provenanceHeaders } from '../../exports/metadata.ts';
import type { ExportRow, ExportSource } from '../../exports/types.ts';
import { type LayerDefinition, type LayerProperty, requireLayer, t } from '../../layers/registry.ts';
import { HttpProblem } from '../../problem.ts';
import { listNeedCategories, runNeedsAnalysis } from '../../repositories/analysis.repository.ts';
import { I18nText, ProblemSchema } from '../schemas.ts';

const OSM_ATTRIBUTION = "© les contributeurs d'OpenStreetMap (ODbL)";

/** A parameter the analysis cannot use (AnalysisInputError) → 400 with the analysis's own words. */
function asProblem(error: unknown): never {
  if (error instanceof AnalysisInputError) throw new HttpProblem(400, error.fr, error.en);
  throw error;
}

/**
 * `cafe_bar,grocery` → ['cafe_bar', 'grocery'].
 *
 * @example
 * parseList(' cafe_bar, grocery ,'); // ['cafe_bar', 'grocery']
 */
export function parseList(text: string): string[] {
  return text.split(',').map((s) => s.trim()).filter(Boolean);
}

/**
 * `cafe_bar:2,grocery:0.5` → { cafe_bar: 2, grocery: 0.5 }; a malformed pair is a 400.
 *
 * @example
 * parseWeights('cafe_bar:2,grocery:1'); // { cafe_bar: 2, grocery: 1 }
 */
export function parseWeights(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const pair of parseList(text)) {
    const m = /^([a-z_]+):([0-9]+(?:\.[0-9]+)?)$/.exec(pair);
    if (!m) {
      throw new HttpProblem(400, `Poids « ${pair} » illisible : écrivez categorie:nombre, séparés par des virgules (weights=cafe_bar:2,grocery:1).`,
        `Weight "${pair}" cannot be read: write category:number, comma-separated (weights=cafe_bar:2,grocery:1).`);
    }
    if (m[1]! in out) throw new HttpProblem(400, `Le poids de « ${m[1]} » est donné deux fois.`, `The weight of "${m[1]}" is given twice.`);
    out[m[1]!] = Number(m[2]);
  }
  return out;
}


/** The per-category columns of a result, in output order, for category `c`. */
function categoryProperties(c: NeedCategory): LayerProperty[] {
  const l = c.label;
  return [
    { name: `${c.code}_distance_m`, type: 'number', title: t(`${l.fr} : distance au plus proche (m)`, `${l.en}: distance to the nearest (m)`) },
    { name: `${c.code}_nearest_id`, type: 'string', title: t(`${l.fr} : identifiant du plus proche (couche ${c.layer})`, `${l.en}: id of the nearest (layer ${c.layer})`) },
    { name: `${c.code}_nearest_name`, type: 'string', title: t(`${l.fr} : nom du plus proche`, `${l.en}: name of the nearest`) },
    { name: `${c.code}_nearest_commune`, type: 'string', title: t(`${l.fr} : commune du plus proche`, `${l.en}: municipality of the nearest`) },
    { name: `${c.code}_nearest_lon`, type: 'number', title: t(`${l.fr} : longitude du plus proche`, `${l.en}: longitude of the nearest`) },
    { name: `${c.code}_nearest_lat`, type: 'number', title: t(`${l.fr} : latitude du plus proche`, `${l.en}: latitude of the nearest`) },
    { name: `${c.code}_count`, type: 'integer', title: t(`${l.fr} : nombre dans la commune`, `${l.en}: number in the municipality`) },
    { name: `${c.code}_desert`, type: 'boolean', title: t(`${l.fr} : désert (population ≥ P et distance > D)`, `${l.en}: desert (population ≥ P and distance > D)`) },
    { name: `${c.code}_residents_needs`, type: 'integer', title: t(`${l.fr} : besoins exprimés par les habitants`, `${l.en}: needs expressed by residents`) },
  ];
}

/** The commune's own columns, declared once by the communes layer. */
const COMMUNE_COLUMNS = ['code', 'name', 'population'].map((name) => requireLayer('communes').properties.find((p) => p.name === name)!);

/** The result's columns as a layer declaration, so the export writers (CSV, CSVW) serve it as they serve a layer. */
function resultLayer(categories: readonly NeedCategory[], licence: string, attribution: string): LayerDefinition {
  return {
    id: 'analysis_needs', table: 'communes', idColumn: 'code', geometry: 'Point',
    title: t('Besoins non couverts par commune', 'Unmet needs by municipality'),
    description: t('Distance du point représentatif de chaque commune au service le plus proche, déserts et score de besoins (méthode : /analyse/methode).',
      'Distance from each municipality’s representative point to the nearest facility, deserts and needs score (method: /analyse/methode).'),
    licence, attribution,
    properties: [
      ...COMMUNE_COLUMNS,
      { name: 'rank', type: 'integer', title: t('Rang (1 = besoins les plus forts)', 'Rank (1 = highest needs)') },
      { name: 'needs_score', type: 'number', title: t('Score de besoins (0–100)', 'Needs score (0–100)') },
      { name: 'desert_count', type: 'integer', title: t('Nombre de catégories en désert', 'Number of categories in desert') },
      { name: 'residents_needs_count', type: 'integer', title: t('Besoins exprimés par les habitants (toutes catégories)', 'Needs expressed by residents (every category)') },
      ...categories.flatMap(categoryProperties),
    ],
  };
}

function properties(c: NeedsCommune, categories: readonly NeedCategory[]): Record<string, unknown> {
  const p: Record<string, unknown> = {
    code: c.code, name: c.name, population: c.population, rank: c.rank, needs_score: c.needs_score,
    desert_count: c.desert_count, residents_needs_count: c.residents_needs_count,
  };
  for (const cat of categories) {
    const f = c.categories[cat.code]!;
    p[`${cat.code}_distance_m`] = f.distance_m;
    p[`${cat.code}_nearest_id`] = f.nearest?.id ?? null;
    p[`${cat.code}_nearest_name`] = f.nearest?.name ?? null;
    p[`${cat.code}_nearest_commune`] = f.nearest?.commune_code ?? null;
    p[`${cat.code}_nearest_lon`] = f.nearest ? Number(formatCoordinate(f.nearest.lon)) : null;
    p[`${cat.code}_nearest_lat`] = f.nearest ? Number(formatCoordinate(f.nearest.lat)) : null;
    p[`${cat.code}_count`] = f.count;
    p[`${cat.code}_desert`] = f.desert;
    p[`${cat.code}_residents_needs`] = f.residents_needs;
  }
  return p;
}

/** Licence of a result: ODbL as soon as one OpenStreetMap-derived source is in it (share-alike). */
function licenceOf(sources: readonly ExportSource[]): { licence: string; attribution: string } {
  const odbl = sources.some((s) => s.odbl);
  return {
    licence: odbl ? 'ODbL 1.0' : 'Licence Ouverte 2.0',
    attribution: [...new Set([...(odbl ? [OSM_ATTRIBUTION] : []), ...sources.map((s) => s.attribution)])].join(' ; '),
  };
}

const NeedsQuery = Type.Object({
  categories: Type.String({ maxLength: 400, description: 'Catégories, séparées par des virgules (`GET /api/analysis/needs/categories`), au plus 8 : `cafe_bar,grocery`' }),
  max_km: Type.Number({ description: `Seuil de distance D en km, > 0 et ≤ ${NEEDS_LIMITS.maxKm}` }),
  min_population: Type.Integer({ default: 0, description: 'Seuil de population P du drapeau « désert » (défaut 0)' }),
  scope: Type.String({ maxLength: 60, description: `Périmètre : ${SCOPE_SYNTAX}` }),
  weights: Type.Optional(Type.String({ maxLength: 400, description: 'Poids du score, `categorie:nombre` (0–100, défaut 1) : `cafe_bar:2,grocery:1`' })),
  format: Type.Union([Type.Literal('geojson'), Type.Literal('csv'), Type.Literal('csvw')], { default: 'geojson', description: 'geojson (défaut), csv, ou csvw (description CSVW du CSV)' }),
}, { additionalProperties: true });

/** Every parameter must mean something: a typo must not silently give another analysis. */
function refuseUnknown(query: Record<string, unknown>): void {
  const known = Object.keys(NeedsQuery.properties);
  const unknown = Object.keys(query).filter((k) => !known.includes(k));
  if (unknown.length) {
    throw new HttpProblem(400, `Paramètre inconnu : ${unknown.join(', ')} ; les paramètres sont ${known.join(', ')}.`,
      `Unknown parameter: ${unknown.join(', ')}; the parameters are ${known.join(', ')}.`);
  }
}

const CategoryList = Type.Object({
  categories: Type.Array(Type.Object({
    code: Type.String(), label: I18nText, layer: Type.String(), family: Type.String(), color: Type.String(),
  })),
});

const FEATURES_PER_SLICE = 2000;

const needs: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/needs/categories', {
    schema: {
      summary: 'Catégories de l’analyse des besoins / Categories of the needs analysis',
      description: 'The place taxonomy, then `tiers_lieux` (tiers-lieux layer) and `france_services` (programmes layer).',
      tags: ['analysis'],
      response: { 200: CategoryList },
    },
  }, async () => ({ categories: await listNeedCategories(app.db) }));

  app.get('/needs', {
    schema: {
      summary: 'Besoins non couverts / Unmet needs',
      description: 'For every commune of the scope: distance in metres (WGS 84 spheroid) from its representative point to the nearest '
        + 'facility of each category, anywhere (outside the commune and the scope too), the count inside the commune, the desert flag '
        + '(population ≥ min_population and distance > max_km), published residents\' needs, and a needs score 0–100: for each category '
        + 'min(1, distance ÷ (2·D)), averaged with the weights, × 100 (no facility anywhere counts 1). Ranked, 1 = highest score. '
        + '`summary`: population beyond D and its share, per category and for any category, the parameters and the sources. '
        + 'Method: /analyse/methode. Cost: one index search per commune and category; all of France (~35,000 communes) with 8 '
        + 'categories is the upper bound.',
      tags: ['analysis'],
      querystring: NeedsQuery,
      response: {
        200: Type.Unsafe<unknown>({ description: 'application/geo+json FeatureCollection with `summary` and `metadata` members; text/csv; or application/csvm+json' }),
        400: ProblemSchema,
        404: ProblemSchema,
      },
    },
  }, async (request, reply) => {
    const q = request.query;
    refuseUnknown(q);
    let scope;
    try {
      scope = parseScope(q.scope);
    } catch (error) {
      asProblem(error);
    }
    const params = {
      scope, categories: parseList(q.categories), maxKm: q.max_km, minPopulation: q.min_population,
      weights: q.weights === undefined ? undefined : parseWeights(q.weights),
    };
    const { scope: resolved, result, sources } = await runNeedsAnalysis(app.db, params).catch(asProblem);
    const { licence, attribution } = licenceOf(sources);
    const layer = resultLayer(result.categories, licence, attribution);
    const now = new Date();
    const format = q.format;
    const echoed = {
      scope: resolved.id, categories: result.categories.map((c) => c.code).join(','), max_km: String(q.max_km),
      min_population: String(q.min_population), weights: result.categories.map((c) => `${c.code}:${result.weights[c.code]}`).join(','),
    };
    const metadata = buildExportMetadata(layer, sources, {
      collection: layer.id, format, bbox: null, properties: echoed, filter: null, 'filter-lang': null, url: request.url,
    }, now);
    const withoutFormat = request.url.replace(/([?&])format=[^&]*(&|$)/, (_m, a: string, b: string) => (b ? a : '')).replace(/[?&]$/, '');
    const sep = withoutFormat.includes('?') ? '&' : '?';
    if (format === 'csvw') {
      provenanceHeaders(reply, metadata);
      return reply.type(`${CSVW_MEDIA_TYPE}; charset=utf-8`).send(JSON.stringify(csvwMetadata(layer, 'lonlat', metadata, `${withoutFormat}${sep}format=csv`), null, 2));
    }
    const rows: ExportRow<[number, number]>[] = result.communes.map((c) => ({ id: c.code, geometry: c.point, properties: properties(c, result.categories) }));
    if (format === 'csv') {
      provenanceHeaders(reply, metadata, [`<${withoutFormat}${sep}format=csvw>; rel="describedby"; type="${CSVW_MEDIA_TYPE}"`]);
      reply.header('content-disposition', `attachment; filename="${exportFileName('besoins', 'csv', now)}"`);
      let text = '';
      for await (const chunk of csvChunks(layer, 'lonlat', (async function* () { yield rows; })())) text += chunk;
      return reply.type('text/csv; charset=utf-8; header=present').send(text);
    }
    const summary = {
      scope: {
        id: resolved.id, name: resolved.name, bbox: resolved.bbox, communes_analysed: result.summary.communes,
        communes_without_point: resolved.withoutPoint, population_analysed: result.summary.population,
      },
      parameters: {
        categories: result.categories.map((c) => c.code), max_km: q.max_km, min_population: q.min_population, weights: result.weights, scope: resolved.id,
      },
      per_category: result.summary.per_category,
      any_category: result.summary.any_category,
      score: {
        fr: 'Pour chaque catégorie, besoin = min(1, distance ÷ (2 × D)) (1 si aucun équipement dans les données) ; score = 100 × moyenne des besoins pondérée par les poids. 0 : tout est au point représentatif ; 50 : tout est à D ; 100 : tout est à 2 × D ou plus.',
        en: 'For each category, need = min(1, distance ÷ (2 × D)) (1 when the data has no facility); score = 100 × the weighted mean of the needs. 0: everything at the representative point; 50: everything at D; 100: everything at 2 × D or farther.',
      },
      licence, attribution, sources,
      method: '/analyse/methode',
    };
    provenanceHeaders(reply, metadata);
    // All of France is ~35,000 features and tens of MB: written in slices that give the event
    // loop back between them, so that one big answer does not stall every other request.
    const head = JSON.stringify({ type: 'FeatureCollection', metadata, summary });
    async function* body() {
      yield `${head.slice(0, -1)},"features":[`;
      for (let i = 0; i < rows.length; i += FEATURES_PER_SLICE) {
        const slice = rows.slice(i, i + FEATURES_PER_SLICE).map((r) => JSON.stringify({
          type: 'Feature', id: r.id, geometry: { type: 'Point', coordinates: r.geometry.map((x) => Number(formatCoordinate(x))) }, properties: r.properties,
        }));
        yield `${i === 0 ? '' : ','}${slice.join(',')}`;
        await setImmediate();
      }
      yield ']}';
    }
    return reply.type('application/geo+json').send(Readable.from(body()));
  });
};

export default needs;
