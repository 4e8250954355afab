import { Redis } from 'ioredis';
import type { Connection } from 'mongoose';
import type { Logger } from 'pino';
import { registerAccountModels } from '../accounts/models.ts';
import { registerTeamModel } from '../accounts/teams.ts';
import type { Config } from '../config.ts';
import { registerIntegrationModels } from '../integrations/store.ts';
import { registerArticleDrafts } from '../knowledge/article-drafts.ts';
import { registerKnowledgeModels } from '../knowledge/models.ts';
import { redisDocumentLocks, type DocumentLocks } from '../pool/locks.ts';
import { TicketPool } from '../pool/pool.ts';
import { watchRedisErrors } from '../redis-errors.ts';

/** The process's connections: two to Redis, one to MongoDB, and the locks kept in Redis. */
export interface Stores {
  /** Fails fast while Redis is away (the caller gets 503 and retries): HTTP and producers. */
  producerRedis: Redis;
  /** Waits for Redis (BullMQ workers need `maxRetriesPerRequest: null`). */
  workerRedis: Redis;
  locks: DocumentLocks;
  pool: TicketPool;
  /** The pool's database, where every feature registers its own models. */
  db: Connection;
  close(): Promise<void>;
}

export async function connectStores(options: {
  config: Config;
  mongoUri: string;
  redisUrl: string;
  logger: Logger | undefined;
}): Promise<Stores> {
  const { config, logger } = options;
  const producerRedis = new Redis(options.redisUrl, {
    maxRetriesPerRequest: 1,
    commandTimeout: 5000,
  });
  const workerRedis = new Redis(options.redisUrl, { maxRetriesPerRequest: null });
  watchRedisErrors(producerRedis, logger, 'producer');
  watchRedisErrors(workerRedis, logger, 'worker');
  const locks = redisDocumentLocks(producerRedis, { prefix: config.QUEUE_PREFIX });
  const pool = await TicketPool.connect(options.mongoUri, {
    dbName: config.MONGODB_DB,
    locks,
    joinWindowMs: config.CONVERSATION_JOIN_SECONDS * 1000,
  });
  await registerFeatureModels(pool.models.Ticket.db);
  return {
    producerRedis,
    workerRedis,
    locks,
    pool,
    db: pool.models.Ticket.db,
    async close() {
      producerRedis.disconnect();
      workerRedis.disconnect();
      await pool.close();
    },
  };
}

/**
 * The features' own models (accounts, teams, the knowledge base, integrations), registered on the
 * pool's database with their indexes before the process serves anything, as the pool does its own.
 */
async function registerFeatureModels(db: Connection): Promise<void> {
  const models = [
    ...Object.values(registerAccountModels(db)),
    registerTeamModel(db),
    ...Object.values(registerKnowledgeModels(db)),
    registerArticleDrafts(db),
    ...Object.values(registerIntegrationModels(db)),
  ];
  await Promise.all(models.map((model) => model.createIndexes()));
}
