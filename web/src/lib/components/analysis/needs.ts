/**
 * The unmet-needs page's state and data: the parameters (the page's URL query is the API's,
 * so a shared link and a download give the same result), the response of
 * GET /api/analysis/needs, and the pure helpers the components share.
 */
import type { LocalizedText } from '../../i18n.ts';

export interface NeedCategory {
	code: string;
	label: LocalizedText;
	layer: string;
	family: string;
	color: string;
}

export type ScopeKind = 'france' | 'departement' | 'epci' | 'commune' | 'territory';
export const SCOPE_KINDS: readonly ScopeKind[] = ['departement', 'epci', 'commune', 'territory', 'france'];

export interface NeedsParams {
	categories: string[];
	maxKm: number;
	minPopulation: number;
	scopeKind: ScopeKind;
	/** The code after `kind:` (empty for france). */
	scopeValue: string;
	weights: Record<string, number>;
	/** What the choropleth shows: the score, or the distance of one category. */
	metric: string;
	/** The selected commune (its line to the nearest facilities), or null. */
	selected: string | null;
}

/** What the page shows when its URL says nothing: Mayenne, daily services and third places, 5 km. */
export const DEFAULT_PARAMS: NeedsParams = {
	categories: ['cafe_bar', 'grocery', 'bakery', 'tiers_lieux', 'france_services'],
	maxKm: 5,
	minPopulation: 0,
	scopeKind: 'departement',
	scopeValue: '53',
	weights: {},
	metric: 'needs_score',
	selected: null
};

/** The analysis's own limit (NEEDS_LIMITS.maxCategories in @maillage/sql). */
export const MAX_CATEGORIES = 8;

/**
 * Reads the page's URL: the API's parameters, or the fields of the page's form (`category`
 * repeated, `weight_<code>`, `scope_kind` + `scope_value`) as a browser without JavaScript
 * sends them. Anything missing takes its default; anything malformed is passed on as it is,
 * so that the API says what is wrong with it.
 *
 * @example
 * paramsFromUrl(new URLSearchParams('categories=cafe_bar&max_km=3&scope=epci:200083392')).scopeKind; // 'epci'
 * paramsFromUrl(new URLSearchParams('category=cafe_bar&category=grocery&scope_kind=france')).categories; // ['cafe_bar', 'grocery']
 */
export function paramsFromUrl(query: URLSearchParams): NeedsParams {
	const fromForm = query.has('scope_kind');
	let kind: string;
	let value: string;
	if (fromForm) {
		kind = query.get('scope_kind') ?? '';
		value = query.get('scope_value') ?? '';
	} else {
		const scope = query.get('scope') ?? `${DEFAULT_PARAMS.scopeKind}:${DEFAULT_PARAMS.scopeValue}`;
		const colon = scope.indexOf(':');
		kind = colon < 0 ? scope : scope.slice(0, colon);
		value = colon < 0 ? '' : scope.slice(colon + 1);
	}
	const weights: Record<string, number> = {};
	for (const pair of (query.get('weights') ?? '').split(',').filter(Boolean)) {
		const [code, w] = pair.split(':');
		if (code && w !== undefined) weights[code] = Number(w);
	}
	for (const [key, w] of query) if (key.startsWith('weight_') && w !== '') weights[key.slice('weight_'.length)] = Number(w);
	const list = query.get('categories');
	const categories = fromForm ? query.getAll('category') : list === null ? [...DEFAULT_PARAMS.categories] : list.split(',').filter(Boolean);
	return {
		categories,
		maxKm: query.has('max_km') ? Number(query.get('max_km')) : DEFAULT_PARAMS.maxKm,
		minPopulation: query.has('min_population') ? Number(query.get('min_population')) : DEFAULT_PARAMS.minPopulation,
		scopeKind: kind as ScopeKind,
		scopeValue: value,
		weights,
		metric: query.get('metric') ?? DEFAULT_PARAMS.metric,
		selected: query.get('commune')
	};
}

/** True when the URL is the form's submission rather than the canonical query. */
export function isFormSubmission(query: URLSearchParams): boolean {
	return query.has('scope_kind');
}

export function scopeText(p: Pick<NeedsParams, 'scopeKind' | 'scopeValue'>): string {
	return p.scopeKind === 'france' ? 'france' : `${p.scopeKind}:${p.scopeValue.trim()}`;
}

/** The API's query string for these parameters (weights only where they differ from 1). */
export function apiQuery(p: NeedsParams): URLSearchParams {
	const q = new URLSearchParams();
	q.set('categories', p.categories.join(','));
	q.set('max_km', String(p.maxKm));
	q.set('min_population', String(p.minPopulation));
	q.set('scope', scopeText(p));
	const weights = p.categories.filter((c) => c in p.weights && p.weights[c] !== 1).map((c) => `${c}:${p.weights[c]}`);
	if (weights.length) q.set('weights', weights.join(','));
	return q;
}

/**
 * The API URL of the analysis in a format; the page's downloads are these very URLs.
 *
 * @example
 * needsApiUrl(DEFAULT_PARAMS, 'csv');
 * // '/api/analysis/needs?categories=cafe_bar%2Cgrocery…&scope=departement%3A53&format=csv'
 */
export function needsApiUrl(p: NeedsParams, format?: 'csv' | 'geojson'): string {
	const q = apiQuery(p);
	if (format && format !== 'geojson') q.set('format', format);
	return `/api/analysis/needs?${q}`;
}

/** The page's own URL: the API's parameters plus what only the page uses (metric, commune). */
export function pageUrl(p: NeedsParams): string {
	const q = apiQuery(p);
	if (p.metric !== DEFAULT_PARAMS.metric) q.set('metric', p.metric);
	if (p.selected) q.set('commune', p.selected);
	return `/analyse?${q}`;
}

export interface NeedsFeature {
	type: 'Feature';
	id: string;
	geometry: { type: 'Point'; coordinates: [number, number] };
	properties: Record<string, string | number | boolean | null>;
}

export interface BeyondFigures {
	population_beyond: number;
	share_beyond: number | null;
	communes_beyond: number;
	deserts: number;
	desert_population: number;
}

export interface NeedsResponse {
	type: 'FeatureCollection';
	features: NeedsFeature[];
	summary: {
		scope: {
			id: string;
			name: string;
			bbox: [number, number, number, number] | null;
			communes_analysed: number;
			communes_without_point: number;
			population_analysed: number;
		};
		parameters: { categories: string[]; max_km: number; min_population: number; weights: Record<string, number>; scope: string };
		per_category: (BeyondFigures & {
			code: string;
			label: LocalizedText;
			weight: number;
			has_facilities: boolean;
			median_distance_m: number | null;
		})[];
		any_category: BeyondFigures;
		licence: string;
		attribution: string;
		sources: { key: string; title: string; licence: string; licence_url: string | null; attribution: string; url: string | null }[];
	};
}

/** The response, checked just enough to fail with a clear message instead of a broken page. */
export function needsResponse(body: unknown): NeedsResponse | null {
	if (typeof body !== 'object' || body === null) return null;
	const b = body as Partial<NeedsResponse>;
	return b.type === 'FeatureCollection' && Array.isArray(b.features) && typeof b.summary === 'object' ? (b as NeedsResponse) : null;
}

/** A colour class: values from `min` (inclusive) up to the next class's. */
export interface ColourClass {
	min: number;
	color: string;
}

// Sequential, colour-blind safe (ColorBrewer YlOrRd, 5 classes): low need is light.
const RAMP = ['#ffffb2', '#fecc5c', '#fd8d3c', '#f03b20', '#bd0026'];

/**
 * Classes of the choropleth: the score in steps of 20; a distance in steps of D/2, so the
 * threshold D is a class boundary (beyond it, the two darkest).
 *
 * @example
 * colourClasses('needs_score', 5).map((c) => c.min); // [0, 20, 40, 60, 80]
 * colourClasses('cafe_bar', 5).map((c) => c.min);    // [0, 2500, 5000, 7500, 10000] (metres)
 */
export function colourClasses(metric: string, maxKm: number): ColourClass[] {
	const step = metric === 'needs_score' ? 20 : (maxKm * 1000) / 2;
	return RAMP.map((color, i) => ({ min: i * step, color }));
}

/** Colour of a commune with no value (no facility anywhere for that category). */
export const NO_VALUE_COLOUR = '#6b2b7a';

/** The value the choropleth shows for a feature; null when the category has no facility. */
export function metricValue(f: NeedsFeature, metric: string): number | null {
	const v = f.properties[metric === 'needs_score' ? 'needs_score' : `${metric}_distance_m`];
	return typeof v === 'number' ? v : null;
}

export function classColour(value: number | null, classes: readonly ColourClass[]): string {
	if (value === null) return NO_VALUE_COLOUR;
	let colour = classes[0]!.color;
	for (const c of classes) if (value >= c.min) colour = c.color;
	return colour;
}
