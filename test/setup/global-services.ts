import type { TestProject } from 'vitest/node';
import { startThrowawayServices } from '../../src/local/throwaway-services.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    mongoUrl: string;
    redisUrl: string;
  }
}

/**
 * Starts throwaway servers on free ports for the run (installing Redis and building FerretDB when
 * missing), or uses TEST_MONGODB_URI / TEST_REDIS_URL when set. Stopped when the run ends.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const services = await startThrowawayServices({
    name: 'test',
    mongoUrl: process.env['TEST_MONGODB_URI'],
    redisUrl: process.env['TEST_REDIS_URL'],
  });
  project.provide('mongoUrl', services.mongoUrl);
  project.provide('redisUrl', services.redisUrl);
  return () => services.stop();
}
