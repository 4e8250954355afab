import type { ForecastSettings } from '../dispatch/config.ts';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { ChannelId, Identity } from '../domain/message.ts';
import type { TicketActivity } from '../domain/ports.ts';
import type { OutboundJobData } from '../pipeline/queues.ts';
import type { Logger } from 'pino';
import type { Config } from '../config.ts';
import type { KnowledgeDeps } from '../nlu/publish.ts';
import type { DocumentLocks } from '../pool/locks.ts';
import type { PoolModels } from '../pool/models.ts';
import type { TicketPool } from '../pool/pool.ts';
import type { BotTester } from './bot.ts';

/** What the admin API's routers share. */
export interface AdminDeps {
  config: Config;
  pool: TicketPool;
  models: PoolModels;
  locks: DocumentLocks;
  /** A normal-mode connection (sessions, rate limits, locks). */
  redis: Redis;
  knowledge: KnowledgeDeps;
  bot: BotTester;
  logger?: Logger | undefined;
  /** Where changes made here are told (the Slack desk); unset: nowhere else to tell. */
  activity?: TicketActivity | undefined;
  /** The outbound queue: the satisfaction question after a resolve here. */
  outbound?: Queue<OutboundJobData> | undefined;
  /** Dispatch, told of an agent's new status (offers withdrawn when away, a pass when back). */
  onAgentStatus?:
    ((agentId: string, status: 'available' | 'away' | 'offline') => Promise<void>) | undefined;
  /** Channels this gateway sends on (an agent may answer on another of the contact's). */
  sendsTo?: ReadonlySet<ChannelId> | undefined;
  /** The channel's thread key for a customer's address (ChannelAdapter.threadKeyFor). */
  threadKeyFor?: ((channel: ChannelId, address: Identity) => string | undefined) | undefined;
  /** Dispatch's forecast settings; the defaults when unset. */
  forecastSettings?: ForecastSettings | undefined;
}
