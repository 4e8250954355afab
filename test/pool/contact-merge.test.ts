import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Types } from 'mongoose';
import { mergeContacts, unmergeContact } from '../../src/pool/contact-merge.ts';
import { noDocumentLocks } from '../../src/pool/locks.ts';
import { TicketPool } from '../../src/pool/pool.ts';
import { uniqueName } from '../support/gateway.ts';

let pool: TicketPool;

beforeAll(async () => {
  pool = await TicketPool.connect(inject('mongoUrl'), { dbName: uniqueName('sbmerge') });
});

afterAll(async () => {
  await pool.models.Ticket.db.dropDatabase();
  await pool.close();
});

/** A customer's first message on the API channel: a contact, a ticket, a message. */
async function customer(identity: { kind: 'email' | 'phone'; value: string }) {
  return pool.ingest({
    channel: 'api',
    channelMessageId: uniqueName('m'),
    threadKey: uniqueName('t'),
    from: { identity },
    text: 'hello',
    attachments: [],
    receivedAt: new Date(),
    channelData: {},
  });
}

/**
 * The pool's models, except that `model.method` fails the first time it is called: a process
 * that died at that step of a merge or an unmerge.
 */
function crashingAt(model: 'Message' | 'Contact', method: 'updateMany' | 'updateOne', nth = 1) {
  let calls = 0;
  const failing = new Proxy(pool.models[model], {
    get(target, prop, receiver) {
      if (prop !== method) return Reflect.get(target, prop, receiver) as unknown;
      return (...args: unknown[]) => {
        calls += 1;
        if (calls === nth) throw new Error('crash');
        return (target[method] as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { models: { ...pool.models, [model]: failing }, locks: noDocumentLocks };
}

const contactIdOfMessages = async (ticketId: Types.ObjectId) =>
  (await pool.models.Message.find({ ticketId }).lean()).map((m) => String(m.contactId));

describe('pool/contact-merge', () => {
  describe('when a merge stopped half-way (no transactions on FerretDB)', () => {
    it('is finished by running it again: the messages follow the tickets moved before the crash', async () => {
      const a = await customer({ kind: 'email', value: `${uniqueName('a')}@example.com` });
      const b = await customer({ kind: 'phone', value: `+1555${Date.now() % 10_000_000}` });
      const input = { survivorId: a.contactId, mergedId: b.contactId, by: 'test' };
      await expect(mergeContacts(crashingAt('Message', 'updateMany'), input)).rejects.toThrow(
        'crash',
      );
      // Half done: the ticket moved, its message did not.
      expect(String((await pool.models.Ticket.findById(b.ticket._id).lean())?.contactId)).toBe(
        String(a.contactId),
      );
      expect(await contactIdOfMessages(b.ticket._id)).toEqual([String(b.contactId)]);

      const done = await pool.mergeContacts(a.contactId, b.contactId, 'test');
      expect(done.ticketIds).toEqual([String(b.ticket._id)]);
      expect(await contactIdOfMessages(b.ticket._id)).toEqual([String(a.contactId)]);
    });
  });

  describe('when an unmerge stopped before removing its record', () => {
    it('is finished by running it again, and gives back no more than the merge took', async () => {
      const a = await customer({ kind: 'email', value: `${uniqueName('a')}@example.com` });
      const b = await customer({ kind: 'email', value: `${uniqueName('b')}@example.com` });
      await pool.mergeContacts(a.contactId, b.contactId, 'test');
      const survivorBefore = await pool.models.Contact.findById(a.contactId).lean();
      expect(survivorBefore?.identities).toHaveLength(2);
      // The survivor's identities are set (1st Contact.updateOne), the record removal fails (2nd).
      await expect(
        unmergeContact(crashingAt('Contact', 'updateOne', 2), { mergedId: b.contactId, by: 't' }),
      ).rejects.toThrow('crash');
      expect((await pool.models.Contact.findById(b.contactId).lean())?.mergedInto).toBeTruthy();

      const restored = await pool.unmergeContact(b.contactId, 'test');
      expect(restored.ticketIds).toEqual([String(b.ticket._id)]);
      const loser = await pool.models.Contact.findById(b.contactId).lean();
      expect(loser?.mergedInto).toBeUndefined();
      expect(loser?.merge).toBeUndefined();
      expect((await pool.models.Contact.findById(a.contactId).lean())?.identities).toHaveLength(1);
      expect(await contactIdOfMessages(b.ticket._id)).toEqual([String(b.contactId)]);
      expect(await contactIdOfMessages(a.ticket._id)).toEqual([String(a.contactId)]);
    });
  });
});
