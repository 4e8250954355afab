import type { TestProject } from 'vitest/node';
import { startThrowawayServices } from '../../src/local/throwaway-services.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    mongoUrl: string;
    redisUrl: string;
  }
}

type Services = Awaited<ReturnType<typeof startThrowawayServices>>;

/**
 * The servers of this run, shared by every project that lists this setup (integration and
 * browser): vitest loads a project's global setup in that project's own module runner, so the
 * share sits on globalThis, counted, and the last project's teardown stops them.
 */
const shared = globalThis as typeof globalThis & {
  switchboardTestServices?: { started: Promise<Services>; users: number };
};

/**
 * Starts throwaway servers on free ports for the run (installing Redis and building FerretDB when
 * missing), or uses TEST_MONGODB_URI / TEST_REDIS_URL when set. Stopped when the run ends.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  shared.switchboardTestServices ??= {
    started: startThrowawayServices({
      name: 'test',
      mongoUrl: process.env['TEST_MONGODB_URI'],
      redisUrl: process.env['TEST_REDIS_URL'],
    }),
    users: 0,
  };
  const share = shared.switchboardTestServices;
  share.users += 1;
  const services = await share.started;
  project.provide('mongoUrl', services.mongoUrl);
  project.provide('redisUrl', services.redisUrl);
  return async () => {
    share.users -= 1;
    if (share.users > 0) return;
    delete shared.switchboardTestServices;
    await services.stop();
  };
}
