import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startLocalServices } from '../../src/local/local-services.ts';

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
  const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-test-'));
  const services = await startLocalServices({
    dataDir,
    persistent: false,
    needMongo: !process.env['TEST_MONGODB_URI'],
    needRedis: !process.env['TEST_REDIS_URL'],
    ferretDbBackend: process.env['LOCAL_FERRETDB_BACKEND'] === 'sqlite' ? 'sqlite' : 'postgresql',
  });
  const mongoUrl = process.env['TEST_MONGODB_URI'] ?? services.mongoUrl;
  const redisUrl = process.env['TEST_REDIS_URL'] ?? services.redisUrl;
  if (!mongoUrl || !redisUrl) throw new Error('test services did not start');
  project.provide('mongoUrl', mongoUrl);
  project.provide('redisUrl', redisUrl);
  return async () => {
    await services.stop();
    rmSync(dataDir, { recursive: true, force: true });
  };
}
