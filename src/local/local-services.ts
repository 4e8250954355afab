import { join } from 'node:path';
import { startLocalMongo, type FerretDbBackend } from './mongo-server.ts';
import { startLocalRedis } from './redis-server.ts';

export interface LocalServices {
  mongoUrl: string | undefined;
  redisUrl: string | undefined;
  stop(): Promise<void>;
}

/**
 * Brings up whatever the configuration leaves unset: a Redis when `redisUrl` is undefined, a
 * MongoDB-compatible server when `mongoUrl` is. Data lives under dataDir.
 */
export async function startLocalServices(options: {
  dataDir: string;
  persistent: boolean;
  needRedis: boolean;
  needMongo: boolean;
  ferretDbBackend?: FerretDbBackend;
}): Promise<LocalServices> {
  const redis = options.needRedis
    ? await startLocalRedis({ dir: join(options.dataDir, 'redis'), persistent: options.persistent })
    : undefined;
  try {
    const mongo = options.needMongo
      ? await startLocalMongo({
          dir: join(options.dataDir, 'mongo'),
          persistent: options.persistent,
          backend: options.ferretDbBackend ?? 'postgresql',
        })
      : undefined;
    return {
      redisUrl: redis?.url,
      mongoUrl: mongo?.url,
      async stop() {
        await Promise.all([redis?.process.stop(), mongo?.process.stop()]);
      },
    };
  } catch (error) {
    await redis?.process.stop();
    throw error;
  }
}
