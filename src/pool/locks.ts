import { Mutex } from 'redis-semaphore';
import type { Redis } from 'ioredis';

/**
 * Serializes read-modify-write sequences on one document across every process.
 *
 * Why a lock at all, when DESIGN.md relies on conditional single-document updates: FerretDB 1.x
 * executes an update as "query, then replace by _id" with no transaction around the two (measured:
 * 3 concurrent `findOneAndUpdate({_id, status:'queued'})` all matched, 30 times out of 30; 50
 * concurrent `$inc` left the counter at 1). On MongoDB the conditional updates alone are atomic;
 * the lock keeps the pool correct on both, at two Redis round trips per guarded write.
 */
export interface DocumentLocks {
  withLock<T>(key: string, work: () => Promise<T>): Promise<T>;
}

export function redisDocumentLocks(redis: Redis, options: { prefix: string }): DocumentLocks {
  return {
    async withLock(key, work) {
      const mutex = new Mutex(redis, `${options.prefix}:lock:${key}`, {
        lockTimeout: 10_000,
        acquireTimeout: 30_000,
        retryInterval: 5,
        refreshInterval: 3_000,
      });
      await mutex.acquire();
      try {
        return await work();
      } finally {
        await mutex.release();
      }
    },
  };
}

/** For single-process tools and a server with atomic updates: no cross-process guard. */
export const noDocumentLocks: DocumentLocks = {
  withLock: (_key, work) => work(),
};
