/**
 * Map icons of the explorer: one shape per layer (shapes.ts), one colour per category, drawn
 * into map images in the browser, so no sprite sheet is fetched.
 */
import type { Map as MapLibreMap } from 'maplibre-gl';
import { iconOutline, shapes, type Shape } from './shapes.ts';

/** Name of the map image of a layer's category; `code` '' is the layer's fallback colour. */
export function iconName(layer: string, code: string): string {
	return `mx:${layer}:${code}`;
}

const BOX = 24;
/** Drawn at twice the CSS size, so icons stay sharp on high-density screens. */
const PIXEL_RATIO = 2;

/** Pixels of one icon, drawn with the canvas API from the shared path data. */
function rasterize(shape: Shape, color: string): ImageData {
	const size = BOX * PIXEL_RATIO;
	const canvas = document.createElement('canvas');
	canvas.width = size;
	canvas.height = size;
	const context = canvas.getContext('2d');
	if (!context) throw new Error('The browser gave no 2D canvas to draw the map icons');
	context.scale(PIXEL_RATIO, PIXEL_RATIO);
	const path = new Path2D(shapes[shape]);
	context.lineJoin = 'round';
	context.lineWidth = 2;
	context.strokeStyle = iconOutline;
	context.stroke(path);
	context.fillStyle = color;
	context.fill(path);
	return context.getImageData(0, 0, size, size);
}

/**
 * Adds the icons of a layer to the map, once per name (a style reload keeps them).
 *
 * @example
 * addIcons(map, 'places', 'circle', [{ code: 'bakery', color: '#d68910' }], '#7f8c8d');
 * // map images 'mx:places:bakery' and 'mx:places:'
 */
export function addIcons(
	map: MapLibreMap,
	layer: string,
	shape: Shape,
	values: readonly { code: string; color: string }[],
	fallbackColor: string
): void {
	for (const { code, color } of [...values, { code: '', color: fallbackColor }]) {
		const name = iconName(layer, code);
		if (!map.hasImage(name)) map.addImage(name, rasterize(shape, color), { pixelRatio: PIXEL_RATIO });
	}
}
