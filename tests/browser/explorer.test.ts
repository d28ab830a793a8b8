/**
 * The map explorer (home page and /embed) in headless Chromium, on the demo territory: layers
 * drawn from their vector tiles or, small ones, from one GeoJSON request, and counted in view, a layer switched off and on, a filter,
 * the search (« chateau gontier », keyboard only) flying to the commune, its page, a click on a
 * place and its details, a shared link reopened in a fresh browser, English, a 375×667 touch
 * screen, the embed in an iframe, axe-core on the main pages, and no console error. Saves
 * explorer-*.png screenshots.
 *
 * Needs a running portal with the demo loaded:
 *   MAILLAGE_BASE_URL=http://127.0.0.1:PORT pnpm exec vitest run --config browser/vitest.config.ts browser/explorer
 */
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { accessibilityViolations, baseUrl, type Browser, launchBrowser, type PageGlobal, phone, screenshots, waitForExplorer } from './support.ts';

const osmCredit = "© les contributeurs d'OpenStreetMap";
/** Château-Gontier-sur-Mayenne (53062): its bounding box, from the communes bundle. */
const chateauGontier = { code: '53062', name: 'Château-Gontier-sur-Mayenne', bbox: [-0.783, 47.77722, -0.6191, 47.86458] };

/** What the explorer exposes on `window.__maillage` (web/src/app.d.ts), as used here. */
interface ExplorerHandle {
	ready: boolean;
	counts: Record<string, number> | null;
	selected: string | null;
	map: {
		getCenter(): { lng: number; lat: number };
		getZoom(): number;
		getBounds(): { getWest(): number; getSouth(): number; getEast(): number; getNorth(): number };
		getLayoutProperty(layer: string, name: string): unknown;
		getSource(id: string): { type: string } | undefined;
		loaded(): boolean;
		project(lngLat: [number, number]): { x: number; y: number };
		queryRenderedFeatures(options: { layers: string[] }): { id?: unknown; properties: Record<string, unknown>; geometry: { type: string; coordinates: unknown } }[];
		querySourceFeatures(source: string, options?: { sourceLayer?: string }): { properties: Record<string, unknown> }[];
	};
}
type ExplorerWindow = { __maillage?: ExplorerHandle };

const consoleErrors: string[] = [];
let browser: Browser | undefined;
let page: Page;

async function api<T>(path: string): Promise<T> {
	const response = await fetch(new URL(path, baseUrl));
	expect(response.status, path).toBe(200);
	return (await response.json()) as T;
}

/** The number of features the OGC API matches in the map's current bounds, with a CQL2 filter. */
async function matchedInView(target: Page, layer: string, filter?: string): Promise<number> {
	const bbox = await target.evaluate(() => {
		const b = (globalThis as unknown as ExplorerWindow).__maillage!.map.getBounds();
		return [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].join(',');
	});
	const query = new URLSearchParams({ bbox, limit: '1', ...(filter ? { filter } : {}) });
	return (await api<{ numberMatched: number }>(`/api/ogc/collections/${layer}/items?${query}`)).numberMatched;
}

/** Waits until MapLibre has drawn the frame that follows a change. */
async function settled(target: Page): Promise<void> {
	await target.waitForFunction(() => (globalThis as unknown as ExplorerWindow).__maillage?.map.loaded() === true, null, { timeout: 20_000 });
}

/** The count in view the panel shows for a layer, once it has one. */
async function panelCount(target: Page, layer: string): Promise<number> {
	const count = target.locator(`[data-layer="${layer}"] .count`);
	await expect.poll(async () => (await count.getAttribute('data-count')) ?? '', { timeout: 15_000 }).toMatch(/^\d+$/);
	await target.waitForFunction(() => (globalThis as unknown as PageGlobal).document.querySelector('.layers[aria-busy="true"]') === null, null, { timeout: 15_000 });
	return Number(await count.getAttribute('data-count'));
}

async function attribution(target: Page): Promise<string> {
	return (await target.locator('.maplibregl-ctrl-attrib').textContent()) ?? '';
}

describe('map explorer, desktop', () => {
	beforeAll(async () => {
		browser = await launchBrowser(consoleErrors);
		page = browser.page;
	}, 60_000);

	afterAll(async () => {
		await browser?.close();
	});

	test('opens on the territory, places from their tiles, a small layer from one GeoJSON request, with counts in view', { timeout: 90_000 }, async () => {
		const requests: string[] = [];
		const record = (request: { url(): string }) => requests.push(new URL(request.url()).pathname);
		page.on('request', record);
		const response = await page.goto(new URL('/', baseUrl).href);
		expect(response?.status()).toBe(200);
		await waitForExplorer(page);
		page.off('request', record);
		const drawn = await page.evaluate(() => {
			const { map } = (globalThis as unknown as ExplorerWindow).__maillage!;
			return {
				communes: map.queryRenderedFeatures({ layers: ['communes-fill'] }).length,
				places: map.queryRenderedFeatures({ layers: ['places-groups', 'places-icons'] }).length,
				tiersLieux: map.queryRenderedFeatures({ layers: ['tiers_lieux~geojson-groups', 'tiers_lieux~geojson-icons'] }).length,
				placesSource: map.getSource('places')?.type,
				tiersLieuxSources: [map.getSource('tiers_lieux')?.type ?? null, map.getSource('tiers_lieux~geojson')?.type ?? null]
			};
		});
		expect(drawn.communes).toBeGreaterThan(100);
		expect(drawn.places).toBeGreaterThan(100);
		expect(drawn.tiersLieux).toBeGreaterThan(0);
		// The 15,911 places come as tiles; the tiers-lieux (a few hundred) as one GeoJSON, never as tiles.
		expect(drawn.placesSource).toBe('vector');
		expect(requests.filter((r) => r.startsWith('/api/tiles/places/')).length).toBeGreaterThan(0);
		expect(drawn.tiersLieuxSources).toEqual([null, 'geojson']);
		expect(requests.filter((r) => r.startsWith('/api/tiles/tiers_lieux/'))).toEqual([]);
		expect(requests.filter((r) => r === '/api/ogc/collections/tiers_lieux/items')).toHaveLength(1);
		// The names of the first view were asked for once, as the page started, for a box the map's view fits in.
		expect(requests.filter((r) => r === '/api/explorer/commune-labels')).toHaveLength(1);

		// The count beside each layer is the API's own count in the map's bounds.
		const places = await panelCount(page, 'places');
		expect(places).toBe(await matchedInView(page, 'places'));
		expect(await panelCount(page, 'tiers_lieux')).toBe(await matchedInView(page, 'tiers_lieux'));
		expect(await attribution(page)).toContain(osmCredit);
		await expect.poll(() => page.locator('.sources').textContent()).toContain('PiNG');
		await page.screenshot({ path: join(screenshots, 'explorer-desktop.png') });
	});

	test('switches a layer off and on: its drawing and its credit follow', { timeout: 30_000 }, async () => {
		const toggle = page.getByRole('checkbox', { name: 'Tiers-lieux' });
		const layers = ['tiers_lieux~geojson-groups', 'tiers_lieux~geojson-group-counts', 'tiers_lieux~geojson-icons'];
		// No GeoJSON source is sent its features again: each `setData` has the worker index them
		// anew and reload every tile of the source (up to 10,000 features for a filtered layer).
		const geojsonSources = ['tiers_lieux~geojson', 'vacant_shops~geojson', 'programmes~geojson', 'needs~geojson'];
		await page.evaluate((ids) => {
			const target = globalThis as unknown as ExplorerWindow & { __resent: string[] };
			target.__resent = [];
			for (const id of ids) {
				const source = target.__maillage!.map.getSource(id) as unknown as { setData(data: unknown): unknown };
				const setData = source.setData.bind(source);
				source.setData = (data) => {
					target.__resent.push(id);
					return setData(data);
				};
			}
		}, geojsonSources);
		await toggle.uncheck();
		await settled(page);
		const hidden = await page.evaluate((ids) => {
			const { map } = (globalThis as unknown as ExplorerWindow).__maillage!;
			return { visibility: ids.map((id) => map.getLayoutProperty(id, 'visibility')), rendered: map.queryRenderedFeatures({ layers: ids }).length };
		}, layers);
		expect(hidden).toEqual({ visibility: ['none', 'none', 'none'], rendered: 0 });
		await expect.poll(() => attribution(page)).not.toContain('PiNG');
		await expect.poll(() => page.url()).toContain('layers=');
		await toggle.check();
		await settled(page);
		await expect.poll(() => attribution(page)).toContain('PiNG');
		expect(await page.evaluate((ids) => ids.map((id) => (globalThis as unknown as ExplorerWindow).__maillage!.map.getLayoutProperty(id, 'visibility')), layers))
			.toEqual(['visible', 'visible', 'visible']);
		expect(await page.evaluate(() => (globalThis as unknown as { __resent: string[] }).__resent)).toEqual([]);
	});

	test('filters places by category: the map, the count in view and the address follow', { timeout: 90_000 }, async () => {
		const places = page.locator('[data-layer="places"]');
		const categories = places.getByRole('group', { name: 'Catégorie' });
		const all = await matchedInView(page, 'places');

		// Bakeries only: few enough to be drawn from the matching features, grouped by MapLibre.
		await categories.getByRole('button', { name: 'Aucun' }).click();
		await expect.poll(() => panelCount(page, 'places'), { timeout: 15_000 }).toBe(0);
		await categories.getByRole('checkbox', { name: 'Boulangerie' }).check();
		await expect.poll(() => page.url()).toContain('places.category=bakery');
		const bakeries = await matchedInView(page, 'places', "category = 'bakery'");
		expect(bakeries).toBeGreaterThan(0);
		await expect.poll(() => panelCount(page, 'places'), { timeout: 15_000 }).toBe(bakeries);
		await page.waitForFunction(() => (globalThis as unknown as ExplorerWindow).__maillage!.map.getSource('places~geojson') !== undefined, null, { timeout: 20_000 });
		await settled(page);
		const drawn = await page.evaluate(() => {
			const { map } = (globalThis as unknown as ExplorerWindow).__maillage!;
			return [...new Set(map.querySourceFeatures('places~geojson').map((f) => f.properties.category).filter(Boolean))];
		});
		expect(drawn).toEqual(['bakery']);
		await page.screenshot({ path: join(screenshots, 'explorer-filter.png') });

		// Every category but cafés: too many to download, so the tiles are filtered instead, and
		// the panel says that groups below zoom 12 still count the cafés.
		await categories.getByRole('button', { name: 'Tout' }).click();
		await categories.getByRole('checkbox', { name: 'Café, bar' }).uncheck();
		await expect.poll(() => page.url()).toContain('places.category=');
		expect(page.url()).not.toContain('cafe_bar');
		const cafes = await matchedInView(page, 'places', "category = 'cafe_bar'");
		await expect.poll(() => panelCount(page, 'places'), { timeout: 15_000 }).toBe(all - cafes);
		await expect.poll(() => places.textContent(), { timeout: 15_000 }).toContain('Plus de 10');
		await settled(page);
		const singles = await page.evaluate(() => {
			const { map } = (globalThis as unknown as ExplorerWindow).__maillage!;
			return map.queryRenderedFeatures({ layers: ['places-icons'] }).map((f) => f.properties.category);
		});
		expect(singles.length).toBeGreaterThan(0);
		expect(singles).not.toContain('cafe_bar');

		await places.getByRole('button', { name: 'Retirer les filtres' }).click();
		await expect.poll(() => page.url()).not.toContain('places.category');
		await expect.poll(() => panelCount(page, 'places'), { timeout: 15_000 }).toBe(all);
	});

	test('finds « chateau gontier » with the keyboard, flies there and opens its details', { timeout: 60_000 }, async () => {
		const before = await page.evaluate(() => (globalThis as unknown as ExplorerWindow).__maillage!.map.getCenter());
		const search = page.getByRole('combobox', { name: 'Rechercher une commune, un lieu ou un programme' });
		await search.focus();
		await page.keyboard.type('chateau gontier');
		const first = page.getByRole('option').first();
		await expect.poll(() => first.textContent(), { timeout: 10_000 }).toContain(chateauGontier.name);
		expect(await search.getAttribute('aria-expanded')).toBe('true');
		expect(await first.getAttribute('aria-selected')).toBe('true');
		await page.keyboard.press('Enter');

		await expect.poll(() => page.getByRole('heading', { level: 2, name: chateauGontier.name }).count(), { timeout: 15_000 }).toBe(1);
		await page.waitForFunction(() => (globalThis as unknown as ExplorerWindow).__maillage!.map.getZoom() > 10, null, { timeout: 15_000 });
		await settled(page);
		const view = await page.evaluate(() => {
			const { map } = (globalThis as unknown as ExplorerWindow).__maillage!;
			const b = map.getBounds();
			return { center: map.getCenter(), zoom: map.getZoom(), bounds: [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()] };
		});
		expect(Math.hypot(view.center.lng - before.lng, view.center.lat - before.lat)).toBeGreaterThan(0.1);
		const [w, s, e, n] = chateauGontier.bbox;
		expect(view.bounds[0]! < w! && view.bounds[1]! < s! && view.bounds[2]! > e! && view.bounds[3]! > n!).toBe(true);
		expect(await page.evaluate(() => (globalThis as unknown as ExplorerWindow).__maillage!.selected)).toBe(`communes:${chateauGontier.code}`);
		await expect.poll(() => page.url()).toContain(`sel=communes:${chateauGontier.code}`);
		await page.screenshot({ path: join(screenshots, 'explorer-search.png') });
	});

	test('opens the commune’s page from its details', { timeout: 30_000 }, async () => {
		await page.getByRole('link', { name: 'Voir la fiche de la commune' }).click();
		await page.waitForURL(`**/communes/${chateauGontier.code}`);
		await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe(chateauGontier.name);
		await page.goBack();
		await waitForExplorer(page);
		await expect.poll(() => page.getByRole('heading', { level: 2, name: chateauGontier.name }).count(), { timeout: 15_000 }).toBe(1);
	});

	test('opens a place clicked on the map: properties, source, licence, report link', { timeout: 60_000 }, async () => {
		// Laval's centre at street level, places only.
		await page.goto(new URL('/?c=-0.77100,48.07000&z=16.5&layers=communes,places', baseUrl).href);
		await waitForExplorer(page);
		// A named place in the middle of the map, clear of the panels on either side.
		const target = await page.evaluate(() => {
			const { map } = (globalThis as unknown as ExplorerWindow).__maillage!;
			for (const feature of map.queryRenderedFeatures({ layers: ['places-icons'] })) {
				const { x, y } = map.project(feature.geometry.coordinates as [number, number]);
				if (typeof feature.properties.name === 'string' && x > 420 && x < 1000 && y > 80 && y < 760) {
					return { x, y, id: String(feature.properties.id), name: feature.properties.name };
				}
			}
			return null;
		});
		expect(target).not.toBeNull();
		const canvas = await page.locator('.maplibregl-canvas').boundingBox();
		await page.mouse.click(canvas!.x + target!.x, canvas!.y + target!.y);
		const panel = page.locator(`[data-feature="places:${target!.id}"]`);
		await expect.poll(() => panel.getByRole('heading', { level: 2 }).textContent(), { timeout: 15_000 }).toBe(target!.name);
		const item = await api<{ properties: { licence: string; category: string } }>(`/api/ogc/collections/places/items/${target!.id}`);
		const text = await panel.textContent();
		expect(text).toContain(osmCredit);
		expect(text).toContain(item.properties.licence);
		expect(text).toContain('Dernière mise à jour');
		const report = panel.getByRole('link', { name: 'Signaler une erreur' });
		expect(await report.getAttribute('href')).toBe(`/contribuer/correction?layer=places&id=${target!.id}`);
		await expect.poll(() => page.url()).toContain(`sel=places:${target!.id}`);
		await page.screenshot({ path: join(screenshots, 'explorer-place.png') });
		// Escape closes the details.
		await page.keyboard.press('Escape');
		await expect.poll(() => panel.count()).toBe(0);
	});

	test('reopens a shared link on the same view, layers, filters and selection', { timeout: 90_000 }, async () => {
		const shared =
			'/?c=-0.62000,48.07000&z=10.50&layers=communes,tiers_lieux,programmes&tiers_lieux.state=En%20activit%C3%A9&programmes.programme=petites_villes_de_demain&sel=communes:53130';
		await page.goto(new URL(shared, baseUrl).href);
		await waitForExplorer(page);
		await expect.poll(() => page.getByRole('heading', { level: 2, name: 'Laval' }).count(), { timeout: 15_000 }).toBe(1);
		// Pan a little, as a reader would, then take the address the page wrote.
		await page.evaluate(() => (globalThis as unknown as { __maillage: { map: { panBy(o: [number, number], opts: object): void } } }).__maillage.map.panBy([120, -40], { animate: false }));
		await settled(page);
		await expect.poll(() => page.url(), { timeout: 5_000 }).not.toContain('c=-0.62000,48.07000');
		const link = page.url();
		const view = await page.evaluate(() => {
			const { map } = (globalThis as unknown as ExplorerWindow).__maillage!;
			return { center: map.getCenter(), zoom: map.getZoom() };
		});

		// A fresh browser: nothing in common with this one but the address.
		const other = await launchBrowser(consoleErrors);
		try {
			const items: string[] = [];
			other.page.on('request', (request) => {
				const path = new URL(request.url()).pathname;
				if (path.startsWith('/api/ogc/collections/')) items.push(path);
			});
			await other.page.goto(link);
			await waitForExplorer(other.page);
			// The small layers the link shows are read whole, the others not at all.
			expect(items).toContain('/api/ogc/collections/programmes/items');
			expect(items).not.toContain('/api/ogc/collections/vacant_shops/items');
			const reopened = await other.page.evaluate(() => {
				const { map, selected } = (globalThis as unknown as ExplorerWindow).__maillage!;
				return { center: map.getCenter(), zoom: map.getZoom(), selected };
			});
			expect(reopened.center.lng).toBeCloseTo(view.center.lng, 4);
			expect(reopened.center.lat).toBeCloseTo(view.center.lat, 4);
			expect(reopened.zoom).toBeCloseTo(view.zoom, 2);
			expect(reopened.selected).toBe('communes:53130');
			const checked = async (name: string) => other.page.getByRole('checkbox', { name, exact: true }).first().isChecked();
			expect(await checked('Tiers-lieux')).toBe(true);
			expect(await checked('Lieux du quotidien')).toBe(false);
			const tiersLieux = other.page.locator('[data-layer="tiers_lieux"]');
			await tiersLieux.getByRole('button', { name: 'Filtrer « Tiers-lieux »' }).click();
			expect(await tiersLieux.getByRole('checkbox', { name: 'En activité' }).isChecked()).toBe(true);
			expect(await tiersLieux.getByRole('checkbox', { name: 'En projet' }).isChecked()).toBe(false);
			// The count in view follows the shared filter (CQL2 on the API side).
			expect(await panelCount(other.page, 'tiers_lieux')).toBe(await matchedInView(other.page, 'tiers_lieux', "state = 'En activité'"));
			await expect.poll(() => other.page.getByRole('heading', { level: 2, name: 'Laval' }).count()).toBe(1);
			await other.page.screenshot({ path: join(screenshots, 'explorer-shared.png') });
		} finally {
			await other.close();
		}
	});

	test('speaks English after the switch', { timeout: 30_000 }, async () => {
		await page.getByRole('button', { name: 'EN', exact: true }).click();
		await expect.poll(() => page.getByRole('heading', { level: 2, name: 'Layers and filters' }).count()).toBe(1);
		expect(await page.getByRole('combobox', { name: 'Search a municipality, a place or a programme' }).count()).toBe(1);
		expect(await page.getByRole('checkbox', { name: 'Municipalities' }).count()).toBe(1);
		await page.screenshot({ path: join(screenshots, 'explorer-english.png') });
		await page.getByRole('button', { name: 'FR', exact: true }).click();
		await expect.poll(() => page.getByRole('heading', { level: 2, name: 'Couches et filtres' }).count()).toBe(1);
	});

	test('embeds in an iframe with the same address, the credits and a link back', { timeout: 60_000 }, async () => {
		// Layers in the catalogue's order, as the page writes them.
		const query = 'c=-0.77000,48.07000&z=12.00&layers=communes,vacant_shops,tiers_lieux';
		// A partner's page (written into the current tab, so it has the portal's origin: its own
		// icon link keeps Chromium from asking the portal for /favicon.ico).
		await page.setContent(`<!doctype html><title>Partenaire</title><link rel="icon" href="data:,"><iframe title="Carte" src="${new URL(`/embed?${query}`, baseUrl).href}" width="800" height="520"></iframe>`);
		const frame = page.frameLocator('iframe');
		const inner = (await (await page.locator('iframe').elementHandle())!.contentFrame())!;
		await inner.waitForFunction(() => (globalThis as unknown as ExplorerWindow).__maillage?.ready === true, null, { timeout: 45_000 });
		expect(await frame.getByRole('navigation').count()).toBe(0);
		expect(await frame.getByRole('combobox').count()).toBe(0);
		const back = frame.getByRole('link', { name: 'Ouvrir dans Maillage (nouvel onglet)' });
		expect(await back.getAttribute('href')).toBe(`/?${query}`);
		expect(await back.getAttribute('target')).toBe('_blank');
		await expect.poll(async () => (await frame.locator('.maplibregl-ctrl-attrib').textContent()) ?? '').toContain(osmCredit);
		const view = await inner.evaluate(() => {
			const { map } = (globalThis as unknown as ExplorerWindow).__maillage!;
			return { center: map.getCenter(), zoom: map.getZoom() };
		});
		expect(view.zoom).toBeCloseTo(12, 2);
		expect(view.center.lng).toBeCloseTo(-0.77, 4);
		await page.screenshot({ path: join(screenshots, 'explorer-embed.png') });
	});

	test('has no serious or critical axe-core violation on the home, commune, catalogue and embed pages', { timeout: 120_000 }, async () => {
		const found: string[] = [];
		for (const path of ['/', '/communes/53130', '/donnees', '/embed']) {
			await page.goto(new URL(path, baseUrl).href);
			if (path === '/' || path === '/embed') await waitForExplorer(page);
			else await page.waitForLoadState('networkidle');
			found.push(...(await accessibilityViolations(page)).map((v) => `${path}: ${v}`));
		}
		expect(found).toEqual([]);
	});

	test('logs no console error', () => {
		expect(consoleErrors).toEqual([]);
	});
});

describe('map explorer, 375×667 touch screen', () => {
	const phoneErrors: string[] = [];
	let mobile: Browser | undefined;

	beforeAll(async () => {
		mobile = await launchBrowser(phoneErrors, phone);
	}, 60_000);

	afterAll(async () => {
		await mobile?.close();
	});

	test('folds the layers into a sheet, searches, and shows the details as a sheet', { timeout: 90_000 }, async () => {
		const target = mobile!.page;
		await target.goto(new URL('/', baseUrl).href);
		await waitForExplorer(target);
		expect(await target.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(375);
		// Folded at first: the map is what a phone shows.
		const open = target.getByRole('button', { name: 'Afficher les couches et les filtres' });
		expect(await open.getAttribute('aria-expanded')).toBe('false');
		await target.screenshot({ path: join(screenshots, 'explorer-mobile.png') });
		await open.tap();
		await expect.poll(() => target.getByRole('checkbox', { name: 'Communes' }).isVisible()).toBe(true);
		await target.screenshot({ path: join(screenshots, 'explorer-mobile-layers.png') });
		await target.getByRole('button', { name: 'Masquer les couches et les filtres' }).tap();

		await target.getByRole('combobox').fill('laval');
		const option = target.getByRole('option', { name: /^Laval/ }).first();
		await option.waitFor();
		await option.tap();
		const details = target.getByRole('heading', { level: 2, name: 'Laval' });
		await expect.poll(() => details.count(), { timeout: 15_000 }).toBe(1);
		await settled(target);
		// The sheet sits at the bottom, full width, and leaves the top of the map visible.
		const sheet = await target.locator('[data-feature="communes:53130"]').boundingBox();
		expect(sheet!.width).toBeGreaterThan(360);
		expect(sheet!.y).toBeGreaterThan(200);
		expect(await target.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(375);
		await target.screenshot({ path: join(screenshots, 'explorer-mobile-details.png') });
	});

	test('logs no console error', () => {
		expect(phoneErrors).toEqual([]);
	});
});
