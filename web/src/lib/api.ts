/**
 * Client for the Maillage API, served on the same origin under /api.
 *
 * The response types below restate the API contract for the home map. They
 * should be replaced by types generated from /api/openapi.json once the API
 * publishes it; until then this file is the only place that knows the shapes.
 * Responses are checked just enough to fail loudly with a clear message rather
 * than draw an empty map.
 */
import type { Feature, FeatureCollection, Geometry, Point } from 'geojson';
import type { LocalizedText } from './i18n.ts';

/** One entry of the layer registry, as served by GET /api/layers. */
export interface LayerInfo {
	id: string;
	title: LocalizedText;
	geometry: string;
	licence: string;
	attribution: string;
	count: number;
}

/** One place category, as served by GET /api/place-categories. */
export interface PlaceCategory {
	code: string;
	family: string;
	label: LocalizedText;
	color: string;
}

/** An OGC API Features items page: a FeatureCollection plus paging counts. */
export type ItemsPage<G extends Geometry, P> = FeatureCollection<G, P> & {
	numberMatched?: number;
	numberReturned?: number;
};

export type Bbox = readonly [minLon: number, minLat: number, maxLon: number, maxLat: number];

/** Parameters of an OGC items request; `filter` is CQL2 text. */
export interface ItemsQuery {
	bbox?: Bbox;
	limit?: number;
	filter?: string;
}

/**
 * Why a request failed, kept as data so that the page can word it in the
 * reader's language. `status` is null when the server could not be reached.
 */
export class ApiError extends Error {
	readonly url: string;
	readonly kind: 'http' | 'network' | 'shape';
	readonly status: number | null;

	// Fields assigned by hand rather than as parameter properties: the tests import this module
	// with the workspace's erasable-syntax-only TypeScript settings.
	constructor(url: string, kind: 'http' | 'network' | 'shape', status: number | null = null, options?: ErrorOptions) {
		super(`${kind} error for ${url}${status === null ? '' : ` (HTTP ${status})`}`, options);
		this.name = 'ApiError';
		this.url = url;
		this.kind = kind;
		this.status = status;
	}
}

type Fetch = typeof fetch;

async function getJson(fetchFn: Fetch, url: string, signal?: AbortSignal): Promise<unknown> {
	let response: Response;
	try {
		response = await fetchFn(url, {
			headers: { accept: 'application/geo+json, application/json' },
			signal
		});
	} catch (cause) {
		if (signal?.aborted) throw cause;
		throw new ApiError(url, 'network', null, { cause });
	}
	if (!response.ok) throw new ApiError(url, 'http', response.status);
	try {
		return await response.json();
	} catch (cause) {
		throw new ApiError(url, 'shape', response.status, { cause });
	}
}

function isObject(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null;
}

function arrayField(body: unknown, field: string, url: string): unknown[] {
	const value = isObject(body) ? body[field] : undefined;
	if (!Array.isArray(value)) throw new ApiError(url, 'shape');
	return value;
}

export async function fetchLayers(fetchFn: Fetch, signal?: AbortSignal): Promise<LayerInfo[]> {
	const url = '/api/layers';
	return arrayField(await getJson(fetchFn, url, signal), 'layers', url) as LayerInfo[];
}

export async function fetchPlaceCategories(
	fetchFn: Fetch,
	signal?: AbortSignal
): Promise<PlaceCategory[]> {
	const url = '/api/place-categories';
	return arrayField(await getJson(fetchFn, url, signal), 'categories', url) as PlaceCategory[];
}

/**
 * Fetches one page of a collection's items.
 *
 * @example
 * await fetchItems<Point, { name: string | null }>(fetch, 'places', { limit: 10000 });
 * // GET /api/ogc/collections/places/items?limit=10000
 */
export async function fetchItems<G extends Geometry, P>(
	fetchFn: Fetch,
	collection: string,
	query: ItemsQuery,
	signal?: AbortSignal
): Promise<ItemsPage<G, P>> {
	const params = new URLSearchParams();
	if (query.bbox) params.set('bbox', query.bbox.join(','));
	if (query.limit !== undefined) params.set('limit', String(query.limit));
	if (query.filter) params.set('filter', query.filter);
	const url = `/api/ogc/collections/${encodeURIComponent(collection)}/items?${params}`;
	const body: unknown = await getJson(fetchFn, url, signal);
	if (!isObject(body) || body.type !== 'FeatureCollection') throw new ApiError(url, 'shape');
	arrayField(body, 'features', url);
	return body as unknown as ItemsPage<G, P>;
}

/** One result of GET /api/search. */
export interface SearchResult {
	type: 'commune' | 'place' | 'tiers_lieu' | 'programme';
	id: string;
	label: string;
	sublabel: string;
	category?: string;
	commune_code: string | null;
	bbox?: [number, number, number, number];
	point?: [number, number];
	url: string;
}

export async function fetchSearch(
	fetchFn: Fetch,
	q: string,
	limit: number,
	signal?: AbortSignal
): Promise<SearchResult[]> {
	const url = `/api/search?${new URLSearchParams({ q, limit: String(limit) })}`;
	return arrayField(await getJson(fetchFn, url, signal), 'results', url) as SearchResult[];
}

/**
 * The number of features of each layer in a box, each with its CQL2 filter
 * (GET /api/explorer/counts).
 *
 * @example
 * await fetchCounts(fetch, [-0.8, 48, -0.7, 48.1], ['places'], { places: "category IN ('bakery')" });
 * // → { places: 12 }
 */
export async function fetchCounts(
	fetchFn: Fetch,
	bbox: Bbox,
	layers: readonly string[],
	filters: Readonly<Record<string, string>>,
	signal?: AbortSignal
): Promise<Record<string, number>> {
	const params = new URLSearchParams({ bbox: bbox.join(','), layers: layers.join(',') });
	for (const [layer, filter] of Object.entries(filters)) params.set(`filter.${layer}`, filter);
	const url = `/api/explorer/counts?${params}`;
	const body = await getJson(fetchFn, url, signal);
	if (!isObject(body) || !isObject(body.counts)) throw new ApiError(url, 'shape');
	return body.counts as Record<string, number>;
}

/** One label point per commune of a box (GET /api/explorer/commune-labels). */
export async function fetchCommuneLabels(
	fetchFn: Fetch,
	bbox: Bbox,
	signal?: AbortSignal
): Promise<FeatureCollection<Point, { name: string; population: number | null }>> {
	const url = `/api/explorer/commune-labels?bbox=${bbox.join(',')}`;
	const body = await getJson(fetchFn, url, signal);
	if (!isObject(body) || body.type !== 'FeatureCollection') throw new ApiError(url, 'shape');
	arrayField(body, 'features', url);
	return body as unknown as FeatureCollection<Point, { name: string; population: number | null }>;
}

/** One feature of a collection, with every property (GET /api/ogc/collections/{id}/items/{fid}). */
export async function fetchFeature(
	fetchFn: Fetch,
	collection: string,
	id: string,
	signal?: AbortSignal
): Promise<Feature<Geometry, Record<string, unknown>>> {
	const url = `/api/ogc/collections/${encodeURIComponent(collection)}/items/${encodeURIComponent(id)}`;
	const body = await getJson(fetchFn, url, signal);
	if (!isObject(body) || body.type !== 'Feature' || !isObject(body.properties)) throw new ApiError(url, 'shape');
	return body as unknown as Feature<Geometry, Record<string, unknown>>;
}

/** GET /api/{path} as JSON, for callers that check the shape themselves. */
export function fetchJson(fetchFn: Fetch, url: string, signal?: AbortSignal): Promise<unknown> {
	return getJson(fetchFn, url, signal);
}
