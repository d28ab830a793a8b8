// OpenStreetMap points of the bundle (`*_poi_osm_2019*`, `*_locaux_vacants_osm_2019*`): shops,
// cafés… go to places by category; `shop=vacant` goes to vacant_shops. ODbL.
import type { ImportJob } from '../pipeline.ts';
import { ODBL } from '../pipeline.ts';
import { importPointFeatures, type Mapped, text } from '../points.ts';

export const OSM_CATEGORIES = ['cafe_bar', 'bakery', 'grocery', 'food_shop', 'restaurant', 'fast_food', 'pharmacy',
  'tobacco_press', 'hotel', 'other_shop'] as const;

const SNAPSHOT = '2019-11-12';

function mapOsm(p: Record<string, unknown>): Mapped {
  const id = text(p.id);
  const category = text(p.category);
  if (!id) return { reject: 'missing "id"' };
  if (!category) return { reject: 'missing "category"' };
  const osmId = text(p.osm_id);
  const common = {
    source_id: id,
    name: text(p.name),
    osm_id: osmId && /^\d+$/.test(osmId) ? osmId : null,
    last_seen: SNAPSHOT,
    props: JSON.stringify({ osm_key: p.osm_key ?? null, osm_value: p.osm_value ?? null, source_layer: p.source_layer ?? null }),
  };
  const communeHint = text(p.code_insee_2026);
  if (category === 'vacant') {
    return { table: 'vacant_shops', row: { ...common, status: 'vacant' }, communeHint };
  }
  if (!(OSM_CATEGORIES as readonly string[]).includes(category)) {
    return { reject: `unknown category "${category}" (expected one of ${OSM_CATEGORIES.join(', ')}, vacant)` };
  }
  return { table: 'places', row: { ...common, category, osm_tag: p.osm_key && p.osm_value ? `${String(p.osm_key)}=${String(p.osm_value)}` : null }, communeHint };
}

export function osmPoints(input: string, departements: readonly string[] = []): ImportJob {
  return {
    importer: 'osm-points',
    input,
    source: {
      key: 'osm_pdl_2019',
      title: 'OpenStreetMap – commerces et services, Pays de la Loire (extrait Geofabrik du 2019-11-12)',
      url: 'https://www.openstreetmap.org/copyright',
      ...ODBL,
    },
    run: (ctx) => importPointFeatures({ ctx, input, departements, map: (f) => mapOsm(f.properties) }),
  };
}
