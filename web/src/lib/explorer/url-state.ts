/**
 * The explorer's state in the address, so that a reload or a shared link shows the same view:
 *
 *   /?c=-0.77000,48.07000&z=12.50&layers=communes,places&places.category=bakery,cafe_bar&sel=places:872
 *
 * - `c` centre (lon,lat) and `z` zoom; absent, the map fits the territory.
 * - `layers` the layers shown, in any order; absent, the default ones; empty, none.
 * - `<layer>.<property>` the values kept by a filter; empty, none.
 * - `sel` the selected feature, `<layer>:<id>`.
 *
 * Values that cannot be read (a zoom of "abc", an unknown layer) are dropped, and the rest of the
 * address still applies: a link mangled by a mail client opens on what can be saved.
 * Pure functions: no DOM, no map.
 */
import type { FilterState, LayerFilter } from './filters.ts';

export interface MapView {
	center: [lon: number, lat: number];
	zoom: number;
}

export interface Selection {
	layer: string;
	id: string;
}

export interface ExplorerState {
	/** Null: fit the territory. */
	view: MapView | null;
	visible: readonly string[];
	filters: FilterState;
	selected: Selection | null;
}

/** What the address may name: the layers, and the filterable properties of each. */
export interface StateSchema {
	layers: readonly { id: string; defaultVisible: boolean; filters: readonly string[] }[];
	minZoom: number;
	maxZoom: number;
}

function parseView(c: string | null, z: string | null, schema: StateSchema): MapView | null {
	if (c === null || z === null) return null;
	const [lon, lat, ...extra] = c.split(',').map(Number);
	const zoom = Number(z);
	const ok =
		extra.length === 0 &&
		lon !== undefined &&
		lat !== undefined &&
		Math.abs(lon) <= 180 &&
		Math.abs(lat) <= 85.06 &&
		Number.isFinite(zoom) &&
		zoom >= schema.minZoom &&
		zoom <= schema.maxZoom;
	return ok ? { center: [lon, lat], zoom } : null;
}

function splitList(raw: string): string[] {
	return raw === '' ? [] : [...new Set(raw.split(',').map((s) => s.trim()).filter(Boolean))];
}

/**
 * Reads the state from a query string.
 *
 * @example
 * parseState(new URLSearchParams('z=9&c=-0.7,48&places.category=bakery'), schema);
 * // → { view: { center: [-0.7, 48], zoom: 9 }, visible: [defaults…],
 * //     filters: { places: { category: ['bakery'] } }, selected: null }
 */
export function parseState(params: Pick<URLSearchParams, 'get'>, schema: StateSchema): ExplorerState {
	const ids = schema.layers.map((l) => l.id);
	const layersParam = params.get('layers');
	const visible =
		layersParam === null
			? schema.layers.filter((l) => l.defaultVisible).map((l) => l.id)
			: ids.filter((id) => splitList(layersParam).includes(id));

	const filters: Record<string, LayerFilter> = {};
	for (const layer of schema.layers) {
		const filter: Record<string, string[]> = {};
		for (const property of layer.filters) {
			const raw = params.get(`${layer.id}.${property}`);
			if (raw !== null) filter[property] = splitList(raw);
		}
		if (Object.keys(filter).length > 0) filters[layer.id] = filter;
	}

	let selected: Selection | null = null;
	const sel = params.get('sel');
	const colon = sel?.indexOf(':') ?? -1;
	if (sel && colon > 0 && colon < sel.length - 1) {
		const layer = sel.slice(0, colon);
		if (ids.includes(layer)) selected = { layer, id: sel.slice(colon + 1) };
	}

	return { view: parseView(params.get('c'), params.get('z'), schema), visible, filters, selected };
}

/** Decimals of the centre at a zoom: finer than a pixel (5 decimals ≈ 1 m), never more. */
function centreDigits(zoom: number): number {
	return Math.min(6, Math.floor(zoom / 4) + 2);
}

// Commas, colons and slashes are allowed as such in a query (RFC 3986): keeping them makes
// links readable (c=-0.77,48.07 rather than c=-0.77%2C48.07).
function encode(value: string): string {
	return encodeURIComponent(value).replace(/%2C/gi, ',').replace(/%3A/gi, ':').replace(/%2F/gi, '/');
}

/**
 * Writes the state as a query string (without `?`), leaving out what equals the default, so
 * the default view is the bare address.
 *
 * @example
 * formatState({ view: { center: [-0.77, 48.07], zoom: 12.5 }, visible: ['communes'],
 *               filters: {}, selected: { layer: 'communes', id: '53130' } }, schema);
 * // → 'c=-0.77000,48.07000&z=12.50&layers=communes&sel=communes:53130'
 */
export function formatState(state: ExplorerState, schema: StateSchema): string {
	const entries: [string, string][] = [];
	if (state.view) {
		const digits = centreDigits(state.view.zoom);
		const [lon, lat] = state.view.center;
		entries.push(['c', `${lon.toFixed(digits)},${lat.toFixed(digits)}`]);
		entries.push(['z', state.view.zoom.toFixed(2)]);
	}
	const ids = schema.layers.map((l) => l.id);
	const defaults = schema.layers.filter((l) => l.defaultVisible).map((l) => l.id);
	const visible = ids.filter((id) => state.visible.includes(id));
	if (visible.join(',') !== defaults.join(',')) entries.push(['layers', visible.join(',')]);
	for (const layer of schema.layers) {
		for (const property of layer.filters) {
			const values = state.filters[layer.id]?.[property];
			if (values) entries.push([`${layer.id}.${property}`, values.join(',')]);
		}
	}
	if (state.selected) entries.push(['sel', `${state.selected.layer}:${state.selected.id}`]);
	return entries.map(([key, value]) => `${encode(key)}=${encode(value)}`).join('&');
}
