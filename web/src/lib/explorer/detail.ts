/**
 * What the feature panel shows for a selection, read from the API: the full record of a
 * feature (OGC items/{id}; tiles carry only a few properties), or a commune's page data.
 */
import type { Feature, Geometry } from 'geojson';
import { ApiError, fetchFeature, fetchJson } from '../api.ts';
import { communePage, type CommunePage } from '../components/commune/commune.ts';

export type Detail =
	| { status: 'loading' }
	| { status: 'error'; error: unknown }
	| { status: 'feature'; feature: Feature<Geometry, Record<string, unknown>> }
	| { status: 'commune'; commune: CommunePage };

/**
 * Loads the details of a selected feature.
 *
 * @example
 * await loadDetail(fetch, 'communes', '53130'); // → { status: 'commune', commune: { name: 'Laval', … } }
 * await loadDetail(fetch, 'places', '872');     // → { status: 'feature', feature: { properties: { name: 'Halte Fluviale', … } } }
 */
export async function loadDetail(fetchFn: typeof fetch, layer: string, id: string, signal?: AbortSignal): Promise<Detail> {
	if (layer === 'communes') {
		const url = `/api/communes/${encodeURIComponent(id)}`;
		const commune = communePage(await fetchJson(fetchFn, url, signal));
		if (!commune) throw new ApiError(url, 'shape');
		return { status: 'commune', commune };
	}
	return { status: 'feature', feature: await fetchFeature(fetchFn, layer, id, signal) };
}
