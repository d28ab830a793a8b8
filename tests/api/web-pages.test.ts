// Pages of the web app go through the API's server (api/src/app.ts): they are compressed when the
// browser accepts it, and files the web app already sends compressed are left as they are. The web
// app is a stand-in that writes to the raw response as SvelteKit's handler does.
import { brotliDecompressSync, gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApp, type WebHandler } from '@maillage/api';
import { openTestDb, dbModeName, type DbHandle } from '../support/db.ts';

/** A page the size of the map's (tens of kB of HTML with its inline data). */
const PAGE = `<!doctype html><title>Maillage</title>${'<p>Communes et lieux du quotidien en Mayenne</p>\n'.repeat(600)}`;
const SCRIPT = 'export const x = 1;\n'.repeat(400);

const pages: WebHandler = (req, res, next) => {
  if (req.url === '/') {
    res.setHeader('content-type', 'text/html; charset=utf-8');
    res.end(PAGE);
  } else if (req.url === '/_app/app.js') {
    // A precompressed static file, as sirv sends the .gz next to it.
    res.setHeader('content-type', 'text/javascript');
    res.setHeader('content-encoding', 'gzip');
    res.end(gzipSync(SCRIPT));
  } else if (req.url === '/small') {
    res.setHeader('content-type', 'text/html');
    res.end('<p>court</p>');
  } else next();
};

describe(`web pages through the API server (${dbModeName()})`, () => {
  let h: DbHandle;
  let app: FastifyInstance;

  beforeAll(async () => {
    h = await openTestDb();
    app = await buildApp({ handle: h, webHandler: pages });
  });
  afterAll(async () => {
    await app?.close();
    await h?.close();
  });

  it.each([
    ['br', (b: Buffer) => brotliDecompressSync(b)],
    ['gzip', (b: Buffer) => gunzipSync(b)],
  ] as const)('compresses a page with %s when the browser accepts it', async (encoding, decode) => {
    const r = await app.inject({ url: '/', headers: { 'accept-encoding': encoding } });
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-encoding']).toBe(encoding);
    expect(String(r.headers.vary)).toMatch(/accept-encoding/i);
    expect(r.rawPayload.length).toBeLessThan(PAGE.length / 10);
    expect(decode(r.rawPayload).toString('utf8')).toBe(PAGE);
  });

  it('sends the page as it is to a client that accepts no encoding', async () => {
    const r = await app.inject({ url: '/', headers: { 'accept-encoding': 'identity' } });
    expect(r.headers['content-encoding']).toBeUndefined();
    expect(r.payload).toBe(PAGE);
  });

  it('leaves a file the web app sent compressed alone', async () => {
    const r = await app.inject({ url: '/_app/app.js', headers: { 'accept-encoding': 'br, gzip' } });
    expect(r.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(r.rawPayload).toString('utf8')).toBe(SCRIPT);
  });

  it('does not compress a page under 1 kB', async () => {
    const r = await app.inject({ url: '/small', headers: { 'accept-encoding': 'gzip' } });
    expect(r.headers['content-encoding']).toBeUndefined();
    expect(r.payload).toBe('<p>court</p>');
  });

  it('keeps the 404 of a path the web app does not know', async () => {
    const r = await app.inject({ url: '/nowhere', headers: { 'accept-encoding': 'gzip' } });
    expect(r.statusCode).toBe(404);
  });
});
