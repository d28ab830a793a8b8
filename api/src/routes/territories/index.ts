// /api/territories and /api/zones: planners' custom territories (a scope for every analysis:
// `territory:<id>`) and saved pilot zones (scenarios). Anyone may read them (a territory is a
// public scope, a scenario is meant to be shared in a dossier); writing needs a planner or an
// admin account, and deleting is for the author or an admin.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { ZONE_LIMITS } from '@maillage/sql';
import { currentUser, requireRole } from '../../plugins/app/auth.ts';
import { HttpProblem } from '../../problem.ts';
import { createTerritory, deleteTerritory, getTerritory, listTerritories, TERRITORY_MAX_KM2, type TerritoryRow } from '../../repositories/territories.repository.ts';
import { createZone, deleteZone, listZones, type SavedZone } from '../../repositories/zones.repository.ts';
import { ProblemSchema } from '../schemas.ts';

const Problems = { 400: ProblemSchema, 401: ProblemSchema, 403: ProblemSchema, 404: ProblemSchema, 429: ProblemSchema };
const Id = Type.Object({ id: Type.Integer({ minimum: 1, maximum: 2 ** 53 - 1 }) });
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);
const Name = Type.String({ minLength: 1, maxLength: 120, description: 'Nom / name' });
const Bbox = Type.Tuple([Type.Number(), Type.Number(), Type.Number(), Type.Number()]);
const Writers = requireRole('planner', 'admin');

const Territory = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  kind: Type.Union([Type.Literal('communes'), Type.Literal('drawn')]),
  scope: Type.String({ description: 'Le périmètre à donner aux analyses / the scope to give the analyses: territory:<id>' }),
  commune_codes: Type.Array(Type.String()),
  params: Type.Record(Type.String(), Type.Unknown()),
  communes: Type.Integer({ description: 'Communes du territoire, selon la règle des périmètres / member communes, by the scope rule' }),
  population: Type.Integer(),
  area_km2: Type.Number(),
  bbox: Bbox,
  mine: Type.Boolean({ description: 'Le lecteur en est l’auteur / the reader is its author' }),
  created_at: Type.String({ format: 'date-time' }),
});

const TerritoryPage = Type.Intersect([Territory, Type.Object({
  geometry: Type.Unsafe<unknown>({ type: 'object', description: 'GeoJSON MultiPolygon' }),
  members: Type.Array(Type.Object({ code: Type.String(), name: Type.String() })),
})]);

const SavedZoneSchema = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  scenario: Nullable(Type.String()),
  territory_id: Nullable(Type.Integer()),
  kind: Type.Union([Type.Literal('drawn'), Type.Literal('communes'), Type.Literal('buffer')]),
  params: Type.Record(Type.String(), Type.Unknown()),
  area_km2: Type.Number(),
  mine: Type.Boolean(),
  indicators: Type.String({ description: 'URL des indicateurs / indicators URL' }),
  created_at: Type.String({ format: 'date-time' }),
  geometry: Type.Unsafe<unknown>({ type: 'object', description: 'GeoJSON MultiPolygon' }),
});

const territories: FastifyPluginAsyncTypebox = async (app) => {
  const territoryOut = (t: TerritoryRow, viewer: number | undefined) => ({
    id: t.id, name: t.name, kind: t.kind, scope: `territory:${t.id}`, commune_codes: t.commune_codes, params: t.params,
    communes: t.communes, population: t.population, area_km2: Math.round(t.area_m2 / 1e4) / 100, bbox: t.bbox,
    mine: viewer !== undefined && t.owner_id === viewer, created_at: new Date(t.created_at).toISOString(),
  });
  const zoneOut = (z: SavedZone, viewer: number | undefined) => ({
    id: z.id, name: z.name, scenario: z.scenario, territory_id: z.territory_id, kind: z.kind, params: z.params,
    area_km2: Math.round(z.area_m2 / 1e4) / 100, mine: viewer !== undefined && z.owner_id === viewer,
    indicators: `/api/analysis/zone?zone=${z.id}`, created_at: new Date(z.created_at).toISOString(), geometry: JSON.parse(z.geometry) as unknown,
  });

  app.get('/territories', {
    schema: {
      summary: 'Territoires personnalisés / Custom territories',
      description: 'Every saved territory, newest first. Each is a scope: `territory:<id>` in /api/analysis/needs, /api/analysis/zone and /api/analysis/pilot-streets.',
      tags: ['territories'],
      response: { 200: Type.Object({ territories: Type.Array(Territory) }) },
    },
  }, async (request) => ({ territories: (await listTerritories(app.db)).map((t) => territoryOut(t, request.user?.id)) }));

  app.get('/territories/:id', {
    schema: { summary: 'Un territoire / A territory', tags: ['territories'], params: Id, response: { 200: TerritoryPage, 400: ProblemSchema, 404: ProblemSchema } },
  }, async (request) => {
    const t = await getTerritory(app.db, request.params.id);
    if (!t) throw new HttpProblem(404, `Aucun territoire d’identifiant ${request.params.id}.`, `No territory with id ${request.params.id}.`);
    return { ...territoryOut(t, request.user?.id), geometry: JSON.parse(t.geometry) as unknown, members: t.members };
  });

  app.post('/territories', {
    preHandler: Writers,
    schema: {
      summary: 'Enregistrer un territoire / Save a territory',
      description: `Planner or admin. Body: a name and either communes (INSEE codes) and/or epci (SIRENs: all their communes), or a drawn geometry (GeoJSON Polygon or MultiPolygon, ≤ ${TERRITORY_MAX_KM2} km², ≤ ${ZONE_LIMITS.maxVertices} vertices). The geometry is the union of the communes, or the polygon; a territory may ignore administrative borders.`,
      tags: ['territories'],
      body: Type.Object({
        name: Name,
        communes: Type.Optional(Type.Array(Type.String({ pattern: '^[0-9][0-9AB][0-9]{3}$' }), { maxItems: ZONE_LIMITS.maxCommunes })),
        epci: Type.Optional(Type.Array(Type.String({ pattern: '^[0-9]{9}$' }), { maxItems: 50 })),
        geometry: Type.Optional(Type.Unsafe<unknown>({ type: 'object', description: 'GeoJSON Polygon or MultiPolygon (WGS 84)' })),
      }, { additionalProperties: false }),
      response: { 201: TerritoryPage, ...Problems },
    },
  }, async (request, reply) => {
    const user = currentUser(request);
    const name = request.body.name.trim();
    if (!name) throw new HttpProblem(400, 'Le nom ne peut pas être vide.', 'The name cannot be empty.');
    const id = await createTerritory(app.db, user.id, { ...request.body, name });
    const t = (await getTerritory(app.db, id))!;
    return reply.code(201).header('location', `/api/territories/${id}`)
      .send({ ...territoryOut(t, user.id), geometry: JSON.parse(t.geometry) as unknown, members: t.members });
  });

  app.delete('/territories/:id', {
    preHandler: Writers,
    schema: { summary: 'Supprimer un territoire / Delete a territory', tags: ['territories'], params: Id, response: { 204: Type.Null(), ...Problems } },
  }, async (request, reply) => {
    await deleteTerritory(app.db, request.params.id, currentUser(request));
    return reply.code(204).send(null);
  });

  app.get('/zones', {
    schema: {
      summary: 'Zones pilotes enregistrées (scénarios) / Saved pilot zones (scenarios)',
      description: 'Newest first; `scenario=` keeps one scenario group, `ids=1,2,3` some zones (to compare them). The indicators of each are at `indicators`.',
      tags: ['territories'],
      querystring: Type.Object({
        scenario: Type.Optional(Type.String({ maxLength: 120 })),
        ids: Type.Optional(Type.String({ pattern: '^[1-9][0-9]{0,15}(,[1-9][0-9]{0,15}){0,49}$' })),
      }, { additionalProperties: false }),
      response: { 200: Type.Object({ zones: Type.Array(SavedZoneSchema) }), 400: ProblemSchema },
    },
  }, async (request) => {
    const ids = request.query.ids?.split(',').map(Number);
    const zones = await listZones(app.db, { ...(request.query.scenario !== undefined ? { scenario: request.query.scenario } : {}), ...(ids ? { ids } : {}) });
    return { zones: zones.map((z) => zoneOut(z, request.user?.id)) };
  });

  app.get('/zones/:id', {
    schema: { summary: 'Une zone enregistrée / A saved zone', tags: ['territories'], params: Id, response: { 200: SavedZoneSchema, 400: ProblemSchema, 404: ProblemSchema } },
  }, async (request) => {
    const [z] = await listZones(app.db, { id: request.params.id });
    if (!z) throw new HttpProblem(404, `Aucune zone enregistrée d’identifiant ${request.params.id}.`, `No saved zone with id ${request.params.id}.`);
    return zoneOut(z, request.user?.id);
  });

  app.post('/zones', {
    preHandler: Writers,
    schema: {
      summary: 'Enregistrer une zone pilote (scénario) / Save a pilot zone (scenario)',
      description: 'Planner or admin. `zone` is what POST /api/analysis/zone reads: a GeoJSON Polygon or MultiPolygon, a point or a line with buffer_m, or { communes: [...] }.',
      tags: ['territories'],
      body: Type.Object({
        name: Name,
        scenario: Type.Optional(Nullable(Type.String({ maxLength: 120, description: 'Groupe de scénarios / scenario group' }))),
        territory_id: Type.Optional(Nullable(Type.Integer({ minimum: 1, maximum: 2 ** 53 - 1 }))),
        zone: Type.Unsafe<unknown>({ type: 'object', description: 'The zone, as for POST /api/analysis/zone' }),
      }, { additionalProperties: false }),
      response: { 201: SavedZoneSchema, ...Problems },
    },
  }, async (request, reply) => {
    const user = currentUser(request);
    const name = request.body.name.trim();
    if (!name) throw new HttpProblem(400, 'Le nom ne peut pas être vide.', 'The name cannot be empty.');
    const id = await createZone(app.db, user.id, {
      name, scenario: request.body.scenario?.trim() || null, territoryId: request.body.territory_id ?? null, zone: request.body.zone,
    });
    const [z] = await listZones(app.db, { id });
    return reply.code(201).header('location', `/api/zones/${id}`).send(zoneOut(z!, user.id));
  });

  app.delete('/zones/:id', {
    preHandler: Writers,
    schema: { summary: 'Supprimer une zone enregistrée / Delete a saved zone', tags: ['territories'], params: Id, response: { 204: Type.Null(), ...Problems } },
  }, async (request, reply) => {
    await deleteZone(app.db, request.params.id, currentUser(request));
    return reply.code(204).send(null);
  });
};

export default territories;
