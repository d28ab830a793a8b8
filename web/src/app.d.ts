import type { Map as MapLibreMap } from 'maplibre-gl';

declare global {
	interface Window {
		/**
		 * Set once the home map has drawn its layers. Browser tests wait on it and
		 * query the map through it; it also helps when debugging from the console.
		 */
		__maillage?: { map: MapLibreMap; ready: boolean };
	}
}

export {};
