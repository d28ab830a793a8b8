// One way to start Chromium for the browser tests: Debian's binary, a fresh profile (no cache or
// stored language leaks in from an earlier run), and every console error collected.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
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

/** Launches headless Chromium at 1440×900; console and page errors go into `consoleErrors`. */
export async function launchBrowser(consoleErrors: string[]): Promise<Browser> {
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
		viewport: { width: 1440, height: 900 }
	});
	const page = context.pages()[0] ?? (await context.newPage());
	page.on('console', (message) => {
		if (message.type() === 'error') consoleErrors.push(`console: ${message.text()}`);
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
