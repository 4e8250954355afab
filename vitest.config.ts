import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // One Redis and one MongoDB-compatible server for the whole run; each test file takes its own
    // database and queue prefix on them.
    globalSetup: ['test/setup/global-services.ts'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 240_000,
    teardownTimeout: 30_000,
  },
});
