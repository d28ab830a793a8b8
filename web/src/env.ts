import { defineEnvVars } from '@sveltejs/kit/env';

/**
 * Environment variables of the web app, read when the server starts (not at
 * build time), so one build serves every deployment.
 */
export const variables = defineEnvVars({
	PUBLIC_BASEMAP_STYLE: {
		public: true,
		description:
			'URL of a MapLibre style drawn under the portal layers. Unset (the default): no online basemap.',
		schema: (value) => {
			if (value === undefined || value === '') return undefined;
			// A wrong value must stop the server, not leave a blank map behind.
			if (!/^(https?:\/\/|\/)/.test(value)) {
				throw new Error(`PUBLIC_BASEMAP_STYLE must be an http(s) URL or an absolute path, got "${value}"`);
			}
			return value;
		}
	}
});
