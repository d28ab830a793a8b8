import type {
	ExpressionSpecification,
	FillLayerSpecification,
	LineLayerSpecification,
	SymbolLayerSpecification
} from '@maplibre/maplibre-gl-style-spec';
import { fonts } from '../map/fonts.ts';

/**
 * Population classes of the commune choropleth. The map expression and the
 * legend are both built from this one list, so they cannot disagree.
 * Breaks follow the usual French size classes of communes; colours are a
 * light green-blue ramp that keeps the warm place dots readable on top.
 */
export const populationClasses = [
	{ min: 0, color: '#f1f6e9' },
	{ min: 200, color: '#d6ebcc' },
	{ min: 500, color: '#b3dbc0' },
	{ min: 1000, color: '#8cc8bf' },
	{ min: 2000, color: '#62afc4' },
	{ min: 5000, color: '#3f8fba' },
	{ min: 20000, color: '#27689f' }
] as const;

export const populationUnknownColor = '#dfe2e4';

/** The classes as closed ranges for the legend; `max` is null for the last one. */
export function populationRanges(): { color: string; min: number; max: number | null }[] {
	return populationClasses.map((c, i) => {
		const next = populationClasses[i + 1];
		return { color: c.color, min: c.min, max: next ? next.min - 1 : null };
	});
}

/** `fill-color`: the class colour, or grey where the population is unknown. */
export const populationColor: ExpressionSpecification = [
	'case',
	['==', ['typeof', ['get', 'population']], 'number'],
	[
		'step',
		['get', 'population'],
		populationClasses[0].color,
		...populationClasses.slice(1).flatMap((c) => [c.min, c.color])
	] as ExpressionSpecification,
	populationUnknownColor
];

export const communeLayerIds = {
	fill: 'communes-fill',
	outline: 'communes-outline',
	selected: 'communes-selected',
	labels: 'communes-labels'
} as const;

export const communeFill: Omit<FillLayerSpecification, 'source'> = {
	id: communeLayerIds.fill,
	type: 'fill',
	paint: {
		// The borders (communeOutline) are drawn over the edges: MapLibre's antialiasing outline
		// would be a second pass over every polygon, hidden under them.
		'fill-antialias': false,
		'fill-color': populationColor,
		// Strong at the scale of the département, faint at street scale where the
		// places are what the reader looks at.
		'fill-opacity': ['interpolate', ['linear'], ['zoom'], 9, 0.85, 12, 0.55, 15, 0.3]
	}
};

/**
 * Borders between communes. Mitred joins, not round: at these widths nobody sees the difference,
 * and a round join adds a fan of triangles at every vertex of every border — on a cold start in
 * software rendering, a quarter of the cost of each frame (bench/README.md, first map).
 */
export const communeOutline: Omit<LineLayerSpecification, 'source'> = {
	id: communeLayerIds.outline,
	type: 'line',
	paint: {
		'line-color': '#ffffff',
		'line-opacity': 0.9,
		'line-width': ['interpolate', ['linear'], ['zoom'], 7, 0.4, 10, 1, 13, 2]
	}
};

export const communeSelected: Omit<LineLayerSpecification, 'source'> = {
	id: communeLayerIds.selected,
	type: 'line',
	layout: { 'line-join': 'round' },
	paint: {
		'line-color': '#14344f',
		'line-width': ['interpolate', ['linear'], ['zoom'], 7, 1.5, 12, 3]
	}
};

/** Only the commune whose code is given, for the selection outline (tiles key communes by `id`). */
export function communeCodeFilter(code: string | null): ExpressionSpecification {
	return ['==', ['get', 'id'], code ?? ''];
}

/**
 * Names of the communes, written at one point per commune (GET /api/explorer/commune-labels).
 * Bigger communes win label collisions and appear first (towns above 5 000 inhabitants at
 * once, above 2 000 from zoom 9, all from 10).
 */
export const communeLabels: Omit<SymbolLayerSpecification, 'source'> = {
	id: communeLayerIds.labels,
	type: 'symbol',
	minzoom: 7.5,
	// At street scale the places' own names take over.
	maxzoom: 14,
	// Filters see the integer zoom of the tile, hence whole-number thresholds.
	filter: [
		'any',
		['>=', ['zoom'], 10],
		['all', ['>=', ['zoom'], 9], ['>=', ['coalesce', ['get', 'population'], 0], 2000]],
		['>=', ['coalesce', ['get', 'population'], 0], 5000]
	],
	layout: {
		'text-field': ['get', 'name'],
		'text-font': [fonts.medium],
		'text-size': [
			'interpolate',
			['linear'],
			['zoom'],
			8,
			['step', ['coalesce', ['get', 'population'], 0], 11, 20000, 13.5],
			12,
			['step', ['coalesce', ['get', 'population'], 0], 13, 20000, 16]
		],
		'text-max-width': 8,
		'text-padding': 4,
		// Drawn above the points with a halo, so the names stay readable where points are dense.
		'symbol-sort-key': ['-', 0, ['coalesce', ['get', 'population'], 0]]
	},
	paint: {
		'text-color': '#1d2b33',
		'text-halo-color': 'rgba(255, 255, 255, 0.92)',
		'text-halo-width': 1.4,
		'text-halo-blur': 0.3
	}
};
