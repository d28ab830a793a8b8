// DCAT-AP catalogue in JSON-LD: one dcat:Dataset per layer with its provenance and one
// dcat:Distribution per download format, read from the layer registry and the sources table.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { EXPORT_FORMATS } from '../exports/formats.ts';
import { LAYERS } from '../layers/registry.ts';
import { layerSources } from '../repositories/catalog.repository.ts';
import { layerExtent } from '../repositories/features.repository.ts';

const CONTEXT = {
  dcat: 'http://www.w3.org/ns/dcat#',
  dct: 'http://purl.org/dc/terms/',
  foaf: 'http://xmlns.com/foaf/0.1/',
  locn: 'http://www.w3.org/ns/locn#',
  xsd: 'http://www.w3.org/2001/XMLSchema#',
  gsp: 'http://www.opengis.net/ont/geosparql#',
};

const text = (fr: string, en: string) => [{ '@language': 'fr', '@value': fr }, { '@language': 'en', '@value': en }];

const catalog: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/catalog', {
    schema: {
      summary: 'Catalogue DCAT-AP (JSON-LD) / DCAT-AP catalogue',
      tags: ['catalog'],
      response: { 200: Type.Unsafe<object>({ type: 'object', additionalProperties: true }) },
    },
  }, async (request, reply) => {
    const base = `${request.protocol}://${request.host}`;
    const publisher = { '@type': 'foaf:Organization', 'foaf:name': 'Maillage' };
    const datasets = await Promise.all(LAYERS.map(async (layer) => {
      const [sources, extent] = await Promise.all([layerSources(app.db, layer), layerExtent(app.db, layer)]);
      const modified = sources.map((s) => s.imported_at).filter((d): d is Date => !!d).sort((a, b) => +b - +a)[0];
      const licences = [...new Set(sources.map((s) => s.licence_url ?? s.licence))];
      return {
        '@id': `${base}/api/catalog#${layer.id}`,
        '@type': 'dcat:Dataset',
        'dct:identifier': layer.id,
        'dct:title': text(layer.title.fr, layer.title.en),
        'dct:description': text(layer.description.fr, layer.description.en),
        'dct:publisher': publisher,
        'dct:license': licences.length === 1 ? { '@id': licences[0] } : licences.map((l) => ({ '@id': l })),
        'dct:rights': sources.some((s) => s.odbl)
          ? text('Données issues d’OpenStreetMap sous ODbL : partage à l’identique.', 'OpenStreetMap-derived data under the ODbL: share-alike.')
          : undefined,
        'dct:source': sources.map((s) => ({ '@id': s.url ?? `${base}/api/catalog#source-${s.key}`, 'dct:title': s.title, 'dct:license': s.licence, 'dct:rightsHolder': s.attribution, 'dct:modified': s.imported_at })),
        'dct:modified': modified ? { '@type': 'xsd:dateTime', '@value': modified.toISOString() } : undefined,
        'dct:spatial': extent ? {
          '@type': 'dct:Location',
          'dcat:bbox': { '@type': 'gsp:wktLiteral', '@value': `POLYGON((${extent[0]} ${extent[1]},${extent[2]} ${extent[1]},${extent[2]} ${extent[3]},${extent[0]} ${extent[3]},${extent[0]} ${extent[1]}))` },
        } : undefined,
        'dcat:keyword': ['maillage', 'territoire', layer.id, layer.title.fr],
        'dcat:distribution': [
          ...EXPORT_FORMATS.map((f) => ({
            '@type': 'dcat:Distribution',
            'dct:title': `${layer.title.fr} (${f.ext.toUpperCase()})`,
            'dcat:downloadURL': { '@id': `${base}/api/exports/${layer.id}.${f.ext}` },
            'dcat:mediaType': f.mediaType,
            'dct:format': { '@id': f.format },
            'dct:license': licences.length === 1 ? { '@id': licences[0] } : undefined,
          })),
          {
            '@type': 'dcat:Distribution',
            'dct:title': 'OGC API Features',
            'dcat:accessURL': { '@id': `${base}/api/ogc/collections/${layer.id}` },
            'dcat:mediaType': 'application/geo+json',
          },
        ],
        'dct:extent': sources.reduce((n, s) => n + s.features, 0),
      };
    }));
    return reply.type('application/ld+json; charset=utf-8').send({
      '@context': CONTEXT,
      '@id': `${base}/api/catalog`,
      '@type': 'dcat:Catalog',
      'dct:title': text('Catalogue des données de Maillage', 'Maillage data catalogue'),
      'dct:description': text('Couches ouvertes du portail, avec licence, provenance et date.', 'Open layers of the portal, with licence, provenance and date.'),
      'dct:publisher': publisher,
      'dcat:dataset': datasets,
    });
  });
};

export default catalog;
