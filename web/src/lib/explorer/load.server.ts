/**
 * What the explorer reads on the server before the map starts: the layer registry (titles,
 * licences, attributions) and the place categories (legend and icon colours). Both are small,
 * and having them in the page saves the map two round trips before its first tiles.
 */
import type { RequestEvent } from '@sveltejs/kit';
import { fetchLayers, fetchPlaceCategories, type LayerInfo, type PlaceCategory } from '../api.ts';
import type { LoadFailure } from '../components/catalog/catalog.ts';
import { apiFetch, loadFailure } from '../components/catalog/load.server.ts';

export type ExplorerData =
	| { layers: LayerInfo[]; categories: PlaceCategory[]; failure: null }
	| { layers: []; categories: []; failure: LoadFailure };

export async function loadExplorer(event: RequestEvent): Promise<ExplorerData> {
	const api = apiFetch(event);
	try {
		const [layers, categories] = await Promise.all([fetchLayers(api), fetchPlaceCategories(api)]);
		return { layers, categories, failure: null };
	} catch (error) {
		console.error(`${event.url.pathname}: ${error instanceof Error ? error.message : String(error)}`);
		return { layers: [], categories: [], failure: loadFailure(error, '/api/layers') };
	}
}
