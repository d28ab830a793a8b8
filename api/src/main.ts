// `npm start`: opens the database (embedded PGlite unless DATABASE_URL is set), loads the demo
// territory on first start, and serves the web app and the API on one origin.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createDb } from '@maillage/sql';
import { consoleProgress, formatSummary, loadDemo } from '@maillage/importers';
import { buildApp, type WebHandler } from './app.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const port = Number(process.env.PORT ?? 3000);
const host = process.env.HOST ?? '127.0.0.1';

const handle = await createDb();
console.log(`Maillage: database ${handle.mode} (${handle.location})`);

// The demo loads once, on an empty database; MAILLAGE_DEMO=0 starts empty.
if (process.env.MAILLAGE_DEMO !== '0') {
  const { count } = await handle.db.selectFrom('communes').select((eb) => eb.fn.countAll<number>().as('count')).executeTakeFirstOrThrow();
  if (Number(count) === 0) {
    console.log('Maillage: first start, loading the demo territory (Mayenne and the Pays de la Loire bundle)…');
    const summaries = await loadDemo(handle.db, { onProgress: consoleProgress('demo'), log: (l) => console.log(`  ${l}`) });
    for (const s of summaries) console.log(formatSummary(s));
  }
}

const handlerPath = join(root, 'web', 'build', 'handler.js');
let webHandler: WebHandler | undefined;
if (existsSync(handlerPath)) {
  webHandler = ((await import(pathToFileURL(handlerPath).href)) as { handler: WebHandler }).handler;
} else {
  console.warn(`Maillage: ${handlerPath} is missing, serving the API only (build the web app: pnpm --filter @maillage/web build)`);
}

// MAILLAGE_TILE_CACHE_MB: memory for encoded vector tiles (MiB, default 64; 0 turns the cache off).
const tileCacheMb = Number(process.env.MAILLAGE_TILE_CACHE_MB || 64);
if (!Number.isFinite(tileCacheMb) || tileCacheMb < 0) {
  console.error(`Maillage: MAILLAGE_TILE_CACHE_MB must be a number of MiB ≥ 0 (got "${process.env.MAILLAGE_TILE_CACHE_MB}")`);
  process.exit(1);
}
const app = await buildApp({
  handle, webHandler, logger: process.env.MAILLAGE_LOG === '1', tiles: { cacheBytes: Math.round(tileCacheMb * 1024 * 1024) },
});
const shutdown = async () => {
  await app.close();
  await handle.close();
  process.exit(0);
};
process.once('SIGINT', shutdown);
process.once('SIGTERM', shutdown);
const address = await app.listen({ port, host });
console.log(`Maillage: ${address.replace('[::1]', 'localhost')}`);
