// The analyses, under /api/analysis: each is one file of routes that calls its repository
// (repositories/analysis*.ts), whose SQL lives in sql/src/analysis. Every analysis reads its
// perimeter with the one scope parser of @maillage/sql (`parseScope`: france, departement:53,
// epci:<SIREN>, commune:<code>, territory:<id>) and answers bad input with a 400 problem.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import needs from './needs.ts';
import pilotStreets from './pilot-streets.ts';
import zone from './zone.ts';

const analysis: FastifyPluginAsyncTypebox = async (app) => {
  // One line per analysis.
  await app.register(needs);
  await app.register(zone);
  await app.register(pilotStreets);
};

export default analysis;
