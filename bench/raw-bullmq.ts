import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';

/**
 * The baseline: raw BullMQ on the same Redis — add N jobs in bulk and process them with a no-op
 * worker at the given concurrency; jobs per second from the first add to the last completion.
 */
export async function measureRawBullmq(
  redisUrl: string,
  jobs: number,
  concurrency: number,
): Promise<number> {
  const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const name = `bench-raw-${process.pid}-${Date.now()}`;
  const queue = new Queue(name, { connection });
  let done = 0;
  let finished!: () => void;
  const allDone = new Promise<void>((resolve) => (finished = resolve));
  const worker = new Worker(
    name,
    () => {
      done += 1;
      if (done === jobs) finished();
      return Promise.resolve();
    },
    { connection, concurrency, autorun: false },
  );
  const started = performance.now();
  void worker.run();
  for (let i = 0; i < jobs; i += 1000) {
    const batch = Array.from({ length: Math.min(1000, jobs - i) }, (_, k) => ({
      name: 'job',
      data: { n: i + k },
      opts: { removeOnComplete: true },
    }));
    await queue.addBulk(batch);
  }
  await allDone;
  const seconds = (performance.now() - started) / 1000;
  await worker.close();
  await queue.obliterate({ force: true });
  await queue.close();
  connection.disconnect();
  return jobs / seconds;
}
