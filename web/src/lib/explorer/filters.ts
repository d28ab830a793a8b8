/**
 * The explorer's filters, as data: for each layer, the values kept for each property
 * (`{ places: { category: ['bakery', 'grocery'] } }`). A property that is absent is not
 * filtered; an empty list keeps nothing. The same state becomes a CQL2 text filter (counts,
 * OGC items) and a MapLibre filter expression (tiles), so the two always say the same thing.
 * Pure functions: no DOM, no map.
 */
import type { ExpressionSpecification } from '@maplibre/maplibre-gl-style-spec';

/** Property → values kept, for one layer. */
export type LayerFilter = Readonly<Record<string, readonly string[]>>;
/** Layer id → its filter. */
export type FilterState = Readonly<Record<string, LayerFilter>>;

/** True when the layer has at least one property filtered. */
export function isFiltered(filter: LayerFilter | undefined): boolean {
	return filter !== undefined && Object.keys(filter).length > 0;
}

/** True when a property keeps no value, so that nothing of the layer can match. */
export function keepsNothing(filter: LayerFilter | undefined): boolean {
	return filter !== undefined && Object.values(filter).some((values) => values.length === 0);
}

/** A CQL2 text literal: quotes doubled, so a value is never read as syntax. */
export function cql2String(value: string): string {
	return `'${value.replaceAll("'", "''")}'`;
}

/**
 * The CQL2 text of a layer's filter, or null when nothing is filtered. On a list property
 * (`typology`, `themes`), the API reads `IN` as "contains one of".
 *
 * @example
 * toCql2({ category: ['bakery', 'cafe_bar'], status: ['active'] });
 * // → "category IN ('bakery','cafe_bar') AND status IN ('active')"
 */
export function toCql2(filter: LayerFilter | undefined): string | null {
	if (!isFiltered(filter) || keepsNothing(filter)) return null;
	const parts = Object.entries(filter ?? {}).map(
		([property, values]) => `${property} IN (${values.map(cql2String).join(',')})`
	);
	return parts.join(' AND ');
}

/**
 * The MapLibre expression of a layer's filter on the properties its tiles carry, or null when
 * none of them is filtered. Properties the tiles do not carry are left to the caller.
 *
 * @example
 * toTileExpression({ category: ['bakery'] }, ['category', 'name']);
 * // → ['all', ['in', ['get', 'category'], ['literal', ['bakery']]]]
 */
export function toTileExpression(
	filter: LayerFilter | undefined,
	tileProperties: readonly string[]
): ExpressionSpecification | null {
	const parts = Object.entries(filter ?? {})
		.filter(([property]) => tileProperties.includes(property))
		.map(
			([property, values]): ExpressionSpecification => [
				'in',
				['get', property],
				['literal', [...values]]
			]
		);
	return parts.length === 0 ? null : ['all', ...parts];
}

/**
 * The filter with one value switched on or off. With every value on, the property is no
 * longer filtered (a new category then shows up without anyone ticking it).
 *
 * @example
 * toggleValue({}, 'category', 'bakery', ['bakery', 'cafe_bar']); // → { category: ['cafe_bar'] }
 */
export function toggleValue(
	filter: LayerFilter | undefined,
	property: string,
	value: string,
	allValues: readonly string[]
): LayerFilter {
	const current = filter?.[property] ?? allValues;
	const next = current.includes(value) ? current.filter((v) => v !== value) : [...current, value];
	const complete = allValues.every((v) => next.includes(v));
	return withValues(filter, property, complete ? null : allValues.filter((v) => next.includes(v)));
}

/**
 * The filter with a property keeping exactly `values`, or no longer filtered (`null`).
 *
 * @example
 * withValues({ category: ['bakery'] }, 'category', null); // → {}
 * withValues({}, 'category', []);                         // → { category: [] } (nothing shown)
 */
export function withValues(filter: LayerFilter | undefined, property: string, values: readonly string[] | null): LayerFilter {
	const rest = Object.fromEntries(Object.entries(filter ?? {}).filter(([p]) => p !== property));
	return values === null ? rest : { ...rest, [property]: values };
}

/** True when the value is shown (its property is not filtered, or keeps it). */
export function keepsValue(filter: LayerFilter | undefined, property: string, value: string): boolean {
	const values = filter?.[property];
	return values === undefined || values.includes(value);
}
