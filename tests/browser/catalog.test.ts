/**
 * The open-data pages in headless Chromium: /donnees lists the datasets of the DCAT-AP
 * catalogue with their licence and download links, the places (OpenStreetMap) carry the
 * ODbL notice, /donnees/api documents the API from its OpenAPI description, the header
 * links the map and the data, and nothing is logged as a console error. Saves desktop
 * and mobile screenshots.
 *
 * Needs a running portal (the API serving the built web app):
 *   MAILLAGE_BASE_URL=http://127.0.0.1:PORT pnpm exec vitest run --config browser/vitest.config.ts
 */
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { baseUrl, type Browser, launchBrowser, screenshots } from './support.ts';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

const osmCredit = "© les contributeurs d'OpenStreetMap";

let browser: Browser | undefined;
let page: Page;
const consoleErrors: string[] = [];

function url(path: string): string {
  return new URL(path, baseUrl).href;
}

/** Fails at once with the page's own message if it could not read the API. */
async function expectNoAlert(target: Page): Promise<void> {
  const alert = target.getByRole('alert');
  if ((await alert.count()) > 0) {
    throw new Error(`The page shows an error instead of its content: ${await alert.innerText()}`);
  }
}

describe('open-data pages', () => {
  beforeAll(async () => {
    browser = await launchBrowser(consoleErrors);
    page = browser.page;
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
  });

  test('/donnees lists the datasets with their licences and downloads', async () => {
    const response = await page.goto(url('/donnees'));
    expect(response?.status()).toBe(200);
    await page.waitForLoadState('networkidle');
    await expectNoAlert(page);

    expect(await page.title()).toContain('Données ouvertes');
    await expect.poll(() => page.getByRole('heading', { level: 1 }).innerText()).toBe('Données ouvertes');

    const datasets = page.locator('article[data-dataset]');
    expect(await datasets.count()).toBeGreaterThanOrEqual(9);

    const places = page.locator('article[data-dataset="places"]');
    await expect.poll(() => places.locator('h3').innerText()).toBe('Lieux du quotidien');
    // French number formatting: « 15 900 », with a narrow no-break space.
    expect(await places.locator('.count').innerText()).toMatch(/^\d{1,3}([\u202f\u00a0 ]\d{3})*$/);

    const notice = places.locator('[data-notice="odbl"]');
    expect(await notice.count()).toBe(1);
    const noticeText = await notice.innerText();
    expect(noticeText).toContain('ODbL');
    expect(noticeText).toMatch(/partage à l’identique/);
    expect(noticeText).toContain(osmCredit);

    const geojson = places.getByRole('link', { name: /GeoJSON/ });
    expect(await geojson.getAttribute('href')).toMatch(/\/api\/exports\/places\.geojson$/);
    expect(await geojson.getAttribute('download')).not.toBeNull();
    for (const [name, ext] of [['CSV', 'csv'], ['GeoPackage', 'gpkg']] as const) {
      const link = places.getByRole('link', { name: new RegExp(`format ${name}`) });
      expect(await link.getAttribute('href')).toMatch(new RegExp(`/api/exports/places\\.${ext}$`));
    }
    expect(await places.getByRole('link', { name: /OGC API/ }).getAttribute('href')).toBe(
      '/api/ogc/collections/places',
    );
    expect(await places.getByRole('link', { name: /TileJSON/ }).getAttribute('href')).toBe(
      '/api/tiles/places.json',
    );

    // A dataset without OpenStreetMap data has no ODbL notice.
    expect(await page.locator('article[data-dataset="communes"] [data-notice="odbl"]').count()).toBe(0);

    // How to use the data: the OGC API address for QGIS and the DCAT-AP catalogue.
    const guide = page.locator('#utiliser');
    expect(await guide.innerText()).toContain('/api/ogc');
    expect(await guide.getByRole('link', { name: /catalogue DCAT-AP/ }).getAttribute('href')).toBe('/api/catalog');

    await page.screenshot({ path: join(screenshots, 'donnees-desktop.png'), fullPage: true });
  });

  test('the header links the map and the data, and switches to English', async () => {
    const nav = page.getByRole('navigation', { name: 'Navigation principale' });
    const data = nav.getByRole('link', { name: 'Données' });
    expect(await data.getAttribute('aria-current')).toBe('page');
    expect(await nav.getByRole('link', { name: 'Carte' }).getAttribute('href')).toBe('/');

    // Keyboard: the skip link comes first, then the portal name, then the map link.
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement?.textContent?.trim()')).toBe('Aller au contenu');

    await page.getByRole('button', { name: 'EN' }).click();
    await expect.poll(() => page.getByRole('heading', { level: 1 }).innerText()).toBe('Open data');
    // The count the API gives (other browser suites may have added an approved place), in English digits.
    const places = (await (await fetch(url('/api/ogc/collections/places/items?limit=1'))).json()) as { numberMatched: number };
    expect(places.numberMatched).toBeGreaterThanOrEqual(15_900);
    expect(await page.locator('article[data-dataset="places"] .count').innerText()).toBe(places.numberMatched.toLocaleString('en-US'));
    expect(await page.getByRole('navigation', { name: 'Main navigation' }).getByRole('link', { name: 'Data' }).count()).toBe(1);
    await page.getByRole('button', { name: 'FR' }).click();
    await expect.poll(() => page.getByRole('heading', { level: 1 }).innerText()).toBe('Données ouvertes');
  });

  test('the API documentation lists the operations from the OpenAPI description', async () => {
    // Reached from the header, as a reader would.
    await page.getByRole('navigation', { name: 'Navigation principale' }).getByRole('link', { name: 'API' }).click();
    await page.waitForURL(/\/donnees\/api$/);
    await page.waitForLoadState('networkidle');
    await expectNoAlert(page);
    await expect.poll(() => page.getByRole('heading', { level: 1 }).innerText()).toBe('Documentation de l’API');

    const items = page.locator('article#get-api-ogc-collections-collectionid-items');
    expect(await items.locator('h3').innerText()).toContain('/api/ogc/collections/{collectionId}/items');
    const parameters = await items.locator('tbody th code').allInnerTexts();
    expect(parameters).toEqual(expect.arrayContaining(['collectionId', 'bbox', 'limit', 'filter']));
    const example = await items.getByRole('link', { name: /\/api\/ogc\/collections\/places\/items/ }).getAttribute('href');
    expect(example).toContain("filter=category='cafe_bar'");

    // Grouped by tag, one heading per group.
    const groups = await page.getByRole('heading', { level: 2 }).allInnerTexts();
    expect(groups).toEqual(expect.arrayContaining(['OGC API – Features', 'Tuiles vectorielles', 'Catalogue']));

    await page.screenshot({ path: join(screenshots, 'api-docs-desktop.png'), fullPage: true });

    // The example request works.
    const answer = await page.request.get(url(example!));
    expect(answer.status()).toBe(200);
  });

  test('fits a 375×667 phone screen', async () => {
    await page.setViewportSize({ width: 375, height: 667 });
    await page.goto(url('/donnees'));
    await page.waitForLoadState('networkidle');
    await expectNoAlert(page);
    // Nothing wider than the screen: no sideways scrolling.
    const overflow = await page.evaluate('document.documentElement.scrollWidth - window.innerWidth');
    expect(overflow).toBeLessThanOrEqual(0);
    await page.screenshot({ path: join(screenshots, 'donnees-mobile.png') });

    await page.goto(url('/donnees/api'));
    await page.waitForLoadState('networkidle');
    const apiOverflow = await page.evaluate('document.documentElement.scrollWidth - window.innerWidth');
    expect(apiOverflow).toBeLessThanOrEqual(0);
    await page.screenshot({ path: join(screenshots, 'api-docs-mobile.png') });
  });

  test('the map links to the data page', async () => {
    await page.setViewportSize({ width: 1440, height: 900 });
    await page.goto(url('/'));
    await page.getByRole('link', { name: 'Données' }).click();
    await page.waitForURL(/\/donnees$/);
    expect(await page.locator('article[data-dataset]').count()).toBeGreaterThanOrEqual(9);
  });

  test('logs no console error', () => {
    expect(consoleErrors).toEqual([]);
  });
});
