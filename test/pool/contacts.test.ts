import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { Types } from 'mongoose';
import { resolveContactId } from '../../src/pool/contacts.ts';
import { TicketPool } from '../../src/pool/pool.ts';
import { uniqueName } from '../support/gateway.ts';

let pool: TicketPool;
/** `<collection>.<method>` of every operation the pool's connection sent, in order. */
let operations: string[] = [];

beforeAll(async () => {
  pool = await TicketPool.connect(inject('mongoUrl'), { dbName: uniqueName('sbcontacts') });
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
});

const email = () => ({ kind: 'email' as const, value: `${uniqueName('c')}@example.com` });

describe('pool/contacts', () => {
  describe('when a sender is new', () => {
    it('creates the contact and its identities with inserts and one update', async () => {
      const identity = email();
      const phone = { kind: 'phone' as const, value: `+1555${Date.now() % 10_000_000}` };
      const id = await resolveContactId(pool.models, {
        identity,
        name: 'Ada',
        otherIdentities: [phone],
      });
      expect(operations).toEqual([
        'contact_identities.findOne',
        'contact_identities.insertOne',
        // The further identity is linked before the contact lists it: only owned ones are listed.
        'contact_identities.insertOne',
        'contacts.insertOne',
        'contact_identities.updateMany',
      ]);
      const contact = await pool.models.Contact.findById(id).lean();
      expect(contact).toMatchObject({ name: 'Ada', identities: [identity, phone] });
      expect(await resolveContactId(pool.models, { identity: phone })).toEqual(id);
    });
  });

  describe('when the sender is known', () => {
    it('reads one identity document and nothing else', async () => {
      const identity = email();
      const id = await resolveContactId(pool.models, { identity });
      operations = [];
      expect(await resolveContactId(pool.models, { identity })).toEqual(id);
      expect(operations).toEqual(['contact_identities.findOne']);
    });
  });

  describe('when a crash came between linking the identity and creating the contact', () => {
    it('creates the contact under the linked id', async () => {
      const identity = email();
      const contactId = new Types.ObjectId();
      await pool.models.ContactIdentity.create({ _id: `email:${identity.value}`, contactId });
      expect(await resolveContactId(pool.models, { identity, name: 'Grace' })).toEqual(contactId);
      expect(await pool.models.Contact.findById(contactId).lean()).toMatchObject({
        name: 'Grace',
      });
      expect(
        (await pool.models.ContactIdentity.findById(`email:${identity.value}`).lean())?.ready,
      ).toBe(true);
    });
  });

  describe('when another identity given is owned by someone else', () => {
    it('leaves it with its owner', async () => {
      const shared = email();
      const owner = await resolveContactId(pool.models, { identity: shared });
      const other = await resolveContactId(pool.models, {
        identity: email(),
        otherIdentities: [shared],
      });
      expect(other).not.toEqual(owner);
      expect(await resolveContactId(pool.models, { identity: shared })).toEqual(owner);
    });
  });

  describe('when the first messages of a new sender arrive at once', () => {
    it('makes one contact', async () => {
      const identity = email();
      const ids = await Promise.all(
        Array.from({ length: 6 }, () => resolveContactId(pool.models, { identity })),
      );
      expect(new Set(ids.map(String)).size).toBe(1);
    });
  });
});
