/**
 * The open-data page's view of the DCAT-AP catalogue (GET /api/catalog).
 *
 * The JSON-LD is reduced on the server to what the page shows, merged with the layer
 * registry (GET /api/layers) for the facts the catalogue leaves out (geometry type, and
 * the licence of a dataset that has no source yet). Every fact comes from the API: the
 * page adds none of its own beyond how to word it.
 */
import type { LayerInfo } from '../../api.ts';
import type { LocalizedText } from '../../i18n.ts';

export interface Licence {
	label: string;
	/** An http(s) address to the licence text; null when the source gives only a name. */
	url: string | null;
}

export interface DatasetSource {
	title: string;
	url: string | null;
	licence: string;
	attribution: string;
	/** ISO date of the last import of this source. */
	imported: string | null;
}

export interface Download {
	/** The format as readers know it: GeoJSON, CSV, GeoPackage. */
	label: string;
	href: string;
	mediaType: string;
}

export interface Dataset {
	id: string;
	title: LocalizedText;
	description: LocalizedText;
	count: number;
	geometry: string | null;
	licences: Licence[];
	/** The ODbL share-alike statement (dct:rights), when an OpenStreetMap source is involved. */
	rights: LocalizedText | null;
	/** The credits the ODbL requires, e.g. « © les contributeurs d'OpenStreetMap (ODbL) ». */
	requiredCredits: string[];
	sources: DatasetSource[];
	/** ISO date of the most recent import, if any. */
	modified: string | null;
	downloads: Download[];
	ogcUrl: string;
	tileJsonUrl: string;
}

/** Why a load failed, as plain data that the page words in the reader's language. */
export interface LoadFailure {
	kind: 'http' | 'network' | 'shape';
	status: number | null;
	/** The API path that failed, e.g. `/api/catalog`. */
	url: string;
}

export interface CatalogView {
	title: LocalizedText;
	datasets: Dataset[];
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function list(value: unknown): unknown[] {
	if (value === undefined || value === null) return [];
	return Array.isArray(value) ? value : [value];
}

function str(value: unknown): string | null {
	return typeof value === 'string' && value !== '' ? value : null;
}

/** The `@id` of a JSON-LD node reference, or the value itself when it is a string. */
function idOf(value: unknown): string | null {
	return isObject(value) ? str(value['@id']) : str(value);
}

/** A JSON-LD language map (`[{ "@language": "fr", "@value": … }, …]`) as `{ fr, en }`. */
export function languageText(value: unknown): LocalizedText {
	const texts = new Map<string, string>();
	for (const item of list(value)) {
		if (isObject(item)) {
			const text = str(item['@value']);
			if (text) texts.set(str(item['@language']) ?? '', text);
		} else if (str(item)) {
			texts.set('', item as string);
		}
	}
	const any = texts.values().next().value ?? '';
	const fr = texts.get('fr') ?? texts.get('') ?? any;
	return { fr, en: texts.get('en') ?? fr };
}

/**
 * Makes an API address relative, so that a link follows the origin the reader used
 * (the catalogue is built with the host the server saw, which may be an internal one).
 *
 * @example
 * sameOrigin('http://127.0.0.1:3777/api/exports/places.geojson'); // → '/api/exports/places.geojson'
 */
export function sameOrigin(address: string): string {
	try {
		const url = new URL(address);
		return url.pathname.startsWith('/api/') ? `${url.pathname}${url.search}` : address;
	} catch {
		return address;
	}
}

function isHttp(address: string): boolean {
	return /^https?:\/\//.test(address);
}

/** Names of the formats by media type; anything else shows its extension. */
const formatLabels: Record<string, string> = {
	'application/geo+json': 'GeoJSON',
	'text/csv': 'CSV',
	'application/geopackage+sqlite3': 'GeoPackage'
};

function downloadLabel(mediaType: string, href: string): string {
	return formatLabels[mediaType] ?? href.split('.').pop()?.toUpperCase() ?? mediaType;
}

function unique<T>(values: T[]): T[] {
	return [...new Set(values)];
}

/**
 * The licences of a dataset: the catalogue gives their addresses (dct:license), the
 * sources their names, in the same order of first appearance.
 */
function licencesOf(dataset: Json, sources: DatasetSource[], layer: LayerInfo | undefined): Licence[] {
	const ids = unique(list(dataset['dct:license']).map(idOf).filter((id): id is string => !!id));
	const names = unique(sources.map((s) => s.licence).filter((n) => n !== ''));
	if (ids.length === 0) {
		return layer?.licence ? [{ label: layer.licence, url: null }] : [];
	}
	return ids.map((id, index) => {
		const name = names.length === ids.length ? names[index] : undefined;
		if (isHttp(id)) return { label: name ?? (ids.length === 1 && layer ? layer.licence : id), url: id };
		return { label: id, url: null };
	});
}

function sourceOf(value: unknown): DatasetSource | null {
	if (!isObject(value)) return null;
	const url = idOf(value);
	return {
		title: str(value['dct:title']) ?? url ?? '',
		// A source without an address of its own gets a fragment of the catalogue: not a link.
		url: url && isHttp(url) && !url.includes('/api/catalog#') ? url : null,
		licence: str(value['dct:license']) ?? '',
		attribution: str(value['dct:rightsHolder']) ?? '',
		imported: str(value['dct:modified'])
	};
}

function datasetOf(value: unknown, layers: Map<string, LayerInfo>): Dataset | null {
	if (!isObject(value)) return null;
	const id = str(value['dct:identifier']);
	if (!id) return null;
	const layer = layers.get(id);
	const sources = list(value['dct:source'])
		.map(sourceOf)
		.filter((s): s is DatasetSource => s !== null);
	const distributions = list(value['dcat:distribution']).filter(isObject);
	const downloads: Download[] = [];
	let ogcUrl: string | null = null;
	for (const d of distributions) {
		const download = idOf(d['dcat:downloadURL']);
		const access = idOf(d['dcat:accessURL']);
		if (download) {
			const href = sameOrigin(download);
			const mediaType = str(d['dcat:mediaType']) ?? '';
			downloads.push({ label: downloadLabel(mediaType, href), href, mediaType });
		} else if (access && !ogcUrl) {
			ogcUrl = sameOrigin(access);
		}
	}
	const rights = value['dct:rights'] === undefined ? null : languageText(value['dct:rights']);
	const odblSources = sources.filter((s) => /odbl/i.test(s.licence));
	const requiredCredits = rights
		? unique(odblSources.map((s) => s.attribution).filter((a) => a !== ''))
		: [];
	const extent = Number(value['dct:extent']);
	const modified = isObject(value['dct:modified']) ? str(value['dct:modified']['@value']) : null;
	return {
		id,
		title: languageText(value['dct:title']),
		description: languageText(value['dct:description']),
		count: Number.isFinite(extent) ? extent : (layer?.count ?? 0),
		geometry: layer?.geometry ?? null,
		licences: licencesOf(value, sources, layer),
		rights,
		requiredCredits:
			rights && requiredCredits.length === 0 && layer?.attribution ? [layer.attribution] : requiredCredits,
		sources,
		modified,
		downloads,
		ogcUrl: ogcUrl ?? `/api/ogc/collections/${encodeURIComponent(id)}`,
		tileJsonUrl: `/api/tiles/${encodeURIComponent(id)}.json`
	};
}

/**
 * Reduces the DCAT-AP JSON-LD to the page's view, or returns null if it is not a catalogue.
 */
export function catalogView(body: unknown, layers: LayerInfo[]): CatalogView | null {
	if (!isObject(body) || !Array.isArray(body['dcat:dataset'])) return null;
	const byId = new Map(layers.map((l) => [l.id, l]));
	return {
		title: languageText(body['dct:title']),
		datasets: body['dcat:dataset']
			.map((d) => datasetOf(d, byId))
			.filter((d): d is Dataset => d !== null)
	};
}

const dateFormats = new Map<string, Intl.DateTimeFormat>();

/**
 * A date in words, on the Paris calendar so that the server and the browser agree.
 *
 * @example
 * formatDate('2026-11-22T05:01:05Z', 'fr'); // → '22 novembre 2026'
 */
export function formatDate(iso: string, locale: 'fr' | 'en'): string {
	const date = new Date(iso);
	if (Number.isNaN(date.getTime())) return iso;
	let format = dateFormats.get(locale);
	if (!format) {
		format = new Intl.DateTimeFormat(locale === 'fr' ? 'fr-FR' : 'en-GB', {
			day: 'numeric',
			month: 'long',
			year: 'numeric',
			timeZone: 'Europe/Paris'
		});
		dateFormats.set(locale, format);
	}
	return format.format(date);
}
