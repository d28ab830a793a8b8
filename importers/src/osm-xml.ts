// OpenStreetMap XML (`.osm`, as written by osmium, JOSM or the OSM API) read as a stream:
// nodes are kept as coordinates, and each way with a `highway` tag becomes a GeoJSON
// LineString feature as soon as it is read. Memory grows with the number of nodes (two numbers
// each), not with the size of the file; relations are not needed for centre lines and are skipped.
import { SaxesParser, type SaxesTagPlain } from 'saxes';
import type { FeatureOrProblem, GeoJsonFeature } from './geojson.ts';
import type { OpenedInput } from './input.ts';
import { ImportFileError } from './report.ts';

/** `highway` values that are not a way along which shops stand. */
const NOT_A_STREET = new Set(['platform', 'bus_stop', 'proposed', 'construction', 'abandoned', 'razed', 'elevator', 'services', 'rest_area']);

/**
 * Yields one LineString feature per highway way (id `osm:way/<id>`, the way's tags as
 * properties, `osm_id`), or a problem for a way that cannot be drawn (fewer than two of its
 * nodes in the file). Throws ImportFileError when the text is not OSM XML.
 *
 * @example
 * for await (const item of readOsmXmlHighways(await openInput('centre.osm'))) console.log(item);
 */
export async function* readOsmXmlHighways(input: OpenedInput): AsyncGenerator<FeatureOrProblem> {
  const parser = new SaxesParser({ xmlns: false, position: false });
  const nodes = new Map<number, [number, number]>();
  const ready: FeatureOrProblem[] = [];
  let index = 0;
  let root: string | undefined;
  let failure: Error | undefined;
  let way: { id: string; refs: number[]; tags: Record<string, string> } | undefined;
  let badNode: string | undefined;

  parser.on('error', (error) => {
    failure ??= error;
  });
  parser.on('opentag', (tag: SaxesTagPlain) => {
    const a = tag.attributes;
    if (root === undefined) {
      root = tag.name;
      if (root !== 'osm') failure ??= new ImportFileError(`${input.name} is XML with root <${root}>, not an OpenStreetMap file (<osm>)`);
      return;
    }
    if (tag.name === 'node') {
      const lon = Number(a.lon);
      const lat = Number(a.lat);
      if (a.lon === undefined || a.lat === undefined || !Number.isFinite(lon) || !Number.isFinite(lat) || Math.abs(lon) > 180 || Math.abs(lat) > 90) {
        badNode ??= a.id;
        return;
      }
      nodes.set(Number(a.id), [lon, lat]);
    } else if (tag.name === 'way') {
      way = { id: a.id ?? '', refs: [], tags: {} };
    } else if (way && tag.name === 'nd') {
      way.refs.push(Number(a.ref));
    } else if (way && tag.name === 'tag' && a.k !== undefined && a.v !== undefined) {
      way.tags[a.k] = a.v;
    }
  });
  parser.on('closetag', (tag) => {
    if (tag.name !== 'way' || !way) return;
    const w = way;
    way = undefined;
    const highway = w.tags.highway;
    if (!highway || NOT_A_STREET.has(highway)) return;
    const coordinates = w.refs.map((ref) => nodes.get(ref)).filter((c): c is [number, number] => c !== undefined);
    const missing = w.refs.length - coordinates.length;
    if (coordinates.length < 2) {
      ready.push({ index: index++, problem: `way ${w.id}: ${missing} of its ${w.refs.length} nodes are not in the file (export with complete ways, e.g. \`osmium extract --strategy complete_ways\`)` });
      return;
    }
    const feature: GeoJsonFeature = {
      type: 'Feature',
      properties: { ...w.tags, id: `osm:way/${w.id}`, osm_id: w.id, ...(missing ? { missing_nodes: missing } : {}) },
      geometry: { type: 'LineString', coordinates },
    };
    ready.push({ index: index++, feature });
  });

  for await (const chunk of input.text) {
    parser.write(chunk);
    if (failure) break;
    yield* ready.splice(0);
  }
  if (!failure) parser.close();
  if (failure) {
    if (failure instanceof ImportFileError) throw failure;
    throw new ImportFileError(`${input.name} is not well-formed XML or is truncated (${failure.message.split('\n')[0]})`);
  }
  if (root === undefined) throw new ImportFileError(`${input.name} is empty`);
  if (badNode !== undefined) throw new ImportFileError(`${input.name}: node ${badNode} has no valid lon/lat; OSM XML gives WGS 84 degrees`);
  yield* ready.splice(0);
}
