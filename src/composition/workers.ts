import { continueByEmail, isContinuationCopy } from '../pipeline/continue-by-email.ts';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Config } from '../config.ts';
import type { SlackDesk } from '../desk/desk.ts';
import { satisfactionHook } from '../desk/satisfaction.ts';
import type { Dispatcher } from '../dispatch/dispatcher.ts';
import { dispatchListener } from '../dispatch/listener.ts';
import type { Notice, Responder } from '../domain/ports.ts';
import { helpArticleUrl } from '../help/links.ts';
import type { TicketLifecycle } from '../lifecycle/lifecycle.ts';
import type { Metrics } from '../metrics.ts';
import { collectAgentAnswer } from '../nlu/agent-answers.ts';
import type { Model } from 'mongoose';
import type { ConfirmedDoc } from '../nlu/confirmed.ts';
import { learningListener } from '../nlu/learning-listener.ts';
import type { NegativeDoc } from '../nlu/negatives.ts';
import { startIntentLayer, type IntentLayer } from '../nlu/intent-layer.ts';
import { IntentResponder } from '../nlu/intent-responder.ts';
import { createRetrainReporter, registerRetrainReports } from '../nlu/retrain-report.ts';
import type { Trainer } from '../nlu/trainer.ts';
import type { TrainingSources } from '../nlu/training-set.ts';
import { EscalateAllResponder } from '../pipeline/escalate-all-responder.ts';
import { createQueues } from '../pipeline/queues.ts';
import { lazyFileLinks } from '../http/file-links.ts';
import type { IngestDeps } from '../pipeline/ingest.ts';
import { startWorkers } from '../pipeline/workers.ts';
import type { DocumentLocks } from '../pool/locks.ts';
import type { TicketPool } from '../pool/pool.ts';
import { CHANNELS } from '../../channels/index.ts';
import { CHANNEL_OF_KIND } from '../domain/message.ts';
import type { ChannelSet } from './channels.ts';
import type { ConfirmationLinks } from '../identity/confirmation-links.ts';
import { confirmationListener } from '../identity/confirmation-sender.ts';

/** The learning loop's collections: what customers and agents teach the bot. */
export interface LearningStores {
  negatives: Model<NegativeDoc>;
  confirmed: Model<ConfirmedDoc>;
}

/**
 * The worker role: the pipeline's inbound and outbound workers with their hooks (dispatch, desk,
 * learning, CSAT), then the desk's, dispatch's and lifecycle's workers and the channels' pollers.
 * Returns the closer, which stops intake first and drains in reverse.
 */
export async function startWorkerRole(deps: {
  config: Config;
  redis: Redis;
  /** The producer connection: the intent layer announces new models on it. */
  publisher: Redis;
  redisUrl: string;
  /** A fixed responder (tests); default: the intent layer, trained or loaded here. */
  responder: Responder | undefined;
  trainer: Trainer;
  sources: TrainingSources;
  pool: TicketPool;
  locks: DocumentLocks;
  channels: ChannelSet;
  dispatcher: Dispatcher;
  lifecycle: TicketLifecycle;
  desk: SlackDesk | undefined;
  learning: LearningStores;
  metrics: Metrics;
  logger: Logger | undefined;
  /** Links confirming claimed emails; undefined without PUBLIC_URL (none are sent). */
  confirmationLinks: (() => Promise<ConfirmationLinks>) | undefined;
  /** The name customers know us by (WEBCHAT_BRAND_NAME), in the emails sent. */
  brandName: string;
}): Promise<{ intents: IntentLayer | undefined; close(): Promise<void> }> {
  const { config, pool, dispatcher, desk, learning, logger, channels } = deps;
  // Models are loaded or trained here, before the workers consume a single message.
  let intents: IntentLayer | undefined;
  let responder = deps.responder;
  if (responder === undefined) {
    intents = await startIntentLayer({
      config,
      pool,
      redisUrl: deps.redisUrl,
      publisher: deps.publisher,
      workerConnection: deps.redis,
      trainer: deps.trainer,
      sources: deps.sources,
      reportRetrain: createRetrainReporter({
        ...learning,
        reports: registerRetrainReports(pool.models.Ticket.db),
        logger,
      }),
      logger,
    });
    // With nothing published there is no model: every conversation goes to a person.
    responder = new IntentResponder(intents.runtime, new EscalateAllResponder());
  }
  const queues = createQueues(deps.redis, config);
  for (const queue of [queues.inbound, queues.outbound])
    queue.on('error', (error: Error) => logger?.warn({ err: error.message }, 'queue error'));
  const fallbackLocale = config.NLU_FALLBACK_LOCALE;
  const ingest: IngestDeps = {
    pool,
    responder,
    outbound: queues.outbound,
    capabilitiesOf: (channel) => channels.capabilitiesOf(channel),
    metrics: deps.metrics,
    ...(logger ? { logger } : {}),
    listeners: [
      // A rating after a resolve is CSAT, whoever resolved (Slack, the console, the API).
      {
        name: 'csat',
        beforeIngest: satisfactionHook({ pool, locks: deps.locks, outbound: queues.outbound }),
      },
      // Scores and sets the SLA before the desk's card is posted; rescores on later messages.
      dispatchListener(dispatcher),
      // The card, and the customer's later messages in its thread.
      ...(desk ? [desk.listener] : []),
      learningListener({ pool, ...learning, fallbackLocale }),
      // A pre-chat email stays claimed until its owner opens the link this sends.
      confirmationListener({
        channels: new Set(
          CHANNELS.filter((e) => 'confirmsTypedEmail' in e && e.confirmsTypedEmail).map(
            (e) => e.id,
          ),
        ),
        models: pool.models,
        redis: deps.redis,
        prefix: config.QUEUE_PREFIX,
        links: deps.confirmationLinks,
        sendNotice: emailNotices(channels),
        maxPerDay: config.EMAIL_CONFIRM_MAX_PER_DAY,
        linkSeconds: config.EMAIL_CONFIRM_LINK_SECONDS,
        brandName: deps.brandName,
        logger,
      }),
    ],
  };
  const fileLinks = lazyFileLinks({
    redis: deps.redis,
    prefix: config.QUEUE_PREFIX,
    sessionSecret: config.ADMIN_SESSION_SECRET,
    publicUrl: config.PUBLIC_URL,
  });
  const pipeline = startWorkers({
    connection: deps.redis,
    config,
    ingest,
    outbound: {
      pool,
      adapters: channels.adapters,
      metrics: deps.metrics,
      // An agent's answer meets the response target and stops the clock until the customer;
      // an answer to a question the bot handed over as uncovered goes to the review queue.
      onAgentReplySent: async (ticketId, messageId, channel) => {
        // An email copy for a customer who left the page is not an answer of its own.
        if (isContinuationCopy(messageId)) return;
        try {
          await continueByEmail(
            { pool, outbound: queues.outbound, adapters: channels.adapters },
            ticketId,
            messageId,
            channel,
          );
        } catch (error) {
          // Best effort: the answer reached the channel; the copy is not retried for this.
          logger?.warn({ ticketId, err: error }, 'answer not continued by email');
        }
        try {
          await collectAgentAnswer(
            { pool, negatives: learning.negatives, fallbackLocale },
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
      // Files agents send: links a customer opens for days (file-links.ts).
      fileLink: async (fileId) =>
        (await fileLinks()).linkFor(fileId, config.OUTBOUND_FILE_LINK_SECONDS),
      ...(logger ? { logger } : {}),
    },
    metrics: deps.metrics,
    ...(logger ? { logger } : {}),
  });
  const deskWorker = desk?.startWorker(deps.redis);
  const dispatchWorker = dispatcher.startWorker(deps.redis, { lockDuration: config.JOB_LOCK_MS });
  await dispatcher.scheduleTick();
  const lifecycleWorker = deps.lifecycle.startWorker(deps.redis);
  await deps.lifecycle.schedule();
  await channels.startWorkerRoles();
  return {
    intents,
    async close() {
      // No new inbound (mail) first; the workers then drain what is queued.
      await channels.stopWorkerRoles();
      await pipeline.close();
      await deskWorker?.close();
      await dispatchWorker.close();
      await lifecycleWorker.close();
      await intents?.close();
      await queues.close();
    },
  };
}

/** The email channel's notices, when the channel is on (and sends them). */
function emailNotices(channels: ChannelSet): ((notice: Notice) => Promise<unknown>) | undefined {
  // The channel that writes first to an email address (the registry's `writesFirst`).
  const id = CHANNEL_OF_KIND['email'];
  const email = id === undefined ? undefined : channels.adapters.get(id);
  return email?.sendNotice?.bind(email);
}
