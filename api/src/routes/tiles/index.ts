// Mapbox vector tiles of every registered layer, and their TileJSON (see tiles/README.md).
// Handlers check input, call the repository, and answer with the HTTP caching headers.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { LAYERS, requireLayer } from '../../layers/registry.ts';
import { layerChanged, layerVersion } from '../../layers/versions.ts';
import { layerExtent } from '../../repositories/features.repository.ts';
import { layerWriteCounts, renderTile } from '../../repositories/tiles.repository.ts';
import { acceptsGzip, etagMatches, packTile, TileCache } from '../../tiles/cache.ts';
import { parseTileCoord } from '../../tiles/grid.ts';
import { DEFAULT_TILE_OPTIONS, tileFields, tileLayout, type TileOptions } from '../../tiles/layout.ts';
import { ProblemSchema } from '../schemas.ts';

export const MVT_MEDIA_TYPE = 'application/vnd.mapbox-vector-tile';
/** Zooms announced in TileJSON; clients overzoom past maxzoom, where tiles would add nothing. */
export const TILE_MINZOOM = 0;
export const TILE_MAXZOOM = 16;
/**
 * Tiles are public and change only with imports and moderation. Five minutes lets browsers and a
 * CDN reuse them while a pan goes back and forth, and bounds how long an edit takes to show; after
 * that, the ETag makes the check a 304 without a body.
 */
export const CACHE_CONTROL = 'public, max-age=300';
/** Web Mercator stops at ±85.0511°: TileJSON bounds beyond it mean nothing to a tile client. */
const MERCATOR_LAT = 85.051129;

export interface TilesPluginOptions {
  /** Points are aggregated below this zoom (default 12). */
  clusterBelowZoom?: number;
  /** Aggregation grid cells per tile side (default 64). */
  cellsPerTile?: number;
  /** Bytes of encoded tiles kept in memory (default 64 MiB; 0 disables the cache). */
  cacheBytes?: number;
  /**
   * PostGIS server only: how often PostgreSQL's write counters of the layer tables are read, so
   * that writes from other processes (a CLI import, another API instance) reach the cache
   * (default 5,000 ms; 0 turns it off). Writes in this process call layerChanged and show at once.
   */
  writePollMs?: number;
}

export const DEFAULT_TILE_CACHE_BYTES = 64 * 1024 * 1024;
const DEFAULT_WRITE_POLL_MS = 5000;

const CollectionParam = Type.String({ maxLength: 64, description: 'Identifiant de la couche / Layer id' });

const TileParams = Type.Object({
  collection: CollectionParam,
  z: Type.String({ maxLength: 12, description: 'Zoom, 0 à 22 / Zoom, 0 to 22' }),
  x: Type.String({ maxLength: 12, description: 'Colonne, 0 à 2^z − 1 / Column, 0 to 2^z − 1' }),
  y: Type.String({ maxLength: 12, description: 'Ligne depuis le nord, 0 à 2^z − 1 / Row from the north, 0 to 2^z − 1' }),
});

const TileJsonSchema = Type.Object({
  tilejson: Type.Literal('3.0.0'),
  name: Type.String(),
  description: Type.String(),
  attribution: Type.String(),
  version: Type.String(),
  scheme: Type.Literal('xyz'),
  tiles: Type.Array(Type.String()),
  minzoom: Type.Integer(),
  maxzoom: Type.Integer(),
  bounds: Type.Tuple([Type.Number(), Type.Number(), Type.Number(), Type.Number()]),
  vector_layers: Type.Array(Type.Object({
    id: Type.String(),
    description: Type.String(),
    minzoom: Type.Integer(),
    maxzoom: Type.Integer(),
    fields: Type.Record(Type.String(), Type.String()),
  })),
  'maillage:cluster_below_zoom': Type.Optional(Type.Integer({ description: 'Points are aggregated below this zoom; clusters carry `count`.' })),
});


const clampLat = (lat: number) => Math.max(-MERCATOR_LAT, Math.min(MERCATOR_LAT, lat));

const tiles: FastifyPluginAsyncTypebox<TilesPluginOptions> = async (app, opts) => {
  const options: TileOptions = {
    clusterBelowZoom: opts.clusterBelowZoom ?? DEFAULT_TILE_OPTIONS.clusterBelowZoom,
    cellsPerTile: opts.cellsPerTile ?? DEFAULT_TILE_OPTIONS.cellsPerTile,
  };
  const cache = new TileCache({ maxBytes: opts.cacheBytes ?? DEFAULT_TILE_CACHE_BYTES });
  const pollMs = opts.writePollMs ?? DEFAULT_WRITE_POLL_MS;
  if (app.dbMode === 'postgres' && pollMs > 0) await watchOtherWriters(app, pollMs);

  app.get('/:collection/:z/:x/:y.mvt', {
    // What a tile request does not need, skipped on the path every map view takes dozens of
    // times: @fastify/compress (the gzip bytes are cached with the tile; a GET has no body to
    // inflate) and the session lookup (a tile is the same for everyone).
    compress: false,
    decompress: false,
    config: { session: false },
    schema: {
      summary: 'Tuile vectorielle / Vector tile',
      description: `Mapbox Vector Tile 2.1, one layer named after the collection. Below zoom ${options.clusterBelowZoom}, points are `
        + 'aggregated on a grid (`count`, most frequent category). gzip when accepted; ETag and If-None-Match; 204 when the tile is empty.',
      tags: ['tiles'],
      params: TileParams,
      response: {
        200: Type.Unsafe<Buffer>({ type: 'string', format: 'binary', description: MVT_MEDIA_TYPE }),
        204: Type.Null({ description: 'Tuile vide / Empty tile' }),
        304: Type.Null({ description: 'Inchangée depuis l’ETag donné / Not modified since the given ETag' }),
        400: ProblemSchema,
        404: ProblemSchema,
      },
    },
  }, async (request, reply) => {
    const layer = requireLayer(request.params.collection);
    const tile = parseTileCoord(request.params.z, request.params.x, request.params.y);
    // The layer's version, from memory: a cache hit never waits for the database. It is read
    // before the tile is built, and writers bump it after they commit, so a tile is always at
    // least as new as its key says.
    const key = `${layer.id}/${tile.z}/${tile.x}/${tile.y}@${layerVersion(layer.id)}`;
    // A hit is answered without a promise in between.
    const packed = cache.peek(key) ?? await cache.get(key, async () => packTile(await renderTile(app.db, app.dbMode, layer, tile, options)));

    reply.header('Cache-Control', CACHE_CONTROL);
    if (packed.raw.length === 0) return reply.code(204).send(null);
    const gzip = acceptsGzip(request.headers['accept-encoding']);
    const etag = gzip ? packed.etagGzip : packed.etag;
    reply.header('ETag', etag).header('Vary', 'Accept-Encoding');
    if (etagMatches(request.headers['if-none-match'], etag)) return reply.code(304).send(null);
    // @fastify/compress leaves this media type alone (mime-db does not call it compressible), and
    // the gzip bytes are cached with the tile rather than compressed on every request.
    if (gzip) reply.header('Content-Encoding', 'gzip');
    return reply.type(MVT_MEDIA_TYPE).send(gzip ? packed.gzip : packed.raw);
  });

  app.get('/:collection.json', {
    schema: {
      summary: 'TileJSON d’une couche / TileJSON of a layer',
      tags: ['tiles'],
      params: Type.Object({ collection: CollectionParam }),
      response: { 200: TileJsonSchema, 404: ProblemSchema },
    },
  }, async (request, reply) => {
    const layer = requireLayer(request.params.collection);
    const layout = tileLayout(layer);
    const extent = await layerExtent(app.db, layer);
    const bounds: [number, number, number, number] = extent
      ? [extent[0], clampLat(extent[1]), extent[2], clampLat(extent[3])]
      : [-180, -MERCATOR_LAT, 180, MERCATOR_LAT];
    reply.header('Cache-Control', CACHE_CONTROL);
    return {
      tilejson: '3.0.0' as const,
      name: layer.title.fr,
      description: `${layer.description.fr} / ${layer.description.en}`,
      attribution: layer.attribution,
      version: '1.0.0',
      scheme: 'xyz' as const,
      tiles: [`${request.protocol}://${request.host}${app.prefix}/${layer.id}/{z}/{x}/{y}.mvt`],
      minzoom: TILE_MINZOOM,
      maxzoom: TILE_MAXZOOM,
      bounds,
      vector_layers: [{
        id: layer.id,
        description: layer.title.fr,
        minzoom: TILE_MINZOOM,
        maxzoom: TILE_MAXZOOM,
        fields: tileFields(layer, layout, options),
      }],
      ...(layout.clusters ? { 'maillage:cluster_below_zoom': options.clusterBelowZoom } : {}),
    };
  });
};

/**
 * Reads PostgreSQL's write counters of the layer tables now (the baseline), then every `pollMs`,
 * and calls layerChanged for each layer whose counter moved: writes by other processes reach the
 * tile cache within the interval plus PostgreSQL's statistics delay. A failed read is logged
 * and retried at the next tick; the timer stops when the app closes.
 */
async function watchOtherWriters(app: FastifyInstance, pollMs: number): Promise<void> {
  let last: Map<string, string> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let closed = false;
  const poll = async () => {
    try {
      const counts = await layerWriteCounts(app.db, LAYERS);
      if (last) for (const [id, n] of counts) if (last.get(id) !== n) layerChanged(id);
      last = counts;
    } catch (error) {
      if (!closed) app.log.warn({ err: error }, 'tiles: could not read the write counters of the layer tables; retrying at the next tick');
    }
    if (!closed) timer = setTimeout(() => { running = poll(); }, pollMs).unref();
  };
  app.addHook('onClose', async () => {
    closed = true;
    clearTimeout(timer);
    // The database closes after the app: let a read under way finish first.
    await running;
  });
  running = poll();
  await running;
}

export default tiles;
