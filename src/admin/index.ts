/**
 * The admin console: its REST API under /api/v1/admin (sessions, roles, CSRF; see
 * docs/admin-api.md) and the static console under /admin that uses only that API.
 */
import type { ChannelId } from '../domain/message.ts';
import type { PersonalDataHolder } from '../domain/personal-data.ts';
import type { GdprDeps } from '../pool/gdpr.ts';
import type { ForecastSettings } from '../dispatch/config.ts';
import express, { Router } from 'express';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Config } from '../config.ts';
import type { TicketActivity } from '../domain/ports.ts';
import type { KnowledgeDeps } from '../nlu/publish.ts';
import type { TrainingJobData } from '../nlu/training-queue.ts';
import type { DocumentLocks } from '../pool/locks.ts';
import type { TicketPool } from '../pool/pool.ts';
import { ACCOUNT_OPERATIONS, accountsRouter, authRouter } from './api/accounts.ts';
import { agentsRouter } from './api/agents.ts';
import { auditRouter } from './api/audit.ts';
import { contactsRouter } from './api/contacts.ts';
import { dashboardRouter } from './api/dashboard.ts';
import { deliveriesRouter } from './api/deliveries.ts';
import { knowledgeRouter } from './api/knowledge.ts';
import { learningRouter } from './api/learning.ts';
import { negativesRouter } from './api/negatives.ts';
import { retrainsRouter } from './api/retrains.ts';
import { ticketsRouter } from './api/tickets.ts';
import { teamsRouter } from './api/teams.ts';
import { authenticate, LoginLimiter, sessionMiddleware, sessionSecret } from './auth.ts';
import { BotTester } from './bot.ts';
import { consoleRouter } from './console.ts';
import { KnowledgeCuration } from './curation.ts';
import type { AdminDeps } from './deps.ts';

/** Where the API and the console are mounted. */
export const ADMIN_API_PATH = '/api/v1/admin';
export const ADMIN_CONSOLE_PATH = '/admin';

/** Builds the console's routers, mounted by the HTTP app with their own authentication. */
export async function createAdminConsole(options: {
  config: Config;
  pool: TicketPool;
  locks: DocumentLocks;
  redis: Redis;
  knowledge: KnowledgeDeps & { training?: Queue<TrainingJobData> | undefined };
  logger?: Logger | undefined;
  /** The pipeline's queues: a contact's erasure drops their jobs. */
  queues?: { inbound: Queue; outbound: Queue; desk?: Queue | undefined } | undefined;
  /** The Slack desk: a contact's erasure deletes what the bot posted about their tickets. */
  slack?: GdprDeps['slack'];
  /** What the channels and features keep about a contact: exported and erased with it. */
  personalData?: readonly PersonalDataHolder[] | undefined;
  /** Where ticket changes made in the console are told (the Slack desk). */
  activity?: TicketActivity | undefined;
  /** Dispatch's forecast settings (DISPATCH_CONFIG_FILE), for the dashboard's forecast. */
  forecastSettings?: ForecastSettings | undefined;
  /** Channels with an adapter here: the reply channels an agent may choose. */
  sendsTo?: ReadonlySet<ChannelId> | undefined;
  threadKeyFor?: AdminDeps['threadKeyFor'];
  onAgentStatus?: AdminDeps['onAgentStatus'];
}): Promise<Array<{ path: string; router: Router }>> {
  const { config } = options;
  const bot = new BotTester({
    knowledge: options.knowledge,
    training: options.knowledge.training,
    locales: config.KB_LOCALES,
    fallbackLocale: config.NLU_FALLBACK_LOCALE,
  });
  const deps: AdminDeps = {
    config,
    pool: options.pool,
    models: options.pool.models,
    locks: options.locks,
    redis: options.redis,
    knowledge: options.knowledge,
    bot,
    logger: options.logger,
    forecastSettings: options.forecastSettings,
    activity: options.activity,
    outbound: options.queues?.outbound,
    sendsTo: options.sendsTo,
    threadKeyFor: options.threadKeyFor,
    onAgentStatus: options.onAgentStatus,
  };
  const curation = new KnowledgeCuration(options.knowledge, options.locks);
  const limiter = new LoginLimiter(options.redis, config.QUEUE_PREFIX, {
    maxFailures: config.ADMIN_LOGIN_MAX_FAILURES,
    windowSeconds: config.ADMIN_LOGIN_WINDOW_SECONDS,
  });
  const secret = await sessionSecret(
    options.redis,
    config.QUEUE_PREFIX,
    config.ADMIN_SESSION_SECRET,
  );

  const api = Router();
  api.use(
    sessionMiddleware(options.redis, config.QUEUE_PREFIX, {
      cookieName: 'sb_admin',
      cookiePath: ADMIN_API_PATH,
      ttlSeconds: config.ADMIN_SESSION_TTL_SECONDS,
      secure: config.ADMIN_COOKIE_SECURE,
      secret,
    }),
  );
  api.use(express.json({ limit: '256kb' }));
  api.use(
    authenticate({
      models: deps.models,
      adminToken: config.ADMIN_TOKEN,
      // The operations that need no sign-in (the login), as they declare it.
      open: new Set(
        ACCOUNT_OPERATIONS.filter((op) => op.permission === 'open').map((op) => op.path),
      ),
    }),
  );
  api.use(authRouter(deps, limiter));
  api.use(accountsRouter(deps));
  api.use(knowledgeRouter(deps, curation));
  api.use(ticketsRouter(deps));
  api.use(agentsRouter(deps));
  api.use(teamsRouter(deps));
  api.use(learningRouter(deps, curation));
  api.use(negativesRouter(deps, curation));
  api.use(retrainsRouter(deps));
  api.use(dashboardRouter(deps));
  api.use(auditRouter(deps));
  api.use(contactsRouter(deps, options.queues, options.slack, options.personalData));
  api.use(deliveriesRouter(deps, options.queues?.outbound));

  return [
    { path: ADMIN_API_PATH, router: api },
    { path: ADMIN_CONSOLE_PATH, router: consoleRouter() },
  ];
}
