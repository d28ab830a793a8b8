/**
 * MapLibre style layers of the explorer, built from the catalogue: one set per dataset, drawn
 * from its vector tiles or from its features as GeoJSON (a small layer always, a larger one when
 * a filter needs it).
 * Both sources give the same properties, so one set of expressions draws either.
 */
import type {
	CircleLayerSpecification,
	ExpressionSpecification,
	FillLayerSpecification,
	LineLayerSpecification,
	SymbolLayerSpecification
} from '@maplibre/maplibre-gl-style-spec';
import { fonts } from '../map/fonts.ts';
import type { ExplorerLayer } from './catalogue.ts';
import { iconName } from './icons.ts';

type Spec<T> = Omit<T, 'source'>;
export type ExplorerStyleLayer =
	| Spec<CircleLayerSpecification>
	| Spec<SymbolLayerSpecification>
	| Spec<FillLayerSpecification>
	| Spec<LineLayerSpecification>;

/** Where the layers of a dataset go in the map's order (an empty slot layer in the style). */
export function slotId(layer: string): string {
	return `slot:${layer}`;
}

/**
 * The slots, bottom to top: areas and lines, then the points, then the communes' names (with
 * a halo, they stay readable over dense points), then the selection. Each dataset's layers go
 * just under its slot, so switching a dataset between tiles and GeoJSON keeps its place.
 */
export function slotOrder(layers: readonly ExplorerLayer[]): string[] {
	return [...layers.map((l) => l.id), 'labels', 'selection'].map(slotId);
}

/** Source id of a dataset: its tiles, or its features as GeoJSON (all of a small layer, or those a filter keeps). */
export function sourceId(layer: string, variant: 'tiles' | 'geojson'): string {
	return variant === 'tiles' ? layer : `${layer}~geojson`;
}

/**
 * How many points a feature stands for: `count` for a group of the tiles, `point_count` for a
 * group MapLibre made from GeoJSON, 1 for a single feature.
 */
const pointCount: ExpressionSpecification = ['coalesce', ['get', 'point_count'], ['get', 'count'], 1];

/** « 1,2k » past a thousand, as the groups' label. */
const countLabel: ExpressionSpecification = [
	'case',
	['>=', pointCount, 1000],
	['concat', ['to-string', ['/', ['round', ['/', pointCount, 100]], 10]], 'k'],
	['to-string', pointCount]
];

function iconImage(layer: ExplorerLayer): ExpressionSpecification {
	const fallback: ExpressionSpecification = ['image', iconName(layer.id, '')];
	if (!layer.styleBy) return fallback;
	return [
		'coalesce',
		['image', ['concat', iconName(layer.id, ''), ['to-string', ['get', layer.styleBy]]]],
		fallback
	];
}

export interface LayerStyleSet {
	/** Bottom to top. */
	layers: ExplorerStyleLayer[];
	/** The layers a click can select a feature or open a group on. */
	interactive: string[];
	/** The layers that draw groups of points (a click zooms in). */
	groups: string[];
}

const isPoint: ExpressionSpecification = ['==', ['geometry-type'], 'Point'];
const isPolygon: ExpressionSpecification = ['in', ['geometry-type'], ['literal', ['Polygon', 'MultiPolygon']]];

function both(a: ExpressionSpecification, b: ExpressionSpecification | null): ExpressionSpecification {
	return b ? ['all', a, b] : a;
}

/**
 * The style layers of a point, line or mixed dataset. `filter` (a MapLibre expression of the
 * reader's filter on tile properties) applies to single features; `groupFilter` to groups.
 */
export function datasetStyle(
	layer: ExplorerLayer,
	variant: 'tiles' | 'geojson',
	filter: ExpressionSpecification | null,
	groupFilter: ExpressionSpecification | null
): LayerStyleSet {
	const prefix = variant === 'tiles' ? layer.id : `${layer.id}~geojson`;
	const sourceLayer = variant === 'tiles' ? { 'source-layer': layer.id } : {};
	const common = { minzoom: layer.minzoom, ...sourceLayer };

	if (layer.kind === 'line') {
		const line: Spec<LineLayerSpecification> = {
			id: `${prefix}-lines`,
			type: 'line',
			...common,
			...(filter ? { filter } : {}),
			layout: { 'line-join': 'round', 'line-cap': 'round' },
			paint: {
				'line-color': layer.color,
				'line-opacity': 0.85,
				'line-width': ['interpolate', ['linear'], ['zoom'], 12, 1.2, 15, 3, 18, 7]
			}
		};
		const names: Spec<SymbolLayerSpecification> = {
			id: `${prefix}-names`,
			type: 'symbol',
			...common,
			minzoom: Math.max(layer.minzoom, 15),
			...(filter ? { filter } : {}),
			layout: {
				'symbol-placement': 'line',
				'text-field': ['coalesce', ['get', layer.titleProperty], ''],
				'text-font': [fonts.medium],
				'text-size': 12
			},
			paint: { 'text-color': '#3b2d20', 'text-halo-color': '#ffffff', 'text-halo-width': 1.4 }
		};
		return { layers: [line, names], interactive: [line.id], groups: [] };
	}

	const layers: ExplorerStyleLayer[] = [];
	const interactive: string[] = [];
	const groups: string[] = [];

	if (layer.kind === 'mixed') {
		const areaFilter = both(isPolygon, filter);
		const color = layer.styleBy
			? ([
					'match',
					['get', layer.styleBy],
					...layer.values.flatMap((v) => [v.code, v.color]),
					layer.color
				] as unknown as ExpressionSpecification)
			: layer.color;
		layers.push(
			{
				id: `${prefix}-areas`,
				type: 'fill',
				...common,
				filter: areaFilter,
				paint: { 'fill-color': color, 'fill-opacity': 0.28 }
			},
			{
				id: `${prefix}-area-outlines`,
				type: 'line',
				...common,
				filter: areaFilter,
				paint: { 'line-color': color, 'line-width': 2, 'line-dasharray': [2, 1] }
			}
		);
		interactive.push(`${prefix}-areas`);
	}

	if (layer.kind === 'point') {
		const isGroup: ExpressionSpecification = ['>', pointCount, 1];
		layers.push(
			{
				id: `${prefix}-groups`,
				type: 'circle',
				...common,
				filter: both(isGroup, groupFilter),
				// The tiles group points on a fine grid (8 px cells), so groups are proportional
				// circles, whose area follows the count and which may overlap, rather than badges.
				paint: {
					'circle-color': layer.color,
					'circle-opacity': 0.72,
					'circle-radius': ['interpolate', ['linear'], ['sqrt', pointCount], 1, 4.5, 4, 8, 10, 14, 32, 28],
					'circle-stroke-color': '#ffffff',
					'circle-stroke-width': 1
				}
			},
			{
				id: `${prefix}-group-counts`,
				type: 'symbol',
				...common,
				// Numbers on the bigger groups, where they fit: the biggest first.
				filter: both(['>=', pointCount, 10], groupFilter),
				layout: {
					'text-field': countLabel,
					'text-font': [fonts.bold],
					'text-size': 11,
					'text-padding': 1,
					'text-ignore-placement': true,
					'symbol-sort-key': ['-', 0, pointCount]
				},
				paint: { 'text-color': '#ffffff', 'text-halo-color': layer.color, 'text-halo-width': 1 }
			}
		);
		interactive.push(`${prefix}-groups`);
		groups.push(`${prefix}-groups`);
	}

	const single: ExpressionSpecification = layer.kind === 'point' ? ['<=', pointCount, 1] : isPoint;
	const icons: Spec<SymbolLayerSpecification> = {
		id: `${prefix}-icons`,
		type: 'symbol',
		...common,
		filter: both(single, filter),
		layout: {
			'icon-image': iconImage(layer),
			'icon-size': ['interpolate', ['linear'], ['zoom'], 6, 0.6, 10, 0.72, 14, 0.95, 17, 1.15],
			'icon-allow-overlap': true,
			// Icons never push the communes' names away.
			'icon-ignore-placement': true,
			// Names from street level, beside the icon, only where they fit.
			'text-field': ['step', ['zoom'], '', 15, ['coalesce', ['get', layer.titleProperty], '']],
			'text-font': [fonts.medium],
			'text-size': 12,
			'text-anchor': 'left',
			'text-offset': [1, 0],
			'text-max-width': 10,
			'text-optional': true
		},
		paint: {
			'text-color': '#1d2b33',
			'text-halo-color': 'rgba(255, 255, 255, 0.95)',
			'text-halo-width': 1.4
		}
	};
	layers.push(icons);
	interactive.push(icons.id);
	return { layers, interactive, groups };
}

/** The outline and halo of the selected feature, drawn from its GeoJSON above every layer. */
export const selectionLayers: ExplorerStyleLayer[] = [
	{
		id: 'selection-area',
		type: 'line',
		filter: isPolygon,
		paint: { 'line-color': '#14344f', 'line-width': 3 }
	},
	{
		id: 'selection-line',
		type: 'line',
		filter: ['in', ['geometry-type'], ['literal', ['LineString', 'MultiLineString']]],
		paint: { 'line-color': '#f0a04b', 'line-width': 8, 'line-opacity': 0.7 }
	},
	{
		id: 'selection-point',
		type: 'circle',
		filter: isPoint,
		paint: {
			'circle-radius': 15,
			'circle-color': 'rgba(240, 160, 75, 0.18)',
			'circle-stroke-color': '#14344f',
			'circle-stroke-width': 3
		}
	}
];
