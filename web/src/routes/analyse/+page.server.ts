// The unmet-needs page, read on the server from the API so that the table and the figures are
// there without JavaScript; the map is drawn in the browser. The page's URL holds every
// parameter: the same query gives the API's GeoJSON and CSV.
import { redirect } from '@sveltejs/kit';
import { ApiError } from '#lib/api.ts';
import { apiFetch, getJson, loadFailure } from '#lib/components/catalog/load.server.ts';
import type { LoadFailure } from '#lib/components/catalog/catalog.ts';
import {
	isFormSubmission, type NeedCategory, needsApiUrl, needsResponse, type NeedsResponse, pageUrl, paramsFromUrl
} from '#lib/components/analysis/needs.ts';
import type { PageServerLoad } from './$types';

/** The API's problem (RFC 9457) when it refused the parameters: the page shows its words. */
export interface Refusal {
	status: number;
	detail: string;
	detail_en: string;
}

export const load: PageServerLoad = async (event) => {
	const params = paramsFromUrl(event.url.searchParams);
	// The form sent without JavaScript: answer with the canonical URL, which is the API's query.
	if (isFormSubmission(event.url.searchParams)) redirect(303, pageUrl(params));
	const api = apiFetch(event);
	const path = needsApiUrl(params);
	let categories: NeedCategory[] = [];
	let result: NeedsResponse | null = null;
	let refusal: Refusal | null = null;
	let failure: LoadFailure | null = null;
	try {
		const list = (await getJson(api, '/api/analysis/needs/categories')) as { categories?: NeedCategory[] };
		if (!Array.isArray(list.categories)) throw new ApiError('/api/analysis/needs/categories', 'shape');
		categories = list.categories;
		const response = await api(path, { headers: { accept: 'application/geo+json, application/problem+json' } });
		const body: unknown = await response.json().catch(() => null);
		if (response.status === 400 || response.status === 404) {
			const p = body as Partial<Refusal> | null;
			refusal = { status: response.status, detail: String(p?.detail ?? ''), detail_en: String(p?.detail_en ?? '') };
		} else if (!response.ok) {
			throw new ApiError(path, 'http', response.status);
		} else {
			result = needsResponse(body);
			if (!result) throw new ApiError(path, 'shape', response.status);
		}
	} catch (cause) {
		console.error(`/analyse: ${cause instanceof Error ? cause.message : String(cause)}`);
		failure = loadFailure(cause, path);
	}
	return { params, categories, result, refusal, failure };
};
