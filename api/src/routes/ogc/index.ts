// OGC API Features Part 1 (core, GeoJSON, OpenAPI 3.0) over the layer registry.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Readable } from 'node:stream';
import { Type } from 'typebox';
import { LAYERS, type LayerDefinition, requireLayer, temporalProperty } from '../../layers/registry.ts';
import { EXPORT_FORMATS } from '../../exports/formats.ts';
import { joinedBuffer } from '../../exports/geojson.ts';
import { readAhead } from '../../exports/pages.ts';
import { HttpProblem } from '../../problem.ts';
import {
  countFeatures, featurePages, featuresByKeys, getFeature, layerExtent, layerTimeExtent, pageKeys, whereClause,
} from '../../repositories/features.repository.ts';
import { ProblemSchema } from '../schemas.ts';
import { queryablesSchema } from '../../ogc/cql2/index.ts';
import { DATETIME_DESCRIPTION, parseBbox, parseDatetime, parseFilter, propertyFilters } from './params.ts';

export const MAX_LIMIT = 10_000;
/** Features per query: a page of up to 5,000 communes is sent while the next one is read. */
export const ITEMS_PAGE_SIZE = 1000;

export interface OgcOptions {
  /** Features per database query for items (default ITEMS_PAGE_SIZE); tests use a small one to cross pages. */
  pageSize?: number;
}
const CRS84 = 'http://www.opengis.net/def/crs/OGC/1.3/CRS84';
export const ITEM_PARAMS = ['bbox', 'datetime', 'limit', 'offset', 'f', 'filter', 'filter-lang', 'filter-crs'] as const;
/** ISO 8601 / Gregorian: the temporal reference system of OGC API temporal extents. */
const GREGORIAN = 'http://www.opengis.net/def/uom/ISO-8601/0/Gregorian';
const QUERYABLES_REL = 'http://www.opengis.net/def/rel/ogc/1.0/queryables';
export const CONFORMANCE = [
  'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core',
  'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson',
  'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30',
  'http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables',
  'http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables-query-parameters',
  'http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter',
  'http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter',
  'http://www.opengis.net/spec/cql2/1.0/conf/cql2-text',
  'http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2',
  'http://www.opengis.net/spec/cql2/1.0/conf/advanced-comparison-operators',
  'http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions',
];

const JsonDoc = Type.Unsafe<object>({ type: 'object', additionalProperties: true });
const GeoJsonDoc = Type.Unsafe<string | Readable>({ type: 'object', description: 'GeoJSON (RFC 7946)' });

function origin(request: FastifyRequest): string {
  return `${request.protocol}://${request.host}`;
}


function checkFormat(f: string | undefined): void {
  if (f !== undefined && f !== 'json' && f !== 'geojson') {
    throw new HttpProblem(400, `Format « ${f} » non disponible ici : json ou geojson.`, `Format "${f}" is not available here: json or geojson.`);
  }
}

async function collectionJson(app: { db: Parameters<typeof layerExtent>[0] }, base: string, layer: LayerDefinition) {
  const [extent, time] = await Promise.all([layerExtent(app.db, layer), layerTimeExtent(app.db, layer)]);
  const temporal = temporalProperty(layer);
  const href = `${base}/api/ogc/collections/${layer.id}`;
  return {
    id: layer.id,
    title: layer.title.fr,
    description: layer.description.fr,
    // French first; English alongside for clients that read it.
    'title:en': layer.title.en,
    'description:en': layer.description.en,
    itemType: 'feature',
    crs: [CRS84],
    storageCrs: CRS84,
    extent: {
      spatial: { bbox: [extent ?? [-180, -90, 180, 90]], crs: CRS84 },
      // Where `datetime` applies: the span of the property it filters (open while the layer is empty).
      ...(temporal ? { temporal: { interval: [time ?? [null, null]], trs: GREGORIAN, 'maillage:property': temporal.name } } : {}),
    },
    license: layer.licence,
    attribution: layer.attribution,
    links: [
      { rel: 'self', type: 'application/json', title: layer.title.fr, href },
      { rel: 'items', type: 'application/geo+json', title: 'Objets / Features', href: `${href}/items` },
      { rel: QUERYABLES_REL, type: 'application/schema+json', title: 'Propriétés filtrables / Queryables', href: `${href}/queryables` },
    ],
  };
}

const ogc: FastifyPluginAsyncTypebox<OgcOptions> = async (app, options) => {
  const pageSize = options.pageSize ?? ITEMS_PAGE_SIZE;
  app.get('/', { schema: { summary: 'Page d’accueil OGC / OGC landing page', tags: ['ogc'], response: { 200: JsonDoc } } }, async (request) => {
    const base = origin(request);
    return {
      title: 'Maillage – OGC API Features',
      description: 'Couches ouvertes du portail Maillage. / Open layers of the Maillage portal.',
      links: [
        { rel: 'self', type: 'application/json', href: `${base}/api/ogc` },
        { rel: 'service-desc', type: 'application/vnd.oai.openapi+json;version=3.0', href: `${base}/api/openapi.json` },
        { rel: 'conformance', type: 'application/json', href: `${base}/api/ogc/conformance` },
        { rel: 'data', type: 'application/json', href: `${base}/api/ogc/collections` },
      ],
    };
  });

  app.get('/conformance', { schema: { summary: 'Classes de conformité / Conformance', tags: ['ogc'], response: { 200: JsonDoc } } },
    async () => ({ conformsTo: CONFORMANCE }));

  app.get('/collections', { schema: { summary: 'Collections', tags: ['ogc'], response: { 200: JsonDoc } } }, async (request) => {
    const base = origin(request);
    return {
      links: [{ rel: 'self', type: 'application/json', href: `${base}/api/ogc/collections` }],
      collections: await Promise.all(LAYERS.map((l) => collectionJson(app, base, l))),
    };
  });

  app.get('/collections/:collectionId', {
    schema: {
      summary: 'Une collection / One collection', tags: ['ogc'],
      params: Type.Object({ collectionId: Type.String({ maxLength: 64 }) }),
      response: { 200: JsonDoc, 404: ProblemSchema },
    },
  }, async (request) => collectionJson(app, origin(request), requireLayer(request.params.collectionId)));

  app.get('/collections/:collectionId/items', {
    schema: {
      summary: 'Objets d’une collection / Features of a collection',
      description: 'bbox, datetime, limit, offset, CQL2 `filter`, and equality on any queryable property (e.g. ?category=cafe_bar).',
      tags: ['ogc'],
      params: Type.Object({ collectionId: Type.String({ maxLength: 64 }) }),
      querystring: Type.Object({
        bbox: Type.Optional(Type.String({ maxLength: 200 })),
        datetime: Type.Optional(Type.String({ maxLength: 100, description: DATETIME_DESCRIPTION })),
        limit: Type.Integer({ minimum: 1, maximum: MAX_LIMIT, default: 100 }),
        offset: Type.Integer({ minimum: 0, maximum: 10_000_000, default: 0 }),
        f: Type.Optional(Type.String({ maxLength: 20 })),
        // Longer than the CQL2 module's own limit, so that its clearer message is the one seen.
        filter: Type.Optional(Type.String({ maxLength: 8000 })),
        'filter-lang': Type.Optional(Type.String({ maxLength: 40 })),
      }, { additionalProperties: true }),
      response: { 200: GeoJsonDoc, 400: ProblemSchema, 404: ProblemSchema },
    },
  }, async (request, reply) => {
    const layer = requireLayer(request.params.collectionId);
    const query = request.query as Record<string, unknown> & typeof request.query;
    checkFormat(query.f);
    const filter = {
      bbox: query.bbox === undefined ? undefined : parseBbox(query.bbox),
      equals: propertyFilters(layer, query, ITEM_PARAMS),
      condition: parseFilter(layer, query),
      datetime: parseDatetime(layer, query.datetime),
    };
    const { limit, offset } = query;
    const where = whereClause(layer, filter);
    // A page that fits in one query is one statement. A bigger one without a filter is read by
    // key ranges (`key > last`: each query a range of the primary key's index, as cheap as the
    // one big statement); a filtered one reads its keys first (the filter and the sort run
    // once), then its features by key, `pageSize` at a time.
    const filtered = filter.bbox !== undefined || filter.equals.length > 0 || filter.condition !== undefined || filter.datetime !== undefined;
    const features = async () => (limit <= pageSize || !filtered
      ? featurePages(app.db, layer, where, { offset, limit, pageSize })
      : featuresByKeys(app.db, layer, await pageKeys(app.db, layer, where, offset, limit), pageSize));
    const [matched, pages] = await Promise.all([countFeatures(app.db, layer, filter), features().then(readAhead)]);
    const base = `${origin(request)}/api/ogc/collections/${layer.id}/items`;
    // The selection (bbox, filters): kept in the paging links and the download links alike.
    const selection = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (k !== 'offset' && k !== 'limit' && k !== 'f' && typeof v === 'string') selection.set(k, v);
    const page = (o: number) => {
      const params = new URLSearchParams(selection);
      if (query.f) params.set('f', query.f);
      params.set('limit', String(limit));
      params.set('offset', String(o));
      return `${base}?${params.toString()}`;
    };
    const links = [
      { rel: 'self', type: 'application/geo+json', href: page(offset) },
      { rel: 'collection', type: 'application/json', href: `${origin(request)}/api/ogc/collections/${layer.id}` },
    ];
    const suffix = selection.size ? `?${selection.toString()}` : '';
    for (const f of EXPORT_FORMATS) {
      links.push({ rel: 'alternate', type: f.mediaType, href: `${origin(request)}/api/exports/${layer.id}.${f.ext}${suffix}` });
    }
    // The features come page by page as GeoJSON text from PostgreSQL and are written as they come,
    // never parsed; the next page is read while one is sent. What depends on how many came
    // (numberReturned, the next link) follows the features.
    async function* body() {
      yield `{"type":"FeatureCollection","numberMatched":${matched},"timeStamp":${JSON.stringify(new Date().toISOString())},` +
        `"attribution":${JSON.stringify(layer.attribution)},"licence":${JSON.stringify(layer.licence)},"features":[`;
      let returned = 0;
      for await (const features of pages) {
        yield joinedBuffer(returned === 0 ? '' : ',', features, ',', '');
        returned += features.length;
      }
      if (offset + returned < matched) links.push({ rel: 'next', type: 'application/geo+json', href: page(offset + limit) });
      if (offset > 0) links.push({ rel: 'prev', type: 'application/geo+json', href: page(Math.max(0, offset - limit)) });
      yield `],"numberReturned":${returned},"links":${JSON.stringify(links)}}`;
    }
    return reply.type('application/geo+json').send(Readable.from(body(), { objectMode: false }));
  });

  app.get('/collections/:collectionId/queryables', {
    schema: {
      summary: 'Propriétés filtrables (JSON Schema) / Queryables', tags: ['ogc'],
      params: Type.Object({ collectionId: Type.String({ maxLength: 64 }) }),
      querystring: Type.Object({ lang: Type.Optional(Type.Union([Type.Literal('fr'), Type.Literal('en')])) }),
      response: { 200: JsonDoc, 404: ProblemSchema },
    },
  }, async (request, reply) => {
    const layer = requireLayer(request.params.collectionId);
    const id = `${origin(request)}/api/ogc/collections/${layer.id}/queryables`;
    return reply.type('application/schema+json').send(queryablesSchema(layer, id, request.query.lang ?? 'fr'));
  });

  app.get('/collections/:collectionId/items/:featureId', {
    schema: {
      summary: 'Un objet / One feature', tags: ['ogc'],
      params: Type.Object({ collectionId: Type.String({ maxLength: 64 }), featureId: Type.String({ maxLength: 64 }) }),
      response: { 200: GeoJsonDoc, 404: ProblemSchema },
    },
  }, async (request, reply) => {
    const layer = requireLayer(request.params.collectionId);
    const { featureId } = request.params;
    const numericId = layer.idColumn === 'id';
    const notFound = () => new HttpProblem(404, `Aucun objet « ${featureId} » dans ${layer.id}.`, `No feature "${featureId}" in ${layer.id}.`);
    if (numericId && !/^\d{1,15}$/.test(featureId)) throw notFound();
    const feature = await getFeature(app.db, layer, numericId ? Number(featureId) : featureId);
    if (!feature) throw notFound();
    const href = `${origin(request)}/api/ogc/collections/${layer.id}`;
    const links = [
      { rel: 'self', type: 'application/geo+json', href: `${href}/items/${encodeURIComponent(featureId)}` },
      { rel: 'collection', type: 'application/json', href },
    ];
    return reply.type('application/geo+json').send(`${feature.slice(0, -1)},"links":${JSON.stringify(links)}}`);
  });
};

export default ogc;
