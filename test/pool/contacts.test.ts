import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { Types } from 'mongoose';
import { linkContact, resolveContactId } from '../../src/pool/contacts.ts';
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

/** The merge suggestions naming a contact. */
const suggestionsOf = (contactId: Types.ObjectId) =>
  pool.models.MergeSuggestion.find({ contactIds: contactId }).lean();

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

  describe("when a sender is new and brings nothing further (a message's first sighting)", () => {
    const sighting = () => ({
      messageKey: `api.${uniqueName('m')}`,
      receivedAt: new Date('2026-03-02T10:00:00Z'),
    });

    it('writes the contact, then its link ready: two inserts after the read', async () => {
      const identity = email();
      const { contactId, isNew } = await linkContact(
        pool.models,
        { identity, name: 'Ada' },
        { firstSighting: sighting() },
      );
      expect(operations).toEqual([
        'contact_identities.findOne',
        'contacts.insertOne',
        'contact_identities.insertOne',
      ]);
      expect(isNew).toBe(true);
      expect(contactId.getTimestamp()).toEqual(new Date('2026-03-02T10:00:00Z'));
      expect(await pool.models.Contact.findById(contactId).lean()).toMatchObject({
        name: 'Ada',
        identities: [identity],
      });
      operations = [];
      expect(await resolveContactId(pool.models, { identity })).toEqual(contactId);
      expect(operations).toEqual(['contact_identities.findOne']);
    });

    it('makes no second contact when a crash came between the contact and its link', async () => {
      const identity = email();
      const first = sighting();
      const create = pool.models.ContactIdentity.create.bind(pool.models.ContactIdentity);
      let failed = false;
      // The process dies as the link is written: the contact is stored, the link is not.
      pool.models.ContactIdentity.create = ((...args: Parameters<typeof create>) => {
        if (!failed) {
          failed = true;
          return Promise.reject(new Error('process stopped'));
        }
        return create(...args);
      }) as typeof create;
      try {
        await expect(
          linkContact(pool.models, { identity }, { firstSighting: first }),
        ).rejects.toThrow('process stopped');
      } finally {
        pool.models.ContactIdentity.create = create;
      }
      const retried = await linkContact(pool.models, { identity }, { firstSighting: first });
      expect(retried.isNew).toBe(true);
      const listing = await pool.models.Contact.find({ 'identities.value': identity.value }).lean();
      expect(listing.map((c) => String(c._id))).toEqual([String(retried.contactId)]);
    });

    it('keeps one contact when first messages of the sender arrive at once', async () => {
      const identity = email();
      const linked = await Promise.all(
        Array.from({ length: 6 }, () =>
          linkContact(pool.models, { identity }, { firstSighting: sighting() }),
        ),
      );
      expect(new Set(linked.map((l) => String(l.contactId))).size).toBe(1);
      expect(linked.filter((l) => l.isNew)).toHaveLength(1);
      const listing = await pool.models.Contact.find({ 'identities.value': identity.value }).lean();
      expect(listing.map((c) => String(c._id))).toEqual([String(linked[0]!.contactId)]);
    });

    it('is the same contact when one message runs twice at once', async () => {
      const identity = email();
      const first = sighting();
      const [a, b] = await Promise.all([
        linkContact(pool.models, { identity }, { firstSighting: first }),
        linkContact(pool.models, { identity }, { firstSighting: first }),
      ]);
      expect(String(a.contactId)).toBe(String(b.contactId));
      expect(await pool.models.Contact.countDocuments({ 'identities.value': identity.value })).toBe(
        1,
      );
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

  describe('when a known sender brings an identity for the first time', () => {
    it('links a vouched one that is free, once: the next message reads one document again', async () => {
      const user = { kind: 'webchat' as const, value: uniqueName('wc') };
      const id = await resolveContactId(pool.models, { identity: user });
      const vouched = email();
      expect(
        await resolveContactId(pool.models, { identity: user, otherIdentities: [vouched] }),
      ).toEqual(id);
      // The email now reaches the same contact, verified.
      expect(await resolveContactId(pool.models, { identity: vouched })).toEqual(id);
      const contact = await pool.models.Contact.findById(id).lean();
      expect(contact?.identities).toContainEqual({ ...vouched, verified: true });
      operations = [];
      await resolveContactId(pool.models, { identity: user, otherIdentities: [vouched] });
      expect(operations).toEqual(['contact_identities.findOne']);
    });

    it('suggests a merge, never merges, when another contact holds it verified', async () => {
      const owned = email();
      const owner = await resolveContactId(pool.models, { identity: owned });
      const user = { kind: 'webchat' as const, value: uniqueName('wc') };
      const id = await resolveContactId(pool.models, { identity: user });
      expect(
        await resolveContactId(pool.models, { identity: user, otherIdentities: [owned] }),
      ).toEqual(id);
      expect(await resolveContactId(pool.models, { identity: owned })).toEqual(owner);
      expect(await suggestionsOf(id)).toEqual([
        expect.objectContaining({ reason: 'vouched-identity', status: 'open' }),
      ]);
    });

    it('upgrades its own unverified identity when a channel now vouches for it', async () => {
      const user = { kind: 'webchat' as const, value: uniqueName('wc') };
      const typed = email();
      const id = await resolveContactId(pool.models, {
        identity: user,
        claimedIdentities: [typed],
      });
      const before = await pool.models.Contact.findById(id).lean();
      expect(before?.identities).toContainEqual({ ...typed, verified: false });
      await resolveContactId(pool.models, { identity: user, otherIdentities: [typed] });
      const after = await pool.models.Contact.findById(id).lean();
      expect(after?.identities).toContainEqual({ ...typed, verified: true });
      expect(after?.identities).not.toContainEqual({ ...typed, verified: false });
    });

    it('keeps a typed address unverified on the contact', async () => {
      const user = { kind: 'webchat' as const, value: uniqueName('wc') };
      const id = await resolveContactId(pool.models, { identity: user });
      const typed = email();
      await resolveContactId(pool.models, { identity: user, claimedIdentities: [typed] });
      const contact = await pool.models.Contact.findById(id).lean();
      expect(contact?.identities).toContainEqual({ ...typed, verified: false });
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

  describe('when a vouched identity is owned verified by a contact', () => {
    it('is that contact: the new sender identity joins it', async () => {
      const shared = email();
      const owner = await resolveContactId(pool.models, { identity: shared });
      const slackMember = { kind: 'slack' as const, value: uniqueName('U') };
      const linked = await linkContact(pool.models, {
        identity: slackMember,
        otherIdentities: [shared],
      });
      expect(linked).toEqual({ contactId: owner, isNew: false });
      expect(await resolveContactId(pool.models, { identity: slackMember })).toEqual(owner);
      const contact = await pool.models.Contact.findById(owner).lean();
      expect(contact?.identities.map((i) => i.value)).toEqual([shared.value, slackMember.value]);
      expect(await suggestionsOf(owner)).toEqual([]);
    });
  });

  describe('when a vouched identity is owned only through unverified sightings', () => {
    it('leaves it with its owner and suggests a merge', async () => {
      const shared = email();
      const owner = await resolveContactId(pool.models, {
        identity: shared,
        identityVerified: false,
      });
      const other = await resolveContactId(pool.models, {
        identity: email(),
        otherIdentities: [shared],
      });
      expect(other).not.toEqual(owner);
      expect(await resolveContactId(pool.models, { identity: shared })).toEqual(owner);
      expect(await suggestionsOf(owner)).toEqual([
        expect.objectContaining({ reason: 'vouched-identity', identity: shared, status: 'open' }),
      ]);
    });
  });

  describe('when a customer claims an identity another contact owns', () => {
    it('leaves it with its owner and suggests a merge, once per pair', async () => {
      const shared = email();
      const owner = await resolveContactId(pool.models, { identity: shared });
      const visitor = { kind: 'webchat' as const, value: uniqueName('visitor') };
      const other = await resolveContactId(pool.models, {
        identity: visitor,
        claimedIdentities: [shared],
      });
      expect(other).not.toEqual(owner);
      const [suggestion] = await suggestionsOf(owner);
      expect(suggestion).toMatchObject({ reason: 'claimed-identity', seen: 1 });
      expect(suggestion?.contactIds.map(String).sort()).toEqual([owner, other].map(String).sort());
    });

    it('keeps a free claimed identity on the contact, unverified', async () => {
      const claimed = email();
      const id = await resolveContactId(pool.models, {
        identity: { kind: 'webchat', value: uniqueName('visitor') },
        claimedIdentities: [claimed],
      });
      const contact = await pool.models.Contact.findById(id).lean();
      expect(contact?.identities[1]).toMatchObject({ ...claimed, verified: false });
    });
  });

  describe('when an unverified sighting meets an identity owned verified', () => {
    it('gets a contact of its own, the same on every later sighting, and a suggestion', async () => {
      const address = email();
      const owner = await resolveContactId(pool.models, { identity: address });
      const spoof = await linkContact(pool.models, { identity: address, identityVerified: false });
      expect(spoof.contactId).not.toEqual(owner);
      expect(spoof.isNew).toBe(true);
      const again = await linkContact(pool.models, { identity: address, identityVerified: false });
      expect(again).toEqual({ contactId: spoof.contactId, isNew: false });
      expect(await resolveContactId(pool.models, { identity: address })).toEqual(owner);
      expect(await suggestionsOf(owner)).toEqual([
        expect.objectContaining({ reason: 'unverified-sighting', seen: 1 }),
      ]);
    });
  });

  describe('when a verified sighting meets an identity only unverified ones linked', () => {
    it('is that contact, and the identity becomes verified', async () => {
      const address = email();
      const first = await resolveContactId(pool.models, {
        identity: address,
        identityVerified: false,
      });
      expect(await resolveContactId(pool.models, { identity: address })).toEqual(first);
      const contact = await pool.models.Contact.findById(first).lean();
      expect(contact?.identities[0]).toMatchObject({ ...address, verified: true });
      const link = await pool.models.ContactIdentity.findById(`email:${address.value}`).lean();
      expect(link?.verified).toBe(true);
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
