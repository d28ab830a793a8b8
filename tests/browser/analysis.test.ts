/**
 * The unmet-needs page in headless Chromium: the default analysis of Mayenne (figures, ranked
 * table, choropleth drawn), a new distance threshold through the form, sorting, a commune shown
 * on the map with its lines, every commune linked to its nearest café (deck.gl), the method page, English, the page as the server renders it, no console error. Saves screenshots
 * (analysis-desktop.png, analysis-selected.png, analysis-lines.png, analysis-mobile.png, analysis-method.png).
 *
 * Needs a running portal with the demo loaded:
 *   MAILLAGE_BASE_URL=http://127.0.0.1:PORT pnpm exec vitest run --config browser/vitest.config.ts browser/analysis
 */
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { baseUrl, type Browser, launchBrowser, type PageGlobal, screenshots } from './support.ts';

let browser: Browser | undefined;
let page: Page;
const consoleErrors: string[] = [];

/** Waits until the map has drawn the communes of the analysis in colour; returns how many. */
async function drawnCommunes(target: Page, atLeast = 1): Promise<number> {
	await target.waitForFunction((least) => {
		const frame = (globalThis as unknown as PageGlobal).document.querySelector('.frame[data-ready="true"]');
		return Number(frame?.getAttribute('data-drawn') ?? 0) >= least;
	}, atLeast, { timeout: 45_000 });
	return Number(await target.locator('.frame').getAttribute('data-drawn'));
}

describe('unmet-needs analysis page', () => {
	beforeAll(async () => {
		browser = await launchBrowser(consoleErrors);
		page = browser.page;
	}, 60_000);

	afterAll(async () => {
		await browser?.close();
	});

	test('analyses Mayenne by default: figures, ranked table, choropleth', { timeout: 90_000 }, async () => {
		const response = await page.goto(new URL('/analyse', baseUrl).href);
		expect(response?.status()).toBe(200);
		await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Besoins non couverts');
		expect(await page.getByRole('link', { name: 'Analyse', exact: true }).getAttribute('aria-current')).toBe('page');
		// The summary: five categories and the « any category » line.
		expect(await page.locator('table.figures tbody tr').count()).toBe(6);
		expect(await page.locator('table.figures').textContent()).toContain('Au moins une catégorie');
		// The table: the first 50 of the 240 communes, ranked from 1.
		const rows = page.locator('table.needs-table tbody tr');
		expect(await rows.count()).toBe(50);
		expect(await rows.first().locator('td').first().textContent()).toBe('1');
		expect(await page.locator('.more').textContent()).toMatch(/50 communes affichées sur 240/);
		// Most of Mayenne's 240 communes are in view and drawn in colour.
		expect(await drawnCommunes(page, 100)).toBeGreaterThanOrEqual(100);
		expect(await page.locator('.maplibregl-ctrl-attrib').textContent()).toContain("© les contributeurs d'OpenStreetMap");
		const csv = page.getByRole('link', { name: 'CSV', exact: true });
		expect(await csv.getAttribute('href')).toBe('/api/analysis/needs?categories=cafe_bar%2Cgrocery%2Cbakery%2Ctiers_lieux%2Cfrance_services&max_km=5&min_population=0&scope=departement%3A53&format=csv');
		await page.screenshot({ path: join(screenshots, 'analysis-desktop.png'), fullPage: true });
	});

	test('runs again with a new distance threshold, and the URL says so', { timeout: 90_000 }, async () => {
		const before = await page.locator('table.figures tbody tr.any td').first().textContent();
		await page.getByLabel('Distance D (km)').fill('2');
		await page.getByRole('button', { name: 'Analyser' }).click();
		await page.waitForURL(/max_km=2&/, { timeout: 30_000 });
		await expect(page.getByRole('heading', { name: 'Population à plus de 2 km' }).count()).resolves.toBe(1);
		const after = await page.locator('table.figures tbody tr.any td').first().textContent();
		// Fewer kilometres, more people beyond them.
		const n = (s: string | null) => Number((s ?? '').replace(/\D/g, ''));
		expect(n(after)).toBeGreaterThan(n(before));
		expect(await drawnCommunes(page, 100)).toBeGreaterThanOrEqual(100);
	});

	test('sorts the table by population', { timeout: 30_000 }, async () => {
		const header = page.locator('table.needs-table th', { has: page.locator('[data-column="population"]') });
		await header.getByRole('button').click();
		await expect(header.getAttribute('aria-sort')).resolves.toBe('descending');
		expect(await page.locator('table.needs-table tbody tr').first().getAttribute('data-code')).toBe('53130'); // Laval, 49,400
		await header.getByRole('button').click();
		await expect(header.getAttribute('aria-sort')).resolves.toBe('ascending');
	});

	test('shows a commune on the map with the lines to its nearest facilities', { timeout: 60_000 }, async () => {
		const laval = page.locator('table.needs-table tbody tr[data-code="53130"]');
		await page.locator('table.needs-table th', { has: page.locator('[data-column="population"]') }).getByRole('button').click();
		await laval.getByRole('button', { name: /Sur la carte/ }).click();
		await page.waitForURL(/commune=53130/);
		const panel = page.locator('.selected-commune');
		await expect(panel.locator('h3').getByRole('link', { name: 'Laval' }).getAttribute('href')).resolves.toBe('/communes/53130');
		expect(await panel.locator('li').count()).toBe(5);
		expect(await panel.textContent()).toMatch(/Café, bar\s*:\s*[\d,]+\s*k?m/);
		await page.waitForTimeout(1500); // the lines are drawn on the next frame
		await page.locator('.needs-map').screenshot({ path: join(screenshots, 'analysis-selected.png') });
	});

	test('links every commune to its nearest café with deck.gl, one line per commune', { timeout: 90_000 }, async () => {
		const query = 'categories=cafe_bar&max_km=5&min_population=0&scope=departement%3A53';
		const api = await page.request.get(new URL(`/api/analysis/needs?${query}`, baseUrl).href);
		expect(api.status()).toBe(200);
		const body = (await api.json()) as { features: { properties: Record<string, unknown> }[] };
		const expected = body.features.filter((f) => typeof f.properties.cafe_bar_nearest_lon === 'number').length;
		expect(expected).toBeGreaterThan(200); // nearly all of Mayenne's 240 communes have a café somewhere

		await page.goto(new URL(`/analyse?${query}&metric=cafe_bar`, baseUrl).href);
		await drawnCommunes(page, 100);
		expect(await page.locator('.needs-map canvas').count()).toBe(1); // deck.gl is not loaded before it is asked for
		await page.getByLabel('Relier chaque commune à son équipement le plus proche').check();
		await page.waitForFunction(() => {
			const frame = (globalThis as unknown as PageGlobal).document.querySelector('.frame');
			return Number(frame?.getAttribute('data-lines') ?? 0) > 0;
		}, null, { timeout: 45_000 });
		expect(Number(await page.locator('.frame').getAttribute('data-lines'))).toBe(expected);
		expect(await page.locator('.needs-map canvas').count()).toBe(2);
		expect(await page.locator('.legend [role=status]').textContent()).toContain(`${expected} liaisons`);
		await page.locator('.needs-map').screenshot({ path: join(screenshots, 'analysis-lines.png') });
		await page.getByLabel('Relier chaque commune à son équipement le plus proche').uncheck();
		await expect(page.locator('.needs-map canvas').count()).resolves.toBe(1);
	});

	test('fits a 375×667 phone screen', { timeout: 60_000 }, async () => {
		await page.setViewportSize({ width: 375, height: 667 });
		await page.reload();
		await drawnCommunes(page);
		expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(375);
		await page.screenshot({ path: join(screenshots, 'analysis-mobile.png'), fullPage: true });
		await page.setViewportSize({ width: 1440, height: 900 });
	});

	test('explains the method, in French then in English', { timeout: 30_000 }, async () => {
		await page.goto(new URL('/analyse/methode', baseUrl).href);
		await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Méthode : besoins non couverts');
		expect(await page.locator('article').textContent()).toContain('OpenStreetMap est incomplet');
		await page.screenshot({ path: join(screenshots, 'analysis-method.png'), fullPage: true });
		await page.getByRole('button', { name: 'EN' }).click();
		await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Method: unmet needs');
		expect(await page.locator('article').textContent()).toContain('OpenStreetMap is incomplete');
		await page.getByRole('button', { name: 'FR' }).click();
	});

	test('says why when the parameters are refused', { timeout: 30_000 }, async () => {
		const response = await page.goto(new URL('/analyse?categories=cafe_bar&max_km=500&scope=departement:53', baseUrl).href);
		expect(response?.status()).toBe(200);
		expect(await page.getByRole('alert').textContent()).toMatch(/au plus 200/);
	});

	test('renders the form as the URL says before any script runs (a refusal, one alert)', async () => {
		// The page as the server sends it: what a reader without JavaScript gets, and what shows
		// until hydration. The form once said « no category » here, beside the refusal.
		const response = await fetch(new URL('/analyse?categories=cafe_bar&max_km=500&scope=departement:53', baseUrl));
		expect(response.status).toBe(200);
		const html = await response.text();
		expect(html.match(/role="alert"/g)).toHaveLength(1);
		expect(html).toMatch(/au plus 200/);
		expect(html).toMatch(/<input type="checkbox" name="category" value="cafe_bar"[^>]*checked/);
		expect(html).not.toMatch(/<input type="checkbox" name="category" value="grocery"[^>]*checked/);
	});

	test('logs no console error', () => {
		expect(consoleErrors).toEqual([]);
	});
});
