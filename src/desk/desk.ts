import { App, ExpressReceiver, webApi } from '@slack/bolt';
import { Queue, UnrecoverableError, Worker, type ConnectionOptions } from 'bullmq';
import type { Router } from 'express';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { Config } from '../config.ts';
import { isSwitchboardError } from '../domain/errors.ts';
import type { OutboundJobData } from '../pipeline/queues.ts';
import type { DocumentLocks } from '../pool/locks.ts';
import type { MessageDoc, TicketDoc } from '../pool/models.ts';
import type { TicketPool } from '../pool/pool.ts';
import { registerDeskModels } from '../pool/desk-models.ts';
import { ACTIONS } from './blocks.ts';
import { runSlashCommand } from './commands.ts';
import { loadDeskConfig, type DeskConfig } from './config.ts';
import { DESK_QUEUE, deskJobId, type DeskJobData } from './jobs.ts';
import { deskBackoff, RetryAfterError } from './rate-limit.ts';
import { DeskService } from './service.ts';
import { slackLogger } from './slack-logger.ts';

/** The slash command the desk answers (declared in slack-app-manifest.yml). */
export const SLASH_COMMAND = '/switchboard';

export interface SlackDeskDeps {
  /** Where SLACK_* and DESK_* are read. */
  env: NodeJS.ProcessEnv;
  /** QUEUE_PREFIX, KEEP_COMPLETED_JOBS, JOB_LOCK_MS are shared with the other queues. */
  config: Pick<Config, 'QUEUE_PREFIX' | 'KEEP_COMPLETED_JOBS' | 'JOB_LOCK_MS'>;
  pool: TicketPool;
  locks: DocumentLocks;
  /** The outbound queue agent replies go to (through sendAgentReply). */
  outbound: Queue<OutboundJobData>;
  /** Producer connection: the HTTP side and the ingest hooks only add jobs. */
  connection: ConnectionOptions;
  logger?: Logger | undefined;
}

export interface SlackDesk {
  config: DeskConfig;
  /** Bolt's ExpressReceiver router: POST SLACK_EVENTS_PATH for events, interactions, commands. */
  router: Router;
  /** The desk's BullMQ queue (for the dashboard). */
  queue: Queue<DeskJobData>;
  /** IngestDeps.onEscalated: queue the ticket's card. */
  onEscalated(ticket: TicketDoc): Promise<void>;
  /** IngestDeps.onCustomerMessage: queue the message into the card's thread. */
  onCustomerMessage(ticket: TicketDoc, message: MessageDoc): Promise<void>;
  /** Starts the desk worker (worker and all roles) on a connection with maxRetriesPerRequest null. */
  startWorker(connection: ConnectionOptions): { close(): Promise<void> };
  /** Closes the queue (call after the workers are closed). */
  close(): Promise<void>;
}

/** The fields of a message event the desk reads; anything else is left alone. */
const ThreadMessageSchema = z.object({
  type: z.literal('message'),
  channel: z.string(),
  user: z.string(),
  text: z.string().default(''),
  ts: z.string(),
  thread_ts: z.string(),
  subtype: z.undefined().optional(),
  bot_id: z.undefined().optional(),
});

const ButtonBodySchema = z.object({
  user: z.object({ id: z.string(), username: z.string().optional(), name: z.string().optional() }),
  channel: z.object({ id: z.string() }).optional(),
  container: z.object({ channel_id: z.string().optional() }).optional(),
});

/**
 * The Slack agent desk on @slack/bolt in HTTP mode, or undefined when SLACK_BOT_TOKEN is unset.
 * The HTTP side only verifies (Bolt checks the signing secret and refuses stale timestamps),
 * queues and acknowledges; the work is done by the desk worker, each job keyed so that a Slack
 * retry (X-Slack-Retry-Num) or a job retry produces no second effect.
 */
export function createSlackDesk(deps: SlackDeskDeps): SlackDesk | undefined {
  const config = loadDeskConfig(deps.env);
  if (!config) return undefined;
  const logger = slackLogger(deps.logger);
  const clientOptions = {
    ...(config.SLACK_API_URL ? { slackApiUrl: config.SLACK_API_URL } : {}),
    logger,
  };
  const queue = new Queue<DeskJobData>(DESK_QUEUE, {
    connection: deps.connection,
    prefix: deps.config.QUEUE_PREFIX,
    defaultJobOptions: {
      attempts: config.DESK_ATTEMPTS,
      backoff: { type: 'desk' },
      // Kept completed jobs make a repeated add with the same job id a no-op.
      removeOnComplete: { count: deps.config.KEEP_COMPLETED_JOBS },
      removeOnFail: false,
    },
  });
  const models = registerDeskModels(deps.pool.models.Ticket.db);
  // The worker's client: no retries of its own, 429s are handed to the queue (Retry-After).
  const workerClient = new webApi.WebClient(config.SLACK_BOT_TOKEN, {
    ...clientOptions,
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
  });
  const service = new DeskService({
    config,
    pool: deps.pool,
    locks: deps.locks,
    models,
    outbound: deps.outbound,
    client: workerClient,
    logger: deps.logger,
  });
  const enqueue = async (data: DeskJobData, jobId: string): Promise<void> => {
    await queue.add(data.kind, data, { jobId });
  };

  const receiver = new ExpressReceiver({
    signingSecret: config.SLACK_SIGNING_SECRET,
    endpoints: config.SLACK_EVENTS_PATH,
    // Answer only once the job is in Redis: nothing is acknowledged first and saved later.
    processBeforeResponse: true,
    logger,
  });
  const app = new App({
    token: config.SLACK_BOT_TOKEN,
    receiver,
    logger,
    clientOptions,
    // Learn our own bot id lazily (auth.test on the first request), so start-up needs no Slack.
    tokenVerificationEnabled: false,
  });

  for (const [actionId, kind] of [
    [ACTIONS.take, 'take'],
    [ACTIONS.resolve, 'resolve'],
  ] as const) {
    app.action(actionId, async ({ ack, body, action }) => {
      const parsed = ButtonBodySchema.safeParse(body);
      const value = 'value' in action ? action.value : undefined;
      const channel = parsed.data?.channel?.id ?? parsed.data?.container?.channel_id;
      if (!parsed.success || !value || !channel) {
        await ack();
        return;
      }
      const user = parsed.data.user;
      const actionTs = 'action_ts' in action ? action.action_ts : String(Date.now());
      await enqueue(
        {
          kind,
          ticketId: value,
          channel,
          user: { id: user.id, name: user.name ?? user.username },
        },
        deskJobId(kind, value, user.id, actionTs),
      );
      await ack();
    });
  }

  app.event('message', async ({ event }) => {
    // Bots (ours included: ignoreSelf, plus bot_id/subtype here), edits, joins and top-level
    // messages are not agent replies.
    const parsed = ThreadMessageSchema.safeParse(event);
    if (!parsed.success) return;
    const message = parsed.data;
    if (message.thread_ts === message.ts || message.channel !== config.SLACK_AGENTS_CHANNEL) return;
    await enqueue(
      {
        kind: 'reply',
        channel: message.channel,
        threadTs: message.thread_ts,
        ts: message.ts,
        user: message.user,
        text: message.text,
      },
      deskJobId('reply', message.channel, message.ts),
    );
  });

  app.command(SLASH_COMMAND, async ({ ack, command }) => {
    const text = await runSlashCommand(
      { pool: deps.pool, locks: deps.locks, service },
      { userId: command.user_id, userName: command.user_name, text: command.text },
    );
    await ack({ response_type: 'ephemeral', text });
  });

  app.error((error) => {
    deps.logger?.error({ err: error }, 'slack desk request failed');
    // Rejected: the receiver answers 500 and Slack retries; the job ids keep that harmless.
    return Promise.reject(error);
  });

  return {
    config,
    router: receiver.router as Router,
    queue,
    async onEscalated(ticket) {
      const at = ticket.queuedAt ? ticket.queuedAt.getTime() : 0;
      await enqueue(
        { kind: 'card', ticketId: String(ticket._id) },
        deskJobId('card', String(ticket._id), `q${at}`),
      );
    },
    async onCustomerMessage(ticket, message) {
      await enqueue(
        { kind: 'relay', ticketId: String(ticket._id), messageId: String(message._id) },
        deskJobId('relay', String(message._id)),
      );
    },
    startWorker(connection) {
      const worker = new Worker<DeskJobData>(
        DESK_QUEUE,
        async (job) => {
          try {
            return await service.run(job.data);
          } catch (error) {
            if (error instanceof RetryAfterError) throw error;
            if (isSwitchboardError(error) && !error.retryable)
              throw new UnrecoverableError(`${error.code}: ${error.message}`);
            throw error;
          }
        },
        {
          connection,
          prefix: deps.config.QUEUE_PREFIX,
          concurrency: config.DESK_CONCURRENCY,
          lockDuration: deps.config.JOB_LOCK_MS,
          settings: { backoffStrategy: deskBackoff },
        },
      );
      worker.on('failed', (job, error) => {
        deps.logger?.warn({ queue: DESK_QUEUE, job: job?.id, err: error }, 'desk job failed');
      });
      worker.on('error', (error) => deps.logger?.error({ err: error }, 'desk worker error'));
      return { close: () => worker.close() };
    },
    close: () => queue.close(),
  };
}
