// A commune page, read on the server from /api/communes/:code so that it is complete without
// JavaScript; only the small map is drawn in the browser.
import { error } from '@sveltejs/kit';
import { ApiError, fetchLayers, type LayerInfo } from '#lib/api.ts';
import { apiFetch, getJson, loadFailure } from '#lib/components/catalog/load.server.ts';
import { communePage, type CommunePage } from '#lib/components/commune/commune.ts';
import type { LoadFailure } from '#lib/components/catalog/catalog.ts';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	const { code } = event.params;
	// The API's own pattern: anything else is not a commune, and not worth a request.
	if (!/^[0-9][0-9AB][0-9]{3}$/.test(code)) error(404, 'Not found');
	const path = `/api/communes/${code}`;
	const api = apiFetch(event);
	let result: { commune: CommunePage; layers: LayerInfo[]; failure: null } | { commune: null; layers: LayerInfo[]; failure: LoadFailure };
	try {
		const [body, layers] = await Promise.all([
			getJson(api, path),
			// The registry only gives the map its credits: the page does without it.
			fetchLayers(api).catch((): LayerInfo[] => [])
		]);
		const commune = communePage(body);
		if (!commune) throw new ApiError(path, 'shape');
		result = { commune, layers, failure: null };
	} catch (cause) {
		if (cause instanceof ApiError && cause.status === 404) error(404, 'Not found');
		console.error(`/communes/${code}: ${cause instanceof Error ? cause.message : String(cause)}`);
		result = { commune: null, layers: [], failure: loadFailure(cause, path) };
	}
	return result;
};
