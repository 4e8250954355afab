/**
 * A job that fails because MongoDB is unreachable waits the outage out without using up its
 * attempts (job-errors.ts `waitOutStoreOutage`): in a fault drill, a worker whose store connection
 * stayed broken after a FerretDB restart failed 108 inbound messages for good once their eight
 * attempts' backoff (about four minutes) ran out. Real BullMQ on the run's Redis.
 */
import { Queue, QueueEvents, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { waitOutStoreOutage } from '../../src/pipeline/job-errors.ts';
import { uniqueName } from '../support/gateway.ts';

/** What the MongoDB driver throws while no server can be reached. */
class MongoServerSelectionError extends Error {
  override name = 'MongoServerSelectionError';
}

let connection: Redis;
const prefix = uniqueName('outage');

beforeAll(() => {
  connection = new Redis(inject('redisUrl'), { maxRetriesPerRequest: null });
});

afterAll(() => {
  connection.disconnect();
});

async function run(
  failures: number,
  error: () => Error,
): Promise<{ state: string; attemptsMade: number; calls: number }> {
  const name = uniqueName('q');
  const queue = new Queue(name, { connection, prefix });
  const events = new QueueEvents(name, { connection: connection.duplicate(), prefix });
  let calls = 0;
  const worker = new Worker(
    name,
    (job, token) =>
      waitOutStoreOutage(
        job,
        token,
        () => {
          calls += 1;
          if (calls <= failures) return Promise.reject(error());
          return Promise.resolve('stored');
        },
        20,
      ),
    { connection: connection.duplicate(), prefix },
  );
  try {
    await events.waitUntilReady();
    const job = await queue.add('m', {}, { attempts: 2, backoff: { type: 'fixed', delay: 10 } });
    await new Promise<void>((resolve) => {
      const done = async () => {
        const state = await job.getState();
        if (state === 'completed' || state === 'failed') resolve();
        else setTimeout(() => void done(), 50);
      };
      void done();
    });
    const final = await queue.getJob(job.id ?? '');
    return {
      state: (await final?.getState()) ?? 'gone',
      attemptsMade: final?.attemptsMade ?? -1,
      calls,
    };
  } finally {
    await worker.close();
    await events.close();
    await queue.obliterate({ force: true });
    await queue.close();
  }
}

describe('a job during a store outage', () => {
  it('outlasts more failures than it has attempts, and is stored once the store is back', async () => {
    const result = await run(6, () => new MongoServerSelectionError('connection 6 closed'));
    // Only the run that stored it counts as an attempt (BullMQ counts a completed run).
    expect(result).toEqual({ state: 'completed', attemptsMade: 1, calls: 7 });
  });

  it('still uses up its attempts on any other error', async () => {
    const result = await run(6, () => new Error('a bug'));
    expect(result).toMatchObject({ state: 'failed', attemptsMade: 2, calls: 2 });
  });
});
