import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { Redis } from 'ioredis';
import { TicketPool } from '../../src/pool/pool.ts';
import { redisDocumentLocks } from '../../src/pool/locks.ts';
import type { InboundMessageInput } from '../../src/domain/message.ts';
import { InboundMessageSchema } from '../../src/domain/message.ts';
import { uniqueName } from '../support/gateway.ts';

let pool: TicketPool;
let redis: Redis;

beforeAll(async () => {
  redis = new Redis(inject('redisUrl'));
  pool = await TicketPool.connect(inject('mongoUrl'), {
    dbName: uniqueName('sbpool'),
    locks: redisDocumentLocks(redis, { prefix: uniqueName('sbpool') }),
  });
});

afterAll(async () => {
  await pool.models.Ticket.db.dropDatabase();
  await pool.close();
  redis.disconnect();
});

function inbound(overrides: Partial<InboundMessageInput> = {}) {
  return InboundMessageSchema.parse({
    channel: 'api',
    channelMessageId: uniqueName('m'),
    threadKey: 'thread-1',
    from: { identity: { kind: 'api', value: 'int/u1' }, name: 'Ada' },
    text: 'where is my order?',
    receivedAt: new Date(),
    ...overrides,
  });
}

describe('TicketPool', () => {
  describe('when a message arrives on a new thread', () => {
    it('creates the contact, opens a ticket in bot status and stores the message', async () => {
      const threadKey = uniqueName('t');
      const result = await pool.ingest(inbound({ threadKey }));
      expect(result.created).toBe(true);
      expect(result.ticket.status).toBe('bot');
      expect(result.ticket.threadKey).toBe(threadKey);
      const contact = await pool.models.Contact.findById(result.contactId).lean();
      expect(contact?.identities).toEqual([{ kind: 'api', value: 'int/u1', verified: true }]);
      expect(result.message.direction).toBe('in');
      expect(result.ticket.lastCustomerMessageAt).toBeInstanceOf(Date);
    });
  });

  describe('when the same message is ingested twice', () => {
    it('stores it once and reports the second as not created', async () => {
      const message = inbound({ threadKey: uniqueName('t') });
      const first = await pool.ingest(message);
      const second = await pool.ingest(message);
      expect(first.created).toBe(true);
      expect(second.created).toBe(false);
      expect(String(second.message._id)).toBe(String(first.message._id));
      expect(
        await pool.models.Message.countDocuments({ channelMessageId: message.channelMessageId }),
      ).toBe(1);
    });
  });

  describe('when messages of one new thread are ingested concurrently', () => {
    it('opens exactly one ticket', async () => {
      const threadKey = uniqueName('t');
      const results = await Promise.all(
        Array.from({ length: 8 }, () => pool.ingest(inbound({ threadKey }))),
      );
      const ticketIds = new Set(results.map((r) => String(r.ticket._id)));
      expect(ticketIds.size).toBe(1);
      expect(await pool.models.Ticket.countDocuments({ threadKey })).toBe(1);
    });
  });

  describe('lifecycle through the pool', () => {
    it('applies allowed transitions with their timestamps and history', async () => {
      const { ticket } = await pool.ingest(inbound({ threadKey: uniqueName('t') }));
      const queued = await pool.transition(ticket._id, 'queued', {
        by: 'bot',
        reason: 'unknown intent',
      });
      expect(queued.status).toBe('queued');
      expect(queued.queuedAt).toBeInstanceOf(Date);
      const resolved = await pool.transition(ticket._id, 'resolved', { by: 'agent:1' });
      expect(resolved.resolvedAt).toBeInstanceOf(Date);
      expect(resolved.statusHistory.map((h) => h.to)).toEqual(['bot', 'queued', 'resolved']);
    });

    it('refuses a transition the lifecycle does not allow, leaving the ticket unchanged', async () => {
      const { ticket } = await pool.ingest(inbound({ threadKey: uniqueName('t') }));
      await expect(pool.transition(ticket._id, 'closed', { by: 'x' })).rejects.toMatchObject({
        code: 'SB_ERR_INVALID_TRANSITION',
      });
      expect((await pool.getTicket(ticket._id))?.status).toBe('bot');
    });

    it('lets exactly one of two concurrent takes win', async () => {
      const { ticket } = await pool.ingest(inbound({ threadKey: uniqueName('t') }));
      await pool.transition(ticket._id, 'queued', { by: 'bot' });
      const results = await Promise.allSettled(
        ['agent-a', 'agent-b'].map((agent) =>
          pool.transition(ticket._id, 'assigned', {
            by: agent,
            expectedFrom: 'queued',
            set: { tags: [agent] },
          }),
        ),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      expect(results.filter((r) => r.status === 'rejected')).toHaveLength(1);
    });

    it('hands out distinct ticket numbers to tickets opened at once', async () => {
      const results = await Promise.all(
        Array.from({ length: 10 }, () => pool.ingest(inbound({ threadKey: uniqueName('t') }))),
      );
      expect(new Set(results.map((r) => r.ticket.number)).size).toBe(10);
    });
  });

  describe('when the customer writes on a resolved ticket', () => {
    it('reopens it to the bot', async () => {
      const threadKey = uniqueName('t');
      const { ticket } = await pool.ingest(inbound({ threadKey }));
      await pool.transition(ticket._id, 'resolved', { by: 'bot' });
      const again = await pool.ingest(inbound({ threadKey }));
      expect(String(again.ticket._id)).toBe(String(ticket._id));
      expect(again.ticket.status).toBe('bot');
      expect(again.ticket.statusHistory.at(-1)).toMatchObject({
        from: 'resolved',
        to: 'bot',
        by: 'customer',
      });
    });
  });

  describe('when the customer writes on a closed ticket', () => {
    it('opens a new ticket on the same thread', async () => {
      const threadKey = uniqueName('t');
      const { ticket } = await pool.ingest(inbound({ threadKey }));
      await pool.transition(ticket._id, 'resolved', { by: 'bot' });
      await pool.transition(ticket._id, 'closed', { by: 'system' });
      const again = await pool.ingest(inbound({ threadKey }));
      expect(String(again.ticket._id)).not.toBe(String(ticket._id));
      expect(again.ticket.status).toBe('bot');
      expect(again.ticket.number).toBeGreaterThan(ticket.number);
    });
  });

  describe('contacts', () => {
    it('finds the same contact by any identity it was given, and merges two contacts', async () => {
      const email = `${uniqueName('c')}@example.com`;
      const a = await pool.ingest(
        inbound({
          threadKey: uniqueName('t'),
          from: {
            identity: { kind: 'api', value: uniqueName('int/u') },
            otherIdentities: [{ kind: 'email', value: email }],
          },
        }),
      );
      const byEmail = await pool.resolveContact({ identity: { kind: 'email', value: email } });
      expect(String(byEmail._id)).toBe(String(a.contactId));

      const phoneContact = await pool.resolveContact({
        identity: { kind: 'phone', value: '+14155550100' },
        name: 'Ada L.',
      });
      await pool.mergeContacts(a.contactId, phoneContact._id);
      const merged = await pool.resolveContact({ identity: { kind: 'email', value: email } });
      expect(merged.identities.map((i) => i.kind).sort()).toEqual(['api', 'email', 'phone']);
      const viaPhone = await pool.resolveContact({
        identity: { kind: 'phone', value: '+14155550100' },
      });
      expect(String(viaPhone._id)).toBe(String(a.contactId));
    });
  });
});
