/**
 * The intent layer of a worker process, started before the worker consumes messages: listens for
 * model announcements, loads (or trains, when no cached model matches) each locale's model, and
 * processes background retraining jobs.
 */
import { watchRedisErrors } from '../redis-errors.ts';
import { Redis } from 'ioredis';
import type { Worker } from 'bullmq';
import type { Logger } from 'pino';
import type { Config } from '../config.ts';
import type { TicketPool } from '../pool/pool.ts';
import { IntentRuntime } from './intent-runtime.ts';
import { ensureLocaleKnowledge, loadLocaleKnowledge } from './locale-knowledge.ts';
import { subscribeToModels } from './model-announcements.ts';
import type { RetrainReporter } from './retrain-report.ts';
import type { Trainer } from './trainer.ts';
import { startTrainingWorker, type TrainingJobData } from './training-queue.ts';
import { localeKnowledgeHash, resolveCorpus, type TrainingSources } from './training-set.ts';
import { listArticles } from '../knowledge/articles.ts';

/** A running intent layer. */
export interface IntentLayer {
  runtime: IntentRuntime;
  close(): Promise<void>;
}

/**
 * Starts the layer: subscribes, then loads or trains every configured locale that has published
 * articles, then starts the training worker. Resolves once the models are in place.
 */
export async function startIntentLayer(options: {
  config: Pick<Config, 'QUEUE_PREFIX' | 'JOB_LOCK_MS' | 'KB_LOCALES' | 'NLU_FALLBACK_LOCALE'>;
  pool: TicketPool;
  redisUrl: string;
  /** Publishes announcements (a connection in normal mode). */
  publisher: Redis;
  /** The BullMQ worker connection (maxRetriesPerRequest: null). */
  workerConnection: Redis;
  trainer: Trainer;
  /** Corpus folder, collected negatives, target precision (see TrainingSources). */
  sources?: TrainingSources | undefined;
  /** Stores each training's learning report (src/nlu/retrain-report.ts). */
  reportRetrain?: RetrainReporter | undefined;
  logger?: Logger | undefined;
}): Promise<IntentLayer> {
  const { config, pool, logger } = options;
  const runtime = new IntentRuntime(config.NLU_FALLBACK_LOCALE);
  const sources = options.sources ?? {};
  const build = {
    trainer: options.trainer,
    ...sources,
    logger,
    reportRetrain: options.reportRetrain,
  };
  const publishedHash = async (locale: string) =>
    localeKnowledgeHash(
      locale,
      (await listArticles(pool.models, { locale, status: 'published' })).map((a) => a.content),
      await resolveCorpus(locale, sources),
    );

  // Subscribe first, so a model announced while this process starts is not missed.
  const subscriber = watchRedisErrors(
    new Redis(options.redisUrl, { maxRetriesPerRequest: null }),
    logger,
    'model-announcements',
  );
  await subscribeToModels(subscriber, config.QUEUE_PREFIX, {
    onAnnouncement: async ({ locale, hash }) => {
      if (runtime.hashOf(locale) === hash) return;
      // Two workers may finish trainings out of order: only a model of what is published now is
      // installed (a newer job announces the newer knowledge).
      if ((await publishedHash(locale)) !== hash) {
        logger?.info({ locale, hash }, 'announced intent model is outdated; ignored');
        return;
      }
      const knowledge = await loadLocaleKnowledge(pool, locale, hash);
      if (!knowledge) {
        logger?.warn({ locale, hash }, 'announced intent model not found');
        return;
      }
      runtime.install(knowledge);
      logger?.info({ locale, hash }, 'intent model swapped in');
    },
    onError: (error) => logger?.error({ err: error }, 'intent model announcement failed'),
  });

  for (const locale of config.KB_LOCALES) {
    // An empty locale gets no model: with nothing published anywhere the bot escalates everything.
    const knowledge = await ensureLocaleKnowledge(pool, locale, { ...build, whenEmpty: 'skip' });
    // A model announced meanwhile is newer than what was read here: keep it.
    if (knowledge && runtime.hashOf(locale) === undefined) runtime.install(knowledge);
  }

  const worker: Worker<TrainingJobData> = startTrainingWorker({
    connection: options.workerConnection,
    publisher: options.publisher,
    config,
    pool,
    build,
    logger,
  });
  return {
    runtime,
    close: async () => {
      await worker.close();
      subscriber.disconnect();
    },
  };
}
