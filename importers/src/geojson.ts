// Streaming a GeoJSON FeatureCollection feature by feature, in constant memory.
import { Readable } from 'node:stream';
import chain from 'stream-chain';
import { parser } from 'stream-json';
import { pick } from 'stream-json/filters/pick.js';
import { streamValues } from 'stream-json/streamers/stream-values.js';
import type { OpenedInput } from './input.ts';
import { ImportFileError } from './report.ts';

export interface GeoJsonFeature {
  type: 'Feature';
  id?: string | number;
  properties: Record<string, unknown>;
  geometry: unknown;
}

export type FeatureOrProblem = { index: number; feature: GeoJsonFeature } | { index: number; problem: string };

const WGS84_NAMES = /(CRS84|EPSG:+4326|EPSG::4326)$/i;

/** Refuses a `crs` member (RFC 7946 dropped it) unless it names WGS 84 lon/lat. */
function checkCrs(crs: unknown, name: string): void {
  const crsName = (crs as { properties?: { name?: unknown } } | null)?.properties?.name;
  if (typeof crsName === 'string' && WGS84_NAMES.test(crsName)) return;
  throw new ImportFileError(
    `${name} declares the coordinate system ${JSON.stringify(crsName ?? crs)}; GeoJSON must be WGS 84 lon/lat (RFC 7946): reproject it, e.g. \`ogr2ogr -t_srs EPSG:4326 out.geojson ${name}\``);
}

/**
 * Yields each feature of a FeatureCollection, or a problem for an element that is not a Feature.
 * Throws ImportFileError when the text is not a FeatureCollection, is truncated or declares a
 * projected CRS.
 */
export async function* readGeoJsonFeatures(input: OpenedInput): AsyncGenerator<FeatureOrProblem> {
  const pipeline = chain([
    Readable.from(input.text),
    parser(),
    pick({ filter: /^(type|crs|features\.\d+)$/ }),
    streamValues(),
  ]);
  let index = 0;
  let sawType = false;
  try {
    for await (const { value } of pipeline as AsyncIterable<{ value: unknown }>) {
      if (typeof value === 'string') {
        if (value !== 'FeatureCollection') throw new ImportFileError(`${input.name} is a GeoJSON ${value}, not a FeatureCollection`);
        sawType = true;
      } else if (value && typeof value === 'object' && (value as { type?: unknown }).type === 'Feature') {
        const f = value as GeoJsonFeature;
        yield { index: index++, feature: { ...f, properties: f.properties ?? {} } };
      } else if (value && typeof value === 'object' && 'properties' in value && !('geometry' in value)) {
        checkCrs(value, input.name);
      } else {
        yield { index: index++, problem: 'not a GeoJSON Feature' };
      }
    }
  } catch (error) {
    if (error instanceof ImportFileError) throw error;
    throw new ImportFileError(`${input.name} is not valid JSON or is truncated (${(error as Error).message})`);
  }
  if (!sawType) throw new ImportFileError(`${input.name} is not a GeoJSON FeatureCollection (no "type": "FeatureCollection")`);
}
