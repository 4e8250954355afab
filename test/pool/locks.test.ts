import { Redis } from 'ioredis';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { setTimeout as sleep } from 'node:timers/promises';
import { redisDocumentLocks } from '../../src/pool/locks.ts';
import { uniqueName } from '../support/gateway.ts';

const clients: Redis[] = [];
function client(): Redis {
  // As the gateway's producer connection: a command fails after one retry while Redis is away.
  const redis = new Redis(inject('redisUrl'), { maxRetriesPerRequest: 1 });
  redis.on('error', () => undefined);
  clients.push(redis);
  return redis;
}

afterAll(() => {
  for (const redis of clients) redis.disconnect();
});

describe('redisDocumentLocks', () => {
  it('keeps a lock held past its timeout while the work runs, so no one else enters', async () => {
    const locks = redisDocumentLocks(client(), {
      prefix: uniqueName('locks'),
      lockTimeoutMs: 300,
      refreshEveryMs: 100,
    });
    const events: string[] = [];
    const first = locks.withLock('doc', async () => {
      events.push('first in');
      await sleep(1000); // three lock timeouts
      events.push('first out');
    });
    await sleep(50);
    const second = locks.withLock('doc', () => {
      events.push('second in');
      return Promise.resolve();
    });
    await Promise.all([first, second]);
    expect(events).toEqual(['first in', 'first out', 'second in']);
  });

  it('survives Redis going away while it holds a lock: no unhandled rejection, the work’s result stands', async () => {
    const redis = client();
    const locks = redisDocumentLocks(redis, {
      prefix: uniqueName('locks'),
      lockTimeoutMs: 300,
      refreshEveryMs: 50,
    });
    const escaped: unknown[] = [];
    const onUnhandled = (reason: unknown) => escaped.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const result = await locks.withLock('doc', async () => {
        // Every command from now on fails ("Connection is closed"): refreshes and the release.
        redis.disconnect();
        await sleep(400);
        return 'stored';
      });
      expect(result).toBe('stored');
      await sleep(200); // a refresh timer left behind would fire here
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
    expect(escaped).toEqual([]);
  });

  it('lets the lock lapse after its timeout when the holder stops extending it', async () => {
    const prefix = uniqueName('locks');
    const redis = client();
    const holder = redisDocumentLocks(redis, { prefix, lockTimeoutMs: 300, refreshEveryMs: 100 });
    const other = redisDocumentLocks(client(), { prefix, lockTimeoutMs: 300, refreshEveryMs: 100 });
    let entered = 0;
    const held = holder.withLock('doc', async () => {
      redis.disconnect(); // the holder can no longer extend it, as if its Redis link were cut
      await sleep(1500);
    });
    await sleep(50);
    const started = Date.now();
    await other.withLock('doc', () => {
      entered = Date.now() - started;
      return Promise.resolve();
    });
    await held;
    expect(entered).toBeGreaterThan(0);
    expect(entered).toBeLessThan(1500); // did not wait for the holder's work to end
  });
});
