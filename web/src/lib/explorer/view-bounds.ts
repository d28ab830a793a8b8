import { fitBounds, WebMercatorViewport } from '@math.gl/web-mercator';
import type { Bbox } from '../api.ts';

/** How the map starts: a centre and zoom from a shared link, or bounds fitted to the screen. */
export type StartView =
	| { center: readonly [number, number]; zoom: number }
	| { bounds: [number, number, number, number]; padding: number; maxZoom: number };

/**
 * The box and zoom a map of `width` × `height` CSS pixels shows for its start view, before the
 * map exists: so that what the first view needs can be asked for while MapLibre loads. Same
 * projection and 512-pixel world as MapLibre's.
 */
export function startBounds(view: StartView, width: number, height: number): { box: Bbox; zoom: number } {
	const camera =
		'bounds' in view
			? fitBounds({
					width,
					height,
					bounds: [
						[view.bounds[0], view.bounds[1]],
						[view.bounds[2], view.bounds[3]]
					],
					padding: view.padding,
					maxZoom: view.maxZoom
				})
			: { longitude: view.center[0], latitude: view.center[1], zoom: view.zoom };
	const [[west, south], [east, north]] = new WebMercatorViewport({ width, height, ...camera }).getBounds() as [number[], number[]];
	return { box: [west!, south!, east!, north!], zoom: camera.zoom };
}

/** The box with half its width and height more on every side, within WGS 84's range. */
export function padBox(box: Bbox): Bbox {
	const w = (box[2] - box[0]) / 2;
	const h = (box[3] - box[1]) / 2;
	return [Math.max(-180, box[0] - w), Math.max(-90, box[1] - h), Math.min(180, box[2] + w), Math.min(90, box[3] + h)];
}

/** `inner` lies within `outer`. */
export function inside(inner: Bbox, outer: Bbox): boolean {
	return inner[0] >= outer[0] && inner[1] >= outer[1] && inner[2] <= outer[2] && inner[3] <= outer[3];
}
