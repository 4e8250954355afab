/**
 * Issue 21 item 4: every lookup the pool's indexes were declared for is index-backed in the store
 * the product starts, as `explain` shows. FerretDB 1.x pushes a filter down as
 * `_jsonb->'key' @> value`, which its B-tree indexes do not serve; the local PostgreSQL gives each
 * of them a GIN twin (src/local/postgres-server.ts). Without the twin these plans are `Seq Scan`
 * and the cost of each message grows with the pool (the 10,000-message chaos drill slowed from 16
 * to 3 messages/s).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import type { Collection, Schema } from 'mongoose';
import { TicketPool } from '../../src/pool/pool.ts';
import { redisDocumentLocks } from '../../src/pool/locks.ts';
import { InboundMessageSchema } from '../../src/domain/message.ts';
import { serviceUrl } from '../support/services.ts';
import { uniqueName } from '../support/gateway.ts';

let pool: TicketPool;
let redis: Redis;

beforeAll(async () => {
  redis = new Redis(serviceUrl('redisUrl'));
  pool = await TicketPool.connect(serviceUrl('mongoUrl'), {
    dbName: uniqueName('sblookup'),
    locks: redisDocumentLocks(redis, { prefix: uniqueName('sblookup') }),
  });
  // Some conversations through the pool's own intake, so every collection exists with rows.
  for (let i = 0; i < 20; i += 1)
    await pool.ingest(
      InboundMessageSchema.parse({
        channel: 'api',
        channelMessageId: uniqueName('m'),
        threadKey: uniqueName('t'),
        from: { identity: { kind: 'api', value: uniqueName('int/u') }, name: 'Ada' },
        text: 'where is my order?',
        receivedAt: new Date(),
      }),
    );
}, 60_000);

afterAll(async () => {
  await pool.models.Ticket.db.dropDatabase();
  await pool.close();
  redis.disconnect();
});

/** The plan's text: FerretDB answers with PostgreSQL's plan, MongoDB with its winning plan. */
async function planOf(collection: Collection, filter: Record<string, unknown>): Promise<string> {
  // The driver's collection: no schema casting, the filter reaches the store as written.
  const explained = (await collection.find(filter).explain()) as unknown;
  return JSON.stringify(explained);
}

interface Lookup {
  name: string;
  collection: Collection;
  key: string;
}

/** The leading top-level key of each index the pool's schemas declare, by model. */
function declaredLookups(): Lookup[] {
  const lookups: Lookup[] = [];
  const models = Object.values(pool.models) as Array<{
    modelName: string;
    schema: Schema;
    collection: Collection;
  }>;
  for (const model of models) {
    const keys = new Set(
      model.schema
        .indexes()
        .map(([fields]) => Object.keys(fields)[0])
        .filter((key): key is string => key !== undefined && !key.includes('.')),
    );
    for (const key of keys)
      lookups.push({ name: `${model.modelName}.${key}`, collection: model.collection, key });
  }
  return lookups;
}

describe('the store behind the pool', () => {
  it('declares the lookups the pipeline makes beyond _id', () => {
    const names = declaredLookups().map(({ name }) => name);
    // Dispatch reads a ticket's messages and a contact's recent tickets on every escalation.
    expect(names).toEqual(
      expect.arrayContaining(['Message.ticketId', 'Ticket.contactId', 'Ticket.status']),
    );
  });

  it('serves _id and every declared lookup from an index, not a scan of the table', async () => {
    const scans: string[] = [];
    const ticketId: Lookup = {
      name: 'Ticket._id',
      collection: pool.models.Ticket.collection,
      key: '_id',
    };
    for (const { name, collection, key } of [...declaredLookups(), ticketId]) {
      const sample = await collection.findOne({ [key]: { $exists: true } });
      const plan = await planOf(collection, { [key]: sample?.[key] ?? 'absent' });
      if (plan.includes('Seq Scan') || plan.includes('COLLSCAN')) scans.push(name);
    }
    expect(scans).toEqual([]);
  });
});
