import fp from 'fastify-plugin';
import swagger from '@fastify/swagger';

/** OpenAPI 3 document generated from the route schemas; served at /api/openapi.json. */
export default fp(async (app) => {
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Maillage API',
        description: 'Portail géographique ouvert du maillage territorial. / Open geospatial portal of local amenities and projects.',
        version: '0.1.0',
        license: { name: 'AGPL-3.0-or-later' },
      },
      servers: [{ url: '/' }],
    },
  });
}, { name: 'swagger' });
