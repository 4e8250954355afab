/**
 * Background retraining: BullMQ queue 'training', one job per locale and knowledge hash (so
 * publishes that end in the same knowledge coalesce into one job), processed by worker roles one
 * at a time. The job trains (in a thread) for the locale's published articles as they are when it
 * runs, stores the model and announces it.
 */
import { Queue, Worker, type ConnectionOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Config } from '../config.ts';
import type { TicketPool } from '../pool/pool.ts';
import { ensureLocaleKnowledge, type KnowledgeBuildOptions } from './locale-knowledge.ts';
import { announceModel } from './model-announcements.ts';

/** The BullMQ queue name. */
export const TRAINING_QUEUE = 'training';

/** A training job's data. */
export interface TrainingJobData {
  locale: string;
  /** The knowledge hash that caused the job (its id); the job trains for what is published when it runs. */
  hash: string;
}

/** The queue producers enqueue retraining on. */
export function createTrainingQueue(
  connection: ConnectionOptions,
  config: Pick<Config, 'QUEUE_PREFIX'>,
): Queue<TrainingJobData> {
  return new Queue<TrainingJobData>(TRAINING_QUEUE, {
    connection,
    prefix: config.QUEUE_PREFIX,
    defaultJobOptions: {
      attempts: 3,
      backoff: { type: 'exponential', delay: 2000 },
      // Removed once done: the same hash may come back later (an edit undone) and must train again
      // or at least be announced again. While waiting or running, the job id de-duplicates.
      removeOnComplete: true,
      removeOnFail: { count: 100 },
    },
  });
}

/** Asks the workers to retrain `locale` for the knowledge identified by `hash`. */
export async function enqueueTraining(
  queue: Queue<TrainingJobData>,
  data: TrainingJobData,
): Promise<void> {
  await queue.add('train', data, { jobId: `train.${data.locale}.${data.hash}` });
}

/** Processes training jobs in this process: trains or finds the model, then announces it. */
export function startTrainingWorker(options: {
  connection: ConnectionOptions;
  publisher: Redis;
  config: Pick<Config, 'QUEUE_PREFIX' | 'JOB_LOCK_MS'>;
  pool: TicketPool;
  build: KnowledgeBuildOptions;
  logger?: Logger | undefined;
}): Worker<TrainingJobData> {
  const { config, logger } = options;
  const worker = new Worker<TrainingJobData>(
    TRAINING_QUEUE,
    async (job) => {
      const knowledge = await ensureLocaleKnowledge(options.pool, job.data.locale, {
        ...options.build,
        whenEmpty: 'train',
      });
      if (!knowledge) return;
      await announceModel(options.publisher, config.QUEUE_PREFIX, {
        locale: knowledge.locale,
        hash: knowledge.hash,
      });
    },
    {
      connection: options.connection,
      prefix: config.QUEUE_PREFIX,
      // One training at a time per process: it takes a core for seconds.
      concurrency: 1,
      lockDuration: Math.max(config.JOB_LOCK_MS, 60_000),
    },
  );
  worker.on('failed', (job, error) =>
    logger?.warn({ queue: TRAINING_QUEUE, job: job?.id, err: error }, 'training failed'),
  );
  worker.on('error', (error) =>
    logger?.error({ queue: TRAINING_QUEUE, err: error }, 'training worker error'),
  );
  return worker;
}
