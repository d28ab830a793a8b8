// The API documentation's data, read on the server: the OpenAPI document, plus one
// feature id so that the "one feature" operation gets a working example.
import { ApiError } from '#lib/api.ts';
import type { LoadFailure } from '#lib/components/catalog/catalog.ts';
import { apiFetch, getJson, loadFailure } from '#lib/components/catalog/load.server.ts';
import { apiDocsView, tileAt, type ApiDocsView } from '#lib/components/catalog/openapi.ts';
import { demoTerritory } from '#lib/territory.ts';
import type { PageServerLoad } from './$types';

const OPENAPI = '/api/openapi.json';
/** The collection the examples use: the everyday places, the portal's richest layer. */
const EXAMPLE_COLLECTION = 'places';

async function sampleFeatureId(api: typeof fetch): Promise<string | null> {
	try {
		const body = await getJson(api, `/api/ogc/collections/${EXAMPLE_COLLECTION}/items?limit=1`);
		const id = (body as { features?: { id?: unknown }[] }).features?.[0]?.id;
		return typeof id === 'string' || typeof id === 'number' ? String(id) : null;
	} catch {
		return null;
	}
}

export const load: PageServerLoad = async (event) => {
	const api = apiFetch(event);
	const [west, south, east, north] = demoTerritory.bounds;
	let result: { docs: ApiDocsView; failure: null } | { docs: null; failure: LoadFailure };
	try {
		const [body, featureId] = await Promise.all([getJson(api, OPENAPI), sampleFeatureId(api)]);
		const docs = apiDocsView(body, {
			collection: EXAMPLE_COLLECTION,
			featureId,
			tile: tileAt((west + east) / 2, (south + north) / 2, 10)
		});
		if (!docs) throw new ApiError(OPENAPI, 'shape');
		result = { docs, failure: null };
	} catch (error) {
		console.error(`/donnees/api: ${error instanceof Error ? error.message : String(error)}`);
		result = { docs: null, failure: loadFailure(error, OPENAPI) };
	}
	return result;
};
