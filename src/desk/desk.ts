import type { PipelineListener } from '../pipeline/listeners.ts';
import { webApi, type App } from '@slack/bolt';
import { failedJobRetention } from '../pipeline/queues.ts';
import { Queue, type ConnectionOptions } from 'bullmq';
import type { Router } from 'express';
import type { Logger } from 'pino';
import type { Config } from '../config.ts';
import type { TicketChange } from '../domain/ports.ts';
import type { OutboundJobData } from '../pipeline/queues.ts';
import { registerDeskModels } from './models.ts';
import type { DocumentLocks } from '../pool/locks.ts';
import type { MessageDoc, TicketDoc } from '../pool/models.ts';
import type { TicketPool } from '../pool/pool.ts';
import { createSlackBolt } from './bolt.ts';
import { runSlashCommand } from './commands.ts';
import { SlackAgentGroups } from './enrolment.ts';
import { eraseDeskTickets } from './erasure.ts';
import { loadDeskConfig, type DeskConfig } from './config.ts';
import type { DeskCallbacks } from './context.ts';
import { DESK_QUEUE, deskJobId, type DeskJobData } from './jobs.ts';
import { registerDeskListeners } from './listeners.ts';
import { digest } from './notices.ts';
import { registerDeskPosts } from './posts.ts';
import { DeskService } from './service.ts';
import { slackLogger } from './slack-logger.ts';
import { startDeskWorker } from './worker.ts';
import { Redis } from 'ioredis';
import { deskFiles } from './files.ts';

export { SLASH_COMMAND } from './listeners.ts';

export interface SlackDeskDeps extends DeskCallbacks {
  /** Where SLACK_* and DESK_* are read. */
  env: NodeJS.ProcessEnv;
  /** QUEUE_PREFIX, KEEP_COMPLETED_JOBS, JOB_LOCK_MS are shared with the other queues. */
  config: Pick<
    Config,
    | 'QUEUE_PREFIX'
    | 'KEEP_COMPLETED_JOBS'
    | 'KEEP_FAILED_JOBS_DAYS'
    | 'JOB_LOCK_MS'
    // The signed links to customers' files (files.ts).
    | 'ADMIN_SESSION_SECRET'
    | 'PUBLIC_URL'
    // The cap of a file an agent shares in a card's thread, as of a console upload.
    | 'ADMIN_UPLOAD_MAX_BYTES'
  >;
  pool: TicketPool;
  locks: DocumentLocks;
  /** The outbound queue agent replies and the satisfaction question go to. */
  outbound: Queue<OutboundJobData>;
  /** Producer connection: the HTTP side and the hooks only add jobs. */
  connection: ConnectionOptions;
  logger?: Logger | undefined;
}

/** A ticket as the hooks need it: its id. */
type TicketRef = Pick<TicketDoc, '_id'>;

export interface SlackDesk {
  config: DeskConfig;
  /** The one Bolt app of the Slack integration (the Slack customer channel listens on it too). */
  app: App;
  /** Bolt's HTTP endpoint (POST SLACK_EVENTS_PATH), or undefined in Socket Mode. */
  router: Router | undefined;
  /** The desk's BullMQ queue (for the dashboard). */
  queue: Queue<DeskJobData>;
  /** GDPR erasure: deletes what the bot posted in Slack about these tickets (see erasure.ts). */
  eraseTickets(ticketIds: string[]): Promise<number>;
  /** Socket Mode: connects (api and all roles); HTTP mode: nothing to do. */
  startReceiver(): Promise<void>;
  /** Queues the ticket's card. */
  onEscalated(ticket: TicketDoc): Promise<void>;
  /** Queues the customer's message into the card's thread. */
  onCustomerMessage(ticket: TicketDoc, message: MessageDoc): Promise<void>;
  /** The desk's part in each message (the two above), for the pipeline's listeners. */
  listener: PipelineListener;
  /** Is this Slack conversation the desk's (agents or supervisors channel, a card thread, an agent)? */
  isDeskConversation(where: {
    channel: string;
    threadTs?: string | undefined;
    user: string;
  }): Promise<boolean>;
  /** A change made in the console: the card, the new assignee and the thread are told. */
  changed(change: TicketChange): Promise<void>;
  /** Dispatch: post to the supervisors channel, once per ticket and reason. */
  alertSupervisors(ticket: TicketRef, reason: string): Promise<void>;
  /** Dispatch: a DM to the agent's Slack user, once per key. */
  notifyAgent(agentId: string, text: string, key: string): Promise<void>;
  /** Dispatch: offer the ticket to the agent by DM with a Take button, once per ticket and agent. */
  offerTicket(ticket: TicketRef, agentId: string, expiresAt: Date): Promise<void>;
  /** Dispatch: the offer DM now says the offer lapsed. */
  withdrawOffer(ticket: TicketRef, agentId: string): Promise<void>;
  /** Starts the desk worker (worker and all roles) on a connection with maxRetriesPerRequest null. */
  startWorker(connection: ConnectionOptions): { close(): Promise<void> };
  /** Closes the receiver and the queue (call after the workers are closed). */
  close(): Promise<void>;
}

/**
 * The Slack agent desk on @slack/bolt, or undefined when SLACK_BOT_TOKEN is unset. The request
 * side only verifies (Bolt checks the signing secret and refuses stale timestamps), queues and
 * acknowledges; the desk worker does the work, each job keyed so that a Slack retry
 * (X-Slack-Retry-Num) or a job retry produces no second effect.
 */
export function createSlackDesk(deps: SlackDeskDeps): SlackDesk | undefined {
  const config = loadDeskConfig(deps.env);
  if (!config) return undefined;
  const logger = slackLogger(deps.logger);
  const queue = new Queue<DeskJobData>(DESK_QUEUE, {
    connection: deps.connection,
    prefix: deps.config.QUEUE_PREFIX,
    defaultJobOptions: {
      attempts: config.DESK_ATTEMPTS,
      backoff: { type: 'desk' },
      // Kept completed jobs make a repeated add with the same job id a no-op.
      removeOnComplete: { count: deps.config.KEEP_COMPLETED_JOBS },
      removeOnFail: failedJobRetention(deps.config),
    },
  });
  const connection = deps.pool.models.Ticket.db;
  const models = registerDeskModels(connection);
  const posts = registerDeskPosts(connection);
  // The worker's client: no retries of its own, 429s are handed to the queue (Retry-After).
  const client = new webApi.WebClient(config.SLACK_BOT_TOKEN, {
    ...(config.SLACK_API_URL ? { slackApiUrl: config.SLACK_API_URL } : {}),
    logger,
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
  });
  const service = new DeskService({
    config,
    pool: deps.pool,
    locks: deps.locks,
    models,
    posts,
    outbound: deps.outbound,
    client,
    groups: new SlackAgentGroups(client, config.SLACK_AGENT_USERGROUPS),
    download: {
      token: config.SLACK_BOT_TOKEN,
      apiUrl: config.SLACK_API_URL,
      maxBytes: deps.config.ADMIN_UPLOAD_MAX_BYTES,
    },
    // The link key may live in Redis: read through the producer connection when it is one.
    files:
      deps.connection instanceof Redis
        ? deskFiles({ db: connection, redis: deps.connection as Redis, config: deps.config })
        : undefined,
    callbacks: { onTicketReleased: deps.onTicketReleased, onAgentStatus: deps.onAgentStatus },
    logger: deps.logger,
  });
  const enqueue = async (data: DeskJobData, jobId: string): Promise<void> => {
    await queue.add(data.kind, data, { jobId });
  };

  const bolt = createSlackBolt(config, logger);
  registerDeskListeners(bolt.app, {
    config,
    enqueue,
    command: (input) =>
      runSlashCommand(
        { pool: deps.pool, locks: deps.locks, service, onAgentStatus: deps.onAgentStatus },
        input,
      ),
  });
  bolt.app.error((error) => {
    deps.logger?.error({ err: error }, 'slack request failed');
    // Rejected: the receiver answers 500 and Slack retries; the job ids keep that harmless.
    return Promise.reject(error);
  });

  const deskChannels = new Set(
    [config.SLACK_AGENTS_CHANNEL, config.SLACK_SUPERVISORS_CHANNEL].filter(Boolean),
  );
  const onEscalated = async (ticket: TicketDoc) => {
    const at = ticket.queuedAt ? ticket.queuedAt.getTime() : 0;
    await enqueue(
      { kind: 'card', ticketId: String(ticket._id) },
      deskJobId('card', String(ticket._id), `q${at}`),
    );
  };
  const onCustomerMessage = async (ticket: TicketDoc, message: MessageDoc) => {
    await enqueue(
      { kind: 'relay', ticketId: String(ticket._id), messageId: String(message._id) },
      deskJobId('relay', String(message._id)),
    );
  };
  return {
    config,
    app: bolt.app,
    router: bolt.router,
    queue,
    eraseTickets: (ticketIds) => eraseDeskTickets({ client, models, posts }, ticketIds),
    startReceiver: () => bolt.start(),
    onEscalated,
    onCustomerMessage,
    listener: { name: 'desk', escalated: onEscalated, customerMessage: onCustomerMessage },
    async isDeskConversation({ channel, threadTs, user }) {
      if (deskChannels.has(channel)) return true;
      if (threadTs && (await models.DeskThread.exists({ _id: `${channel}.${threadTs}` })))
        return true;
      // Agents' DMs with the app (offers, notices) are desk talk, not customer questions.
      return (
        channel.startsWith('D') &&
        (await models.DeskAgentLink.exists({ _id: `slack:${user}` })) !== null
      );
    },
    async changed(change) {
      await enqueue(
        { kind: 'changed', change: { ...change, at: change.at.toISOString() } },
        deskJobId(
          'changed',
          change.ticketId,
          change.kind,
          String(change.at.getTime()),
          change.kind === 'note'
            ? change.noteId
            : change.kind === 'replied'
              ? change.messageId
              : '',
        ),
      );
    },
    async alertSupervisors(ticket, reason) {
      const ticketId = String(ticket._id);
      await enqueue(
        { kind: 'alert', ticketId, reason },
        deskJobId('alert', ticketId, digest(reason)),
      );
    },
    async notifyAgent(agentId, text, key) {
      await enqueue({ kind: 'notify', agentId, text, key }, deskJobId('notify', digest(key)));
    },
    async offerTicket(ticket, agentId, expiresAt) {
      const ticketId = String(ticket._id);
      await enqueue(
        { kind: 'offer', ticketId, agentId, expiresAt: expiresAt.toISOString() },
        deskJobId('offer', ticketId, agentId),
      );
    },
    async withdrawOffer(ticket, agentId) {
      const ticketId = String(ticket._id);
      await enqueue(
        { kind: 'withdraw', ticketId, agentId },
        deskJobId('withdraw', ticketId, agentId),
      );
    },
    startWorker: (workerConnection) =>
      startDeskWorker({
        connection: workerConnection,
        config: deps.config,
        desk: config,
        service,
        logger: deps.logger,
      }),
    async close() {
      await bolt.stop();
      await queue.close();
    },
  };
}
