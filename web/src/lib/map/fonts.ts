import type { FontFacesSpecification } from '@maplibre/maplibre-gl-style-spec';
import latin500 from '@fontsource/inter/files/inter-latin-500-normal.woff2?url';
import latinExt500 from '@fontsource/inter/files/inter-latin-ext-500-normal.woff2?url';
import latin700 from '@fontsource/inter/files/inter-latin-700-normal.woff2?url';
import latinExt700 from '@fontsource/inter/files/inter-latin-ext-700-normal.woff2?url';

/**
 * Map labels are drawn from font files bundled with the app (style `font-faces`),
 * not from a glyph server: the portal must render with no online basemap and
 * no third-party request. These are the same Inter files as the UI text.
 */
export const fonts = {
	medium: 'Inter Medium',
	bold: 'Inter Bold'
} as const;

// The latin file covers French (é, ç, œ…); latin-ext covers the rest of Europe.
const latinRange = ['U+0000-00FF', 'U+0131', 'U+0152-0153', 'U+2000-206F', 'U+20AC'];
const latinExtRange = ['U+0100-02BA', 'U+1E00-1EFF', 'U+A720-A7FF'];

export const fontFaces: FontFacesSpecification = {
	[fonts.medium]: [
		{ url: latin500, 'unicode-range': latinRange },
		{ url: latinExt500, 'unicode-range': latinExtRange }
	],
	[fonts.bold]: [
		{ url: latin700, 'unicode-range': latinRange },
		{ url: latinExt700, 'unicode-range': latinExtRange }
	]
};

/**
 * The files the labels of a French map need, for the page to preload: MapLibre asks for them
 * only once it lays out the first label, late in a cold start.
 */
export const labelFontFiles = [latin500, latin700];
