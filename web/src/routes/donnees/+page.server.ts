// The open-data page's data, read on the server so that the page is complete without
// JavaScript and for search engines: the DCAT-AP catalogue, merged with the layer registry.
import { fetchLayers, type LayerInfo } from '#lib/api.ts';
import { catalogView, type CatalogView, type LoadFailure } from '#lib/components/catalog/catalog.ts';
import { apiFetch, getJson, loadFailure } from '#lib/components/catalog/load.server.ts';
import { ApiError } from '#lib/api.ts';
import type { PageServerLoad } from './$types';

const CATALOG = '/api/catalog';

export const load: PageServerLoad = async (event) => {
	const api = apiFetch(event);
	let result: { catalog: CatalogView; failure: null } | { catalog: null; failure: LoadFailure };
	try {
		const [body, layers] = await Promise.all([
			getJson(api, CATALOG),
			// The registry only completes the catalogue: the page does without it.
			fetchLayers(api).catch((): LayerInfo[] => [])
		]);
		const catalog = catalogView(body, layers);
		if (!catalog) throw new ApiError(CATALOG, 'shape');
		result = { catalog, failure: null };
	} catch (error) {
		console.error(`/donnees: ${error instanceof Error ? error.message : String(error)}`);
		result = { catalog: null, failure: loadFailure(error, CATALOG) };
	}
	return result;
};
