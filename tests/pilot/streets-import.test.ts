// The streets importer on hand-made files: OSM XML and BD TOPO, display names, accented
// spelling of a nearby street, broken files. The real Nantes files: tests/pilot/bundle.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { length, lineString } from '@turf/turf';
import { runImport, streets } from '@maillage/importers';
import { displayStreetName } from '../../importers/src/street-names.ts';
import { openTestDb, dbModeName, type DbHandle } from '../support/db.ts';
import { fingerprint } from '../importers/helpers.ts';
import { fixture, loadToyPilotTown } from './helpers.ts';

describe('street display names (pure)', () => {
  it.each([
    ['R CREBILLON', 'Rue Crebillon'],
    ["R LA TOUR D'AUVERGNE", "Rue La Tour d'Auvergne"],
    ['PL MARECHAL FOCH', 'Place Maréchal Foch'],
    ['CRS DES 50 OTAGES', 'Cours des 50 Otages'],
    ["R DE L'HOTEL DE VILLE", "Rue de l'Hôtel de Ville"],
    ['R HENRI IV', 'Rue Henri IV'],
    ['ALL DES GENERAUX PATTON ET WOOD', 'Allée des Généraux Patton et Wood'],
    ['BD SAINT-PIERRE', 'Boulevard Saint-Pierre'],
    ['R ST MICHEL', 'Rue Saint Michel'],
    ['QU DE LA FOSSE', 'Quai de la Fosse'],
    ['Rue Crébillon', 'Rue Crébillon'],
  ])('%s → %s', (raw, shown) => {
    expect(displayStreetName(raw)).toBe(shown);
  });
});

describe(`streets importer on the toy town (${dbModeName()})`, () => {
  let h: DbHandle;
  const tmp = mkdtempSync(join(tmpdir(), 'maillage-streets-'));
  const write = (name: string, content: string) => {
    const path = join(tmp, name);
    writeFileSync(path, content);
    return path;
  };

  beforeAll(async () => {
    h = await openTestDb();
    await loadToyPilotTown(h.db);
  });
  afterAll(() => h?.close());

  it('turns OSM XML highway ways into lines, leaving platforms, buildings and relations out', async () => {
    const r = await sql<{ source_id: string; name: string | null; road_class: string; commune_code: string; n: number; props: Record<string, unknown>; metres: number }>`
      SELECT source_id, name, road_class, commune_code, ST_NPoints(geom)::int AS n, props, ST_Length(geom::geography) AS metres
      FROM streets WHERE source = 'osm_nantes_tan_2019' ORDER BY source_id`.execute(h.db);
    expect(r.rows.map((x) => [x.source_id, x.name, x.road_class, x.commune_code, x.n])).toEqual([
      ['osm:way/101', 'Rue Crébillon', 'pedestrian', '99001', 2],
      ['osm:way/102', 'Rue Crébillon', 'pedestrian', '99001', 2],
      ['osm:way/103', 'Rue de la Paix', 'residential', '99001', 2],
      ['osm:way/104', 'Allée des Tilleuls', 'residential', '99001', 2],
      ['osm:way/105', null, 'footway', '99001', 2],
    ]);
    expect(r.rows[1]!.props).toMatchObject({ surface: 'paving_stones', osm_id: '102' });
    // Way 101 runs 0.004° of longitude along 45.005° N: Turf on the sphere agrees within 0.5 %.
    const turf = length(lineString([[0.001, 45.005], [0.005, 45.005]]), { units: 'meters' });
    expect(Math.abs(r.rows[0]!.metres - turf) / turf).toBeLessThan(0.005);
  });

  it('writes out BD TOPO abbreviations and borrows the accented spelling of a nearby OSM street', async () => {
    const r = await sql<{ source_id: string; name: string | null; name_display: string | null; name_origin: string | null; name_key: string | null }>`
      SELECT source_id, name, name_display, name_origin, name_key FROM streets WHERE source = 'ign_bdtopo_nantes_2021' ORDER BY source_id`.execute(h.db);
    expect(r.rows).toEqual([
      // 2 m from the OSM « Rue Crébillon » of the same commune, imported after it.
      { source_id: 'TOYTRONROUT1', name: 'R CREBILLON', name_display: 'Rue Crébillon', name_origin: 'nearby', name_key: 'rue crebillon' },
      { source_id: 'TOYTRONROUT2', name: 'PL DU MARECHAL FOCH', name_display: 'Place du Maréchal Foch', name_origin: 'expanded', name_key: 'place du marechal foch' },
      // Same name as the OSM « Rue de la Paix », but in another commune: nothing borrowed.
      { source_id: 'TOYTRONROUT3', name: 'R DE LA PAIX', name_display: 'Rue de la Paix', name_origin: 'expanded', name_key: 'rue de la paix' },
      { source_id: 'TOYTRONROUT4', name: null, name_display: null, name_origin: null, name_key: null },
    ]);
  });

  it('re-imports both files as unchanged, the borrowed spelling included', async () => {
    for (const [file, format] of [['toy_pilot_bdtopo.geojson', 'bdtopo'], ['toy_pilot_town.osm', 'osm']] as const) {
      const s = await runImport(h.db, streets(fixture(file), format));
      expect(s.outcome).toBe('committed');
      expect([s.inserted, s.updated], file).toEqual([0, 0]);
    }
  });

  it('rejects broken OSM XML with a reason and changes nothing', async () => {
    const before = await fingerprint(h.db);
    const osm = readFileSync(fixture('toy_pilot_town.osm'), 'utf8');
    const cases: [string, string, RegExp][] = [
      ['truncated.osm', osm.slice(0, osm.indexOf('<way id="103">') + 20), /not well-formed XML or is truncated/],
      ['not-osm.xml', '<?xml version="1.0"?><gpx><trk/></gpx>', /root <gpx>, not an OpenStreetMap file/],
      ['bad-node.osm', osm.replace('lat="45.005" lon="0.001"', 'lat="45.005" lon="east"'), /node 1 has no valid lon\/lat/],
    ];
    for (const [name, content, reason] of cases) {
      const s = await runImport(h.db, streets(write(name, content), 'osm'));
      expect(s.outcome, name).toBe('rolled_back');
      expect(s.fileError, name).toMatch(reason);
    }
    // A way whose nodes are missing is rejected by itself, with the fix.
    const missing = await runImport(h.db, streets(write('missing.osm', osm.replace(/<node id="[45]"[^>]*>/g, '')), 'osm'));
    expect(missing.outcome).toBe('rolled_back');
    expect(missing.rejected).toEqual([{ ref: 'feature 2', reason: expect.stringMatching(/way 103: 2 of its 2 nodes are not in the file .*complete_ways/) }]);
    expect(await fingerprint(h.db)).toEqual(before);
  });
});
