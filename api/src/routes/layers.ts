// The layer registry as the web legend reads it, with live counts.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { LAYERS } from '../layers/registry.ts';
import { listPlaceCategories } from '../repositories/categories.repository.ts';
import { countAllLayers } from '../repositories/features.repository.ts';
import { I18nText } from './schemas.ts';

const layers: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/layers', {
    schema: {
      summary: 'Couches du portail / Portal layers',
      tags: ['layers'],
      response: {
        200: Type.Object({
          layers: Type.Array(Type.Object({
            id: Type.String(), title: I18nText, description: I18nText, geometry: Type.String(),
            licence: Type.String(), attribution: Type.String(), count: Type.Integer(),
          })),
        }),
      },
    },
  }, async () => {
    const counts = await countAllLayers(app.db, LAYERS);
    return {
      layers: LAYERS.map((l) => ({
        id: l.id, title: l.title, description: l.description, geometry: l.geometry,
        licence: l.licence, attribution: l.attribution, count: counts[l.id] ?? 0,
      })),
    };
  });

  app.get('/place-categories', {
    schema: {
      summary: 'Catégories de lieux / Place categories',
      tags: ['layers'],
      response: {
        200: Type.Object({
          categories: Type.Array(Type.Object({ code: Type.String(), family: Type.String(), label: I18nText, color: Type.String() })),
        }),
      },
    },
  }, async () => ({
    categories: (await listPlaceCategories(app.db)).map((c) => ({
      code: c.code, family: c.family, label: { fr: c.label_fr, en: c.label_en }, color: c.color,
    })),
  }));
};

export default layers;
