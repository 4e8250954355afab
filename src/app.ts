import { Redis } from 'ioredis';
import type { Express } from 'express';
import type { Logger } from 'pino';
import { createApiChannel } from '../channels/api/adapter.ts';
import type { ApiIntegration, IntegrationDirectory } from '../channels/api/integrations.ts';
import type { Config } from './config.ts';
import type { ChannelId } from './domain/message.ts';
import type { ChannelAdapter, ChannelCapabilities, Responder } from './domain/ports.ts';
import { createHttpApp } from './http/app.ts';
import { ticketsApiRouter } from './http/tickets-api.ts';
import { Metrics } from './metrics.ts';
import { EscalateAllResponder } from './pipeline/escalate-all-responder.ts';
import { QueueInboundSink } from './pipeline/inbound-sink.ts';
import { createQueues, type Queues } from './pipeline/queues.ts';
import { sendAgentReply } from './pipeline/replies.ts';
import { startWorkers, type Workers } from './pipeline/workers.ts';
import type { IntegrationDoc } from './pool/models.ts';
import { TicketPool } from './pool/pool.ts';
import { PoolSmsStore } from './pool/sms-compliance.ts';
import { createSmsChannel } from '../channels/sms/adapter.ts';
import { createSlackDesk, type SlackDesk } from './desk/desk.ts';
import { createEmailChannel } from '../channels/email/adapter.ts';
import { loadEmailConfig } from '../channels/email/config.ts';
import { PoolEmailStore } from './pool/email-store.ts';
import { enqueueDelivery } from './pipeline/ingest.ts';
import { redisDocumentLocks } from './pool/locks.ts';
import type { Queue } from 'bullmq';
import { IntentResponder } from './nlu/intent-responder.ts';
import { startIntentLayer, type IntentLayer } from './nlu/intent-layer.ts';
import type { KnowledgeDeps } from './nlu/publish.ts';
import { seedKnowledgeIfEmpty } from './nlu/seed.ts';
import { threadTrainer, type Trainer } from './nlu/trainer.ts';
import { createTrainingQueue, type TrainingJobData } from './nlu/training-queue.ts';

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
  /** The intent layer this process serves with (worker and all roles, unless a responder was given). */
  intents: IntentLayer | undefined;
  /** Stops workers (draining active jobs) and closes every connection. */
  stop(): Promise<void>;
}

function toApiIntegration(doc: IntegrationDoc | null): ApiIntegration | null {
  return doc
    ? {
        id: String(doc._id),
        name: doc.name,
        callbackUrl: doc.callbackUrl ?? undefined,
        webhookSecret: doc.webhookSecret,
      }
    : null;
}

const PLAIN_CAPABILITIES: ChannelCapabilities = {
  threads: false,
  attachments: false,
  maxTextLength: 1600,
  format: 'plain',
  canEdit: false,
};

/**
 * The composition root: connects to MongoDB and Redis, builds the pool, queues, channels, HTTP app
 * and workers for the requested role. Nothing else wires things together.
 */
export async function createGateway(options: {
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
  /** Where channel settings (e.g. TWILIO_*) are read; default process.env. */
  env?: NodeJS.ProcessEnv;
}): Promise<Gateway> {
  const { config, logger, role } = options;
  const metrics = options.metrics ?? new Metrics();
  // Producers fail fast while Redis is away (the caller gets 503 and retries); workers wait for it.
  const producerRedis = new Redis(options.redisUrl, {
    maxRetriesPerRequest: 1,
    commandTimeout: 5000,
  });
  const workerRedis = new Redis(options.redisUrl, { maxRetriesPerRequest: null });
  const locks = redisDocumentLocks(producerRedis, { prefix: config.QUEUE_PREFIX });
  const pool = await TicketPool.connect(options.mongoUri, { dbName: config.MONGODB_DB, locks });
  const queues = createQueues(producerRedis, config);
  const sink = new QueueInboundSink(queues.inbound);

  const directory: IntegrationDirectory = {
    findByKey: async (key) => toApiIntegration(await pool.findIntegrationByKey(key)),
    findById: async (id) => toApiIntegration(await pool.findIntegrationById(id)),
  };
  const api = createApiChannel({
    directory,
    sink,
    maxBodyBytes: config.API_MAX_BODY_BYTES,
    webhookTimeoutMs: config.WEBHOOK_TIMEOUT_MS,
  });
  // Channels whose variables are unset stay off (createSmsChannel returns undefined).
  const sms = createSmsChannel({
    sink,
    store: new PoolSmsStore({
      pool,
      locks,
      enqueue: (message) => enqueueDelivery(queues.outbound, message),
    }),
    env: options.env ?? process.env,
  });
  const adapters = new Map<ChannelId, ChannelAdapter>([[api.adapter.id, api.adapter]]);
  if (sms) adapters.set(sms.adapter.id, sms.adapter);
  // The email channel, on when EMAIL_IMAP_HOST is set: its poller runs in the worker role.
  const emailConfig = loadEmailConfig(options.env ?? process.env);
  const email =
    emailConfig &&
    createEmailChannel({
      config: emailConfig,
      sink,
      store: await PoolEmailStore.create({ pool, locks }),
      redis: producerRedis,
      keyPrefix: config.QUEUE_PREFIX,
      ...(logger ? { logger } : {}),
    });
  if (email) adapters.set(email.adapter.id, email.adapter);
  // The Slack agent desk, on when SLACK_BOT_TOKEN is set.
  const desk = createSlackDesk({
    env: options.env ?? process.env,
    config,
    pool,
    locks,
    outbound: queues.outbound,
    connection: producerRedis,
    logger,
  });
  const training = createTrainingQueue(producerRedis, config);
  const knowledge = { pool, training, corpusDir: options.corpusDir };
  if (options.seedKnowledgeDir !== undefined)
    await seedKnowledgeIfEmpty(knowledge, options.seedKnowledgeDir, logger);
  const replyDeps = { pool, outbound: queues.outbound };

  let http: Express | undefined;
  if (role === 'api' || role === 'all') {
    const watched = [queues.inbound, queues.outbound, ...(desk ? [desk.queue] : [])];
    metrics.watchQueues(watched);
    http = createHttpApp({
      channelRouters: [api.router, ...(sms ? [sms.router] : []), ...(desk ? [desk.router] : [])],
      adminRouters: [
        {
          path: '/api/v1/tickets',
          router: ticketsApiRouter({
            pool,
            sendAgentReply: (input) => sendAgentReply(replyDeps, input),
          }),
        },
      ],
      queues: watched,
      probes: [
        { name: 'mongodb', check: () => pool.ping() },
        { name: 'redis', check: async () => (await producerRedis.ping()) === 'PONG' },
      ],
      metrics,
      adminToken: config.ADMIN_TOKEN,
      ...(logger ? { logger } : {}),
    });
  }

  let workers: Workers | undefined;
  let intents: IntentLayer | undefined;
  if (role === 'worker' || role === 'all') {
    // Models are loaded or trained here, before the workers below consume a single message.
    let responder = options.responder;
    if (responder === undefined) {
      intents = await startIntentLayer({
        config,
        pool,
        redisUrl: options.redisUrl,
        publisher: producerRedis,
        workerConnection: workerRedis,
        trainer: options.trainer ?? threadTrainer,
        corpusDir: options.corpusDir,
        logger,
      });
      // With nothing published there is no model: every conversation goes to a person.
      responder = new IntentResponder(intents.runtime, new EscalateAllResponder());
    }
    const workerQueues = createQueues(workerRedis, config);
    workers = startWorkers({
      connection: workerRedis,
      config,
      ingest: {
        pool,
        responder,
        outbound: workerQueues.outbound,
        capabilitiesOf: (channel) => adapters.get(channel)?.capabilities ?? PLAIN_CAPABILITIES,
        metrics,
        ...(logger ? { logger } : {}),
        ...(desk
          ? {
              onEscalated: (ticket) => desk.onEscalated(ticket),
              onCustomerMessage: (ticket, message) => desk.onCustomerMessage(ticket, message),
            }
          : {}),
      },
      outbound: { pool, adapters, metrics, ...(logger ? { logger } : {}) },
      metrics,
      ...(logger ? { logger } : {}),
    });
    const deskWorker = desk?.startWorker(workerRedis);
    // Resolves after the first scan; an IMAP outage is logged and retried, never thrown.
    await email?.start();
    const started = workers;
    workers = {
      close: async () => {
        // No new inbound mail first; the workers then drain what is queued.
        await email?.poller.stop();
        await started.close();
        await deskWorker?.close();
        await intents?.close();
        await workerQueues.close();
      },
    };
  }

  return {
    config,
    pool,
    queues,
    http,
    adapters,
    knowledge,
    intents,
    desk,
    async stop() {
      await workers?.close();
      // The SMTP pool closes after the workers drained (outbound may still send until then).
      await email?.stop();
      await desk?.close();
      await queues.close();
      await training.close();
      producerRedis.disconnect();
      workerRedis.disconnect();
      await pool.close();
    },
  };
}
