import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { Redis } from 'ioredis';
import { Types } from 'mongoose';
import { redisDocumentLocks, type DocumentLocks } from '../../src/pool/locks.ts';
import type { TicketDoc } from '../../src/pool/models.ts';
import { TicketPool } from '../../src/pool/pool.ts';
import {
  findOrOpenTicket,
  noteCustomerMessage,
  updateTicket,
  type OpenTicketInput,
} from '../../src/pool/tickets.ts';
import { uniqueName } from '../support/gateway.ts';

let pool: TicketPool;
let redis: Redis;
let locks: DocumentLocks;
/** `<collection>.<method>` of every operation the pool's connection sent, in order. */
let operations: string[] = [];

beforeAll(async () => {
  redis = new Redis(inject('redisUrl'));
  locks = redisDocumentLocks(redis, { prefix: uniqueName('sbtickets') });
  pool = await TicketPool.connect(inject('mongoUrl'), { dbName: uniqueName('sbtickets'), locks });
  pool.models.Ticket.db.set('debug', (collection: string, method: string) => {
    operations.push(`${collection}.${method}`);
  });
});

afterEach(() => {
  operations = [];
});

afterAll(async () => {
  await pool.models.Ticket.db.dropDatabase();
  await pool.close();
  redis.disconnect();
});

function openInput(overrides: Partial<OpenTicketInput> = {}): OpenTicketInput {
  return {
    channel: 'api',
    threadKey: uniqueName('thread'),
    contactId: new Types.ObjectId(),
    replyTo: { kind: 'api', value: 'int/u1' },
    ...overrides,
  };
}

/** Reads and updates (each by `_id` here, which the local store's GIN index serves). */
const scanning = (ops: string[], collection: string) =>
  ops.filter((op) => op.startsWith(`${collection}.`) && !op.endsWith('.insertOne'));

describe('pool/tickets', () => {
  describe('when the contact was merged while its new conversation waited for the lock', () => {
    it('continues on the survivor, not a fresh ticket of the merged contact', async () => {
      const first = (value: string) =>
        pool.ingest({
          channel: 'api',
          channelMessageId: uniqueName('m'),
          threadKey: uniqueName('t'),
          from: { identity: { kind: 'email', value } },
          text: 'hello',
          attachments: [],
          receivedAt: new Date(),
          channelData: {},
        });
      const survivor = await first(`${uniqueName('s')}@example.com`);
      const merged = await first(`${uniqueName('m')}@example.com`);
      await pool.mergeContacts(survivor.contactId, merged.contactId, 'test');
      // The message's contact was resolved before the merge: it still names the merged one.
      const { ticket, opened } = await findOrOpenTicket(
        pool.models,
        locks,
        openInput({
          contactId: merged.contactId,
          contactIsNew: false,
          joinWindowMs: 3_600_000,
          lastCustomerMessageAt: new Date(),
        }),
      );
      expect(opened).toBe(false);
      expect(String(ticket.contactId)).toBe(String(survivor.contactId));
      // The survivor's latest conversation: the merged contact's ticket, which the merge moved.
      expect(String(ticket._id)).toBe(String(merged.ticket._id));
    });
  });

  describe('when a thread is new', () => {
    it('claims it in one upsert by _id and opens its ticket with an insert, stamped with the message time', async () => {
      const at = new Date('2026-03-02T10:00:00Z');
      const { ticket, opened } = await findOrOpenTicket(
        pool.models,
        locks,
        openInput({ lastCustomerMessageAt: at }),
      );
      expect(opened).toBe(true);
      expect(ticket).toMatchObject({ status: 'bot', lastCustomerMessageAt: at });
      expect(scanning(operations, 'tickets')).toEqual([]);
      expect(scanning(operations, 'threads')).toEqual(['threads.findOneAndUpdate']);
    });
  });

  describe('when the thread has an open ticket', () => {
    it('returns that ticket', async () => {
      const input = openInput();
      const first = await findOrOpenTicket(pool.models, locks, input);
      operations = [];
      const again = await findOrOpenTicket(pool.models, locks, input);
      // Issue 21: the thread and its ticket, one round trip each (no refused insert first).
      expect(operations).toEqual(['threads.findOneAndUpdate', 'tickets.findOne']);
      expect(again.opened).toBe(false);
      expect(String(again.ticket._id)).toBe(String(first.ticket._id));
    });

    it("reads it and stamps the newer message's time in one round trip, which noteCustomerMessage then leaves alone", async () => {
      const first = new Date('2026-03-02T10:00:00Z');
      const later = new Date('2026-03-02T10:05:00Z');
      const input = openInput({ lastCustomerMessageAt: first });
      await findOrOpenTicket(pool.models, locks, input);
      operations = [];
      const { ticket } = await findOrOpenTicket(pool.models, locks, {
        ...input,
        lastCustomerMessageAt: later,
      });
      expect(operations).toEqual(['threads.findOneAndUpdate', 'tickets.findOneAndUpdate']);
      expect(ticket.lastCustomerMessageAt).toEqual(later);
      operations = [];
      await noteCustomerMessage(pool.models, locks, ticket, later);
      expect(operations).toEqual([]);
      expect((await pool.getTicket(ticket._id))?.lastCustomerMessageAt).toEqual(later);
    });

    it('reads it without a write for an older message, whose time does not move the stamp back', async () => {
      const first = new Date('2026-03-02T10:05:00Z');
      const input = openInput({ lastCustomerMessageAt: first });
      await findOrOpenTicket(pool.models, locks, input);
      operations = [];
      const { ticket } = await findOrOpenTicket(pool.models, locks, {
        ...input,
        lastCustomerMessageAt: new Date('2026-03-02T10:00:00Z'),
      });
      expect(operations).toEqual([
        'threads.findOneAndUpdate',
        'tickets.findOneAndUpdate',
        'tickets.findOne',
      ]);
      expect(ticket.lastCustomerMessageAt).toEqual(first);
    });
  });

  describe("when the thread's ticket is resolved", () => {
    it('reads it unchanged, so noteCustomerMessage reopens it', async () => {
      const at = new Date('2026-03-02T10:00:00Z');
      const input = openInput({ lastCustomerMessageAt: at });
      const { ticket } = await findOrOpenTicket(pool.models, locks, input);
      await pool.transition(ticket._id, 'resolved', { by: 'test', expectedFrom: 'bot' });
      const later = new Date('2026-03-02T11:00:00Z');
      const found = await findOrOpenTicket(pool.models, locks, {
        ...input,
        lastCustomerMessageAt: later,
      });
      expect(found.ticket.status).toBe('resolved');
      expect(found.ticket.lastCustomerMessageAt).toEqual(at);
      const reopened = await noteCustomerMessage(pool.models, locks, found.ticket, later);
      expect(reopened.status).not.toBe('resolved');
      expect(reopened.lastCustomerMessageAt).toEqual(later);
    });
  });

  describe('when a crash came between storing the thread and its ticket', () => {
    it('creates the ticket the thread points at', async () => {
      const input = openInput();
      const ticketId = new Types.ObjectId();
      await pool.models.Thread.create({ _id: `api.${input.threadKey}`, ticketId });
      const { ticket, opened } = await findOrOpenTicket(pool.models, locks, input);
      expect(opened).toBe(true);
      expect(String(ticket._id)).toBe(String(ticketId));
    });
  });

  describe('when many messages of one new thread arrive at once', () => {
    it('opens one ticket for all of them', async () => {
      const input = openInput();
      const results = await Promise.all(
        Array.from({ length: 6 }, () => findOrOpenTicket(pool.models, locks, input)),
      );
      expect(new Set(results.map((r) => String(r.ticket._id))).size).toBe(1);
      expect(results.filter((r) => r.opened)).toHaveLength(1);
      expect(
        await pool.models.Ticket.countDocuments({ channel: 'api', threadKey: input.threadKey }),
      ).toBe(1);
    });
  });

  describe('noteCustomerMessage', () => {
    describe('when the ticket carries the message time already and is not resolved', () => {
      it('writes nothing', async () => {
        const at = new Date();
        const { ticket } = await findOrOpenTicket(
          pool.models,
          locks,
          openInput({ lastCustomerMessageAt: at }),
        );
        operations = [];
        const noted = await noteCustomerMessage(pool.models, locks, ticket, at);
        expect(noted).toBe(ticket);
        expect(operations).toEqual([]);
      });
    });

    describe('when the message is newer', () => {
      it('stamps its time', async () => {
        const { ticket } = await findOrOpenTicket(pool.models, locks, openInput());
        const at = new Date(Date.now() + 1000);
        const noted = await noteCustomerMessage(pool.models, locks, ticket, at);
        expect(noted.lastCustomerMessageAt).toEqual(at);
      });
    });

    describe('when the ticket is resolved', () => {
      it('reopens it even for a message it has seen', async () => {
        const at = new Date();
        const { ticket } = await findOrOpenTicket(
          pool.models,
          locks,
          openInput({ lastCustomerMessageAt: at }),
        );
        const resolved = await pool.transition(ticket._id, 'resolved', { by: 'bot' });
        const noted = await noteCustomerMessage(pool.models, locks, resolved, at);
        expect(noted.status).toBe('bot');
      });
    });
  });

  describe('updateTicket', () => {
    describe('with a filter as the condition', () => {
      it('applies the update only while the filter matches, in one round trip', async () => {
        const { ticket } = await findOrOpenTicket(pool.models, locks, openInput());
        const first = new Date('2026-03-02T10:00:00Z');
        const later = new Date('2026-03-02T11:00:00Z');
        operations = [];
        await updateTicket(
          pool.models,
          locks,
          ticket._id,
          { $set: { firstResponseAt: first } },
          {
            firstResponseAt: null,
          },
        );
        expect(operations).toEqual(['tickets.updateOne']);
        await updateTicket(
          pool.models,
          locks,
          ticket._id,
          { $set: { firstResponseAt: later } },
          {
            firstResponseAt: null,
          },
        );
        const stored = (await pool.getTicket(ticket._id)) as TicketDoc;
        expect(stored.firstResponseAt).toEqual(first);
      });
    });

    describe('with a predicate as the condition', () => {
      it('applies the update only while the predicate holds', async () => {
        const { ticket } = await findOrOpenTicket(pool.models, locks, openInput());
        const unset = (t: TicketDoc) => !t.firstResponseAt;
        const first = new Date('2026-03-02T10:00:00Z');
        await updateTicket(
          pool.models,
          locks,
          ticket._id,
          { $set: { firstResponseAt: first } },
          unset,
        );
        await updateTicket(
          pool.models,
          locks,
          ticket._id,
          { $set: { firstResponseAt: new Date() } },
          unset,
        );
        expect((await pool.getTicket(ticket._id))?.firstResponseAt).toEqual(first);
      });
    });
  });
});
