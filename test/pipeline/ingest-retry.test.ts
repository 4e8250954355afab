import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { InboundMessageSchema } from '../../src/domain/message.ts';
import type { Responder, ResponderDecision } from '../../src/domain/ports.ts';
import { ingestInbound, type IngestDeps } from '../../src/pipeline/ingest.ts';
import type { OutboundJobData } from '../../src/pipeline/queues.ts';
import { redisDocumentLocks } from '../../src/pool/locks.ts';
import type { MessageDoc } from '../../src/pool/models.ts';
import { TicketPool } from '../../src/pool/pool.ts';
import { uniqueName } from '../support/gateway.ts';

let pool: TicketPool;
let redis: Redis;
let outbound: Queue<OutboundJobData>;

beforeAll(async () => {
  redis = new Redis(inject('redisUrl'), { maxRetriesPerRequest: null });
  const prefix = uniqueName('sbretry');
  pool = await TicketPool.connect(inject('mongoUrl'), {
    dbName: uniqueName('sbretry'),
    locks: redisDocumentLocks(redis, { prefix }),
  });
  outbound = new Queue<OutboundJobData>('outbound', { connection: redis, prefix });
});

afterAll(async () => {
  await outbound.obliterate({ force: true });
  await outbound.close();
  await pool.models.Ticket.db.dropDatabase();
  await pool.close();
  redis.disconnect();
});

/** A responder that would decide differently the second time it is asked. */
class ChangingResponder implements Responder {
  asked = 0;
  constructor(private readonly decisions: ResponderDecision[]) {}
  respond(): Promise<ResponderDecision> {
    const decision = this.decisions[Math.min(this.asked, this.decisions.length - 1)];
    this.asked += 1;
    return Promise.resolve(decision as ResponderDecision);
  }
}

const answer: ResponderDecision = {
  action: 'reply',
  text: 'Parcels leave within two working days.',
  counted: 'miss',
  intent: 'delivery-time',
  score: 0.62,
  language: 'en',
  sentiment: -0.2,
};
const handOver: ResponderDecision = {
  action: 'escalate',
  reason: 'repeated-miss',
  text: 'A colleague will take over.',
  intent: 'delivery-time',
  language: 'en',
};

function inbound() {
  return InboundMessageSchema.parse({
    channel: 'api',
    channelMessageId: uniqueName('m'),
    threadKey: uniqueName('t'),
    from: { identity: { kind: 'api', value: `int/${uniqueName('u')}` } },
    text: 'how long does delivery take?',
    receivedAt: new Date(),
  });
}

type PoolStep = 'noteBotOutcome' | 'markHandled' | 'createOutbound';

/** The pool, with one step failing the first time it runs: the worker died right there. */
function dyingOnceAt(step: PoolStep): TicketPool {
  const dying = Object.create(pool) as TicketPool;
  let died = false;
  const real = (pool[step] as (...args: unknown[]) => Promise<unknown>).bind(pool);
  (dying as unknown as Record<PoolStep, unknown>)[step] = (...args: unknown[]) => {
    if (died) return real(...args);
    died = true;
    return Promise.reject(new Error('worker killed'));
  };
  return dying;
}

function deps(responder: Responder, poolForRun: TicketPool): IngestDeps {
  return {
    pool: poolForRun,
    responder,
    outbound,
    capabilitiesOf: () => ({
      threads: true,
      attachments: { inbound: false, outbound: false },
      maxTextLength: 1000,
      format: 'plain',
      canEdit: false,
    }),
  };
}

describe('an ingest job retried after its run died mid-way', () => {
  it('carries out the decision the first run made instead of deciding again', async () => {
    const responder = new ChangingResponder([answer, handOver]);
    const message = inbound();
    const crashing = dyingOnceAt('noteBotOutcome');
    await expect(ingestInbound(message, deps(responder, crashing))).rejects.toThrow(
      'worker killed',
    );

    expect(await ingestInbound(message, deps(responder, crashing))).toBe('answered');

    expect(responder.asked).toBe(1);
    const stored = (await pool.models.Message.findOne({
      channelMessageId: message.channelMessageId,
    }).lean()) as MessageDoc | null;
    if (!stored) throw new Error('the inbound message was not stored');
    expect(stored.handled).toBe(true);
    expect(stored.intent).toBe('delivery-time');
    const botMessages = await pool.listMessages(stored.ticketId);
    expect(botMessages.filter((m) => m.direction === 'out').map((m) => String(m._id))).toEqual([
      `sb.reply.${String(stored._id)}`,
    ]);
    expect((await pool.getTicket(stored.ticketId))?.status).toBe('bot');
  });

  it('counts the bot miss once when the run died after counting it', async () => {
    const responder = new ChangingResponder([answer]);
    const message = inbound();
    const dying = dyingOnceAt('markHandled');
    await expect(ingestInbound(message, deps(responder, dying))).rejects.toThrow('worker killed');
    expect(await ingestInbound(message, deps(responder, dying))).toBe('answered');

    const stored = (await pool.models.Message.findOne({
      channelMessageId: message.channelMessageId,
    }).lean()) as MessageDoc | null;
    if (!stored) throw new Error('the inbound message was not stored');
    expect((await pool.getTicket(stored.ticketId))?.botMisses).toBe(1);
  });

  it('queues an escalation and counts its miss once when the run died after queueing', async () => {
    const responder = new ChangingResponder([handOver]);
    const message = inbound();
    const dying = dyingOnceAt('markHandled');
    await expect(ingestInbound(message, deps(responder, dying))).rejects.toThrow('worker killed');
    // The retry finds the ticket with the agents already (its outcome name says so).
    await ingestInbound(message, deps(responder, dying));

    expect(responder.asked).toBe(1);
    const stored = (await pool.models.Message.findOne({
      channelMessageId: message.channelMessageId,
    }).lean()) as MessageDoc | null;
    if (!stored) throw new Error('the inbound message was not stored');
    expect(stored.handled).toBe(true);
    const ticket = await pool.getTicket(stored.ticketId);
    expect(ticket?.status).toBe('queued');
    expect(ticket?.botMisses).toBe(1);
    expect(ticket?.lastIntent).toBe('delivery-time');
    expect(ticket?.statusHistory.filter((h) => h.to === 'queued')).toHaveLength(1);
  });

  it('asks the responder again when the first run stored nothing yet', async () => {
    const responder = new ChangingResponder([handOver]);
    const message = inbound();
    const failing = dyingOnceAt('createOutbound');
    await expect(ingestInbound(message, deps(responder, failing))).rejects.toThrow();
    expect(await ingestInbound(message, deps(responder, failing))).toBe('escalated');
    expect(responder.asked).toBe(2);
  });
});
