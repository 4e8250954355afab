import { Queue, Worker, type ConnectionOptions } from 'bullmq';
import type { Logger } from 'pino';
import type { Config } from '../config.ts';
import type { TicketPool } from '../pool/pool.ts';
import { sweepLifecycle, type SweepResult } from './sweep.ts';

/** The lifecycle queue's name (prefixed by QUEUE_PREFIX like every other queue). */
export const LIFECYCLE_QUEUE = 'lifecycle';

type LifecycleConfig = Pick<
  Config,
  | 'QUEUE_PREFIX'
  | 'BOT_RESOLVE_QUIET_SECONDS'
  | 'TICKET_CLOSE_SECONDS'
  | 'TICKET_SWEEP_SECONDS'
  | 'KEEP_FAILED_JOBS_DAYS'
>;

/**
 * Runs the lifecycle sweep (sweep.ts) every TICKET_SWEEP_SECONDS on a BullMQ job scheduler: one
 * scheduler id shared by every worker process, so each sweep runs once however many there are.
 */
export class TicketLifecycle {
  readonly queue: Queue;

  constructor(
    private readonly deps: {
      pool: TicketPool;
      config: LifecycleConfig;
      connection: ConnectionOptions;
      logger?: Logger | undefined;
      now?: () => Date;
    },
  ) {
    this.queue = new Queue(LIFECYCLE_QUEUE, {
      connection: deps.connection,
      prefix: deps.config.QUEUE_PREFIX,
      defaultJobOptions: {
        removeOnComplete: { count: 100 },
        removeOnFail: { age: deps.config.KEEP_FAILED_JOBS_DAYS * 24 * 3600 },
      },
    });
  }

  sweep(): Promise<SweepResult> {
    const { config } = this.deps;
    return sweepLifecycle(
      this.deps.pool,
      {
        quietResolveSeconds: config.BOT_RESOLVE_QUIET_SECONDS,
        closeSeconds: config.TICKET_CLOSE_SECONDS,
        batch: 500,
      },
      this.deps.now?.() ?? new Date(),
    );
  }

  async schedule(): Promise<void> {
    await this.queue.upsertJobScheduler(
      'lifecycle-sweep',
      { every: this.deps.config.TICKET_SWEEP_SECONDS * 1000 },
      { name: 'sweep', data: {} },
    );
  }

  /** Starts the worker on a connection with maxRetriesPerRequest null. */
  startWorker(connection: ConnectionOptions): Worker {
    const worker = new Worker(LIFECYCLE_QUEUE, async () => this.sweep(), {
      connection,
      prefix: this.deps.config.QUEUE_PREFIX,
      concurrency: 1,
    });
    worker.on('failed', (job, error) =>
      this.deps.logger?.warn({ queue: LIFECYCLE_QUEUE, job: job?.id, err: error }, 'sweep failed'),
    );
    worker.on('error', (error) =>
      this.deps.logger?.error({ err: error }, 'lifecycle worker error'),
    );
    return worker;
  }

  async close(): Promise<void> {
    await this.queue.close();
  }
}
