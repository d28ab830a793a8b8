import type { Geometry, MultiPolygon, Point, Polygon } from 'geojson';
import {
	ApiError,
	fetchAllItems,
	fetchLayers,
	fetchPlaceCategories,
	type CommuneProperties,
	type ItemsPage,
	type LayerInfo,
	type PlaceCategory,
	type PlaceProperties
} from './api.ts';
import { demoTerritory } from './territory.ts';

/** Everything the home map draws, fetched before the first layer is added. */
export interface HomeMapData {
	layers: { communes: LayerInfo; places: LayerInfo };
	categories: PlaceCategory[];
	communes: ItemsPage<Polygon | MultiPolygon, CommuneProperties>;
	places: ItemsPage<Point, PlaceProperties>;
}

function registryEntry(layers: LayerInfo[], id: string): LayerInfo {
	const layer = layers.find((l) => l.id === id);
	// The legend and the attribution read the registry: a missing entry is an API bug.
	if (!layer) throw new ApiError('/api/layers', 'shape');
	return layer;
}

/** Loads the registry, the categories and both collections in parallel. */
export async function loadHomeMapData(
	fetchFn: typeof fetch,
	signal?: AbortSignal
): Promise<HomeMapData> {
	const { loadBbox, itemLimit } = demoTerritory;
	const [layers, categories, communes, places] = await Promise.all([
		fetchLayers(fetchFn, signal),
		fetchPlaceCategories(fetchFn, signal),
		fetchAllItems<Polygon | MultiPolygon, CommuneProperties>(
			fetchFn,
			'communes',
			{ bbox: loadBbox, limit: itemLimit },
			signal
		),
		fetchAllItems<Point, PlaceProperties>(
			fetchFn,
			'places',
			{ bbox: loadBbox, limit: itemLimit },
			signal
		)
	]);
	return {
		layers: { communes: registryEntry(layers, 'communes'), places: registryEntry(layers, 'places') },
		categories,
		communes,
		places
	};
}

/** How many features a page left out, when the server says so. */
export function missingFeatures(page: ItemsPage<Geometry, unknown>): number {
	const matched = page.numberMatched;
	return typeof matched === 'number' ? Math.max(0, matched - page.features.length) : 0;
}
