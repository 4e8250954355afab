import type { Express } from 'express';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { createAdminConsole } from '../admin/index.ts';
import type { ForecastSettings } from '../dispatch/config.ts';
import type { DocumentLocks } from '../pool/locks.ts';
import { loadBrand } from '../help/brand.ts';
import type { Config } from '../config.ts';
import type { PersonalDataHolder } from '../domain/personal-data.ts';
import type { SlackDesk } from '../desk/desk.ts';
import type { Dispatcher } from '../dispatch/dispatcher.ts';
import { HELP_PATH } from '../help/links.ts';
import { helpCentreRouter } from '../help/router.ts';
import { API_DOCS_PATH, apiDocsRouter } from '../http/api-docs.ts';
import { createHttpApp } from '../http/app.ts';
import { emailConfirmationRouter } from '../http/email-confirmation.ts';
import { CONFIRM_EMAIL_PATH, type ConfirmationLinks } from '../identity/confirmation-links.ts';
import { FILE_LINKS_PATH, fileLinksRouter, lazyFileLinks } from '../http/file-links.ts';
import { ATTACHMENTS_API_PATH, attachmentsApiRouter } from '../http/attachments-api.ts';
import type { HttpRateLimits } from '../http/rate-limit.ts';
import { TICKETS_API_PATH, ticketsApiRouter } from '../http/tickets-api.ts';
import type { Metrics } from '../metrics.ts';
import type { KnowledgeDeps } from '../nlu/publish.ts';
import type { Queues } from '../pipeline/queues.ts';
import { sendAgentReply } from '../pipeline/replies.ts';
import type { PoolAttachments } from '../pool/attachments.ts';
import type { TicketPool } from '../pool/pool.ts';
import type { ChannelSet } from './channels.ts';
import { listArticles } from '../knowledge/articles.ts';

/**
 * The api role's HTTP app: the channels' routers, the operator's tickets and attachments APIs,
 * the admin console, the API docs and the help centre, behind their limits and credentials.
 */
export async function buildHttp(deps: {
  config: Config;
  env: NodeJS.ProcessEnv;
  pool: TicketPool;
  redis: Redis;
  locks: DocumentLocks;
  queues: Queues;
  channels: ChannelSet;
  attachments: PoolAttachments;
  knowledge: KnowledgeDeps;
  dispatcher: Dispatcher;
  /** Dispatch's forecast settings: the dashboard's forecast is the one dispatch makes. */
  forecastSettings: ForecastSettings;
  desk: SlackDesk | undefined;
  rateLimits: HttpRateLimits;
  /** Every holder of personal data: the GDPR export and erasure cover them. */
  personalData: readonly PersonalDataHolder[];
  metrics: Metrics;
  logger: Logger | undefined;
  /** Links confirming claimed emails; undefined without PUBLIC_URL (none are sent). */
  confirmationLinks: (() => Promise<ConfirmationLinks>) | undefined;
  brandName: string;
}): Promise<Express> {
  const { config, pool, queues, channels, desk, dispatcher } = deps;
  const watched = [
    queues.inbound,
    queues.outbound,
    dispatcher.queue,
    ...(desk ? [desk.queue] : []),
  ];
  deps.metrics.watchQueues(watched);
  const replyDeps = { pool, outbound: queues.outbound };
  const chatPath = channels.modules.find((module) => module.http?.chatPage)?.http?.chatPage;
  return createHttpApp({
    channelRouters: [...channels.routers, ...(desk?.router ? [desk.router] : [])],
    channelLimits: [
      ...channels.limits,
      // Slack's events (customers' and agents') arrive on the desk's one endpoint.
      ...(desk?.router ? [{ path: desk.config.SLACK_EVENTS_PATH, kind: 'webhook' as const }] : []),
    ],
    rateLimits: deps.rateLimits,
    adminRouters: [
      {
        path: TICKETS_API_PATH,
        router: ticketsApiRouter({
          pool,
          sendAgentReply: (input) => sendAgentReply(replyDeps, input),
          forecast: () => dispatcher.forecast(),
        }),
      },
      // Inbound attachments the channels stored (ids in a message's channelData.attachments).
      {
        path: ATTACHMENTS_API_PATH,
        router: attachmentsApiRouter({ attachments: deps.attachments }),
      },
      ...channels.adminRouters,
    ],
    // The admin console and its REST API (sessions, roles, CSRF of their own).
    ownAuthRouters: [
      ...(await createAdminConsole({
        config,
        pool,
        locks: deps.locks,
        redis: deps.redis,
        knowledge: deps.knowledge,
        logger: deps.logger,
        queues: { inbound: queues.inbound, outbound: queues.outbound, desk: desk?.queue },
        slack: desk,
        activity: desk,
        personalData: deps.personalData,
        forecastSettings: deps.forecastSettings,
        sendsTo: new Set(channels.adapters.keys()),
        threadKeyFor: (channel, address) => channels.adapters.get(channel)?.threadKeyFor?.(address),
        onAgentStatus: (agentId, status) => dispatcher.onAgentStatus(agentId, status),
      })),
      // Agents' signed links to stored files: the signature is the credential (file-links.ts).
      {
        path: FILE_LINKS_PATH,
        router: fileLinksRouter({
          links: lazyFileLinks({
            redis: deps.redis,
            prefix: config.QUEUE_PREFIX,
            sessionSecret: config.ADMIN_SESSION_SECRET,
            publicUrl: config.PUBLIC_URL,
          }),
          attachments: deps.attachments,
        }),
      },
      // Email confirmation links: the link is the credential (src/identity/confirmation-links.ts).
      ...(deps.confirmationLinks === undefined
        ? []
        : [
            {
              path: CONFIRM_EMAIL_PATH,
              router: emailConfirmationRouter({
                links: deps.confirmationLinks,
                models: pool.models,
                locks: deps.locks,
                brandName: deps.brandName,
                logger: deps.logger,
              }),
            },
          ]),
      // The API's shape only, no data: readable without signing in.
      { path: API_DOCS_PATH, router: apiDocsRouter() },
      // Published articles as pages, public like the bot's answers: every answer has an address.
      {
        path: HELP_PATH,
        router: helpCentreRouter({
          published: (locale) =>
            listArticles(pool.models, { locale, status: 'published' }).then((articles) =>
              articles.map((a) => a.content),
            ),
          locales: config.KB_LOCALES,
          brand: loadBrand(deps.env),
          chatPath,
        }),
      },
    ],
    queues: watched,
    probes: [
      { name: 'mongodb', check: () => pool.ping() },
      { name: 'redis', check: async () => (await deps.redis.ping()) === 'PONG' },
    ],
    metrics: deps.metrics,
    adminToken: config.ADMIN_TOKEN,
    trustProxy: config.TRUST_PROXY,
    metricsToken: config.METRICS_TOKEN,
    ...(deps.logger ? { logger: deps.logger } : {}),
  });
}
