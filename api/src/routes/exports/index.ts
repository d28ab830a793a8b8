// Downloads of a whole layer with the map's filters: `/<collection>.geojson|csv|gpkg` and the
// CSV's CSVW companion `/<collection>.csv-metadata.json`. Licence and attribution travel with
// every file (and in X-Licence / X-Attribution / Link headers). Bodies are streamed page by page.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { type FileHandle, mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { Type } from 'typebox';
import { type CsvGeometry, csvChunks, csvwMetadata } from '../../exports/csv.ts';
import { CSVW_EXTENSION, CSVW_MEDIA_TYPE, EXPORT_FORMATS, type ExportFormat } from '../../exports/formats.ts';
import { geojsonChunks } from '../../exports/geojson.ts';
import { readAhead } from '../../exports/pages.ts';
import { writeGeoPackage } from '../../exports/gpkg.ts';
import { buildExportMetadata, exportFileName, provenanceHeaders } from '../../exports/metadata.ts';
import type { ExportQuery, ExportRow } from '../../exports/types.ts';
import { type LayerDefinition, requireLayer } from '../../layers/registry.ts';
import { HttpProblem } from '../../problem.ts';
import { EXPORT_PAGE_SIZE, exportPages, exportSources } from '../../repositories/export.repository.ts';
import { featurePages, whereClause } from '../../repositories/features.repository.ts';
import { DATETIME_DESCRIPTION, parseBbox, parseDatetime, parseFilter, propertyFilters } from '../ogc/params.ts';
import { ProblemSchema } from '../schemas.ts';

export interface ExportsOptions {
  /** Rows per database query (default EXPORT_PAGE_SIZE); tests use a small one to cross pages. */
  pageSize?: number;
}

type Format = ExportFormat | typeof CSVW_EXTENSION;
const DOWNLOADS: readonly string[] = EXPORT_FORMATS.map((f) => f.ext);

function mediaType(format: Format): string {
  if (format === CSVW_EXTENSION) return `${CSVW_MEDIA_TYPE}; charset=utf-8`;
  // RFC 4180: say the charset and that there is a header row.
  if (format === 'csv') return 'text/csv; charset=utf-8; header=present';
  return EXPORT_FORMATS.find((f) => f.ext === format)!.mediaType;
}
/** Query parameters that are not property filters. */
const RESERVED = ['bbox', 'datetime', 'filter', 'filter-lang', 'filter-crs'] as const;

function parseFile(file: string): { layer: LayerDefinition; format: Format } {
  const dot = file.indexOf('.');
  const collection = dot < 0 ? file : file.slice(0, dot);
  const extension = dot < 0 ? '' : file.slice(dot + 1);
  const layer = requireLayer(collection);
  if (!DOWNLOADS.includes(extension) && extension !== CSVW_EXTENSION) {
    throw new HttpProblem(404, `Format d’export inconnu « ${extension} » : ${DOWNLOADS.map((f) => `${collection}.${f}`).join(', ')} (et ${collection}.${CSVW_EXTENSION} pour la description CSVW).`,
      `Unknown export format "${extension}": ${DOWNLOADS.map((f) => `${collection}.${f}`).join(', ')} (and ${collection}.${CSVW_EXTENSION} for the CSVW description).`,
      { formats: [...DOWNLOADS, CSVW_EXTENSION] });
  }
  return { layer, format: extension as Format };
}

function csvGeometryFor(layer: LayerDefinition, asked: CsvGeometry | undefined): CsvGeometry {
  if (asked === 'lonlat' && layer.geometry !== 'Point') {
    throw new HttpProblem(400, `csv_geometry=lonlat n’existe que pour les couches de points ; ${layer.id} a des géométries ${layer.geometry} : utilisez csv_geometry=wkt.`,
      `csv_geometry=lonlat only exists for point layers; ${layer.id} has ${layer.geometry} geometries: use csv_geometry=wkt.`);
  }
  return asked ?? (layer.geometry === 'Point' ? 'lonlat' : 'wkt');
}

function queryString(request: FastifyRequest): string {
  const q = request.url.indexOf('?');
  return q < 0 ? '' : request.url.slice(q);
}

const exportsRoutes: FastifyPluginAsyncTypebox<ExportsOptions> = async (app, options) => {
  const pageSize = options.pageSize ?? EXPORT_PAGE_SIZE;

  app.get('/:file', {
    schema: {
      summary: 'Export d’une couche / Layer export',
      description: '`<collection>.geojson` (RFC 7946, licence in the `metadata` member), `<collection>.csv` (RFC 4180, UTF-8; '
        + 'CSVW description at `<collection>.csv-metadata.json`), `<collection>.gpkg` (GeoPackage 1.3, EPSG:4326). '
        + 'Same filters as the map and the OGC items: `bbox`, `datetime`, CQL2 `filter`, and `?property=value` on the layer\'s properties.',
      tags: ['exports'],
      params: Type.Object({ file: Type.String({ maxLength: 100, description: 'collection.format, e.g. places.geojson' }) }),
      querystring: Type.Object({
        bbox: Type.Optional(Type.String({ maxLength: 200, description: 'minLon,minLat,maxLon,maxLat (WGS 84)' })),
        datetime: Type.Optional(Type.String({ maxLength: 100, description: DATETIME_DESCRIPTION })),
        filter: Type.Optional(Type.String({ maxLength: 8000, description: 'CQL2 text filter, as for the OGC items' })),
        'filter-lang': Type.Optional(Type.String({ maxLength: 40 })),
        csv_geometry: Type.Optional(Type.Union([Type.Literal('lonlat'), Type.Literal('wkt')], {
          description: 'CSV only: lon/lat columns (point layers, the default for them) or a WKT column (the default otherwise)',
        })),
      }, { additionalProperties: true, description: 'Also `<property>=<value>` for the layer\'s properties' }),
      response: {
        200: Type.Unsafe<unknown>({ description: 'The file: application/geo+json, text/csv, application/geopackage+sqlite3 or application/csvm+json' }),
        400: ProblemSchema,
        404: ProblemSchema,
      },
    },
  }, async (request, reply) => {
    const { layer, format } = parseFile(request.params.file);
    const query = request.query as Record<string, unknown> & typeof request.query;
    const isCsv = format === 'csv' || format === CSVW_EXTENSION;
    // Every parameter must mean something, so a typo never silently exports everything.
    const equals = propertyFilters(layer, query, isCsv ? [...RESERVED, 'csv_geometry'] : RESERVED);
    const bbox = query.bbox === undefined ? undefined : parseBbox(query.bbox);
    const condition = parseFilter(layer, query);
    const datetime = parseDatetime(layer, query.datetime);
    const lang = query['filter-lang'] ?? 'cql2-text';
    const csvGeometry = isCsv ? csvGeometryFor(layer, query.csv_geometry) : undefined;

    const where = whereClause(layer, { bbox, equals, condition, datetime });
    const now = new Date();
    const exportQuery: ExportQuery = {
      collection: layer.id, format, bbox: bbox ?? null,
      properties: Object.fromEntries(equals.map((e) => [e.property.name, String(e.value)])),
      filter: query.filter ?? null, 'filter-lang': query.filter === undefined ? null : lang, datetime: query.datetime ?? null, url: request.url,
    };
    const metadata = buildExportMetadata(layer, await exportSources(app.db, layer, where), exportQuery, now);
    const search = queryString(request);

    if (format === CSVW_EXTENSION) {
      provenanceHeaders(reply, metadata);
      return reply.type(mediaType(format)).send(JSON.stringify(csvwMetadata(layer, csvGeometry!, metadata, `${layer.id}.csv${search}`), null, 2));
    }

    const download = () => {
      reply.type(mediaType(format));
      reply.header('content-disposition', `attachment; filename="${exportFileName(layer.id, format, now)}"`);
      provenanceHeaders(reply, metadata,
        format === 'csv' ? [`<${layer.id}.${CSVW_EXTENSION}${search}>; rel="describedby"; type="${CSVW_MEDIA_TYPE}"`] : []);
      return reply;
    };
    if (request.method === 'HEAD') return download().send();
    if (format === 'gpkg') {
      const file = await buildGeoPackage(request, reply, (path, signal) =>
        writeGeoPackage(path, layer, metadata, exportPages(app.db, layer, where, 'wkb', pageSize), signal));
      return file ? sendFileOnce(download(), file) : reply;
    }
    const chunks = format === 'geojson'
      ? geojsonChunks(metadata, await readAhead(featurePages(app.db, layer, where, { pageSize })))
      : csvChunks(layer, csvGeometry!, await readAhead<ExportRow<[number, number] | string | null>[]>(csvGeometry === 'lonlat'
        ? exportPages(app.db, layer, where, 'lonlat', pageSize) : exportPages(app.db, layer, where, 'wkt', pageSize)));
    // Readable.from pulls the next chunk only when the response drains; readAhead keeps one page's query in flight meanwhile.
    return download().send(Readable.from(chunks, { objectMode: false, highWaterMark: 64 * 1024 }));
  });
};

/**
 * A GeoPackage is a SQLite file, which cannot be written to a socket as it grows: build it in a
 * private temporary folder, and stop building if the client goes away (then answer nothing).
 * Resolves with the open file, already unlinked, or undefined when the client left.
 */
async function buildGeoPackage(request: FastifyRequest, reply: FastifyReply, build: (path: string, signal: AbortSignal) => Promise<unknown>): Promise<FileHandle | undefined> {
  const dir = await mkdtemp(join(tmpdir(), 'maillage-export-'));
  const gone = new AbortController();
  const onClose = () => gone.abort();
  reply.raw.once('close', onClose);
  try {
    const path = join(dir, 'export.gpkg');
    await build(path, gone.signal);
    // Open, then delete: the descriptor keeps the file readable, and nothing stays on disk
    // whatever happens to the response.
    return await open(path);
  } catch (error) {
    if (!gone.signal.aborted) throw error;
    request.log.info({ url: request.url }, 'export abandoned: the client went away');
    reply.hijack();
    return undefined;
  } finally {
    reply.raw.off('close', onClose);
    await rm(dir, { recursive: true, force: true });
  }
}

/** Streams an open file with its length; the stream closes the descriptor. */
async function sendFileOnce(reply: FastifyReply, file: FileHandle): Promise<FastifyReply> {
  try {
    reply.header('content-length', (await file.stat()).size);
  } catch (error) {
    await file.close();
    throw error;
  }
  return reply.send(file.createReadStream());
}

export default exportsRoutes;
