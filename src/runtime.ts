import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Config } from './config.ts';
import { reapOrphans, startLocalServices } from './local/local-services.ts';
import { ownIdentity } from './local/process-table.ts';
import {
  clearLocalEndpoints,
  readLocalEndpoints,
  writeLocalEndpoints,
} from './local/endpoints-file.ts';

export interface Infrastructure {
  mongoUri: string;
  redisUrl: string;
  /** Stops the local servers this process started (none when the URLs were configured). */
  stop(): Promise<void>;
}

/**
 * The MongoDB and Redis a process uses: the configured URLs, else the local servers a running
 * `start` already serves on this data folder, else local servers started now (and stopped on exit).
 */
export async function resolveInfrastructure(
  config: Config,
  options: { announce: boolean; log?: (message: string) => void },
): Promise<Infrastructure> {
  const dataDir = resolve(config.DATA_DIR);
  const shared = readLocalEndpoints(dataDir);
  let mongoUri = config.MONGODB_URI ?? shared?.mongoUrl;
  let redisUrl = config.REDIS_URL ?? shared?.redisUrl;
  if (mongoUri && redisUrl) return { mongoUri, redisUrl, stop: async () => {} };
  mkdirSync(dataDir, { recursive: true });
  // No live start process serves this folder: what a killed one left behind is stopped first.
  if (!shared) await reapOrphans(dataDir);
  options.log?.(
    `starting local ${[!mongoUri && 'MongoDB-compatible server', !redisUrl && 'Redis'].filter(Boolean).join(' and ')} in ${dataDir}`,
  );
  const local = await startLocalServices({
    dataDir,
    persistent: true,
    needMongo: !mongoUri,
    needRedis: !redisUrl,
    ferretDbBackend: config.LOCAL_FERRETDB_BACKEND,
  });
  mongoUri ??= local.mongoUrl;
  redisUrl ??= local.redisUrl;
  if (!mongoUri || !redisUrl) throw new Error('local services did not report their URLs');
  if (options.announce)
    writeLocalEndpoints(dataDir, {
      ...ownIdentity(),
      mongoUrl: local.mongoUrl,
      redisUrl: local.redisUrl,
    });
  return {
    mongoUri,
    redisUrl,
    stop: async () => {
      if (options.announce) clearLocalEndpoints(dataDir);
      await local.stop();
    },
  };
}
