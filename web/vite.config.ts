import adapter from '@sveltejs/adapter-node';
import { sveltekit } from '@sveltejs/kit/vite';
import { defineConfig } from 'vite';

// SvelteKit 3 takes its configuration here: a svelte.config.js is rejected.
// adapter-node emits build/handler.js, which the Fastify API mounts for every
// non-/api path, so the portal and the API share one origin.
export default defineConfig({
	plugins: [sveltekit({ adapter: adapter() })],
	build: {
		// maplibre-gl is one ~1.1 MB chunk by itself, imported after the page shell
		// has rendered; splitting it further is not possible from here.
		chunkSizeWarningLimit: 1200
	}
});
