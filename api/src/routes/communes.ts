// GET /communes/:code: the data of a commune page (« fiche commune »): identity, what lies in
// it, distances to the nearest everyday facilities, sources and downloads.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { EXPORT_FORMATS } from '../exports/formats.ts';
import { HttpProblem } from '../problem.ts';
import {
  communeContents, FACILITIES, type FacilityKind, getCommune, nearestFacilities, placeCountsByCategory, sourcesByKey,
} from '../repositories/communes.repository.ts';
import { I18nText, ProblemSchema } from './schemas.ts';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);
const LonLat = Type.Tuple([Type.Number(), Type.Number()], { description: 'lon, lat (WGS 84)' });
const Count = Type.Integer({ minimum: 0 });

/** Layers a commune page offers to download, filtered on the commune. */
const DOWNLOAD_LAYERS = ['places', 'tiers_lieux', 'vacant_shops', 'programmes'] as const;

export const CommunePage = Type.Object({
  code: Type.String(),
  name: Type.String(),
  population: Nullable(Type.Integer()),
  postal_codes: Type.Array(Type.String()),
  epci: Nullable(Type.Object({ siren: Type.String(), name: Type.String() })),
  departement: Type.Object({ code: Type.String(), name: Nullable(Type.String()) }),
  region: Nullable(Type.Object({ code: Type.String(), name: Nullable(Type.String()) })),
  area_km2: Nullable(Type.Number()),
  point: Nullable(LonLat),
  bbox: Nullable(Type.Tuple([Type.Number(), Type.Number(), Type.Number(), Type.Number()])),
  places: Type.Array(Type.Object({ category: Type.String(), family: Type.String(), label: I18nText, color: Type.String(), count: Count })),
  tiers_lieux: Count,
  vacant_shops: Type.Object({ vacant: Count, reoccupied: Count, in_project: Count }),
  programmes: Type.Array(Type.Object({ id: Type.String(), programme: Type.String(), name: Type.String() })),
  projects: Type.Object({ published: Count }),
  nearest: Type.Array(Type.Object({
    kind: Type.Unsafe<FacilityKind>({ type: 'string', enum: FACILITIES.map((f) => f.kind) }),
    metres: Type.Number({ minimum: 0 }),
    id: Type.String(),
    name: Nullable(Type.String()),
    commune: Nullable(Type.Object({ code: Type.String(), name: Nullable(Type.String()) })),
    point: LonLat,
  }), { description: 'Distance from the representative point to the nearest facility of each kind, anywhere; a kind with none is absent.' }),
  sources: Type.Array(Type.Object({
    key: Type.String(), title: Type.String(), licence: Type.String(), licence_url: Nullable(Type.String()),
    attribution: Type.String(), url: Nullable(Type.String()),
  })),
  downloads: Type.Object({
    commune: Type.String(),
    layers: Type.Record(Type.String(), Type.Record(Type.String(), Type.String())),
  }),
});

const communes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/communes/:code', {
    schema: {
      summary: 'Fiche d’une commune / Municipality page',
      tags: ['communes'],
      params: Type.Object({ code: Type.String({ pattern: '^[0-9][0-9AB][0-9]{3}$', description: 'Code INSEE, p. ex. 53130' }) }),
      response: { 200: CommunePage, 400: ProblemSchema, 404: ProblemSchema },
    },
  }, async (request) => {
    const { code } = request.params;
    const c = await getCommune(app.db, code);
    if (!c) throw new HttpProblem(404, `Aucune commune de code INSEE « ${code} ».`, `No municipality with INSEE code "${code}".`);
    const [places, contents, nearest] = await Promise.all([
      placeCountsByCategory(app.db, code), communeContents(app.db, code), nearestFacilities(app.db, code),
    ]);
    const order = FACILITIES.map((f) => f.kind as string);
    nearest.sort((a, b) => order.indexOf(a.kind) - order.indexOf(b.kind));
    const sourceKeys = new Set([c.source, ...contents.sources, ...nearest.map((n) => n.source)]);
    const sources = await sourcesByKey(app.db, [...sourceKeys]);
    return {
      code: c.code,
      name: c.name,
      population: c.population,
      postal_codes: c.postal_codes,
      epci: c.epci_siren ? { siren: c.epci_siren, name: c.epci_name ?? c.epci_siren } : null,
      departement: { code: c.departement, name: c.departement_name },
      region: c.region ? { code: c.region, name: c.region_name } : null,
      area_km2: c.area_m2 === null ? null : Math.round(c.area_m2 / 10_000) / 100,
      point: c.lon === null || c.lat === null ? null : [c.lon, c.lat] as [number, number],
      bbox: c.minx === null ? null : [c.minx, c.miny!, c.maxx!, c.maxy!] as [number, number, number, number],
      places: places.map((p) => ({ category: p.code, family: p.family, label: { fr: p.label_fr, en: p.label_en }, color: p.color, count: p.count })),
      tiers_lieux: contents.tiers_lieux,
      vacant_shops: contents.vacant_shops,
      programmes: contents.programmes,
      projects: { published: contents.projects },
      nearest: nearest.map((n) => ({
        kind: n.kind, metres: n.metres, id: n.id, name: n.name,
        commune: n.commune_code ? { code: n.commune_code, name: n.commune_name } : null,
        point: [n.lon, n.lat] as [number, number],
      })),
      sources,
      downloads: {
        commune: `/api/ogc/collections/communes/items/${code}`,
        layers: Object.fromEntries(DOWNLOAD_LAYERS.map((layer) => [layer,
          Object.fromEntries(EXPORT_FORMATS.map((f) => [f.ext, `/api/exports/${layer}.${f.ext}?commune_code=${code}`]))])),
      },
    };
  });
};

export default communes;
