// Security headers (api/src/plugins/external/security-headers.ts) on the API's answers, success
// and error alike, and on pages served by the web app. The web app here is a stand-in that
// answers like SvelteKit's handler (its own CSP, on the raw response): what is checked is the
// API's part, framing refused everywhere but /embed and the page's own policy left alone. The
// pages' policy itself is checked in Chromium (RELIABILITY.md, Security headers).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import type { WebHandler } from '@maillage/api';
import { participationApp as buildApp } from '../participation/app.ts';
import { openTestDb, dbModeName, type DbHandle } from '../support/db.ts';
import { loadToyTerritory } from '../importers/helpers.ts';
import { lonLatToTile } from '../../api/src/tiles/grid.ts';

/** What the stand-in web app puts in its pages' CSP (SvelteKit adds script hashes to its own). */
const PAGE_CSP = "default-src 'self'; script-src 'self' 'sha256-test'; worker-src 'self' blob:; img-src 'self' data: blob:";

const pages: WebHandler = (req, res, next) => {
  if (req.url?.startsWith('/missing')) return next();
  res.setHeader('content-security-policy', PAGE_CSP);
  res.setHeader('content-type', 'text/html');
  res.end('<!doctype html><title>page</title>');
};

const csp = (r: LightMyRequestResponse) => String(r.headers['content-security-policy'] ?? '');
const directives = (r: LightMyRequestResponse) => new Map(csp(r).split(';').map((d) => d.trim().split(/\s+/)).filter((d) => d[0]).map(([k, ...v]) => [k!, v]));

/** Headers every answer carries, API or page. */
function expectCommonHeaders(r: LightMyRequestResponse): void {
  expect(r.headers['x-content-type-options']).toBe('nosniff');
  expect(r.headers['referrer-policy']).toBe('same-origin');
  expect(r.headers['strict-transport-security']).toBe('max-age=15552000');
  expect(r.headers['cross-origin-opener-policy']).toBe('same-origin');
  expect(r.headers['x-powered-by']).toBeUndefined();
}

/** The API's own: nothing may load or run, nothing may frame it. */
function expectApiHeaders(r: LightMyRequestResponse): void {
  expectCommonHeaders(r);
  expect(directives(r).get('default-src')).toEqual(["'none'"]);
  expect(directives(r).get('frame-ancestors')).toEqual(["'none'"]);
  expect(r.headers['x-frame-options']).toBe('DENY');
}

describe(`security headers (${dbModeName()})`, () => {
  let h: DbHandle;
  let app: FastifyInstance;

  beforeAll(async () => {
    h = await openTestDb();
    await loadToyTerritory(h.db);
    app = await buildApp({ handle: h, webHandler: pages });
  });
  afterAll(async () => {
    await app?.close();
    await h?.close();
  });

  it.each([
    ['JSON', '/api/layers', 200, /^application\/json/],
    ['OGC items', '/api/ogc/collections/places/items?limit=5', 200, /^application\/geo\+json/],
    ['a 400 problem', '/api/ogc/collections/places/items?bbox=1,2,3', 400, /^application\/problem\+json/],
    ['a 404 problem', '/api/no-such-thing', 404, /^application\/problem\+json/],
  ])('on the API: %s', async (_, url, status, type) => {
    const r = await app.inject(url);
    expect(r.statusCode).toBe(status);
    expect(r.headers['content-type']).toMatch(type);
    expectApiHeaders(r);
  });

  it('on the API: a vector tile', async () => {
    const t = lonLatToTile(0.005, 45.005, 14);
    const r = await app.inject(`/api/tiles/places/14/${t.x}/${t.y}.mvt`);
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toMatch(/vnd\.mapbox-vector-tile/);
    expectApiHeaders(r);
  });

  it('on the API: a refused write (403 problem)', async () => {
    const r = await app.inject({ method: 'POST', url: '/api/contributions', payload: {} });
    expect(r.statusCode).toBeGreaterThanOrEqual(400);
    expect(r.headers['content-type']).toMatch(/^application\/problem\+json/);
    expectApiHeaders(r);
  });

  it.each(['/', '/communes/99001', '/analyse?scope=departement:53', '/embedded', '/embeds/x'])('on page %s: framing refused, the page keeps its own CSP', async (url) => {
    const r = await app.inject(url);
    expect(r.statusCode).toBe(200);
    expectCommonHeaders(r);
    expect(r.headers['x-frame-options']).toBe('DENY');
    expect(csp(r)).toBe(PAGE_CSP);
  });

  it.each(['/embed', '/embed?layers=places&bbox=0,45,0.01,45.01', '/embed/__data.json'])('on %s: any site may frame it', async (url) => {
    const r = await app.inject(url);
    expect(r.statusCode).toBe(200);
    expectCommonHeaders(r);
    expect(r.headers['x-frame-options']).toBeUndefined();
    expect(directives(r).has('frame-ancestors')).toBe(false);
    expect(csp(r)).toBe(PAGE_CSP);
  });

  it('on what the web app does not answer: the headers are there too', async () => {
    const r = await app.inject('/missing');
    expect(r.statusCode).toBe(404);
    expectCommonHeaders(r);
    expect(r.headers['x-frame-options']).toBe('DENY');
  });
});
