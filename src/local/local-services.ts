import { join } from 'node:path';
import { reapStale } from './managed-process.ts';
import { startLocalMongo, type FerretDbBackend } from './mongo-server.ts';
import { clearStalePostgresLocks } from './postgres-locks.ts';
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

/**
 * Stops the servers an earlier run on this data folder started and left behind when it was
 * killed (found by their pid files: FerretDB or mongod first, then PostgreSQL, then Redis), and
 * removes the lock files they left: whatever this run needs then starts on a clean folder, and
 * servers this run no longer needs (a URL was set since) do not keep running. Throws when the
 * process that started them is still alive.
 */
export async function reapOrphans(dataDir: string): Promise<void> {
  const mongo = join(dataDir, 'mongo');
  const postgres = join(mongo, 'postgres');
  await reapStale({ pidFile: join(mongo, 'ferretdb.pid'), name: 'ferretdb', command: 'ferretdb' });
  await reapStale({ pidFile: join(mongo, 'mongod.pid'), name: 'mongod', command: 'mongod' });
  await reapStale({
    pidFile: join(postgres, 'postgres.owner.pid'),
    name: 'postgres',
    command: 'postgres',
    stopSignal: 'SIGINT',
  });
  await clearStalePostgresLocks({ dataDir: join(postgres, 'pgdata'), socketDir: postgres });
  await reapStale({
    pidFile: join(dataDir, 'redis', 'redis.pid'),
    name: 'redis',
    command: 'redis-server',
  });
}
