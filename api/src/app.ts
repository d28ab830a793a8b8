// Boot order: external plugins (db, OpenAPI) → routes under /api → the web app for every
// other path, so one origin serves both.
import Fastify, { type FastifyInstance } from 'fastify';
import compress from '@fastify/compress';
import compression from 'compression';
import type { ZlibOptions } from 'node:zlib';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { DbHandle } from '@maillage/sql';
import { zstdOptions } from './compression.ts';
import db from './plugins/external/db.ts';
import swagger from './plugins/external/swagger.ts';
import loadShedding from './plugins/external/under-pressure.ts';
import securityHeaders from './plugins/external/security-headers.ts';
import auth, { type AuthOptions } from './plugins/app/auth.ts';
import { logMailer, type Mailer } from './mail/mailer.ts';
import authRoutes from './routes/auth/index.ts';
import contributions from './routes/contributions/index.ts';
import moderation from './routes/moderation/index.ts';
import featureHistory from './routes/moderation/history.ts';
import projects from './routes/projects/index.ts';
import feed from './routes/feed.ts';
import { errorHandler, frameworkErrorHandler, rejectNonFinite, sendProblem } from './problem.ts';
import health from './routes/health.ts';
import catalog from './routes/catalog.ts';
import exportsRoutes from './routes/exports/index.ts';
import communes from './routes/communes.ts';
import explorer from './routes/explorer.ts';
import layers from './routes/layers.ts';
import search from './routes/search.ts';
import ogc from './routes/ogc/index.ts';
import tiles, { type TilesPluginOptions } from './routes/tiles/index.ts';
import analysis from './routes/analysis/index.ts';
import territories from './routes/territories/index.ts';

export type WebHandler = (req: IncomingMessage, res: ServerResponse, next: () => void) => void;

export interface AppOptions {
  handle: DbHandle;
  /** SvelteKit's adapter-node handler (web/build/handler.js); without it only /api is served. */
  webHandler?: WebHandler | undefined;
  logger?: boolean;
  /** Vector tiles: the in-memory cache's size (`cacheBytes`, 0 turns it off) and the write poll. */
  tiles?: TilesPluginOptions | undefined;
  /** Sessions, cookies and write limits (defaults from the environment, see README). */
  auth?: AuthOptions | undefined;
  /** Where password-reset mails go; the default writes them to the server log. */
  mailer?: Mailer | undefined;
}

export async function buildApp({ handle, webHandler, logger = false, tiles: tileOptions = {}, auth: authOptions = {}, mailer = logMailer() }: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger,
    bodyLimit: 1_048_576,
    // Query strings are bounded: a long one is probing, not a map view.
    routerOptions: { maxParamLength: 200 },
    frameworkErrors: frameworkErrorHandler,
    // discriminator: a body that is one of several shapes (a contribution's `kind`) is checked
    // against the shape its tag names, so the error speaks of that shape.
    ajv: { customOptions: { coerceTypes: true, removeAdditional: false, useDefaults: true, discriminator: true } },
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.setErrorHandler(errorHandler);
  app.addHook('preHandler', rejectNonFinite);
  await app.register(securityHeaders);
  await app.register(db, { handle });
  await app.register(loadShedding, { handle });
  await app.register(swagger);
  // @fastify/compress hands `zlibOptions` to zstd, gzip and deflate alike (its type says zlib's
  // only); gzip and deflate ignore zstd's `params`.
  await app.register(compress, { threshold: 1024, zlibOptions: zstdOptions as ZlibOptions });
  await app.register(auth, authOptions);

  await app.register(async (api) => {
    await api.register(health);
    await api.register(layers);
    await api.register(catalog);
    await api.register(search);
    await api.register(communes);
    await api.register(explorer);
    await api.register(ogc, { prefix: '/ogc' });
    await api.register(tiles, { ...tileOptions, prefix: '/tiles' });
    await api.register(exportsRoutes, { prefix: '/exports' });
    await api.register(analysis, { prefix: '/analysis' });
    await api.register(territories);
    await api.register(authRoutes, { prefix: '/auth', mailer });
    await api.register(contributions, { prefix: '/contributions' });
    await api.register(moderation, { prefix: '/moderation' });
    await api.register(featureHistory);
    await api.register(projects, { prefix: '/projects' });
    await api.register(feed);
    api.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  }, { prefix: '/api' });

  // Browsers ask for /favicon.ico on documents that name no icon (a feed, an API answer).
  if (webHandler) app.get('/favicon.ico', { schema: { hide: true } }, (_request, reply) => reply.redirect('/favicon.svg', 301));

  // The web handler writes to the raw response, past @fastify/compress: its pages (37 kB of
  // HTML for the map) are compressed here. Its static files are sent precompressed (.br, .gz),
  // which `compression` leaves alone as they already carry a Content-Encoding.
  const compressPages = compression({ threshold: 1024 });
  // Typed for Express; it reads only the request's headers and wraps the response's methods.
  type PageRequest = Parameters<typeof compressPages>[0];
  type PageResponse = Parameters<typeof compressPages>[1];
  app.setNotFoundHandler((request, reply) => {
    if (!request.url.startsWith('/api') && webHandler && (request.method === 'GET' || request.method === 'HEAD')) {
      reply.hijack();
      compressPages(request.raw as PageRequest, reply.raw as PageResponse, () => {
        webHandler(request.raw, reply.raw, () => {
          reply.raw.statusCode = 404;
          reply.raw.end('Not found');
        });
      });
      return;
    }
    sendProblem(reply, request, 404, `Aucune ressource à ${request.method} ${request.url.split('?')[0]}.`,
      `No resource at ${request.method} ${request.url.split('?')[0]}.`);
  });
  return app;
}
