/**
 * The API documentation page's view of the OpenAPI document (GET /api/openapi.json):
 * operations grouped by tag, each with its parameters and, where the path can be
 * filled in, an example request the reader can open.
 *
 * The API words its summaries « français / English »; `bilingual` splits them.
 */
import type { LocalizedText } from '../../i18n.ts';

export interface ParameterConstraints {
	default?: string;
	minimum?: number;
	maximum?: number;
	maxLength?: number;
	values?: string[];
}

/**
 * A description from the API. The API writes its summaries « français / English » and
 * most descriptions in English only: `lang` is then 'en', for screen readers.
 */
export interface ApiText {
	text: LocalizedText;
	lang: 'en' | null;
}

export interface ApiParameter {
	name: string;
	in: string;
	required: boolean;
	type: string;
	constraints: ParameterConstraints;
	description: ApiText | null;
}

export interface ApiResponse {
	status: string;
	description: ApiText | null;
}

export interface ApiOperation {
	/** Anchor of the operation on the page, e.g. `get-api-ogc-collections-collectionid-items`. */
	anchor: string;
	method: string;
	path: string;
	summary: LocalizedText;
	description: ApiText | null;
	parameters: ApiParameter[];
	responses: ApiResponse[];
	/** A request that works as is, e.g. `/api/ogc/collections/places/items?limit=10`. */
	example: string | null;
}

export interface ApiTagGroup {
	tag: string;
	operations: ApiOperation[];
}

export interface ApiDocsView {
	title: string;
	description: LocalizedText;
	version: string;
	licence: string | null;
	openapi: string;
	groups: ApiTagGroup[];
}

/** Values that make a path template a working request. */
export interface ExampleValues {
	collection: string;
	featureId: string | null;
	tile: { z: number; x: number; y: number };
}

type Json = Record<string, unknown>;

const METHODS = ['get', 'post', 'put', 'patch', 'delete', 'head', 'options'] as const;

function isObject(value: unknown): value is Json {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function str(value: unknown): string | null {
	return typeof value === 'string' && value !== '' ? value : null;
}

/**
 * Splits an API text written « français / English ».
 *
 * @example
 * bilingual('Une collection / One collection'); // → { fr: 'Une collection', en: 'One collection' }
 * bilingual('Collections'); // → { fr: 'Collections', en: 'Collections' }
 */
export function bilingual(text: string): LocalizedText {
	const parts = text.split(' / ');
	if (parts.length === 2 && parts[0] && parts[1]) return { fr: parts[0].trim(), en: parts[1].trim() };
	return { fr: text, en: text };
}

function apiText(text: string): ApiText {
	const split = bilingual(text);
	return { text: split, lang: split.fr === split.en ? 'en' : null };
}

/**
 * Cuts a text at its Markdown `code spans`, the only markup the API's descriptions use.
 *
 * @example
 * codeSpans('points on a grid (`count`)');
 * // → [{ text: 'points on a grid (', code: false }, { text: 'count', code: true }, { text: ')', code: false }]
 */
export function codeSpans(text: string): { text: string; code: boolean }[] {
	return text
		.split('`')
		.map((part, i) => ({ text: part, code: i % 2 === 1 }))
		.filter((part) => part.text !== '');
}

/** The tile of zoom `z` that holds a point (Web Mercator, XYZ scheme). */
export function tileAt(lon: number, lat: number, z: number): { z: number; x: number; y: number } {
	const n = 2 ** z;
	const rad = (lat * Math.PI) / 180;
	const x = Math.floor(((lon + 180) / 360) * n);
	const y = Math.floor(((1 - Math.log(Math.tan(rad) + 1 / Math.cos(rad)) / Math.PI) / 2) * n);
	return { z, x, y };
}

function schemaType(schema: Json): string {
	const type = str(schema.type);
	if (type === 'array' && isObject(schema.items)) return `array<${schemaType(schema.items)}>`;
	if (type) return str(schema.format) ? `${type} (${schema.format as string})` : type;
	const variants = [schema.anyOf, schema.oneOf].find(Array.isArray) as unknown[] | undefined;
	if (variants) {
		const types = [...new Set(variants.filter(isObject).map(schemaType))];
		return types.join(' | ');
	}
	return '—';
}

function enumValues(schema: Json): string[] {
	if (Array.isArray(schema.enum)) return schema.enum.map(String);
	const variants = [schema.anyOf, schema.oneOf].find(Array.isArray) as unknown[] | undefined;
	return variants ? variants.filter(isObject).flatMap(enumValues) : [];
}

function parameterOf(value: unknown): ApiParameter | null {
	if (!isObject(value)) return null;
	const name = str(value.name);
	const location = str(value.in);
	if (!name || !location) return null;
	const schema = isObject(value.schema) ? value.schema : {};
	const constraints: ParameterConstraints = {};
	if (schema.default !== undefined) constraints.default = String(schema.default);
	if (typeof schema.minimum === 'number') constraints.minimum = schema.minimum;
	if (typeof schema.maximum === 'number') constraints.maximum = schema.maximum;
	if (typeof schema.maxLength === 'number') constraints.maxLength = schema.maxLength;
	const values = enumValues(schema);
	if (values.length > 0) constraints.values = values;
	// A query parameter with a default is optional for the client, whatever the
	// schema generator says about it.
	const required = value.required === true && !(location === 'query' && schema.default !== undefined);
	const description = str(value.description) ?? str(schema.description);
	return {
		name,
		in: location,
		required,
		type: schemaType(schema),
		constraints,
		description: description ? apiText(description) : null
	};
}

/** Path parameters first, then required ones, as they are filled in. */
function byPlace(a: ApiParameter, b: ApiParameter): number {
	const rank = (p: ApiParameter) => (p.in === 'path' ? 0 : p.required ? 1 : 2);
	return rank(a) - rank(b);
}

/** Query strings that show what an operation can do, keyed by path template. */
const exampleQueries: Record<string, string> = {
	'/api/ogc/collections/{collectionId}/items': "limit=10&filter=category='cafe_bar'"
};

function exampleFor(method: string, path: string, parameters: ApiParameter[], values: ExampleValues): string | null {
	if (method !== 'get') return null;
	const fills: Record<string, string | null> = {
		collectionId: values.collection,
		collection: values.collection,
		featureId: values.featureId,
		z: String(values.tile.z),
		x: String(values.tile.x),
		y: String(values.tile.y),
		file: `${values.collection}.geojson`
	};
	let unfilled = false;
	const filled = path.replace(/\{([^}]+)\}/g, (_whole, name: string) => {
		const fill = fills[name];
		if (fill === null || fill === undefined) {
			unfilled = true;
			return '';
		}
		return encodeURIComponent(fill);
	});
	if (unfilled) return null;
	const query = exampleQueries[path];
	if (query) return `${filled}?${query}`;
	// A required query parameter without a default has no value to show.
	if (parameters.some((p) => p.in === 'query' && p.required)) return null;
	return filled;
}

function anchorOf(method: string, path: string): string {
	return `${method}-${path}`
		.toLowerCase()
		.replace(/[^a-z0-9]+/g, '-')
		.replace(/^-|-$/g, '');
}

/**
 * Reduces an OpenAPI 3 document to the page's view, or returns null if it is not one.
 */
export function apiDocsView(body: unknown, values: ExampleValues): ApiDocsView | null {
	if (!isObject(body) || !isObject(body.paths) || !str(body.openapi)) return null;
	const info = isObject(body.info) ? body.info : {};
	const groups = new Map<string, ApiOperation[]>();
	for (const [path, item] of Object.entries(body.paths)) {
		if (!isObject(item)) continue;
		const shared = Array.isArray(item.parameters) ? item.parameters : [];
		for (const method of METHODS) {
			const operation = item[method];
			if (!isObject(operation)) continue;
			const parameters = [...shared, ...(Array.isArray(operation.parameters) ? operation.parameters : [])]
				.map(parameterOf)
				.filter((p): p is ApiParameter => p !== null)
				.sort(byPlace);
			const responses = isObject(operation.responses)
				? Object.entries(operation.responses).map(([status, response]) => {
						const text = isObject(response) ? str(response.description) : null;
						// Fastify's placeholder for a response without a description says nothing.
						return { status, description: text && text !== 'Default Response' ? apiText(text) : null };
					})
				: [];
			const description = str(operation.description);
			const tag = (Array.isArray(operation.tags) && str(operation.tags[0])) || '';
			const entry: ApiOperation = {
				anchor: anchorOf(method, path),
				method: method.toUpperCase(),
				path,
				summary: bilingual(str(operation.summary) ?? path),
				description: description ? apiText(description) : null,
				parameters,
				responses,
				example: exampleFor(method, path, parameters, values)
			};
			groups.set(tag, [...(groups.get(tag) ?? []), entry]);
		}
	}
	return {
		title: str(info.title) ?? 'API',
		description: bilingual(str(info.description) ?? ''),
		version: str(info.version) ?? '',
		licence: isObject(info.license) ? str(info.license.name) : null,
		openapi: str(body.openapi) ?? '',
		groups: [...groups].map(([tag, operations]) => ({ tag, operations }))
	};
}
