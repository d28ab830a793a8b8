/**
 * The shapes of the explorer's map icons: one per layer. The legend draws this path data as
 * SVG (MapIcon.svelte) and the map draws it into images (icons.ts), so the two cannot
 * disagree. Pure data, usable without a DOM.
 */

/** SVG path data in a 24 × 24 box, leaving room for a 2-unit white outline. */
export const shapes = {
	circle: 'M3.5 12a8.5 8.5 0 1 0 17 0a8.5 8.5 0 1 0 -17 0z',
	hexagon: 'M12 2.8l8 4.6v9.2l-8 4.6l-8-4.6V7.4z',
	square: 'M5.5 4.5h13a1 1 0 0 1 1 1v13a1 1 0 0 1-1 1h-13a1 1 0 0 1-1-1v-13a1 1 0 0 1 1-1z',
	diamond: 'M12 2.5l9.5 9.5l-9.5 9.5l-9.5-9.5z',
	triangle: 'M12 3.2l9.3 16.3H2.7z',
	drop: 'M12 2.6a6.8 6.8 0 0 1 6.8 6.8c0 4.6-6.8 12-6.8 12s-6.8-7.4-6.8-12A6.8 6.8 0 0 1 12 2.6z'
} as const;

export type Shape = keyof typeof shapes;

/** Outline of every icon, so that it reads on a coloured commune as on a pale one. */
export const iconOutline = '#ffffff';
