// The browser suite: headless Chromium against a running portal (MAILLAGE_BASE_URL).
// Kept apart from the integration suite (tests/vitest.config.ts), which needs no server.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  root: fileURLToPath(new URL('../..', import.meta.url)),
  test: {
    include: ['tests/browser/**/*.test.ts'],
    // One Chromium at a time: the machines have 2 cores and WebGL runs on the CPU.
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
