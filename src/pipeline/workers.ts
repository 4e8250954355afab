import { UnrecoverableError, Worker, type ConnectionOptions, type Job } from 'bullmq';
import type { Logger } from 'pino';
import type { Config } from '../config.ts';
import type { Metrics } from '../metrics.ts';
import { steerRetries, waitOutStoreOutage } from './job-errors.ts';
import { ingestInbound, type IngestDeps } from './ingest.ts';
import { deliverOutbound, noteAbandoned, type OutboundDeps } from './outbound.ts';
import {
  INGESTED_JOB_DATA,
  QUEUE_NAMES,
  type InboundJobData,
  type OutboundJobData,
} from './queues.ts';

function timed<T>(
  queue: string,
  metrics: Metrics | undefined,
  job: Job,
  work: () => Promise<T>,
): Promise<T> {
  const started = process.hrtime.bigint();
  const finish = (outcome: string) => {
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    metrics?.jobDuration.observe({ queue, outcome }, seconds);
    if (outcome === 'ok')
      metrics?.jobLatency.observe({ queue }, (Date.now() - job.timestamp) / 1000);
  };
  return work().then(
    (value) => {
      finish('ok');
      return value;
    },
    (error: unknown) => {
      finish('error');
      throw error;
    },
  );
}

/** Whether BullMQ will not run this job again: out of attempts, or failed as unrecoverable. */
function isFinalFailure(job: Job, error: Error): boolean {
  return error instanceof UnrecoverableError || job.attemptsMade >= (job.opts.attempts ?? 1);
}

export interface Workers {
  close(): Promise<void>;
}

export function startWorkers(options: {
  connection: ConnectionOptions;
  config: Config;
  ingest: IngestDeps;
  outbound: OutboundDeps;
  metrics?: Metrics;
  logger?: Logger;
  /** How long an inbound job waits out a store outage (job-errors.ts); tests shorten it. */
  outagePauseMs?: number;
}): Workers {
  const { config, metrics, logger } = options;
  const common = {
    connection: options.connection,
    prefix: config.QUEUE_PREFIX,
    lockDuration: config.JOB_LOCK_MS,
    // Stalled jobs (their worker died) go back to waiting and are picked up again.
    stalledInterval: Math.max(1000, Math.floor(config.JOB_LOCK_MS / 2)),
    maxStalledCount: 5,
  };
  const ingest = new Worker<InboundJobData>(
    QUEUE_NAMES.inbound,
    (job, token) =>
      timed('inbound', metrics, job, () =>
        waitOutStoreOutage(
          job,
          token,
          () =>
            steerRetries(async () => {
              // Stored by an earlier run whose data was already dropped: nothing left to do.
              if (job.data.ingested === true) return 'duplicate';
              const outcome = await ingestInbound(job.data.message, options.ingest);
              // The message lives in MongoDB now (where erasure finds it): the job keeps its id only.
              await job.updateData(INGESTED_JOB_DATA);
              return outcome;
            }),
          options.outagePauseMs,
        ),
      ),
    { ...common, concurrency: config.INGEST_CONCURRENCY },
  );
  const outbound = new Worker<OutboundJobData>(
    QUEUE_NAMES.outbound,
    (job) =>
      timed('outbound', metrics, job, () =>
        steerRetries(() => deliverOutbound(job.data.messageId, options.outbound)),
      ),
    { ...common, concurrency: config.OUTBOUND_CONCURRENCY },
  );
  for (const worker of [ingest, outbound]) {
    worker.on('failed', (job, error) => {
      logger?.warn(
        { queue: worker.name, job: job?.id, attempts: job?.attemptsMade, err: error },
        'job failed',
      );
    });
    worker.on('error', (error) =>
      logger?.error({ queue: worker.name, err: error }, 'worker error'),
    );
  }
  outbound.on('failed', (job, error) => {
    if (!job || !isFinalFailure(job, error)) return;
    noteAbandoned(job.data.messageId, error.message, options.outbound).catch((noteError: unknown) =>
      logger?.error(
        { job: job.id, err: noteError },
        'outbound: a given-up delivery could not be inspected',
      ),
    );
  });
  return {
    // Worker.close waits for active jobs to finish: the drain of a graceful shutdown.
    close: async () => {
      await Promise.all([ingest.close(), outbound.close()]);
    },
  };
}
