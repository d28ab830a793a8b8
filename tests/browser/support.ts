// One way to start Chromium for the browser tests: Debian's binary, a fresh profile (no cache or
// stored language leaks in from an earlier run), and every console error collected.
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

const chromiumPath = process.env.MAILLAGE_CHROMIUM ?? '/usr/bin/chromium';

/** The running portal under test (scripts/test.ts starts one and sets it). */
export const baseUrl = process.env.MAILLAGE_BASE_URL;
/** Where the screenshots go; CI keeps them as artefacts. */
export const screenshots = fileURLToPath(new URL('../../artifacts/screenshots/', import.meta.url));

export interface Browser {
	context: BrowserContext;
	page: Page;
	close(): Promise<void>;
}

/** A phone: 375×667 CSS pixels, touch, a high-density screen. */
export const phone = { viewport: { width: 375, height: 667 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 } as const;

export interface LaunchOptions {
	viewport?: { width: number; height: number };
	isMobile?: boolean;
	hasTouch?: boolean;
	deviceScaleFactor?: number;
}

/**
 * Launches headless Chromium (1440×900 unless `options` say otherwise, e.g. `phone`); console
 * and page errors go into `consoleErrors`.
 */
export async function launchBrowser(consoleErrors: string[], options: LaunchOptions = {}): Promise<Browser> {
	if (!baseUrl) {
		throw new Error('MAILLAGE_BASE_URL is not set: start the portal, then run with MAILLAGE_BASE_URL=http://127.0.0.1:PORT');
	}
	await mkdir(screenshots, { recursive: true });
	const userDataDir = await mkdtemp(join(tmpdir(), 'maillage-chromium-'));
	const context = await chromium.launchPersistentContext(userDataDir, {
		executablePath: chromiumPath,
		headless: true,
		args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
			'--disable-background-networking', '--disable-component-update', '--disable-sync'],
		viewport: { width: 1440, height: 900 },
		...options
	});
	const page = context.pages()[0] ?? (await context.newPage());
	page.on('console', (message) => {
		// The location names the resource of a "Failed to load resource" message.
		if (message.type() === 'error') consoleErrors.push(`console: ${message.text()} (${message.location().url})`);
	});
	page.on('pageerror', (error) => consoleErrors.push(`page: ${error.message}`));
	return {
		context,
		page,
		close: async () => {
			await context.close();
			await rm(userDataDir, { recursive: true, force: true });
		}
	};
}

const axeScript = fileURLToPath(new URL('../node_modules/axe-core/axe.min.js', import.meta.url));
let axeSource: string | undefined;

/**
 * Runs axe-core (injected into the page) against WCAG 2.0/2.1 A and AA, and returns the serious
 * and critical violations, one line each with the rule and where it failed (empty when none).
 */
export async function accessibilityViolations(page: Page): Promise<string[]> {
	// Evaluated, not added as a <script>: the pages' CSP refuses inline scripts, and DevTools'
	// evaluation is not subject to it.
	axeSource ??= await readFile(axeScript, 'utf8');
	await page.evaluate(axeSource);
	// A string: the tests are type-checked without the DOM library, and axe is a page global.
	const results = (await page.evaluate(`axe.run(document, {
		runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
		resultTypes: ['violations']
	})`)) as { violations: { id: string; impact: string | null; help: string; nodes: { target: unknown[] }[] }[] };
	return results.violations
		.filter((v) => v.impact === 'serious' || v.impact === 'critical')
		.map((v) => `${v.impact} ${v.id} (${v.help}): ${v.nodes.map((n) => JSON.stringify(n.target)).join(', ')}`);
}

/**
 * What predicates run in the page may read (the tests are type-checked without the DOM
 * library). Predicates are functions, never strings: Playwright evaluates a string predicate
 * with eval, which the pages' Content-Security-Policy refuses.
 */
export interface PageGlobal {
	__maillage?: { ready?: boolean };
	document: {
		querySelector(selector: string): { getAttribute(name: string): string | null; value?: string } | null;
		querySelectorAll(selector: string): { length: number };
	};
}

/**
 * Waits until the map explorer (home page, /embed) has drawn the tiles of every visible layer,
 * or fails at once with the page's own error message.
 */
export async function waitForExplorer(page: Page, timeout = 45_000): Promise<void> {
	await page.waitForFunction(() => {
		const g = globalThis as unknown as PageGlobal;
		return g.__maillage?.ready === true || g.document.querySelector('[role=alert]') !== null;
	}, null, { timeout });
	const alert = page.getByRole('alert');
	if ((await alert.count()) > 0) throw new Error(`The map shows an error: ${await alert.innerText()}`);
}
