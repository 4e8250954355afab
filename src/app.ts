import { watchRedisErrors } from './redis-errors.ts';
import { Redis } from 'ioredis';
import type { Express } from 'express';
import type { Logger } from 'pino';
import { createApiChannel } from '../channels/api/adapter.ts';
import { API_MESSAGES_PATH } from '../channels/api/routes.ts';
import type { ApiIntegration, IntegrationDirectory } from '../channels/api/integrations.ts';
import type { Config } from './config.ts';
import type { ChannelId } from './domain/message.ts';
import type { ChannelAdapter, ChannelCapabilities, Responder } from './domain/ports.ts';
import { API_DOCS_PATH, apiDocsRouter } from './http/api-docs.ts';
import { createHttpApp } from './http/app.ts';
import { HttpRateLimits, rateLimitSettings } from './http/rate-limit.ts';
import { TICKETS_API_PATH, ticketsApiRouter } from './http/tickets-api.ts';
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
import { INBOUND_PATH as SMS_WEBHOOK_PATH } from '../channels/sms/send.ts';
import { createWebchatChannel } from '../channels/webchat/adapter.ts';
import { loadWebchatBrand } from '../channels/webchat/config.ts';
import { HELP_PATH, helpArticleUrl } from './help/links.ts';
import { helpCentreRouter } from './help/router.ts';
import { PoolWebchatFileStore } from './pool/webchat-store.ts';
import type { Server } from 'node:http';
import { createSlackDesk, type SlackDesk } from './desk/desk.ts';
import { satisfactionHook } from './desk/satisfaction.ts';
import { loadDispatchConfig } from './dispatch/config.ts';
import { Dispatcher } from './dispatch/dispatcher.ts';
import { TicketLifecycle } from './lifecycle/lifecycle.ts';
import { collectAgentAnswer } from './nlu/agent-answers.ts';
import { collectConfirmed, registerConfirmed } from './nlu/confirmed.ts';
import { createRetrainReporter, registerRetrainReports } from './nlu/retrain-report.ts';
import { collectNegative, keptNegatives, registerNegatives } from './nlu/negatives.ts';
import { silentNotifier, type DispatchNotifier } from './dispatch/ports.ts';
import { createSlackChannel } from '../channels/slack/adapter.ts';
import { createEmailChannel } from '../channels/email/adapter.ts';
import { loadEmailConfig } from '../channels/email/config.ts';
import { PoolEmailStore } from './pool/email-store.ts';
import { ATTACHMENTS_API_PATH, attachmentsApiRouter } from './http/attachments-api.ts';
import { enqueueDelivery } from './pipeline/ingest.ts';
import { redisDocumentLocks } from './pool/locks.ts';
import type { Queue } from 'bullmq';
import { IntentResponder } from './nlu/intent-responder.ts';
import { startIntentLayer, type IntentLayer } from './nlu/intent-layer.ts';
import type { KnowledgeDeps } from './nlu/publish.ts';
import { seedKnowledgeIfEmpty } from './nlu/seed.ts';
import { threadTrainer, type Trainer } from './nlu/trainer.ts';
import { createTrainingQueue, type TrainingJobData } from './nlu/training-queue.ts';
import type { NegativesSource, TrainingSources } from './nlu/training-set.ts';
import { createAdminConsole } from './admin/index.ts';

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
  /**
   * Serves the channels' WebSocket streams (web chat's Direct Line) on the process's HTTP server.
   * Returns a function that detaches them and closes open sockets (call it before server.close).
   */
  attachServer(server: Server): () => void;
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
        disabled: doc.disabled,
      }
    : null;
}

const PLAIN_CAPABILITIES: ChannelCapabilities = {
  threads: false,
  attachments: { inbound: false, outbound: false },
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
  /**
   * The collected negatives of a locale (questions the knowledge base does not cover), trained
   * as the intent model's `oos` class; default none.
   */
  negatives?: NegativesSource;
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
  watchRedisErrors(producerRedis, logger, 'producer');
  watchRedisErrors(workerRedis, logger, 'worker');
  const locks = redisDocumentLocks(producerRedis, { prefix: config.QUEUE_PREFIX });
  const pool = await TicketPool.connect(options.mongoUri, { dbName: config.MONGODB_DB, locks });
  const queues = createQueues(producerRedis, config);
  const sink = new QueueInboundSink(queues.inbound);
  const rateLimits = new HttpRateLimits({
    redis: producerRedis,
    prefix: config.QUEUE_PREFIX,
    perMinute: rateLimitSettings(config),
  });

  const directory: IntegrationDirectory = {
    findByKey: async (key) => toApiIntegration(await pool.findIntegrationByKey(key)),
    findById: async (id) => toApiIntegration(await pool.findIntegrationById(id)),
  };
  const api = createApiChannel({
    directory,
    sink,
    maxBodyBytes: config.API_MAX_BODY_BYTES,
    webhookTimeoutMs: config.WEBHOOK_TIMEOUT_MS,
    allowPrivateCallbacks: config.API_CALLBACK_ALLOW_PRIVATE,
    limitIntegration: (integrationId) =>
      rateLimits.consume(
        'api',
        `${API_MESSAGES_PATH}:integration`,
        integrationId,
        'too many requests with this API key',
      ),
  });
  // Channels whose variables are unset stay off (createSmsChannel returns undefined).
  const sms = createSmsChannel({
    sink,
    store: new PoolSmsStore({
      pool,
      locks,
      enqueue: (message) => enqueueDelivery(queues.outbound, message),
      suppressionKey: config.SMS_SUPPRESSION_KEY,
    }),
    env: options.env ?? process.env,
  });
  const adapters = new Map<ChannelId, ChannelAdapter>([[api.adapter.id, api.adapter]]);
  if (sms) adapters.set(sms.adapter.id, sms.adapter);
  // The web chat channel (Direct Line + Web Chat page), on when WEBCHAT_TOKEN_SECRET is set.
  const webchat = createWebchatChannel({
    sink,
    redis: producerRedis,
    files: new PoolWebchatFileStore(pool),
    prefix: config.QUEUE_PREFIX,
    env: options.env ?? process.env,
    publicUrl: config.PUBLIC_URL,
    host: config.HOST,
    logger,
  });
  if (webchat) adapters.set(webchat.adapter.id, webchat.adapter);
  // The email channel, on when EMAIL_IMAP_HOST is set (more mailboxes in EMAIL_MAILBOXES_FILE):
  // its pollers run in the worker role.
  const emailConfig = loadEmailConfig(options.env ?? process.env);
  const emailStore = emailConfig && (await PoolEmailStore.create({ pool, locks }));
  const email =
    emailConfig &&
    emailStore &&
    createEmailChannel({
      config: emailConfig,
      sink,
      store: emailStore,
      redis: producerRedis,
      keyPrefix: config.QUEUE_PREFIX,
      ...(logger ? { logger } : {}),
    });
  if (email) adapters.set(email.adapter.id, email.adapter);
  // Dispatch: urgency, tiers, offers to agents, SLA timers. It tells agents through the desk,
  // and the desk tells it when capacity frees up, so each holds the other by a late-bound hook.
  let notifier: DispatchNotifier = silentNotifier;
  const dispatchConfig = loadDispatchConfig(options.env ?? process.env);
  const dispatcher = new Dispatcher({
    pool,
    config: dispatchConfig,
    connection: producerRedis,
    prefix: config.QUEUE_PREFIX,
    keepCompletedJobs: config.KEEP_COMPLETED_JOBS,
    defaultLanguages: config.AGENT_DEFAULT_LANGUAGES ?? config.KB_LOCALES,
    logger,
    notifier: {
      alertSupervisors: (ticket, reason) => notifier.alertSupervisors(ticket, reason),
      notifyAgent: (agentId, text, key) => notifier.notifyAgent(agentId, text, key),
      offerTicket: (ticket, agentId, at) => notifier.offerTicket(ticket, agentId, at),
      withdrawOffer: (ticket, agentId) => notifier.withdrawOffer(ticket, agentId),
    },
  });
  dispatcher.queue.on('error', (error: Error) =>
    logger?.warn({ err: error.message }, 'queue error'),
  );
  // Quiet bot tickets resolve and resolved ones close on a shared scheduler (src/lifecycle).
  const lifecycle = new TicketLifecycle({ pool, config, connection: producerRedis, logger });
  lifecycle.queue.on('error', (error: Error) =>
    logger?.warn({ err: error.message }, 'queue error'),
  );
  // The Slack agent desk, on when SLACK_BOT_TOKEN is set.
  const desk = createSlackDesk({
    env: options.env ?? process.env,
    config,
    pool,
    capabilitiesOf: (channel) => adapters.get(channel)?.capabilities,
    locks,
    outbound: queues.outbound,
    connection: producerRedis,
    logger,
    onTicketReleased: (ticketId) => dispatcher.onTicketReleased(ticketId),
    onAgentStatus: (agentId, status) => dispatcher.onAgentStatus(agentId, status),
  });
  if (desk) notifier = desk;
  // Slack as a customer channel, on the desk's Slack app (one app, one events URL).
  const slack =
    desk &&
    createSlackChannel({
      sink,
      token: desk.config.SLACK_BOT_TOKEN,
      apiUrl: desk.config.SLACK_API_URL,
      isDeskConversation: (place) => desk.isDeskConversation(place),
      env: options.env ?? process.env,
      logger,
    });
  if (desk && slack) {
    slack.listen(desk.app);
    adapters.set(slack.adapter.id, slack.adapter);
  }
  const training = createTrainingQueue(producerRedis, config);
  // A queue re-emits its connection's errors; unheard, BullMQ prints each one to stderr.
  for (const queue of [queues.inbound, queues.outbound, training])
    queue.on('error', (error: Error) => logger?.warn({ err: error.message }, 'queue error'));
  // What the models are trained with besides the articles: one object, so that publishing, the
  // console and the workers compute the same knowledge hash.
  // Questions admins kept in the review queue of uncovered questions (src/nlu/negatives.ts).
  const negatives = registerNegatives(pool.models.Ticket.db);
  // Questions customers confirmed an article answers: the learning report's held-out slice.
  const confirmed = registerConfirmed(pool.models.Ticket.db);
  const trainingSources: TrainingSources = {
    corpusDir: options.corpusDir,
    targetPrecision: config.NLU_TARGET_PRECISION,
    negatives: options.negatives ?? keptNegatives(negatives),
  };
  const knowledge = { pool, training, ...trainingSources };
  if (options.seedKnowledgeDir !== undefined)
    await seedKnowledgeIfEmpty(knowledge, options.seedKnowledgeDir, logger);
  const replyDeps = { pool, outbound: queues.outbound };

  let http: Express | undefined;
  if (role === 'api' || role === 'all') {
    const watched = [
      queues.inbound,
      queues.outbound,
      dispatcher.queue,
      ...(desk ? [desk.queue] : []),
    ];
    metrics.watchQueues(watched);
    http = createHttpApp({
      channelRouters: [
        api.router,
        ...(sms ? [sms.router] : []),
        ...(webchat ? [webchat.router] : []),
        ...(desk?.router ? [desk.router] : []),
      ],
      // Twilio's webhooks are /channels/sms/twilio and …/status; Slack's is one endpoint.
      channelLimits: [
        { path: API_MESSAGES_PATH, kind: 'api' },
        ...(sms ? [{ path: SMS_WEBHOOK_PATH, kind: 'webhook' as const }] : []),
        ...(webchat
          ? [
              { path: '/chat', kind: 'public' as const },
              // Every Direct Line endpoint, per address, beside its own per-visitor limits.
              { path: '/v3/directline', kind: 'public' as const },
            ]
          : []),
        ...(desk?.router
          ? [{ path: desk.config.SLACK_EVENTS_PATH, kind: 'webhook' as const }]
          : []),
      ],
      rateLimits,
      adminRouters: [
        {
          path: TICKETS_API_PATH,
          router: ticketsApiRouter({
            pool,
            sendAgentReply: (input) => sendAgentReply(replyDeps, input),
            forecast: () => dispatcher.forecast(),
          }),
        },
        // Attachments the email channel stored (ids in a message's channelData.attachments).
        ...(emailStore
          ? [
              {
                path: ATTACHMENTS_API_PATH,
                router: attachmentsApiRouter({ attachments: emailStore.attachments }),
              },
            ]
          : []),
      ],
      // The admin console and its REST API (sessions, roles, CSRF of their own).
      ownAuthRouters: [
        ...(await createAdminConsole({
          config,
          pool,
          locks,
          redis: producerRedis,
          knowledge,
          logger,
          queues: { inbound: queues.inbound, outbound: queues.outbound, desk: desk?.queue },
          slack: desk,
          activity: desk,
          // The dashboard's forecast is the one dispatch makes: same settings.
          forecastSettings: dispatchConfig.settings.forecast,
          sendsTo: new Set(adapters.keys()),
          threadKeyFor: (channel, address) => adapters.get(channel)?.threadKeyFor?.(address),
          onAgentStatus: (agentId, status) => dispatcher.onAgentStatus(agentId, status),
        })),
        // The API's shape only, no data: readable without signing in.
        { path: API_DOCS_PATH, router: apiDocsRouter() },
        // Published articles as pages, public like the bot's answers: every answer has an address.
        {
          path: HELP_PATH,
          router: helpCentreRouter({
            published: (locale) =>
              pool
                .listArticles({ locale, status: 'published' })
                .then((articles) => articles.map((a) => a.content)),
            locales: config.KB_LOCALES,
            brand: loadWebchatBrand(options.env ?? process.env),
            chatPath: webchat ? '/chat' : undefined,
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
      trustProxy: config.TRUST_PROXY,
      metricsToken: config.METRICS_TOKEN,
      ...(logger ? { logger } : {}),
    });
  }

  // Socket Mode (SLACK_SOCKET_MODE): the receiving role opens the desk's WebSocket.
  if (desk && (role === 'api' || role === 'all')) await desk.startReceiver();
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
        sources: trainingSources,
        reportRetrain: createRetrainReporter({
          confirmed,
          negatives,
          reports: registerRetrainReports(pool.models.Ticket.db),
          logger,
        }),
        logger,
      });
      // With nothing published there is no model: every conversation goes to a person.
      responder = new IntentResponder(intents.runtime, new EscalateAllResponder());
    }
    const workerQueues = createQueues(workerRedis, config);
    for (const queue of [workerQueues.inbound, workerQueues.outbound])
      queue.on('error', (error: Error) => logger?.warn({ err: error.message }, 'queue error'));
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
        // Scores and sets the SLA before the desk's card is posted; rescores on later messages.
        onEscalating: (ticket, message, decision) =>
          dispatcher.onEscalating(ticket, message, decision),
        onWaitingMessage: (ticket, message) => dispatcher.onCustomerMessage(ticket, message),
        onUnhelpfulAnswer: async (ticket, feedback) => {
          const question = await pool.getMessage(feedback.questionId);
          if (!question) return;
          await collectNegative(negatives, {
            locale: feedback.locale ?? ticket.language ?? config.NLU_FALLBACK_LOCALE,
            text: question.newText ?? question.text,
            articleId: feedback.articleId,
            ticketId: ticket._id,
          });
        },
        onConfirmedAnswer: async (ticket, answer) => {
          const question = await pool.getMessage(answer.questionId);
          if (!question) return;
          await collectConfirmed(confirmed, {
            locale: answer.locale ?? ticket.language ?? config.NLU_FALLBACK_LOCALE,
            text: question.newText ?? question.text,
            articleId: answer.articleId,
            ticketId: ticket._id,
          });
        },
        ...(desk
          ? {
              onEscalated: (ticket) => desk.onEscalated(ticket),
              onCustomerMessage: (ticket, message) => desk.onCustomerMessage(ticket, message),
            }
          : {}),
        // A rating after a resolve is CSAT, whoever resolved (Slack, the console, the API).
        beforeIngest: satisfactionHook({ pool, locks, outbound: workerQueues.outbound }),
      },
      outbound: {
        pool,
        adapters,
        metrics,
        // An agent's answer meets the response target and stops the clock until the customer;
        // an answer to a question the bot handed over as uncovered goes to the review queue.
        onAgentReplySent: async (ticketId, messageId) => {
          try {
            await collectAgentAnswer(
              { pool, negatives, fallbackLocale: config.NLU_FALLBACK_LOCALE },
              ticketId,
              messageId,
            );
          } catch (error) {
            // Learning is best effort: the reply went out, its delivery is not retried for this.
            logger?.warn({ ticketId, err: error }, 'agent answer not collected for learning');
          }
          // Last: once the response is stamped, everything after the send has run.
          await dispatcher.onAgentReply(ticketId);
        },
        articleUrl: (articleId, locale) => helpArticleUrl(config.PUBLIC_URL, articleId, locale),
        ...(logger ? { logger } : {}),
      },
      metrics,
      ...(logger ? { logger } : {}),
    });
    const deskWorker = desk?.startWorker(workerRedis);
    const dispatchWorker = dispatcher.startWorker(workerRedis, {
      lockDuration: config.JOB_LOCK_MS,
    });
    await dispatcher.scheduleTick();
    const lifecycleWorker = lifecycle.startWorker(workerRedis);
    await lifecycle.schedule();
    // Competes for each mailbox's lease in Redis (one polling worker per mailbox); resolves once
    // each was tried, not after a scan. IMAP and Redis outages are logged and retried, never thrown.
    await email?.start();
    const started = workers;
    workers = {
      close: async () => {
        // No new inbound mail first; the workers then drain what is queued.
        await email?.stopPolling();
        await started.close();
        await deskWorker?.close();
        await dispatchWorker.close();
        await lifecycleWorker.close();
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
    attachServer(server) {
      return webchat ? webchat.attach(server) : () => undefined;
    },
    async stop() {
      webchat?.close();
      await workers?.close();
      // The SMTP pool closes after the workers drained (outbound may still send until then).
      await email?.stop();
      await desk?.close();
      await dispatcher.close();
      await lifecycle.close();
      await queues.close();
      await training.close();
      producerRedis.disconnect();
      workerRedis.disconnect();
      await pool.close();
    },
  };
}
