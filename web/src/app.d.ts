import type { Map as MapLibreMap } from 'maplibre-gl';

declare global {
	interface Window {
		/**
		 * The explorer's map and what it shows, set once the map exists. Browser tests wait on
		 * `ready` (the first frame with every visible layer's tiles) and query the map through
		 * it; it also helps when debugging from the console.
		 */
		__maillage?: {
			map: MapLibreMap;
			ready: boolean;
			/** Features of each layer in the view, as the layers panel shows them. */
			counts?: Readonly<Record<string, number>> | null;
			/** The selected feature, `<layer>:<id>`. */
			selected?: string | null;
		};
	}
}

export {};
