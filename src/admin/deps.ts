import type { ForecastSettings } from '../dispatch/config.ts';
import type { Redis } from 'ioredis';
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
  /** Dispatch's forecast settings; the defaults when unset. */
  forecastSettings?: ForecastSettings | undefined;
}
