import type {
	CircleLayerSpecification,
	ExpressionSpecification,
	SymbolLayerSpecification
} from '@maplibre/maplibre-gl-style-spec';
import type { PlaceCategory } from '../api.ts';
import { fonts } from '../map/fonts.ts';

export const placeLayerIds = {
	clusters: 'places-clusters',
	clusterCounts: 'places-cluster-counts',
	points: 'places-points'
} as const;

/** Colour of a category the API did not list, so that it is visible rather than lost. */
export const unknownCategoryColor = '#7f8c8d';

/** Past this zoom every place is drawn on its own. */
export const clusterMaxZoom = 11;

/**
 * `circle-color` for places: one branch per category served by
 * /api/place-categories, so a new category needs no change here.
 */
export function categoryColor(categories: readonly PlaceCategory[]): ExpressionSpecification {
	if (categories.length === 0) return ['literal', unknownCategoryColor];
	// The spec's tuple type cannot express "any number of pairs"; the shape is
	// ['match', input, label1, output1, …, fallback], which is what is built.
	const branches = categories.flatMap((c) => [c.code, c.color]);
	return ['match', ['get', 'category'], ...branches, unknownCategoryColor] as unknown as ExpressionSpecification;
}

const clusterColor = '#34495e';

export const placeClusters: Omit<CircleLayerSpecification, 'source'> = {
	id: placeLayerIds.clusters,
	type: 'circle',
	filter: ['has', 'point_count'],
	paint: {
		'circle-color': clusterColor,
		'circle-opacity': 0.88,
		'circle-radius': ['step', ['get', 'point_count'], 11, 10, 14, 50, 18, 200, 23],
		'circle-stroke-color': '#ffffff',
		'circle-stroke-width': 2
	}
};

export const placeClusterCounts: Omit<SymbolLayerSpecification, 'source'> = {
	id: placeLayerIds.clusterCounts,
	type: 'symbol',
	filter: ['has', 'point_count'],
	layout: {
		'text-field': ['get', 'point_count_abbreviated'],
		'text-font': [fonts.bold],
		'text-size': 12,
		// Always shown, and its box (padded to about the circle) keeps commune
		// names away from the cluster.
		'text-allow-overlap': true,
		'text-padding': 9
	},
	paint: { 'text-color': '#ffffff' }
};

export function placePoints(
	categories: readonly PlaceCategory[]
): Omit<CircleLayerSpecification, 'source'> {
	return {
		id: placeLayerIds.points,
		type: 'circle',
		filter: ['!', ['has', 'point_count']],
		paint: {
			'circle-color': categoryColor(categories),
			'circle-radius': ['interpolate', ['linear'], ['zoom'], 9, 4, 13, 6, 16, 8],
			'circle-stroke-color': '#ffffff',
			'circle-stroke-width': ['interpolate', ['linear'], ['zoom'], 9, 1, 14, 1.5]
		}
	};
}
