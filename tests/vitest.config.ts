// The integration suite: every tests/**/*.test.ts against a real database, in the mode the
// environment picks (PGlite, or the PostGIS server in DATABASE_URL). scripts/test.ts runs it
// once per mode. Browser and benchmark suites have their own configs.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  root: fileURLToPath(new URL('..', import.meta.url)),
  test: {
    include: ['tests/**/*.test.ts'],
    exclude: ['tests/browser/**', 'tests/bench/**', '**/node_modules/**'],
    globalSetup: ['tests/support/db-template.ts'],
    // Separate processes: PGlite holds a few hundred MB of WebAssembly memory per database,
    // and a process exit is the surest way to give it back.
    pool: 'forks',
    // CI machines have 2 cores; more PGlite workers only fight for memory.
    maxWorkers: 2,
    // Real databases: opening one takes seconds, and an analysis on the data bundle can take more.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    teardownTimeout: 60_000,
    // The apps built in these processes share the test runner's event loop, which a neighbouring
    // import or GC can stall for a second: load shedding on event-loop delay (on by default with
    // PostGIS) would then answer 503 to tests that check something else. DB-queue shedding stays.
    env: { MAILLAGE_MAX_EVENT_LOOP_DELAY_MS: '0' },
  },
});
