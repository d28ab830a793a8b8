// Compatibility proof: GDAL's OGC API Features driver (the one QGIS uses) reads our collections
// through a real HTTP server, with the right counts, following our paging links.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '@maillage/api';
import { openTestDb, dbModeName, type DbHandle } from '../support/db.ts';
import { loadToyTerritory } from '../importers/helpers.ts';

// Asynchronous on purpose: the server answering GDAL runs in this same process.
async function gdal(tool: 'ogrinfo' | 'ogr2ogr', args: string[]): Promise<string> {
  try {
    return (await promisify(execFile)(tool, args, { encoding: 'utf8', timeout: 60_000 })).stdout;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(`${tool} not found: install Debian gdal-bin (CI does)`, { cause: error });
    throw error;
  }
}

describe(`GDAL OAPIF driver against the API (${dbModeName()})`, () => {
  let h: DbHandle;
  let app: FastifyInstance;
  let url: string;

  beforeAll(async () => {
    h = await openTestDb();
    await loadToyTerritory(h.db);
    app = await buildApp({ handle: h });
    const address = await app.listen({ port: 0, host: '127.0.0.1' });
    url = `OAPIF:${address}/api/ogc`;
  });
  afterAll(async () => {
    await app?.close();
    await h?.close();
  });

  it('lists every collection with its geometry type', async () => {
    const out = await gdal('ogrinfo', ['-ro', '-q', url]);
    expect(out).toMatch(/communes \(title: Communes\) \(Multi Polygon\)/);
    expect(out).toMatch(/places \(title: Lieux du quotidien\) \(Point\)/);
    expect(out.match(/^\d+: /gm)).toHaveLength(9);
  });

  it('reads the feature counts and the fields', async () => {
    const out = await gdal('ogrinfo', ['-ro', '-so', url, 'places']);
    expect(out).toMatch(/Feature Count: 3/);
    expect(out).toMatch(/category: String/);
    expect(await gdal('ogrinfo', ['-ro', '-so', url, 'communes'])).toMatch(/Feature Count: 2/);
  });

  it('pages through items two at a time and gets every feature once', async () => {
    const out = await gdal('ogr2ogr', ['-f', 'GeoJSON', '/vsistdout/', url, 'places', '-oo', 'PAGE_SIZE=2']);
    const names = (JSON.parse(out).features as { properties: { name: string | null } }[]).map((f) => f.properties.name).sort();
    expect(names).toEqual(['Boulangerie Gamma', 'Café de la Place', 'Épicerie « Chez Zoé »']);
  });

  it('passes an attribute filter down to the server', async () => {
    const out = await gdal('ogr2ogr', ['-f', 'GeoJSON', '/vsistdout/', url, 'places', '-where', "category = 'bakery'"]);
    expect((JSON.parse(out).features as unknown[]).length).toBe(1);
  });
});
