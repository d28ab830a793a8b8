// The streaming GeoJSON reader (importers/src/geojson.ts) on its own: no database. It finds each
// feature by bracket depth and hands it to JSON.parse, so the tests aim at what such a scanner
// can get wrong: brackets and quotes inside strings, a feature cut by a chunk boundary anywhere,
// multi-byte characters split between network packets, and every way the outer object can be
// broken or truncated.
import { describe, expect, it } from 'vitest';
import { createServer } from 'node:http';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { dataDir } from '../../importers/src/demo.ts';
import { type FeatureOrProblem, readGeoJsonFeatures } from '../../importers/src/geojson.ts';
import { openInput, type OpenedInput } from '../../importers/src/input.ts';

const fromChunks = (chunks: readonly string[]): OpenedInput => ({
  text: (async function* () {
    yield* chunks;
  })(),
  totalBytes: undefined,
  bytesRead: () => 0,
  name: 'test.geojson',
});

async function read(input: OpenedInput): Promise<FeatureOrProblem[]> {
  const out: FeatureOrProblem[] = [];
  for await (const item of readGeoJsonFeatures(input)) out.push(item);
  return out;
}

const readText = (text: string) => read(fromChunks([text]));

/** What the reader must yield for a collection: JSON.parse's view of each element. */
function expected(text: string): FeatureOrProblem[] {
  const features = (JSON.parse(text) as { features: unknown[] }).features;
  return features.map((f, index) => {
    const feature = f as { type?: unknown; properties?: unknown } | null;
    return feature && typeof feature === 'object' && !Array.isArray(feature) && feature.type === 'Feature'
      ? { index, feature: { ...feature, properties: feature.properties ?? {} } as never }
      : { index, problem: 'not a GeoJSON Feature' };
  });
}

// Brackets, quotes, backslashes and escapes inside strings; an escaped quote before a brace;
// non-ASCII text and a surrogate pair; members before and after "features"; nulls and numbers.
const TRICKY = `{"name": "a } tricky ] name {", "type" : "FeatureCollection",
  "features": [
    {"type": "Feature", "id": 1, "properties": {"nom": "Rue \\"des {Crochets]\\"", "path": "C:\\\\dir\\\\", "u": "\\u00e9\\ud83d\\ude00"},
     "geometry": {"type": "Point", "coordinates": [-0.77, 48.07]}},
    {"type": "Feature", "properties": null, "geometry": {"type": "Polygon", "coordinates": [[[0,45],[1e-3,45],[0,4.5E1],[0,45]]]}},
    {"type":"Feature","properties":{"k":"}\\\\"},"geometry":null},
    null, 42, "Feature", [1, 2], {"type": "Point", "coordinates": [0, 0]},
    {"type": "Feature", "properties": {"nom": "Épicerie « Chez Zoé » 😀", "empty": {}, "list": [[], [{}]]}, "geometry": {"type": "Point", "coordinates": [0.1, 45.2, 12]}}
  ],
  "bbox": [-1, 44, 1, 49], "extra": {"nested": ["]", "}"]}, "flag": true, "none": null, "n": -1.5e+3
}`;

describe('readGeoJsonFeatures', () => {
  it('yields what JSON.parse sees, and a problem for each element that is not a Feature', async () => {
    const items = await readText(TRICKY);
    expect(items).toEqual(expected(TRICKY));
    expect(items.filter((i) => 'problem' in i).map((i) => i.index)).toEqual([3, 4, 5, 6, 7]);
    expect(items[1]).toMatchObject({ feature: { properties: {} } });
  });

  it('gives the same features wherever the chunks are cut, down to one character per chunk', async () => {
    const want = expected(TRICKY);
    for (let k = 0; k <= TRICKY.length; k++) {
      expect(await read(fromChunks([TRICKY.slice(0, k), TRICKY.slice(k)])), `cut at ${k}`).toEqual(want);
    }
    expect(await read(fromChunks([...TRICKY]))).toEqual(want);
    const threes = TRICKY.match(/[^]{1,3}/g)!;
    expect(await read(fromChunks(threes))).toEqual(want);
  });

  it('accepts the members in any order, an empty collection and a WGS 84 or null crs', async () => {
    expect(await readText('{"features": [{"type": "Feature", "properties": {}, "geometry": null}], "type": "FeatureCollection"}')).toHaveLength(1);
    expect(await readText(' \n{ "type": "FeatureCollection", "features": [ ] }\n ')).toEqual([]);
    expect(await readText('{"type": "FeatureCollection"}')).toEqual([]);
    const crs84 = '{"type": "FeatureCollection", "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}}, "features": []}';
    expect(await readText(crs84)).toEqual([]);
    expect(await readText('{"type": "FeatureCollection", "crs": null, "features": []}')).toEqual([]);
  });

  const broken: [string, string, RegExp][] = [
    ['empty', '', /is empty/],
    ['only white space', '  \n ', /is empty/],
    ['a geometry', '{"type":"Point","coordinates":[0,45]}', /is a GeoJSON Point, not a FeatureCollection/],
    ['a bare array of features', '[{"type": "Feature"}]', /not a GeoJSON FeatureCollection/],
    ['no type member', '{"features": []}', /no "type": "FeatureCollection"/],
    ['a non-string type', '{"type": 7, "features": []}', /is a GeoJSON 7, not a FeatureCollection/],
    ['features that are not an array', '{"type": "FeatureCollection", "features": {"type": "Feature"}}', /"features" must be an array/],
    ['a Lambert-93 crs', '{"type": "FeatureCollection", "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::2154"}}, "features": []}', /coordinate system .*2154/],
    ['a missing comma between features', '{"type": "FeatureCollection", "features": [{"type": "Feature"} {"type": "Feature"}]}', /expected "," or "]" after feature 0, at character 64/],
    ['a missing colon', '{"type" "FeatureCollection"}', /expected ":" after "type"/],
    ['an unquoted member name', '{type: "FeatureCollection"}', /expected a member name/],
    ['a bad value inside a feature', '{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {nom: 1}}]}', /not valid JSON .*feature 0/],
    ['a bad scalar member', '{"type": "FeatureCollection", "count": tru, "features": []}', /not valid JSON .*the value of "count"/],
    ['mismatched brackets in a feature', '{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": [}]]}', /not valid JSON .*feature 0/],
    ['text after the collection', '{"type": "FeatureCollection", "features": []} {}', /unexpected text after the end/],
    ['a trailing comma', '{"type": "FeatureCollection", "features": [],}', /expected a member name/],
  ];
  it.each(broken)('rejects %s with a reason', async (_label, text, reason) => {
    await expect(readText(text)).rejects.toThrow(reason);
  });

  it('calls any truncation of a collection truncated, wherever the text stops', async () => {
    const text = TRICKY.trimEnd();
    for (let k = 1; k < text.length; k++) {
      const cut = text.slice(0, k);
      if (cut.trim() === '') continue;
      await expect(read(fromChunks([cut])), `cut at ${k}`).rejects.toThrow(/truncated|is a GeoJSON|expected/);
    }
    await expect(readText(TRICKY.slice(0, TRICKY.indexOf('"Feature", "properties": null')))).rejects.toThrow(/ends inside the "features" array, after 1 features/);
  });

  it('reads UTF-8 split between network packets, plain and gzipped, from a loopback server', async () => {
    const body = Buffer.from(TRICKY, 'utf8');
    // Cut inside "É" (2 bytes) and inside the emoji (4 bytes) of the last feature.
    const e = body.indexOf(Buffer.from('É'));
    const smiley = body.lastIndexOf(Buffer.from('😀'));
    const cuts = [e + 1, smiley + 1, smiley + 3];
    const zipped = gzipSync(body);
    const server = createServer((req, res) => {
      const bytes = req.url === '/c.geojson.gz' ? zipped : body;
      const at = req.url === '/c.geojson.gz' ? [Math.floor(bytes.length / 3), Math.floor((2 * bytes.length) / 3)] : cuts;
      res.writeHead(200, { 'content-type': 'application/geo+json' });
      // Each part is its own write, a few milliseconds apart: the client gets them as separate chunks.
      const parts = [0, ...at, bytes.length].slice(1).map((end, i, ends) => bytes.subarray(i === 0 ? 0 : ends[i - 1], end));
      const send = (i: number) => (i === parts.length ? res.end() : res.write(parts[i], () => setTimeout(() => send(i + 1), 5)));
      send(0);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    try {
      for (const path of ['/c.geojson', '/c.geojson.gz']) {
        const items = await read(await openInput(`http://127.0.0.1:${port}${path}`));
        expect(items, path).toEqual(expected(TRICKY));
        expect(items[8]).toMatchObject({ feature: { properties: { nom: 'Épicerie « Chez Zoé » 😀' } } });
      }
    } finally {
      server.close();
    }
  });

  it('reads the real regional file exactly as one JSON.parse of the whole file does', async () => {
    const file = join(dataDir(), 'paysdelaloire_hors85_poi_osm_2019.geojson.gz');
    const whole = gunzipSync(readFileSync(file)).toString('utf8');
    const items = await read(await openInput(file));
    expect(items).toHaveLength(16_180);
    expect(items).toEqual(expected(whole));
    // And a copy cut in the middle of a feature is truncated, not short.
    const path = join(mkdtempSync(join(tmpdir(), 'maillage-geojson-')), 'cut.geojson');
    writeFileSync(path, whole.slice(0, Math.floor(whole.length / 2)));
    await expect(read(await openInput(path))).rejects.toThrow(/truncated/);
  });
});
