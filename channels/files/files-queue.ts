/**
 * A channel's queue of messages waiting for their files (channels/files/keep-files.ts). The
 * webhook only queues (providers want their answer fast: Slack within 3 s, Twilio 15 s); the job
 * fetches with retries, then hands the message to the inbound sink. Durable once `enqueue`
 * resolves, so nothing of a message is lost to a download.
 */
import { Queue, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { InboundMessageSchema, type InboundMessageInput } from '../../src/domain/message.ts';
import type { InboundSink } from '../../src/domain/ports.ts';
import type { ChannelWorkerRole } from '../module.ts';

const ATTEMPTS = 6;

interface FilesJobData {
  /** The normalized message, files still as links; null once it went on (no data kept). */
  message: unknown;
}

export class FilesFirstQueue {
  private readonly queue: Queue<FilesJobData>;

  /** `name`: the queue's name (`<channel>-files`); `prefix`: QUEUE_PREFIX. */
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    readonly name: string,
  ) {
    this.queue = new Queue<FilesJobData>(name, {
      connection: redis,
      prefix,
      defaultJobOptions: {
        attempts: ATTEMPTS,
        backoff: { type: 'exponential', delay: 1000 },
        // The job id (the message's idempotency key) stops a provider's redelivery while kept.
        removeOnComplete: { count: 1000 },
        removeOnFail: { age: 7 * 86_400 },
      },
    });
  }

  async enqueue(message: InboundMessageInput): Promise<void> {
    // `.` not `:` (BullMQ refuses `:` in ids); the channels' message ids here are safe as they are.
    const jobId = `${message.channel}.${message.channelMessageId}`;
    await this.queue.add('message', { message }, { jobId });
  }

  /**
   * The worker-role half: `prepare` fetches and stores the files (its last try must not throw for
   * a download), then the message goes to the sink.
   */
  startWorker(deps: {
    sink: InboundSink;
    prepare(message: InboundMessageInput, lastTry: boolean): Promise<InboundMessageInput>;
    logger?: Logger | undefined;
  }): { close(): Promise<void> } {
    // A worker blocks on its connection: its own, which waits for Redis rather than failing fast.
    const connection = this.redis.duplicate({ maxRetriesPerRequest: null });
    const worker = new Worker<FilesJobData>(
      this.name,
      async (job: Job<FilesJobData>) => {
        if (job.data.message === null) return;
        const message = InboundMessageSchema.parse(job.data.message);
        const lastTry = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
        await deps.sink.accept(await deps.prepare(message, lastTry));
        // The message is the pipeline's now: the finished job keeps no personal data.
        await job.updateData({ message: null });
      },
      { connection, prefix: this.prefix, concurrency: 4 },
    );
    worker.on('failed', (job, error) =>
      deps.logger?.warn({ queue: this.name, job: job?.id, err: error }, 'file fetch job failed'),
    );
    worker.on('error', (error) => deps.logger?.error({ err: error }, `${this.name} worker error`));
    return {
      async close() {
        await worker.close();
        connection.disconnect();
      },
    };
  }

  /** The worker as a channel's worker role: started and stopped with the pipeline's workers. */
  workerRole(deps: Parameters<FilesFirstQueue['startWorker']>[0]): ChannelWorkerRole {
    let worker: { close(): Promise<void> } | undefined;
    return {
      start: () => {
        worker = this.startWorker(deps);
        return Promise.resolve();
      },
      stop: async () => {
        await worker?.close();
        worker = undefined;
      },
    };
  }

  async close(): Promise<void> {
    await this.queue.close();
  }
}
