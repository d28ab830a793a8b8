/**
 * « Pilotes » in headless Chromium: draw a zone over Laval's centre and read its indicators,
 * pick a commune, save both as scenarios, compare them, open the printable dossier (print
 * media), rank Nantes's streets and read why the first one ranks first, see Laval's strips.
 * Saves screenshots (pilot-*.png) and fails on any console error.
 *
 * Then, signed in with the admin account (a planner's rights), saves CA Laval Agglomération as a
 * territory and reads its indicators, then deletes it.
 *
 * Needs a running portal with the demo loaded, and the admin account of MAILLAGE_TEST_ADMIN_EMAIL
 * and MAILLAGE_TEST_ADMIN_PASSWORD (scripts/test.ts creates it):
 *   MAILLAGE_BASE_URL=http://127.0.0.1:PORT pnpm exec vitest run --config browser/vitest.config.ts browser/pilot
 */
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { accessibilityViolations, baseUrl, type Browser, launchBrowser, screenshots } from './support.ts';

let browser: Browser | undefined;
let page: Page;
const consoleErrors: string[] = [];

const mapReady = (p: Page) => p.locator('.frame[data-ready="true"]').waitFor({ timeout: 45_000 });

describe('pilot zones and streets', () => {
	beforeAll(async () => {
		browser = await launchBrowser(consoleErrors);
		page = browser.page;
	}, 60_000);

	afterAll(async () => {
		await browser?.close();
	});

	test('draws a polygon over Laval\'s centre and shows its indicators', { timeout: 90_000 }, async () => {
		const response = await page.goto(new URL('/pilotes', baseUrl).href);
		expect(response?.status()).toBe(200);
		await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Zones et rues pilotes');
		await mapReady(page);
		const box = (await page.locator('.maplibregl-canvas').boundingBox())!;
		const at = (x: number, y: number) => ({ x: box.x + box.width * x, y: box.y + box.height * y });
		// Four corners around the centre of the view (Laval's centre), then the first again to close.
		for (const [x, y] of [[0.35, 0.3], [0.65, 0.3], [0.65, 0.7], [0.35, 0.7], [0.35, 0.3]] as const) {
			const p = at(x, y);
			await page.mouse.move(p.x, p.y);
			await page.mouse.click(p.x, p.y);
			await page.waitForTimeout(150);
		}
		const compute = page.getByRole('button', { name: 'Calculer les indicateurs' });
		await expect(compute.isEnabled()).resolves.toBe(true);
		await compute.click();
		const panel = page.getByTestId('zone-indicators');
		await panel.waitFor({ timeout: 30_000 });
		expect(Number(await page.getByTestId('vacant-shops').textContent())).toBeGreaterThan(5);
		expect(Number((await page.getByTestId('active-shops').textContent())!.replace(/\s/g, ''))).toBeGreaterThan(20);
		expect(await page.getByTestId('vacancy-rate').textContent()).toMatch(/^\d+,\d %$/);
		expect(await panel.textContent()).toContain('Laval');
		expect(await panel.textContent()).toMatch(/seuil d’alerte de 10 %/);
		await mapReady(page);
		await page.screenshot({ path: join(screenshots, 'pilot-zone-drawn.png') });

		await page.getByLabel('Nom du scénario').fill('Centre de Laval');
		await page.getByRole('button', { name: 'Enregistrer', exact: true }).click();
		await page.getByText('« Centre de Laval » est enregistré dans ce navigateur.').waitFor();
	});

	test('picks a commune by its code and saves it as a second scenario', { timeout: 60_000 }, async () => {
		await page.getByLabel('Choisir des communes').check();
		await page.getByLabel('Codes INSEE (séparés par des virgules)').fill('53130');
		await page.getByRole('button', { name: 'Ajouter' }).click();
		await page.getByRole('button', { name: 'Calculer les indicateurs' }).click();
		await page.getByTestId('zone-indicators').waitFor();
		// The whole of Laval: its 43 vacant shops.
		await expect(page.getByTestId('vacant-shops').textContent()).resolves.toBe('43');
		await page.getByLabel('Nom du scénario').fill('Laval (commune)');
		await page.getByRole('button', { name: 'Enregistrer', exact: true }).click();
		await page.getByText('« Laval (commune) » est enregistré dans ce navigateur.').waitFor();
	});

	test('compares the two scenarios side by side and exports the dossier', { timeout: 60_000 }, async () => {
		await page.getByRole('tab', { name: /Scénarios/ }).click();
		await page.getByRole('checkbox', { name: /Centre de Laval/ }).check();
		await page.getByRole('checkbox', { name: /Laval \(commune\)/ }).check();
		await page.getByRole('button', { name: 'Comparer (2)' }).click();
		const table = page.getByTestId('scenario-compare');
		await table.waitFor({ timeout: 30_000 });
		const header = await table.locator('thead th').allTextContents();
		expect(header.slice(1).map((h) => h.trim())).toEqual(['Centre de Laval', 'Laval (commune)']);
		const vacant = await table.getByRole('row', { name: /Locaux vacants/ }).locator('td').allTextContents();
		expect(Number(vacant[1])).toBe(43);
		expect(Number(vacant[0])).toBeLessThanOrEqual(43);
		const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Indicateurs (CSV)' }).click()]);
		expect(download.suggestedFilename()).toMatch(/^indicateurs-zones-\d{4}-\d{2}-\d{2}\.csv$/);
		await mapReady(page);
		await page.screenshot({ path: join(screenshots, 'pilot-compare.png') });

		await page.getByRole('link', { name: 'Page imprimable' }).click();
		await page.locator('main[data-ready="true"]').waitFor({ timeout: 30_000 });
		await page.getByTestId('dossier-map').waitFor();
		expect(await page.locator('[data-testid="dossier-map"] path').count()).toBe(2);
		await page.emulateMedia({ media: 'print' });
		expect(await page.locator('nav.no-print').isVisible()).toBe(false);
		await page.screenshot({ path: join(screenshots, 'pilot-dossier-print.png'), fullPage: true });
		await page.emulateMedia({ media: 'screen' });
	});

	test('ranks Nantes\'s streets and explains the first one', { timeout: 90_000 }, async () => {
		await page.goto(new URL('/pilotes?onglet=rues&commune=44109', baseUrl).href);
		const ranking = page.getByTestId('street-ranking');
		await ranking.waitFor({ timeout: 45_000 });
		await expect(page.getByTestId('ranking-method').textContent()).resolves.toMatch(/rues de la couche des voies, fusionnées par nom/);
		const first = ranking.getByRole('button').first();
		expect(await first.textContent()).toMatch(/^\s*1\s*Rue Paul Bellamy/);
		await first.click();
		const why = ranking.getByRole('table');
		await expect(why.locator('caption').textContent()).resolves.toBe('Pourquoi « Rue Paul Bellamy » : points par part');
		expect(await why.getByRole('row').count()).toBe(7);
		await mapReady(page);
		expect(await page.locator('.maplibregl-ctrl-attrib').textContent()).toContain("© les contributeurs d'OpenStreetMap");
		await page.screenshot({ path: join(screenshots, 'pilot-streets-nantes.png') });
	});

	test('derives commercial strips where there is no street layer (Laval)', { timeout: 60_000 }, async () => {
		await page.getByLabel('Commune (code INSEE) ou périmètre (territory:12)').fill('53130');
		await page.getByRole('button', { name: 'Classer les rues' }).click();
		await page.getByTestId('ranking-method').filter({ hasText: 'linéaires commerciaux tirés des commerces' }).waitFor({ timeout: 30_000 });
		expect(await page.getByTestId('street-ranking').getByRole('button').first().textContent()).toMatch(/Linéaire commercial n° 1/);
		await mapReady(page);
		await page.screenshot({ path: join(screenshots, 'pilot-strips-laval.png') });
	});

	test('switches to English and has no serious accessibility violation', { timeout: 60_000 }, async () => {
		await page.getByRole('button', { name: 'EN', exact: true }).click();
		await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Pilot zones and streets');
		const violations = await accessibilityViolations(page);
		expect(violations).toEqual([]);
	});

	test('lets a planner save a territory from an EPCI and read its indicators', { timeout: 90_000 }, async () => {
		const email = process.env.MAILLAGE_TEST_ADMIN_EMAIL;
		const password = process.env.MAILLAGE_TEST_ADMIN_PASSWORD;
		expect(email, 'MAILLAGE_TEST_ADMIN_EMAIL').toBeTruthy();
		await page.getByRole('button', { name: 'FR', exact: true }).click();
		await page.goto(new URL('/connexion?suite=/compte', baseUrl).href);
		await page.getByLabel('Adresse électronique').first().fill(email!);
		await page.getByLabel('Mot de passe', { exact: true }).fill(password!);
		await page.getByRole('button', { name: 'Se connecter' }).click();
		await page.waitForURL((u) => u.pathname === '/compte');

		await page.goto(new URL('/pilotes?onglet=territoires', baseUrl).href);
		const name = `Agglo de Laval ${Date.now().toString(36)}`;
		await page.getByLabel('Nom du territoire').fill(name);
		await page.getByLabel('un ou plusieurs EPCI').check();
		await page.getByLabel('SIREN des EPCI (séparés par des virgules)').fill('200083392');
		await page.getByRole('button', { name: 'Enregistrer le territoire' }).click();
		await page.getByText(`« ${name} » est enregistré : 34 communes`).waitFor({ timeout: 30_000 });
		const item = page.getByRole('listitem').filter({ hasText: name });
		await item.getByRole('button', { name: 'Indicateurs' }).click();
		await page.getByTestId('zone-indicators').waitFor({ timeout: 30_000 });
		await expect(page.getByTestId('zone-indicators').textContent()).resolves.toContain('Communes touchées (34)');
		await mapReady(page);
		await page.screenshot({ path: join(screenshots, 'pilot-territory.png') });
		await page.getByRole('tab', { name: 'Territoires' }).click();
		await page.getByRole('listitem').filter({ hasText: name }).getByRole('button', { name: /Supprimer/ }).click();
		await page.getByRole('listitem').filter({ hasText: name }).waitFor({ state: 'detached', timeout: 15_000 });
	});

	test('fits a 375×667 phone screen', { timeout: 60_000 }, async () => {
		await page.setViewportSize({ width: 375, height: 667 });
		await page.goto(new URL('/pilotes?onglet=rues&commune=44109', baseUrl).href);
		await page.getByTestId('street-ranking').waitFor({ timeout: 45_000 });
		await mapReady(page);
		// Nothing wider than the screen: no horizontal scrolling.
		expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(375);
		await page.screenshot({ path: join(screenshots, 'pilot-mobile.png'), fullPage: true });
		await page.setViewportSize({ width: 1440, height: 900 });
	});

	test('logs no console error', () => {
		expect(consoleErrors).toEqual([]);
	});
});
