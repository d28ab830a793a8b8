/**
 * The layers of the map explorer: how each registry layer (GET /api/layers) is drawn from its
 * vector tiles, which values its legend lists, what it can be filtered on and what its feature
 * panel shows. Titles, licences and attributions stay in the registry; place categories
 * (labels and colours) come from GET /api/place-categories. Pure data: no DOM, no map.
 */
import type { PlaceCategory } from '../api.ts';
import type { LocalizedText, MessageKey } from '../i18n.ts';
import type { Shape } from './shapes.ts';

/** A label from the dictionary, or one the API already gives in both languages. */
export type Label = MessageKey | LocalizedText;

export interface ValueStyle {
	code: string;
	label: Label;
	color: string;
}

export interface FilterDimension {
	/** The registry property (a CQL2 queryable of the layer). */
	property: string;
	label: MessageKey;
	values: readonly { code: string; label: Label }[];
}

export type FieldFormat = 'text' | 'url' | 'date' | 'area' | 'values';

export interface FieldSpec {
	property: string;
	label: MessageKey;
	format: FieldFormat;
	/** For `values`: what each code reads as. */
	vocabulary?: readonly { code: string; label: Label }[];
}

export interface ExplorerLayer {
	/** Registry id: the tile collection and the OGC collection. */
	id: string;
	kind: 'polygon' | 'line' | 'point' | 'mixed';
	shape: Shape;
	/** Colour of the groups of points, of lines, and of values the legend does not list. */
	color: string;
	/** Tile property whose value picks the icon colour (the one tile groups summarise). */
	styleBy: string | null;
	/** Legend entries: one icon and colour per value of `styleBy`. */
	values: readonly ValueStyle[];
	filters: readonly FilterDimension[];
	/** Properties the tiles carry (api/src/tiles/layout.ts), which filter expressions can read. */
	tileProperties: readonly string[];
	/** Points are aggregated in the tiles below this zoom (TileJSON `maillage:cluster_below_zoom`). */
	clusterBelowZoom: number | null;
	defaultVisible: boolean;
	minzoom: number;
	/** The property that names a feature in the panel. */
	titleProperty: string;
	fields: readonly FieldSpec[];
}

/** Zoom below which the API sends point layers as groups (api/src/tiles/layout.ts). */
export const CLUSTER_BELOW_ZOOM = 12;

const tiersLieuxTypology = [
	{ code: 'T', label: 'explorer.typology.T' },
	{ code: 'O', label: 'explorer.typology.O' },
	{ code: 'D', label: 'explorer.typology.D' },
	{ code: 'C', label: 'explorer.typology.C' }
] as const;

/** The source's own words ("En activité"), hence codes with a space. */
const tiersLieuxStates: ValueStyle[] = [
	{ code: 'En activité', label: 'explorer.state.active', color: '#7d3c98' },
	{ code: 'En projet', label: 'explorer.state.project', color: '#b277c9' }
];

const vacantStatuses: ValueStyle[] = [
	{ code: 'vacant', label: 'explorer.vacant.vacant', color: '#6e2c00' },
	{ code: 'in_project', label: 'explorer.vacant.in_project', color: '#2874a6' },
	{ code: 'reoccupied', label: 'explorer.vacant.reoccupied', color: '#1e8449' }
];

const programmes: ValueStyle[] = [
	{ code: 'action_coeur_de_ville', label: 'commune.programme.action_coeur_de_ville', color: '#b03a2e' },
	{ code: 'petites_villes_de_demain', label: 'commune.programme.petites_villes_de_demain', color: '#1a5276' },
	{ code: 'france_services', label: 'commune.programme.france_services', color: '#0e6655' }
];

/** BIG's priorities and domains (DESIGN.md); the codes contributions use. */
const projectThemes = [
	'transition_energetique',
	'cadre_de_vie',
	'culture',
	'emploi',
	'sante',
	'alimentation',
	'education'
].map((code) => ({ code, label: `explorer.theme.${code}` as MessageKey }));

/** The incubation path of the Générateur Bourgogne Franche-Comté, from a need to a running project. */
const projectStages: ValueStyle[] = [
	{ code: 'besoin_repere', label: 'explorer.stage.besoin_repere', color: '#9a7d0a' },
	{ code: 'idee', label: 'explorer.stage.idee', color: '#b9770e' },
	{ code: 'etude_opportunite', label: 'explorer.stage.etude_opportunite', color: '#ca6f1e' },
	{ code: 'montage', label: 'explorer.stage.montage', color: '#a04000' },
	{ code: 'lancement', label: 'explorer.stage.lancement', color: '#196f3d' },
	{ code: 'en_activite', label: 'explorer.stage.en_activite', color: '#145a32' }
];

const tiersLieuxSpaces = Array.from({ length: 19 }, (_, i) => ({
	code: String(i + 1),
	label: `explorer.space.${i + 1}` as MessageKey
}));

const asFilterValues = (values: readonly ValueStyle[]) => values.map(({ code, label }) => ({ code, label }));

/**
 * Every layer of the explorer, bottom to top: the order in which the map draws them and the
 * panel lists them (rarer points above the many places).
 */
export function explorerLayers(categories: readonly PlaceCategory[]): ExplorerLayer[] {
	const placeValues: ValueStyle[] = categories.map((c) => ({ code: c.code, label: c.label, color: c.color }));
	return [
		{
			id: 'communes',
			kind: 'polygon',
			shape: 'square',
			color: '#3f8fba',
			styleBy: null,
			values: [],
			filters: [],
			tileProperties: ['name', 'population'],
			clusterBelowZoom: null,
			defaultVisible: true,
			minzoom: 0,
			titleProperty: 'name',
			fields: []
		},
		{
			id: 'projects',
			kind: 'mixed',
			shape: 'triangle',
			color: '#a04000',
			styleBy: 'stage',
			values: projectStages,
			filters: [
				{ property: 'themes', label: 'explorer.dim.themes', values: projectThemes },
				{ property: 'stage', label: 'explorer.dim.stage', values: asFilterValues(projectStages) }
			],
			tileProperties: ['title', 'stage'],
			clusterBelowZoom: null,
			defaultVisible: true,
			minzoom: 0,
			titleProperty: 'title',
			fields: [
				{ property: 'stage', label: 'explorer.dim.stage', format: 'values', vocabulary: asFilterValues(projectStages) },
				{ property: 'themes', label: 'explorer.dim.themes', format: 'values', vocabulary: projectThemes },
				{ property: 'lead_organisation', label: 'explorer.field.lead_organisation', format: 'text' },
				{ property: 'created_at', label: 'explorer.field.created_at', format: 'date' }
			]
		},
		{
			id: 'streets',
			kind: 'line',
			shape: 'square',
			color: '#7b5e45',
			styleBy: null,
			values: [],
			filters: [],
			tileProperties: ['name', 'road_class'],
			clusterBelowZoom: null,
			defaultVisible: false,
			minzoom: 12,
			titleProperty: 'name',
			fields: [{ property: 'road_class', label: 'explorer.field.road_class', format: 'text' }]
		},
		{
			id: 'places',
			kind: 'point',
			shape: 'circle',
			color: '#34495e',
			styleBy: 'category',
			values: placeValues,
			filters: [{ property: 'category', label: 'explorer.dim.category', values: asFilterValues(placeValues) }],
			tileProperties: ['name', 'category', 'status'],
			clusterBelowZoom: CLUSTER_BELOW_ZOOM,
			defaultVisible: true,
			minzoom: 0,
			titleProperty: 'name',
			fields: [
				{ property: 'category', label: 'explorer.field.category', format: 'values', vocabulary: asFilterValues(placeValues) }
			]
		},
		{
			id: 'vacant_shops',
			kind: 'point',
			shape: 'square',
			color: '#6e2c00',
			styleBy: 'status',
			values: vacantStatuses,
			filters: [{ property: 'status', label: 'explorer.dim.status', values: asFilterValues(vacantStatuses) }],
			tileProperties: ['name', 'status'],
			clusterBelowZoom: CLUSTER_BELOW_ZOOM,
			defaultVisible: true,
			minzoom: 0,
			titleProperty: 'name',
			fields: [
				{ property: 'status', label: 'explorer.dim.status', format: 'values', vocabulary: asFilterValues(vacantStatuses) },
				{ property: 'address', label: 'explorer.field.address', format: 'text' },
				{ property: 'former_activity', label: 'explorer.field.former_activity', format: 'text' },
				{ property: 'surface_m2', label: 'explorer.field.surface_m2', format: 'area' },
				{ property: 'vacant_since', label: 'explorer.field.vacant_since', format: 'date' }
			]
		},
		{
			id: 'tiers_lieux',
			kind: 'point',
			shape: 'hexagon',
			color: '#5b2c6f',
			styleBy: 'state',
			values: tiersLieuxStates,
			filters: [
				{ property: 'typology', label: 'explorer.dim.typology', values: tiersLieuxTypology },
				{ property: 'state', label: 'explorer.dim.state', values: asFilterValues(tiersLieuxStates) }
			],
			tileProperties: ['name', 'state'],
			clusterBelowZoom: CLUSTER_BELOW_ZOOM,
			defaultVisible: true,
			minzoom: 0,
			titleProperty: 'name',
			fields: [
				{ property: 'state', label: 'explorer.dim.state', format: 'values', vocabulary: asFilterValues(tiersLieuxStates) },
				{ property: 'typology', label: 'explorer.dim.typology', format: 'values', vocabulary: tiersLieuxTypology },
				{ property: 'spaces', label: 'explorer.field.spaces', format: 'values', vocabulary: tiersLieuxSpaces },
				{ property: 'legal_model', label: 'explorer.field.legal_model', format: 'text' },
				{ property: 'address', label: 'explorer.field.address', format: 'text' },
				{ property: 'url', label: 'explorer.field.url', format: 'url' }
			]
		},
		{
			id: 'programmes',
			kind: 'point',
			shape: 'diamond',
			color: '#1a5276',
			styleBy: 'programme',
			values: programmes,
			filters: [{ property: 'programme', label: 'explorer.dim.programme', values: asFilterValues(programmes) }],
			tileProperties: ['name', 'programme'],
			clusterBelowZoom: CLUSTER_BELOW_ZOOM,
			defaultVisible: true,
			minzoom: 0,
			titleProperty: 'name',
			fields: [
				{ property: 'programme', label: 'explorer.dim.programme', format: 'values', vocabulary: asFilterValues(programmes) },
				{ property: 'detail', label: 'explorer.field.detail', format: 'text' },
				{ property: 'programme_ref', label: 'explorer.field.programme_ref', format: 'text' }
			]
		},
		{
			id: 'needs',
			kind: 'point',
			shape: 'drop',
			color: '#ad1457',
			styleBy: null,
			values: [],
			filters: [],
			tileProperties: ['category'],
			clusterBelowZoom: CLUSTER_BELOW_ZOOM,
			defaultVisible: true,
			minzoom: 0,
			titleProperty: 'category',
			fields: [
				{ property: 'category', label: 'explorer.field.category', format: 'values', vocabulary: asFilterValues(placeValues) },
				{ property: 'comment', label: 'explorer.field.comment', format: 'text' }
			]
		}
	];
}

/** The layers and filterable properties the address may name (url-state.ts). */
export function stateSchema(layers: readonly ExplorerLayer[], minZoom: number, maxZoom: number) {
	return {
		layers: layers.map((l) => ({ id: l.id, defaultVisible: l.defaultVisible, filters: l.filters.map((f) => f.property) })),
		minZoom,
		maxZoom
	};
}
