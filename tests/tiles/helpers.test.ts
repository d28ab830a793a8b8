// The pure parts of the tile service, without a database: tile coordinates, the MVT encoder,
// HTTP validators and the bounded tile cache.
import { describe, expect, it } from 'vitest';
import { VectorTile } from '@mapbox/vector-tile';
import { PbfReader } from 'pbf';
import { HttpProblem } from '../../api/src/problem.ts';
import { findLayer } from '../../api/src/layers/registry.ts';
import { acceptsGzip, etagMatches, packTile, type PackedTile, TileCache } from '../../api/src/tiles/cache.ts';
import { encodeTile, type TileFeature } from '../../api/src/tiles/encode.ts';
import { lonLatToTile, parseTileCoord, simplifyTolerance, tileSpan } from '../../api/src/tiles/grid.ts';
import { tileLayout } from '../../api/src/tiles/layout.ts';

describe('tile grid', () => {
  it('parses valid coordinates', () => {
    expect(parseTileCoord('0', '0', '0')).toEqual({ z: 0, x: 0, y: 0 });
    expect(parseTileCoord('22', String(2 ** 22 - 1), '0')).toEqual({ z: 22, x: 2 ** 22 - 1, y: 0 });
  });

  it.each([
    [['23', '0', '0'], /Zoom level 23 is out of range/],
    [['3', '8', '0'], /x = 8 is out of range at zoom 3: 0 to 7/],
    [['3', '0', '8'], /y = 8 is out of range/],
    [['', '0', '0'], /coordinate z/],
    [['1', ' 1', '0'], /coordinate x/],
    [['1', '0', '0x1'], /coordinate y/],
  ])('refuses %j with a bilingual 400', (args, en) => {
    const call = () => parseTileCoord(...(args as [string, string, string]));
    expect(call).toThrow(HttpProblem);
    try {
      call();
    } catch (error) {
      const p = error as HttpProblem;
      expect(p.status).toBe(400);
      expect(p.en).toMatch(en);
      expect(p.fr).not.toBe(p.en);
    }
  });

  it('finds the tile of a position and the size of tiles', () => {
    expect(lonLatToTile(0, 0, 1)).toEqual({ z: 1, x: 1, y: 1 });
    expect(lonLatToTile(-180, 85.0511, 2)).toEqual({ z: 2, x: 0, y: 0 });
    expect(lonLatToTile(180, -85.0511, 2)).toEqual({ z: 2, x: 3, y: 3 });
    expect(tileSpan(1)).toBeCloseTo(20037508.342789244, 6);
    expect(simplifyTolerance(0)).toBeCloseTo(tileSpan(0) / 512, 6);
  });
});

describe('tile layout from the registry', () => {
  it('keeps a compact set of scalar properties and never repeats the key', () => {
    const names = (id: string) => tileLayout(findLayer(id)!).properties.map((p) => p.name);
    expect(names('communes')).toEqual(['name', 'population']);
    expect(names('places')).toEqual(['name', 'category', 'status']);
    expect(names('vacant_shops')).toEqual(['name', 'status']);
    expect(names('streets')).toEqual(['name', 'road_class']);
    expect(tileLayout(findLayer('communes')!)).toMatchObject({ integerIds: false, clusters: false });
    expect(tileLayout(findLayer('places')!)).toMatchObject({ integerIds: true, clusters: true, groupBy: { name: 'category' } });
    expect(tileLayout(findLayer('programmes')!).groupBy?.name).toBe('programme');
    expect(tileLayout(findLayer('projects')!).clusters).toBe(false);
  });
});

function decodeLayer(bytes: Uint8Array, name: string) {
  const layer = new VectorTile(new PbfReader(bytes)).layers[name]!;
  return Array.from({ length: layer.length }, (_, i) => layer.feature(i));
}

describe('encodeTile', () => {
  const square = [[0, 0], [0, 100], [100, 100], [100, 0], [0, 0]];
  const hole = [[10, 10], [90, 10], [90, 90], [10, 90], [10, 10]];
  const input: TileFeature[] = [
    { id: 7, properties: { name: 'Café', count: 3, share: 0.25, open: true, none: null }, geometry: { type: 'Point', coordinates: [100, 200] } },
    { properties: { id: '53130' }, geometry: { type: 'Polygon', coordinates: [square, hole] } },
    { properties: {}, geometry: { type: 'MultiLineString', coordinates: [[[0, 0], [10, 10]], [[20, 20], [30, 30]]] } },
    { properties: { kind: 'collection' }, geometry: { type: 'GeometryCollection', geometries: [
      { type: 'Point', coordinates: [1, 1] }, { type: 'LineString', coordinates: [[0, 0], [5, 5]] },
    ] } },
    { properties: { kind: 'empty' }, geometry: { type: 'MultiPolygon', coordinates: [] } },
  ];

  it('round-trips ids, typed properties and geometries through @mapbox/vector-tile', () => {
    const features = decodeLayer(encodeTile('test', input), 'test');
    expect(features).toHaveLength(4);
    expect(features[0]!.id).toBe(7);
    expect(features[0]!.properties).toEqual({ name: 'Café', count: 3, share: 0.25, open: true });
    expect(features[0]!.loadGeometry()[0]![0]).toMatchObject({ x: 100, y: 200 });
    expect(features[1]!.id).toBeUndefined();
    expect(features[1]!.type).toBe(3);
    // Outer ring and hole survive as one polygon.
    const polygon = features[1]!.toGeoJSON(0, 0, 0).geometry;
    expect(polygon.type).toBe('Polygon');
    expect((polygon as { coordinates: unknown[] }).coordinates).toHaveLength(2);
    expect(features[2]!.type).toBe(2);
    expect(features[2]!.loadGeometry()).toHaveLength(2);
    // A collection keeps its parts of the highest dimension, as ST_AsMVTGeom does.
    expect(features[3]!.type).toBe(2);
  });

  it('does not modify its input', () => {
    const before = structuredClone(input);
    encodeTile('test', input);
    expect(input).toEqual(before);
  });

  it('gives an empty buffer when there is nothing to draw, as ST_AsMVT does', () => {
    expect(encodeTile('test', []).length).toBe(0);
    expect(encodeTile('test', [input[4]!]).length).toBe(0);
  });
});

describe('HTTP validators', () => {
  it.each([
    ['gzip', true], ['gzip, deflate, br', true], ['br;q=1.0, gzip;q=0.8', true], ['*', true], ['x-gzip', true],
    ['gzip;q=0', false], ['br', false], ['identity', false], ['', false], [undefined, false], ['*;q=0', false],
  ])('Accept-Encoding %j → gzip %s', (header, expected) => {
    expect(acceptsGzip(header)).toBe(expected);
  });

  it('matches If-None-Match lists, weak tags and *', () => {
    expect(etagMatches('"a"', '"a"')).toBe(true);
    expect(etagMatches('"b", W/"a"', '"a"')).toBe(true);
    expect(etagMatches('*', '"a"')).toBe(true);
    expect(etagMatches('"a-gzip"', '"a"')).toBe(false);
    expect(etagMatches(undefined, '"a"')).toBe(false);
  });

  it('names each representation by a hash of the tile', () => {
    const a = packTile(new Uint8Array([1, 2, 3]));
    const b = packTile(new Uint8Array([1, 2, 3]));
    expect(a.etag).toBe(b.etag);
    expect(a.etagGzip).not.toBe(a.etag);
    expect(packTile(new Uint8Array([1, 2, 4])).etag).not.toBe(a.etag);
  });
});

describe('TileCache', () => {
  const tile = (n: number): PackedTile => packTile(new Uint8Array(n).fill(7));

  it('stays under its byte budget, dropping the least recently used tile first', async () => {
    const cache = new TileCache({ maxBytes: 1300 });
    await cache.get('a', async () => tile(400));
    await cache.get('b', async () => tile(400));
    await cache.get('a', async () => tile(1)); // a hit: a becomes the most recent
    await cache.get('c', async () => tile(400));
    expect(cache.bytes).toBeLessThanOrEqual(1300);
    expect(cache.size).toBe(2);
    let rebuilt = '';
    await cache.get('a', async () => ((rebuilt += 'a'), tile(400)));
    await cache.get('b', async () => ((rebuilt += 'b'), tile(400)));
    expect(rebuilt).toBe('b');
  });

  it('builds a tile once for concurrent requests, and not at all when too big to keep', async () => {
    const cache = new TileCache({ maxBytes: 1000 });
    let builds = 0;
    const build = async () => {
      builds++;
      await new Promise((r) => setTimeout(r, 10));
      return tile(100);
    };
    const [x, y] = await Promise.all([cache.get('k', build), cache.get('k', build)]);
    expect(builds).toBe(1);
    expect(x).toBe(y);
    await cache.get('big', async () => tile(5000));
    expect(cache.size).toBe(1);
  });

  it('forgets a failed build', async () => {
    const cache = new TileCache({ maxBytes: 1000 });
    await expect(cache.get('k', async () => { throw new Error('boom'); })).rejects.toThrow('boom');
    expect((await cache.get('k', async () => tile(10))).raw.length).toBe(10);
  });
});
