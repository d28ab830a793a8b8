// The box of the explorer's first view, computed before the map exists (web/src/lib/explorer/
// view-bounds.ts): the names of that view are asked for with it as the page starts.
import { describe, expect, it } from 'vitest';
import { inside, padBox, startBounds } from '../../web/src/lib/explorer/view-bounds.ts';
import { demoTerritory } from '../../web/src/lib/territory.ts';

const territory = { bounds: demoTerritory.bounds, padding: 12, maxZoom: demoTerritory.zoom };

describe('first view of the explorer', () => {
  it('on a wide screen: the reference zoom, the whole département in view', () => {
    const { box, zoom } = startBounds(territory, 1440, 900);
    expect(zoom).toBe(demoTerritory.zoom);
    expect(inside(demoTerritory.bounds, box)).toBe(true);
    // 1440 px of a 512 px world at zoom 8.3: 360 × 1440 / (512 × 2^8.3) degrees of longitude.
    expect(box[2] - box[0]).toBeCloseTo((360 * 1440) / (512 * 2 ** 8.3), 6);
  });

  it('on a phone: zoomed out until the département fits, within the padding', () => {
    const { box, zoom } = startBounds(territory, 375, 667);
    expect(zoom).toBeLessThan(demoTerritory.zoom);
    expect(inside(demoTerritory.bounds, box)).toBe(true);
    // Fitted by its width: 12 px of padding on each side, no more.
    const degreesPerPixel = (box[2] - box[0]) / 375;
    expect(demoTerritory.bounds[0] - box[0]).toBeCloseTo(12 * degreesPerPixel, 6);
  });

  it('from a shared view: centred on its centre', () => {
    const { box, zoom } = startBounds({ center: [-0.77, 48.07], zoom: 12 }, 800, 600);
    expect(zoom).toBe(12);
    expect((box[0] + box[2]) / 2).toBeCloseTo(-0.77, 9);
    expect(box[1]).toBeLessThan(48.07);
    expect(box[3]).toBeGreaterThan(48.07);
  });

  it('pads a box by half its size on every side, within WGS 84', () => {
    expect(padBox([0, 40, 2, 42])).toEqual([-1, 39, 3, 43]);
    expect(padBox([-179, -89, 179, 89])).toEqual([-180, -90, 180, 90]);
  });
});
