import adapter from '@sveltejs/adapter-node';
import { sveltekit } from '@sveltejs/kit/vite';
import { defineConfig } from 'vite';

// SvelteKit 3 takes its configuration here: a svelte.config.js is rejected.
// adapter-node emits build/handler.js, which the Fastify API mounts for every
// non-/api path, so the portal and the API share one origin.

// The pages' Content-Security-Policy. SvelteKit adds the hash of every inline script it writes
// (the hydration bootstrap, with the page's data) to script-src, so no other inline script runs.
// Styles allow 'unsafe-inline': app.html and components use style attributes, and Svelte
// transitions insert <style> elements. MapLibre runs its workers from blob: URLs and draws
// data: and blob: images; every request (tiles, API) goes to this origin. frame-ancestors is
// not here: /embed may be framed by any site, so the API answers X-Frame-Options DENY on
// every other page (api/src/plugins/external/security-headers.ts).
const csp: NonNullable<Parameters<typeof sveltekit>[0]>['csp'] = {
	mode: 'hash',
	directives: {
		'default-src': ['self'],
		'script-src': ['self'],
		'style-src': ['self', 'unsafe-inline'],
		'img-src': ['self', 'data:', 'blob:'],
		'font-src': ['self', 'data:'],
		'connect-src': ['self'],
		'worker-src': ['self', 'blob:'],
		'child-src': ['self', 'blob:'],
		'object-src': ['none'],
		'base-uri': ['self'],
		'form-action': ['self']
	}
};

export default defineConfig({
	plugins: [sveltekit({ adapter: adapter(), csp })],
	build: {
		// maplibre-gl is one ~1.1 MB chunk by itself, imported after the page shell
		// has rendered; splitting it further is not possible from here.
		chunkSizeWarningLimit: 1200
	}
});
