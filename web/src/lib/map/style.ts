import type { MapOptions } from 'maplibre-gl';
import type { LayerSpecification, StyleSpecification } from '@maplibre/maplibre-gl-style-spec';
import { fontFaces } from './fonts.ts';

/** The land colour when no basemap is configured: neutral, so the data carries the colour. */
export const backgroundColor = '#e9ece8';

/** The portal's own style: a plain background, under which nothing is fetched. */
const offlineStyle: StyleSpecification = {
	version: 8,
	sources: {},
	layers: [{ id: 'background', type: 'background', paint: { 'background-color': backgroundColor } }]
};

/**
 * Style options of the map. With no basemap the map makes no request outside
 * the portal. A basemap style URL (PUBLIC_BASEMAP_STYLE) is opt-in; the
 * portal's label fonts are added to it either way, so our labels never depend
 * on the basemap's glyph server, and so are the `slots` (see slotLayer).
 */
export function mapStyleOptions(
	basemapStyle: string | undefined,
	slots: readonly string[] = []
): Pick<MapOptions, 'style' | 'transformStyle'> {
	return {
		style: basemapStyle ?? offlineStyle,
		transformStyle: (_previous, next) => ({
			...next,
			'font-faces': { ...next['font-faces'], ...fontFaces },
			layers: [...next.layers, ...slots.map(slotLayer)]
		})
	};
}

/**
 * An empty layer that marks a place in the pile: the page inserts its layers under it
 * (`beforeId`), so their order does not depend on when each was added. Drawn above the
 * basemap, whatever it is.
 */
function slotLayer(id: string): LayerSpecification {
	return { id, type: 'background', layout: { visibility: 'none' } };
}
