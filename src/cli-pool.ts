import { Redis } from 'ioredis';
import { loadConfig } from './config.ts';
import { TicketPool } from './pool/pool.ts';
import { resolveInfrastructure } from './runtime.ts';

/** What a command may need beside the pool: Redis, connected only when asked for. */
export interface CliServices {
  /** The deployment's Redis (the running gateway's, or REDIS_URL); closed after the command. */
  redis(): Redis;
}

/**
 * Runs a command's `work` on the configured deployment's pool (the running gateway's local servers,
 * or MONGODB_URI), then disconnects and stops whatever it started.
 */
export async function withCliPool<T>(
  work: (pool: TicketPool, services: CliServices) => Promise<T>,
): Promise<T> {
  const config = loadConfig();
  const infrastructure = await resolveInfrastructure(config, { announce: false });
  const pool = await TicketPool.connect(infrastructure.mongoUri, { dbName: config.MONGODB_DB });
  let redis: Redis | undefined;
  try {
    return await work(pool, {
      redis: () => (redis ??= new Redis(infrastructure.redisUrl, { maxRetriesPerRequest: 3 })),
    });
  } finally {
    await redis?.quit();
    await pool.close();
    await infrastructure.stop();
  }
}
