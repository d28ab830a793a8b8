/**
 * The commune page of Laval in headless Chromium: heading, population in French, the
 * nearest-café line, the small map drawn, the English switch, no console error. Saves
 * desktop and mobile screenshots.
 *
 * Needs a running portal with the demo loaded:
 *   MAILLAGE_BASE_URL=http://127.0.0.1:PORT pnpm exec vitest run --config browser/vitest.config.ts browser/commune
 */
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { baseUrl, type Browser, launchBrowser, screenshots } from './support.ts';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';


let browser: Browser | undefined;
let page: Page;
const consoleErrors: string[] = [];

async function waitForCommuneMap(target: Page): Promise<void> {
	await target.locator('[data-ready="true"]').waitFor({ timeout: 30_000 });
}

describe('commune page', () => {
	beforeAll(async () => {
		browser = await launchBrowser(consoleErrors);
		page = browser.page;
	}, 60_000);

	afterAll(async () => {
		await browser?.close();
	});

	test('shows Laval: heading, population, nearest café, map', { timeout: 60_000 }, async () => {
		const response = await page.goto(new URL('/communes/53130', baseUrl).href);
		expect(response?.status()).toBe(200);
		await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Laval');
		// 49 400 with the French narrow no-break space (communes_france_2026.csv).
		expect((await page.locator('[data-fact="population"]').textContent())?.replace(/\s/g, ' ').trim()).toBe('49 400 hab.');
		const cafe = page.getByRole('row', { name: /Café le plus proche/ });
		expect(await cafe.textContent()).toMatch(/Café le plus proche\s*[\d,]+\s*k?m\s*.+\(.+\)/);
		expect(await page.getByRole('table').count()).toBe(2);
		expect(await page.locator('[data-fact="vacant-vacant"]').textContent()).toMatch(/^\d+$/);
		await waitForCommuneMap(page);
		expect(await page.locator('.maplibregl-ctrl-attrib').textContent()).toContain("© les contributeurs d'OpenStreetMap");
		await page.screenshot({ path: join(screenshots, 'commune-desktop.png'), fullPage: true });
	});

	test('fits a 375×667 phone screen', { timeout: 60_000 }, async () => {
		await page.setViewportSize({ width: 375, height: 667 });
		await page.reload();
		await waitForCommuneMap(page);
		// Nothing wider than the screen: no horizontal scrolling.
		expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(375);
		await page.screenshot({ path: join(screenshots, 'commune-mobile.png'), fullPage: true });
	});

	test('logs no console error', () => {
		expect(consoleErrors).toEqual([]);
	});

	test('answers 404 for an unknown commune', async () => {
		const response = await page.goto(new URL('/communes/99999', baseUrl).href);
		expect(response?.status()).toBe(404);
	});
});
