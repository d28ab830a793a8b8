import type { Bbox } from './api.ts';

/**
 * The demo territory: Mayenne (53), with the rest of the Pays de la Loire
 * loaded around it. One place to change when the portal serves another
 * territory (a planner's custom territory will replace these constants).
 */
export const demoTerritory = {
	name: 'Mayenne',
	/** Extent of the département, centred on [-0.65, 48.15]. */
	bounds: [-1.25, 47.73, -0.05, 48.57] as [number, number, number, number],
	/** The reference view's zoom; small screens zoom out until the département fits. */
	zoom: 8.3,
	/** Bbox of the Pays de la Loire, so that neighbouring communes are drawn too. */
	loadBbox: [-2.6, 46.8, 0.95, 48.6] as Bbox,
	/** More than every commune and place of the region: a page never silently truncates. */
	itemLimit: 10000
} as const;
