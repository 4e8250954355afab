import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalServices } from './local-services.ts';

export interface ThrowawayServices {
  mongoUrl: string;
  redisUrl: string;
  stop(): Promise<void>;
}

/**
 * Servers for one test run or benchmark: the given URLs where set, else local servers on free
 * ports in a temporary folder (no fsync, no persistence), removed on stop.
 */
export async function startThrowawayServices(options: {
  name: string;
  mongoUrl: string | undefined;
  redisUrl: string | undefined;
}): Promise<ThrowawayServices> {
  const dataDir = mkdtempSync(join(tmpdir(), `switchboard-${options.name}-`));
  const services = await startLocalServices({
    dataDir,
    persistent: false,
    needMongo: !options.mongoUrl,
    needRedis: !options.redisUrl,
    ferretDbBackend: process.env['LOCAL_FERRETDB_BACKEND'] === 'sqlite' ? 'sqlite' : 'postgresql',
  });
  const mongoUrl = options.mongoUrl ?? services.mongoUrl;
  const redisUrl = options.redisUrl ?? services.redisUrl;
  if (!mongoUrl || !redisUrl) throw new Error('local services did not report their URLs');
  return {
    mongoUrl,
    redisUrl,
    stop: async () => {
      await services.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
