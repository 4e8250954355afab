import { defineConfig } from 'vitest/config';
import { testProjects } from './test/setup/projects.ts';

// Each file's project is decided by what it uses (test/setup/projects.ts): `unit` starts nothing;
// `integration` and `browser` share one Redis and one MongoDB-compatible server for the run, on
// which each test file takes its own database and queue prefix. `vitest run` runs all three;
// `--project <name>` one (npm run test:unit, test:integration, test:browser).
const files = testProjects(import.meta.dirname);
const SERVICES = ['test/setup/global-services.ts'];

export default defineConfig({
  test: {
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 240_000,
    teardownTimeout: 30_000,
    projects: [
      { extends: true, test: { name: 'unit', include: files.unit } },
      {
        extends: true,
        test: { name: 'integration', include: files.integration, globalSetup: SERVICES },
      },
      { extends: true, test: { name: 'browser', include: files.browser, globalSetup: SERVICES } },
    ],
  },
});
