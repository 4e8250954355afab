import type { Server } from 'node:http';
import type { Queue } from 'bullmq';
import type { Express } from 'express';
import type { Logger } from 'pino';
import { buildChannels } from './composition/channels.ts';
import { connectStores } from './composition/stores.ts';
import { buildHttp } from './composition/http.ts';
import { startWorkerRole } from './composition/workers.ts';
import type { Config } from './config.ts';
import { createSlackDesk, type SlackDesk } from './desk/desk.ts';
import { loadDispatchConfig } from './dispatch/config.ts';
import { Dispatcher } from './dispatch/dispatcher.ts';
import { silentNotifier } from './dispatch/ports.ts';
import type { ChannelId } from './domain/message.ts';
import type { PersonalDataHolder } from './domain/personal-data.ts';
import type { ChannelAdapter, Responder } from './domain/ports.ts';
import { loadBrand } from './help/brand.ts';
import { HttpRateLimits, rateLimitSettings } from './http/rate-limit.ts';
import { lazyConfirmationLinks } from './identity/confirmation-links.ts';
import { confirmationPersonalData } from './identity/personal-data.ts';
import { TicketLifecycle } from './lifecycle/lifecycle.ts';
import { Metrics } from './metrics.ts';
import { registerConfirmed } from './nlu/confirmed.ts';
import type { IntentLayer } from './nlu/intent-layer.ts';
import { keptNegatives, registerNegatives } from './nlu/negatives.ts';
import { learningPersonalData } from './nlu/personal-data.ts';
import type { KnowledgeDeps } from './nlu/publish.ts';
import { seedKnowledgeIfEmpty } from './nlu/seed.ts';
import { threadTrainer, type Trainer } from './nlu/trainer.ts';
import { createTrainingQueue, type TrainingJobData } from './nlu/training-queue.ts';
import type { NegativesSource, TrainingSources } from './nlu/training-set.ts';
import { channelPool } from './pipeline/channel-pool.ts';
import { QueueInboundSink } from './pipeline/inbound-sink.ts';
import { enqueueDelivery } from './pipeline/ingest.ts';
import { createQueues, type Queues } from './pipeline/queues.ts';
import { PoolAttachments } from './pool/attachments.ts';
import { integrationDirectory } from './integrations/store.ts';
import type { TicketPool } from './pool/pool.ts';

export type Role = 'api' | 'worker' | 'all';

export interface Gateway {
  config: Config;
  pool: TicketPool;
  queues: Queues;
  /** The HTTP app (api and all roles). */
  http: Express | undefined;
  adapters: ReadonlyMap<ChannelId, ChannelAdapter>;
  /** Where knowledge-base changes go (publishArticle, importArticles): the store and retraining. */
  knowledge: KnowledgeDeps & { training: Queue<TrainingJobData> };
  /** The Slack agent desk, when configured. */
  desk: SlackDesk | undefined;
  /** Every holder of personal data besides the pool (GDPR export and erasure cover them). */
  personalData: readonly PersonalDataHolder[];
  /** The intent layer this process serves with (worker and all roles, unless a responder was given). */
  intents: IntentLayer | undefined;
  /**
   * Serves the channels' WebSocket streams (web chat's Direct Line) on the process's HTTP server.
   * Returns a function that detaches them and closes open sockets (call it before server.close).
   */
  attachServer(server: Server): () => void;
  /** Stops workers (draining active jobs) and closes every connection. */
  stop(): Promise<void>;
}

/** What a gateway process is built from. */
export interface GatewayOptions {
  config: Config;
  mongoUri: string;
  redisUrl: string;
  role: Role;
  logger?: Logger;
  responder?: Responder;
  metrics?: Metrics;
  /** Imports this folder of articles first when the knowledge base is empty (what `start` does). */
  seedKnowledgeDir?: string | undefined;
  /** How models are trained; default: in a worker thread. */
  trainer?: Trainer;
  /** Corpus of the conversational intents; default intents/corpus. */
  corpusDir?: string;
  /**
   * The collected negatives of a locale (questions the knowledge base does not cover), trained
   * as the intent model's `oos` class; default none.
   */
  negatives?: NegativesSource;
  /** Where channel settings (e.g. TWILIO_*) are read; default process.env. */
  env?: NodeJS.ProcessEnv;
}

/**
 * The composition root: connects to MongoDB and Redis, builds the pool, queues, channels (from
 * the registry), desk, dispatch, HTTP app and workers for the requested role. Nothing else wires
 * things together. Whatever is started pushes its closer; `stop` runs them in reverse.
 */
export async function createGateway(options: GatewayOptions): Promise<Gateway> {
  const { config, logger, role } = options;
  const env = options.env ?? process.env;
  const metrics = options.metrics ?? new Metrics();
  const closers: Array<() => Promise<void> | void> = [];
  const warn = (error: Error) => logger?.warn({ err: error.message }, 'queue error');
  const stores = await connectStores({ ...options, logger });
  closers.push(() => stores.close());
  const { pool, db, locks, producerRedis } = stores;
  const queues = createQueues(producerRedis, config);
  const training = createTrainingQueue(producerRedis, config);
  closers.push(
    () => queues.close(),
    () => training.close(),
  );
  // A queue re-emits its connection's errors; unheard, BullMQ prints each one to stderr.
  for (const queue of [queues.inbound, queues.outbound, training]) queue.on('error', warn);
  const rateLimits = new HttpRateLimits({
    redis: producerRedis,
    prefix: config.QUEUE_PREFIX,
    perMinute: rateLimitSettings(config),
  });
  const attachments = await PoolAttachments.create(db);
  // Links confirming claimed emails: absolute, so only with PUBLIC_URL (none are sent without).
  const confirmationLinks =
    config.PUBLIC_URL === undefined
      ? undefined
      : lazyConfirmationLinks({
          redis: producerRedis,
          prefix: config.QUEUE_PREFIX,
          sessionSecret: config.ADMIN_SESSION_SECRET,
          publicUrl: config.PUBLIC_URL,
          seconds: config.EMAIL_CONFIRM_LINK_SECONDS,
        });
  const brandName = loadBrand(env).name;

  // The Slack agent desk (on when SLACK_BOT_TOKEN is set) and dispatch tell each other: the desk
  // is built first and calls dispatch only on later events, once both exist.
  const desk = createSlackDesk({
    env,
    config,
    pool,
    locks,
    outbound: queues.outbound,
    connection: producerRedis,
    logger,
    onTicketReleased: (ticketId) => dispatcher.onTicketReleased(ticketId),
    onAgentStatus: (agentId, status) => dispatcher.onAgentStatus(agentId, status),
  });
  // Every registered channel whose settings are present (channels/index.ts).
  const channels = await buildChannels({
    env,
    config,
    sink: new QueueInboundSink(queues.inbound),
    redis: producerRedis,
    db,
    locks,
    pool: channelPool(pool, (message) => enqueueDelivery(queues.outbound, message)),
    files: attachments,
    outboundFiles: attachments,
    integrations: integrationDirectory(pool.models, producerRedis),
    consumeRateLimit: (kind, bucket, key, reason) => rateLimits.consume(kind, bucket, key, reason),
    slackApp: desk && {
      token: desk.config.SLACK_BOT_TOKEN,
      apiUrl: desk.config.SLACK_API_URL,
      app: desk.app,
      isDeskConversation: (place) => desk.isDeskConversation(place),
    },
    logger,
  });
  // Dispatch: urgency, tiers, offers to agents, SLA timers; quiet tickets resolve and close.
  const dispatchConfig = loadDispatchConfig(env);
  const dispatcher = new Dispatcher({
    pool,
    config: dispatchConfig,
    connection: producerRedis,
    prefix: config.QUEUE_PREFIX,
    keepCompletedJobs: config.KEEP_COMPLETED_JOBS,
    defaultLanguages: config.AGENT_DEFAULT_LANGUAGES ?? config.KB_LOCALES,
    logger,
    notifier: desk ?? silentNotifier,
  });
  const lifecycle = new TicketLifecycle({ pool, config, connection: producerRedis, logger });
  for (const queue of [dispatcher.queue, lifecycle.queue]) queue.on('error', warn);
  closers.push(
    () => lifecycle.close(),
    () => dispatcher.close(),
    () => desk?.close(),
  );
  // The SMTP pool and the chat's sockets close after the workers drained.
  closers.push(() => channels.stop());

  // What the models learn from besides the articles, one object so that publishing, the console
  // and the workers compute the same knowledge hash.
  const learning = { negatives: registerNegatives(db), confirmed: registerConfirmed(db) };
  const sources: TrainingSources = {
    corpusDir: options.corpusDir,
    targetPrecision: config.NLU_TARGET_PRECISION,
    negatives: options.negatives ?? keptNegatives(learning.negatives),
  };
  const knowledge = { pool, training, ...sources };
  if (options.seedKnowledgeDir !== undefined)
    await seedKnowledgeIfEmpty(knowledge, options.seedKnowledgeDir, logger);
  const personalData = [
    ...channels.personalData,
    learningPersonalData(learning),
    confirmationPersonalData({ redis: producerRedis, prefix: config.QUEUE_PREFIX }),
  ];
  const forecastSettings = dispatchConfig.settings.forecast;
  const http =
    role === 'worker'
      ? undefined
      : await buildHttp({
          ...{ config, env, pool, locks, queues, channels, attachments, knowledge, dispatcher },
          ...{ forecastSettings, desk, rateLimits, personalData, metrics, logger },
          ...{ confirmationLinks, brandName },
          redis: producerRedis,
        });
  // Socket Mode (SLACK_SOCKET_MODE): the receiving role opens the desk's WebSocket.
  if (desk && role !== 'worker') await desk.startReceiver();

  const workers =
    role === 'api'
      ? undefined
      : await startWorkerRole({
          ...{ config, pool, locks, channels, dispatcher, lifecycle, desk, learning, sources },
          ...{ metrics, logger, redisUrl: options.redisUrl, confirmationLinks, brandName },
          redis: stores.workerRedis,
          publisher: producerRedis,
          responder: options.responder,
          trainer: options.trainer ?? threadTrainer,
        });
  if (workers) closers.push(() => workers.close());

  return {
    ...{ config, pool, queues, http, knowledge, personalData, desk },
    adapters: channels.adapters,
    intents: workers?.intents,
    attachServer: (server) => channels.attachServer(server),
    async stop() {
      for (const close of closers.reverse()) await close();
    },
  };
}
