import { loadConfig } from './config.ts';
import { TicketPool } from './pool/pool.ts';
import { resolveInfrastructure } from './runtime.ts';

/**
 * Runs a command's `work` on the configured deployment's pool (the running gateway's local servers,
 * or MONGODB_URI), then disconnects and stops whatever it started.
 */
export async function withCliPool<T>(work: (pool: TicketPool) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const infrastructure = await resolveInfrastructure(config, { announce: false });
  const pool = await TicketPool.connect(infrastructure.mongoUri, { dbName: config.MONGODB_DB });
  try {
    return await work(pool);
  } finally {
    await pool.close();
    await infrastructure.stop();
  }
}
