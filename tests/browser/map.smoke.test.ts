/**
 * Smoke test of the home map in headless Chromium: the page draws the communes and
 * the places from their vector tiles, the places layer can be switched off, the OSM
 * credit follows it, and nothing is logged as a console error. Saves desktop and
 * mobile screenshots. The explorer's flows are in explorer.test.ts.
 *
 * Needs a running portal (the API serving the built web app):
 *   MAILLAGE_BASE_URL=http://127.0.0.1:PORT pnpm exec vitest run tests/browser
 */
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { baseUrl, type Browser, launchBrowser, type PageGlobal, screenshots } from './support.ts';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

const osmCredit = "© les contributeurs d'OpenStreetMap";

/**
 * What the home page exposes on `window.__maillage` (web/src/app.d.ts), reduced
 * to the map calls made here. The callbacks below run in the browser.
 */
interface PortalHandle {
	ready: boolean;
	map: {
		querySourceFeatures(source: string, options?: { sourceLayer?: string }): unknown[];
		queryRenderedFeatures(options: { layers: string[] }): unknown[];
		getLayoutProperty(layer: string, name: string): unknown;
		loaded(): boolean;
	};
}
type PortalWindow = { __maillage?: PortalHandle };

/** The style layers of the places (web/src/lib/explorer/styles.ts): groups, their counts, single places. */
const placeLayers = ['places-groups', 'places-group-counts', 'places-icons'];

let browser: Browser | undefined;
let page: Page;
const consoleErrors: string[] = [];

/**
 * Waits until the map has drawn its layers, or fails at once with the page's
 * own error message (an API failure shows an alert instead of the map).
 */
async function waitForMap(target: Page): Promise<void> {
	await target.waitForFunction(() => {
		const g = globalThis as unknown as PageGlobal;
		return g.__maillage?.ready === true || g.document.querySelector('[role=alert]') !== null;
	}, null, { timeout: 30_000 });
	const alert = target.getByRole('alert');
	if ((await alert.count()) > 0) {
		throw new Error(`The home page shows an error instead of the map: ${await alert.innerText()}`);
	}
}

/** The text of MapLibre's attribution control. */
async function attribution(): Promise<string> {
	return (await page.locator('.maplibregl-ctrl-attrib').textContent()) ?? '';
}

/** Waits until MapLibre has finished the frame that follows a change. */
async function waitForIdleMap(target: Page): Promise<void> {
	await target.waitForFunction(
		() => (globalThis as unknown as PortalWindow).__maillage?.map.loaded() === true,
		null,
		{ timeout: 10_000 }
	);
}

describe('home map', () => {
	beforeAll(async () => {
		browser = await launchBrowser(consoleErrors);
		page = browser.page;
	}, 60_000);

	afterAll(async () => {
		await browser?.close();
	});

	test('draws the communes and the places', { timeout: 60_000 }, async () => {
		// Only the communes and the places: vacant shops are OSM data too, and would keep the credit.
		const response = await page.goto(new URL('/?layers=communes,places', baseUrl).href);
		expect(response?.status()).toBe(200);
		await waitForMap(page);

		expect(await page.locator('main[data-ready="true"]').count()).toBe(1);
		const drawn = await page.evaluate(() => {
			const { map } = (globalThis as unknown as PortalWindow).__maillage!;
			return {
				communeFeatures: map.querySourceFeatures('communes', { sourceLayer: 'communes' }).length,
				renderedCommunes: map.queryRenderedFeatures({ layers: ['communes-fill'] }).length,
				renderedPlaces: map.queryRenderedFeatures({
					layers: ['places-groups', 'places-icons']
				}).length
			};
		});
		expect(drawn.communeFeatures).toBeGreaterThan(0);
		expect(drawn.renderedCommunes).toBeGreaterThan(0);
		expect(drawn.renderedPlaces).toBeGreaterThan(0);

		await expect.poll(attribution).toContain(osmCredit);
		await page.screenshot({ path: join(screenshots, 'home-desktop.png') });
	});

	test('switches the places layer off and on', { timeout: 30_000 }, async () => {
		const toggle = page.getByRole('checkbox', { name: 'Lieux du quotidien' });
		await toggle.uncheck();
		await waitForIdleMap(page);

		const hidden = await page.evaluate((ids) => {
			const { map } = (globalThis as unknown as PortalWindow).__maillage!;
			return {
				visibility: ids.map((id) => map.getLayoutProperty(id, 'visibility')),
				rendered: map.queryRenderedFeatures({ layers: ids }).length
			};
		}, placeLayers);
		expect(hidden.visibility).toEqual(['none', 'none', 'none']);
		expect(hidden.rendered).toBe(0);
		// The ODbL credit goes with the OSM layer; the communes keep theirs.
		await expect.poll(attribution).not.toContain(osmCredit);
		expect(await attribution()).toContain('IGN');

		await toggle.check();
		await waitForIdleMap(page);
		const shown = await page.evaluate((ids) => {
			const { map } = (globalThis as unknown as PortalWindow).__maillage!;
			return ids.map((id) => map.getLayoutProperty(id, 'visibility'));
		}, placeLayers);
		expect(shown).toEqual(['visible', 'visible', 'visible']);
		await expect.poll(attribution).toContain(osmCredit);
	});

	test('fits a 375×667 phone screen', { timeout: 60_000 }, async () => {
		await page.setViewportSize({ width: 375, height: 667 });
		await page.reload();
		await waitForMap(page);
		const renderedCommunes = await page.evaluate(
			() =>
				(globalThis as unknown as PortalWindow).__maillage!.map.queryRenderedFeatures({
					layers: ['communes-fill']
				}).length
		);
		expect(renderedCommunes).toBeGreaterThan(0);
		await page.screenshot({ path: join(screenshots, 'home-mobile.png') });
	});

	test('logs no console error', () => {
		expect(consoleErrors).toEqual([]);
	});
});
