// One way to start Chromium for the browser tests: Debian's binary, a fresh profile (no cache or
// stored language leaks in from an earlier run), and every console error collected.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

const chromiumPath = process.env.MAILLAGE_CHROMIUM ?? '/usr/bin/chromium';

export interface Browser {
	context: BrowserContext;
	page: Page;
	close(): Promise<void>;
}

/** Launches headless Chromium at 1440×900; console and page errors go into `consoleErrors`. */
export async function launchBrowser(consoleErrors: string[]): Promise<Browser> {
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
