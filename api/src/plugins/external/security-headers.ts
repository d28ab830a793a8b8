import fp from 'fastify-plugin';
import helmet, { type HelmetOptions } from 'helmet';
import type { ServerResponse } from 'node:http';

/**
 * The API's Content-Security-Policy: its answers are JSON, MVT, CSV, GeoJSON and problem+json,
 * none of which loads anything, so a browser tricked into rendering one as a page runs nothing
 * and cannot be framed. Pages get the web app's own policy instead (web/vite.config.ts,
 * `csp`): only SvelteKit knows the hashes of the inline scripts it writes into each page.
 */
export const API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/** Paths any site may put in an iframe: the embeddable map (and its SvelteKit data requests). */
export const FRAMEABLE = /^\/embed(?:[/?]|$)/;

const HELMET_OPTIONS: HelmetOptions = {
  // Set below per path: the API's here, the pages' by SvelteKit.
  contentSecurityPolicy: false,
  frameguard: { action: 'deny' },
  referrerPolicy: { policy: 'same-origin' },
  // Browsers honour HSTS only over https, so a plain-http LAN install is unaffected. Without
  // includeSubDomains: this server cannot speak for the operator's other hosts.
  strictTransportSecurity: { maxAge: 15_552_000, includeSubDomains: false },
};

/**
 * What helmet writes with these options, recorded once: none of its headers depends on the
 * request (no CSP nonces here), so every request gets the same list. @fastify/helmet built a new
 * helmet middleware from the options on every request, which was most of a cached tile's cost.
 */
function helmetHeaders(options: HelmetOptions): { set: [string, string][]; removed: string[] } {
  const set: [string, string][] = [];
  const removed: string[] = [];
  const recorder = {
    setHeader(name: string, value: string) {
      set.push([name.toLowerCase(), String(value)]);
    },
    removeHeader(name: string) {
      removed.push(name.toLowerCase());
    },
  };
  helmet(options)({} as never, recorder as unknown as ServerResponse, (error?: unknown) => {
    if (error) throw error;
  });
  return { set, removed };
}

/**
 * Security headers on every answer (helmet's): nosniff, Referrer-Policy same-origin (a reset
 * token in a URL never leaves the site, and visitors' pages are not reported to linked sites),
 * X-Frame-Options DENY, Cross-Origin-Opener/Resource-Policy same-origin, HSTS. Framing is refused
 * everywhere but /embed, which any site may frame; the API adds `frame-ancestors 'none'` to its
 * CSP, pages rely on X-Frame-Options (their CSP is the web app's, shared by /embed).
 *
 * Registered first, so that answers from the load-shedding and error paths carry them too.
 */
export default fp(async (app) => {
  const { set, removed } = helmetHeaders(HELMET_OPTIONS);
  // Written on the raw response, because the web app answers there. A callback hook: no
  // promise per request.
  app.addHook('onRequest', (request, reply, done) => {
    const res = reply.raw;
    for (const name of removed) res.removeHeader(name);
    for (const [name, value] of set) res.setHeader(name, value);
    if (request.url.startsWith('/api')) res.setHeader('content-security-policy', API_CSP);
    else if (FRAMEABLE.test(request.url)) res.removeHeader('x-frame-options');
    done();
  });
}, { name: 'security-headers' });
