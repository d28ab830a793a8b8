// The app under test for the participation suites. Load shedding (503 when the event loop
// lags) has its own tests; here, a CI machine busy with other suites must not turn requests
// away, so it is off for the apps these files build (the setting is read once, at start).
import type { FastifyInstance } from 'fastify';
import { buildApp, type AppOptions } from '@maillage/api';

export async function participationApp(options: AppOptions): Promise<FastifyInstance> {
  const previous = process.env.MAILLAGE_MAX_EVENT_LOOP_DELAY_MS;
  process.env.MAILLAGE_MAX_EVENT_LOOP_DELAY_MS = '0';
  try {
    return await buildApp(options);
  } finally {
    if (previous === undefined) delete process.env.MAILLAGE_MAX_EVENT_LOOP_DELAY_MS;
    else process.env.MAILLAGE_MAX_EVENT_LOOP_DELAY_MS = previous;
  }
}
