/**
 * Ticket numbers come from the shared counter in blocks (src/pool/tickets.ts): unique across
 * processes, rising within each, and one counter write per block instead of one per ticket.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InboundMessageSchema } from '../../src/domain/message.ts';
import { redisDocumentLocks } from '../../src/pool/locks.ts';
import { TicketPool } from '../../src/pool/pool.ts';
import { serviceUrl } from '../support/services.ts';
import { uniqueName } from '../support/gateway.ts';

const dbName = uniqueName('sbnumbers');
const prefix = uniqueName('sbnumbers');
let redis: Redis;
let pools: TicketPool[] = [];

beforeAll(async () => {
  redis = new Redis(serviceUrl('redisUrl'));
  // Two processes' pools on one database, sharing the locks as gateways do.
  const connect = () =>
    TicketPool.connect(serviceUrl('mongoUrl'), {
      dbName,
      locks: redisDocumentLocks(redis, { prefix }),
    });
  pools = [await connect(), await connect()];
});

afterAll(async () => {
  await pools[0]?.models.Ticket.db.dropDatabase();
  for (const pool of pools) await pool.close();
  redis.disconnect();
});

const message = () =>
  InboundMessageSchema.parse({
    channel: 'api',
    channelMessageId: uniqueName('m'),
    threadKey: uniqueName('t'),
    from: { identity: { kind: 'api', value: uniqueName('int/u') } },
    text: 'hello',
    receivedAt: new Date(),
  });

describe('ticket numbers', () => {
  it('are unique across processes, rise within each, and cost a counter write per block', async () => {
    const [a, b] = pools as [TicketPool, TicketPool];
    const numbers = { a: [] as number[], b: [] as number[] };
    await Promise.all([
      (async () => {
        for (let i = 0; i < 25; i += 1) numbers.a.push((await a.ingest(message())).ticket.number);
      })(),
      (async () => {
        for (let i = 0; i < 5; i += 1) numbers.b.push((await b.ingest(message())).ticket.number);
      })(),
    ]);
    const all = [...numbers.a, ...numbers.b];
    expect(new Set(all).size).toBe(30);
    for (const list of [numbers.a, numbers.b])
      expect(list).toEqual([...list].sort((x, y) => x - y));
    // 25 tickets in one process and 5 in the other: three blocks of 20 were taken, not 30 numbers.
    const counter = await a.models.Counter.findById('ticket').lean();
    expect(counter?.seq).toBe(60);
  });
});
