import { getContext, setContext } from 'svelte';
import type { ControlPosition, IControl, Map as MapLibreMap } from 'maplibre-gl';

/** The maplibre-gl module, loaded in the browser only (it touches `window`). */
export type MapLibreModule = typeof import('maplibre-gl');

export interface MapContext {
	readonly map: MapLibreMap;
	readonly maplibre: MapLibreModule;
	/** True once the map has been removed: children must not touch it any more. */
	readonly removed: boolean;
}

const MAP_KEY = Symbol('maillage.map');
const SOURCE_KEY = Symbol('maillage.source');

export function setMapContext(context: MapContext): void {
	setContext(MAP_KEY, context);
}

/**
 * The enclosing map. Throws rather than returning undefined: a source or a
 * layer placed outside <MapLibre> is a bug to see at once, not a silent no-op.
 */
export function getMapContext(): MapContext {
	const context = getContext<MapContext | undefined>(MAP_KEY);
	if (!context) throw new Error('This map component must be placed inside <MapLibre>');
	return context;
}

/**
 * Adds a control to the map and returns what removes it, for a control
 * component's `$effect`: a changed option re-creates the control.
 */
export function mountControl(context: MapContext, control: IControl, position: ControlPosition): () => void {
	context.map.addControl(control, position);
	return () => {
		if (!context.removed) context.map.removeControl(control);
	};
}

export function setSourceId(id: string): void {
	setContext(SOURCE_KEY, id);
}

/** The id of the enclosing <GeoJSONSource>, for layers that do not name one. */
export function getSourceId(): string | undefined {
	return getContext<string | undefined>(SOURCE_KEY);
}
