// The toy pilot town of tests/data (toy_pilot_*): the toy communes, three named streets in
// Alpha (OSM XML), a few BD TOPO sections, shops, vacant shops and a tiers-lieu, loaded
// through the real importers.
import type { Kysely } from 'kysely';
import type { Database } from '@maillage/sql';
import { communes, osmPoints, runImport, streets, tiersLieux } from '@maillage/importers';
import { fixture } from '../importers/helpers.ts';

export { fixture };

export async function loadToyPilotTown(db: Kysely<Database>): Promise<void> {
  for (const job of [
    communes({ polygons: fixture('toy_communes_2018.geojson'), list: fixture('toy_communes_2026.csv'), epci: fixture('toy_epci_2026.csv'), departements: ['99'] }),
    osmPoints(fixture('toy_pilot_points.geojson')),
    tiersLieux(fixture('toy_pilot_tiers_lieux.geojson')),
    streets(fixture('toy_pilot_bdtopo.geojson'), 'bdtopo'),
    streets(fixture('toy_pilot_town.osm'), 'osm'),
  ]) {
    const summary = await runImport(db, job);
    if (summary.outcome !== 'committed') {
      throw new Error(`toy pilot town: ${job.importer} was rolled back: ${summary.fileError ?? JSON.stringify(summary.rejected)}`);
    }
  }
}
