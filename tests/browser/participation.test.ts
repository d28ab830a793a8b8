/**
 * The participatory story in headless Chromium: a citizen signs up, proposes a café and says a
 * grocery is missing (with markup in the comment), follows both on « Mon compte »; a
 * moderator approves them; the café is then on the map, in the OGC items and in the CSV
 * export, and the markup stayed text everywhere. Then a project: page, support, comment.
 * Screenshots: participation-*.png.
 *
 * Needs a running portal with the demo loaded and an admin account, whose credentials come in
 * MAILLAGE_TEST_ADMIN_EMAIL and MAILLAGE_TEST_ADMIN_PASSWORD (scripts/test.ts creates it with
 * `node api/src/cli/create-admin.ts` before starting the portal).
 */
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { baseUrl, type Browser, launchBrowser, type PageGlobal, screenshots } from './support.ts';

const adminEmail = process.env.MAILLAGE_TEST_ADMIN_EMAIL;
const adminPassword = process.env.MAILLAGE_TEST_ADMIN_PASSWORD;

const tag = Date.now().toString(36);
const citizen = { name: `Camille ${tag}`, email: `camille-${tag}@example.org`, password: 'une phrase de passe assez longue' };
const cafeName = `Café des Habitants ${tag}`;
const XSS = `<img src=x onerror="window.__xss=1"><script>window.__xss=2</script> ${tag}`;
/** Laval, place du 11-Novembre: where the picker opens. */
const LAVAL: [number, number] = [-0.7715, 48.0706];

let browser: Browser | undefined;
let page: Page;
const consoleErrors: string[] = [];
const url = (path: string) => new URL(path, baseUrl).href;
const shot = (name: string) => page.screenshot({ path: join(screenshots, `participation-${name}.png`), fullPage: true });

async function signIn(email: string, password: string): Promise<void> {
	await page.goto(url('/connexion?suite=/compte'));
	await page.getByLabel('Adresse électronique').first().fill(email);
	await page.getByLabel('Mot de passe', { exact: true }).fill(password);
	await page.getByRole('button', { name: 'Se connecter' }).click();
	// A predicate, not a glob: '**/compte' would also match '/connexion?suite=/compte'.
	await page.waitForURL((u) => u.pathname === '/compte');
}

async function signOut(): Promise<void> {
	await page.goto(url('/compte'));
	await page.getByRole('button', { name: 'Se déconnecter' }).click();
	await page.waitForURL((u) => u.pathname === '/');
}

/** Picks the centre of the picker's map by clicking it, and checks the coordinates were taken. */
async function pickPoint(): Promise<void> {
	const canvas = page.locator('.picker canvas');
	await canvas.waitFor();
	const box = (await canvas.boundingBox())!;
	await canvas.click({ position: { x: box.width / 2, y: box.height / 2 } });
	const lon = Number(await page.locator('[data-field="lon"]').inputValue());
	const lat = Number(await page.locator('[data-field="lat"]').inputValue());
	expect(lon).toBeCloseTo(LAVAL[0], 2);
	expect(lat).toBeCloseTo(LAVAL[1], 2);
}

describe('participation', () => {
	beforeAll(async () => {
		if (!adminEmail || !adminPassword) throw new Error('MAILLAGE_TEST_ADMIN_EMAIL and MAILLAGE_TEST_ADMIN_PASSWORD must name an admin of the portal');
		browser = await launchBrowser(consoleErrors);
		page = browser.page;
	}, 60_000);

	afterAll(async () => {
		await browser?.close();
	});

	test('a citizen signs up', { timeout: 60_000 }, async () => {
		await page.goto(url('/inscription?suite=/contribuer'));
		await page.getByLabel('Nom affiché').fill(citizen.name);
		await page.getByLabel('Adresse électronique').fill(citizen.email);
		await page.getByLabel('Mot de passe', { exact: true }).fill(citizen.password);
		await page.getByLabel('Confirmez le mot de passe').fill(citizen.password);
		await shot('signup');
		await page.getByRole('button', { name: 'Créer mon compte' }).click();
		await page.waitForURL((u) => u.pathname === '/contribuer');
		await expect(page.getByRole('link', { name: 'Mon compte' }).waitFor()).resolves.toBeUndefined();
	});

	test('proposes a café, warned of none nearby, then says a grocery is missing', { timeout: 90_000 }, async () => {
		await page.getByLabel(/Un lieu/).check();
		await pickPoint();
		await page.getByLabel('Catégorie').selectOption('cafe_bar');
		await page.getByLabel('Nom du lieu').fill(cafeName);
		await page.locator('[data-field="consent"]').check();
		await expect(page.locator('[data-field="consent"] + span').textContent()).resolves.toMatch(/ODbL 1\.0/);
		await shot('contribute-place');
		await page.getByRole('button', { name: 'Envoyer à la modération' }).click();
		await page.locator('[data-sent]').waitFor();

		await page.getByLabel(/Un besoin/).check();
		await pickPoint();
		await page.getByLabel('Ce qui manque ici').selectOption('grocery');
		await page.getByLabel('Commentaire').fill(XSS);
		await page.locator('[data-field="consent"]').check();
		await expect(page.locator('[data-field="consent"] + span').textContent()).resolves.toMatch(/Licence Ouverte 2\.0/);
		await page.getByRole('button', { name: 'Envoyer à la modération' }).click();
		// The form is emptied once the API has recorded it.
		await page.waitForFunction(() => {
			const { document } = globalThis as unknown as PageGlobal;
			return document.querySelectorAll('[data-sent]').length === 1 && document.querySelector('[data-field="lon"]')?.value === '';
		});
	});

	test('follows both as pending on « Mon compte »', { timeout: 60_000 }, async () => {
		await page.goto(url('/compte'));
		const rows = page.locator('[data-table="contributions"] tbody tr');
		await rows.first().waitFor();
		expect(await rows.count()).toBe(2);
		expect(await page.locator('[data-table="contributions"] tr[data-status="pending"]').count()).toBe(2);
		await expect(page.locator('[data-table="contributions"]').textContent()).resolves.toContain(cafeName);
		await shot('account-pending');
		await signOut();
	});

	test('a moderator sees the markup as text and approves both', { timeout: 90_000 }, async () => {
		await signIn(adminEmail!, adminPassword!);
		await page.goto(url('/moderation'));
		const need = page.locator('article[data-contribution]', { hasText: tag }).filter({ hasText: 'Un besoin' });
		await need.waitFor();
		// The comment is shown as the characters it is: no image, no script ran.
		await expect(need.textContent()).resolves.toContain('<img src=x onerror="window.__xss=1">');
		expect(await need.locator('img').count()).toBe(0);
		expect(await page.evaluate('window.__xss')).toBeUndefined();
		await shot('moderation');
		await need.getByRole('button', { name: 'Publier' }).click();
		await page.getByText(/Contribution n° \d+ : Publiée/).first().waitFor();
		const cafe = page.locator('article[data-contribution]', { hasText: cafeName });
		await cafe.getByLabel('Mot pour l’auteur (facultatif)').fill('Merci, bienvenue sur la carte !');
		await cafe.getByRole('button', { name: 'Publier' }).click();
		await expect(cafe.waitFor({ state: 'detached' })).resolves.toBeUndefined();
		expect(await page.evaluate('window.__xss')).toBeUndefined();
	});

	test('the café is in the OGC items, the CSV export and on the map', { timeout: 90_000 }, async () => {
		const items = await (await page.request.get(url(`/api/ogc/collections/places/items?filter=${encodeURIComponent(`name = '${cafeName}'`)}`))).json();
		expect(items.features).toHaveLength(1);
		const feature = items.features[0];
		expect(feature.properties).toMatchObject({ category: 'cafe_bar', commune_code: '53130', source: 'maillage_contributions_odbl', licence: 'ODbL 1.0' });
		const csv = await (await page.request.get(url('/api/exports/places.csv?commune_code=53130'))).text();
		expect(csv).toContain(cafeName);
		expect(csv).not.toContain(citizen.email);

		const [lon, lat] = feature.geometry.coordinates as [number, number];
		await page.goto(url(`/?c=${lon.toFixed(5)},${lat.toFixed(5)}&z=17&sel=places:${feature.id}`));
		await page.waitForFunction(() => (globalThis as unknown as PageGlobal).__maillage?.ready === true, null, { timeout: 60_000 });
		const drawn = await page.evaluate(`window.__maillage.map.queryRenderedFeatures()
			.filter((f) => String(f.id ?? f.properties.id) === ${JSON.stringify(String(feature.id))}).length`);
		expect(drawn).toBeGreaterThan(0);
		await expect(page.getByText(cafeName).first().isVisible()).resolves.toBe(true);
		// Its provenance is the portal and its moderation, not the OSM import of the layer.
		const provenance = await page.locator('dl.provenance').textContent();
		expect(provenance).toContain('Contribution au portail, vérifiée par la modération');
		expect(provenance).not.toContain('OpenStreetMap');
		await shot('map-cafe');
	});

	test('the citizen reads the decision and its notification', { timeout: 60_000 }, async () => {
		await signOut();
		await signIn(citizen.email, citizen.password);
		await page.locator('[data-table="contributions"] tbody tr').first().waitFor();
		expect(await page.locator('[data-table="contributions"] tr[data-status="approved"]').count()).toBe(2);
		await expect(page.locator('[data-list="notifications"]').textContent()).resolves.toMatch(/a été publiée sur la carte/);
		await shot('account-approved');
	});

	test('reports an error on the café: an unchanged form is refused, a new name is sent for moderation', { timeout: 90_000 }, async () => {
		const items = await (await page.request.get(url(`/api/ogc/collections/places/items?filter=${encodeURIComponent(`name = '${cafeName}'`)}`))).json();
		const id = String(items.features[0].id);
		await page.goto(url(`/contribuer/correction?layer=places&id=${id}`));
		const form = page.locator('form[data-form="correction"]');
		await form.waitFor();
		await form.getByRole('button', { name: 'Envoyer la correction' }).click();
		await expect(form.getByRole('alert').textContent()).resolves.toBe('Changez au moins une valeur, ou la position.');
		await form.locator('#fix-name').fill(`${cafeName} (place du marché)`);
		await form.getByRole('button', { name: 'Envoyer la correction' }).click();
		await expect(form.getByRole('alert').textContent()).resolves.toMatch(/Dites en quelques mots ce qui est faux/);
		await form.getByLabel('Ce qui est faux').fill('Le nom a changé à la reprise du café.');
		await form.getByRole('checkbox', { name: /J’accepte que ma contribution soit publiée/ }).check();
		await form.getByRole('button', { name: 'Envoyer la correction' }).click();
		await page.getByRole('status').filter({ hasText: 'Votre contribution est enregistrée' }).waitFor();
		// The place itself is unchanged until a moderator approves the correction.
		const after = await (await page.request.get(url(`/api/ogc/collections/places/items/${id}`))).json();
		expect(after.properties.name).toBe(cafeName);
		await page.goto(url('/compte'));
		await page.locator('[data-table="contributions"] tbody tr').first().waitFor();
		const pending = page.locator('[data-table="contributions"] tr[data-status="pending"]');
		expect(await pending.count()).toBe(1);
		// Named after the place it corrects, not after its key.
		await expect(pending.locator('td').first().textContent()).resolves.toBe(cafeName);
		await shot('account-correction');
	});

	test('a project page: support once, comment as text', { timeout: 90_000 }, async () => {
		// The project is proposed and approved through the API, with each one's session.
		const me = await (await page.request.get(url('/api/auth/me'))).json();
		const proposed = await page.request.post(url('/api/contributions'), {
			headers: { 'x-csrf-token': me.csrfToken },
			data: {
				kind: 'project', licenceConsent: true, location: LAVAL, title: `Tiers-lieu du centre ${tag}`, themes: ['culture', 'cadre_de_vie'],
				stage: 'etude_opportunite', leadOrganisation: 'Association Laval Centre', communeCodes: ['53130'],
				context: 'Une ancienne boutique vide place du 11-Novembre.', expectedResults: 'Un lieu ouvert aux associations et aux habitants.'
			}
		});
		expect(proposed.status()).toBe(201);
		const contribution = (await proposed.json()).contribution.id as number;
		await signOut();
		await signIn(adminEmail!, adminPassword!);
		const adminMe = await (await page.request.get(url('/api/auth/me'))).json();
		const approved = await page.request.post(url(`/api/moderation/contributions/${contribution}/approve`), { headers: { 'x-csrf-token': adminMe.csrfToken }, data: {} });
		expect(approved.status()).toBe(200);
		const projectId = (await approved.json()).feature.id as string;
		await signOut();
		await signIn(citizen.email, citizen.password);

		await page.goto(url('/projets?theme=culture'));
		await page.getByRole('link', { name: `Tiers-lieu du centre ${tag}` }).click();
		await page.waitForURL((u) => u.pathname === `/projets/${projectId}`);
		await page.locator('[data-action="support"]').waitFor();
		await page.locator('[data-action="support"]').click();
		await expect(page.getByRole('heading', { name: 'Soutiens : 1' }).waitFor()).resolves.toBeUndefined();
		await page.getByLabel('Votre commentaire').fill(XSS);
		await page.getByRole('button', { name: 'Publier le commentaire' }).click();
		const comment = page.locator('[data-list="comments"] [data-comment]');
		await comment.waitFor();
		await expect(comment.textContent()).resolves.toBe(XSS);
		expect(await page.locator('[data-list="comments"] img').count()).toBe(0);
		expect(await page.evaluate('window.__xss')).toBeUndefined();
		await shot('project');
		await page.goto(url('/projets'));
		await shot('projects');
	});

	test('fits a 375×667 phone screen', { timeout: 60_000 }, async () => {
		await page.setViewportSize({ width: 375, height: 667 });
		for (const path of ['/contribuer', '/compte', '/projets']) {
			await page.goto(url(path));
			await page.waitForLoadState('networkidle');
			expect(await page.evaluate('document.documentElement.scrollWidth'), path).toBeLessThanOrEqual(375);
		}
		await page.goto(url('/contribuer'));
		await page.locator('.picker canvas').waitFor();
		await page.waitForLoadState('networkidle'); // the picker's tiles, before the picture
		await shot('contribute-mobile');
		await page.setViewportSize({ width: 1440, height: 900 });
	});

	test('logs no console error', () => {
		expect(consoleErrors).toEqual([]);
	});
});
