import fp from 'fastify-plugin';
import helmet from '@fastify/helmet';

/**
 * The API's Content-Security-Policy: its answers are JSON, MVT, CSV, GeoJSON and problem+json,
 * none of which loads anything, so a browser tricked into rendering one as a page runs nothing
 * and cannot be framed. Pages get the web app's own policy instead (web/vite.config.ts,
 * `csp`): only SvelteKit knows the hashes of the inline scripts it writes into each page.
 */
export const API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/** Paths any site may put in an iframe: the embeddable map (and its SvelteKit data requests). */
export const FRAMEABLE = /^\/embed(?:[/?]|$)/;

/**
 * Security headers on every answer (helmet): nosniff, Referrer-Policy same-origin (a reset
 * token in a URL never leaves the site, and visitors' pages are not reported to linked sites),
 * X-Frame-Options DENY, Cross-Origin-Opener/Resource-Policy same-origin, HSTS. Framing is refused
 * everywhere but /embed, which any site may frame; the API adds `frame-ancestors 'none'` to its
 * CSP, pages rely on X-Frame-Options (their CSP is the web app's, shared by /embed).
 *
 * Registered first, so that answers from the load-shedding and error paths carry them too.
 */
export default fp(async (app) => {
  await app.register(helmet, {
    // Set below per path: the API's here, the pages' by SvelteKit.
    contentSecurityPolicy: false,
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'same-origin' },
    // Browsers honour HSTS only over https, so a plain-http LAN install is unaffected. Without
    // includeSubDomains: this server cannot speak for the operator's other hosts.
    strictTransportSecurity: { maxAge: 15_552_000, includeSubDomains: false },
  });

  app.addHook('onRequest', async (request, reply) => {
    // Helmet writes on the raw response, because the web app answers there; so does this.
    if (request.url.startsWith('/api')) reply.raw.setHeader('content-security-policy', API_CSP);
    else if (FRAMEABLE.test(request.url)) reply.raw.removeHeader('x-frame-options');
  });
}, { name: 'security-headers' });
