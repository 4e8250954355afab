import { createHash } from 'node:crypto';
import { Types } from 'mongoose';
import type { Identity } from '../domain/message.ts';
import { suggestMerge } from './merge-suggestions.ts';
import type { ContactDoc, PoolModels } from './models.ts';

export function identityKey(identity: Identity): string {
  return `${identity.kind}:${identity.value}`;
}

/**
 * Finds the contact that owns an identity, creating both when new. Race-free: the identity document's
 * unique _id decides which of two concurrent creators wins; the loser reads the winner's contact.
 * Further identities the channel vouches for are attached when still free.
 */
export async function resolveContact(
  models: PoolModels,
  input: ContactSighting,
): Promise<ContactDoc> {
  return followMerges(models, await resolveContactId(models, input));
}

/** What a message says about its sender, as contact linking needs it (InboundMessage.from). */
export interface ContactSighting {
  identity: Identity;
  /** Does the channel vouch for `identity`? Absent: it does (see InboundMessage.from). */
  identityVerified?: boolean | undefined;
  name?: string | undefined;
  /** Identities the channel vouches for: linked automatically. */
  otherIdentities?: Identity[] | undefined;
  /** Identities the customer typed: kept unverified, never linked to another contact's. */
  claimedIdentities?: Identity[] | undefined;
}

/** The id of the contact owning an identity (see linkContact). */
export async function resolveContactId(
  models: PoolModels,
  input: ContactSighting,
): Promise<Types.ObjectId> {
  return (await linkContact(models, input)).contactId;
}

type LinkedIdentity = Identity & { verified: boolean };
type Suggestion = Parameters<typeof suggestMerge>[1];

/**
 * The filter for identity links `identities`, all of which point at `contactId`. FerretDB 1.x
 * pushes only plain equalities down to PostgreSQL: `_id: { $in }` alone is a scan of every link
 * in Go, once per new contact, which slowed a 10,000-message day to 3 messages/s as the pool grew
 * (issue 21). The contact's id beside it is an equality FerretDB pushes down (GIN-indexed).
 */
function linksOf(
  identities: readonly LinkedIdentity[],
  contactId: Types.ObjectId,
): Record<string, unknown> {
  return { _id: { $in: identities.map(identityKey) }, contactId };
}

/**
 * The contact a message's sender is, and whether it was created now — one read by _id on the hot
 * path (a known sender); the creating path only for a new one. Merges re-point identity documents
 * to the survivor, so the id found is current.
 *
 * Only verified identities link automatically (issue 19): an unverified sighting of an identity
 * some contact owns verified (an email without DKIM or DMARC pass, from the address of a customer
 * an integration vouched for) gets a contact of its own and a merge suggestion, never the owner's
 * conversations. A new sender whose vouched identity (a signed web-chat user's email, a Slack
 * member's profile email) belongs verified to a contact is that contact.
 *
 * The creating path writes with inserts, whose unique _id decides every race, and reads only the
 * links of the identities the message brings: on FerretDB 1.x over PostgreSQL a read or an update
 * scans its collection without an index of ours (see tickets.ts), an insert does not.
 */
export async function linkContact(
  models: PoolModels,
  input: ContactSighting,
  options: { firstSighting?: FirstSighting | undefined } = {},
): Promise<{ contactId: Types.ObjectId; isNew: boolean }> {
  const verified = input.identityVerified !== false;
  const key = identityKey(input.identity);
  const further = furtherOf(input);
  let known = await findLink(models, key);
  if (!known && options.firstSighting && further.length === 0) {
    const first = await contactThenLink(models, key, input, verified, options.firstSighting);
    if ('contactId' in first) return first;
    known = first.claim;
  }
  // `ready` is set only once the contact exists: a crash between the writes below leaves it
  // unset, and the retry takes the creating path again (every step of which is idempotent).
  if (known?.ready) {
    if (!verified && known.verified !== false) return shadowContact(models, input, known.contactId);
    if (verified && known.verified === false) await markVerified(models, key, known.contactId);
    const fresh = further.filter((f) => !(known.further ?? []).includes(f.seen));
    if (fresh.length > 0) await linkFurther(models, key, known.contactId, fresh);
    return { contactId: known.contactId, isNew: false };
  }
  let contactId =
    known?.contactId ??
    (await claimIdentity(
      models,
      key,
      new Types.ObjectId(),
      verified,
      further.map((f) => f.seen),
    ));
  const owned: LinkedIdentity[] = [{ ...input.identity, verified }];
  const suggestions: Suggestion[] = [];
  let owner: Types.ObjectId | undefined;
  // Further identities are attached only while free: a taken one keeps its owner, and is not
  // listed on this contact either (so exporting or erasing it never reaches the owner's data).
  for (const other of further) {
    const holder = await linkIfFree(models, identityKey(other), contactId, other.verified);
    if (!holder) owned.push(other);
    // A vouched identity a contact owns verified says who this new sender is.
    else if (other.verified && holder.verified && owner === undefined) owner = holder.contactId;
    else
      suggestions.push({
        contactId,
        otherContactId: holder.contactId,
        identity: { kind: other.kind, value: other.value },
        reason: other.verified ? 'vouched-identity' : 'claimed-identity',
      });
  }
  if (owner) {
    // Re-point what this try linked to the owner (a retry after a crash here does it again).
    await models.ContactIdentity.updateMany(linksOf(owned, contactId), {
      $set: { contactId: owner },
    });
    for (const suggestion of suggestions) suggestion.contactId = owner;
    contactId = owner;
    await addIdentities(models, contactId, owned);
  }
  // Created by this call, or by a concurrent first message (or an earlier try) that won: only a
  // contact this call created is known to have no ticket yet.
  const created = owner ? false : await createContact(models, contactId, input.name, owned);
  if (!owner && !created) await addIdentities(models, contactId, owned);
  await models.ContactIdentity.updateMany(linksOf(owned, contactId), { $set: { ready: true } });
  for (const suggestion of suggestions) await suggestMerge(models.MergeSuggestion, suggestion);
  return { contactId, isNew: created };
}

/**
 * What makes a new sender's contact id the same on every try of one message: the message's
 * idempotency key and receipt time (src/pool/messages.ts `inboundMessageKey`).
 */
export interface FirstSighting {
  messageKey: string;
  receivedAt: Date;
}

/**
 * The contact id a message's try proposes for a new sender: its receipt second (so the id still
 * sorts by time) and a digest of the message's key, the same on every try of that message.
 */
function proposedContactId(first: FirstSighting): Types.ObjectId {
  const bytes = Buffer.alloc(12);
  bytes.writeUInt32BE(Math.floor(first.receivedAt.getTime() / 1000) >>> 0, 0);
  createHash('sha256').update(`contact:${first.messageKey}`).digest().copy(bytes, 4, 0, 8);
  return new Types.ObjectId(bytes);
}

/**
 * A new sender with nothing further to link (most first messages): the contact, then its link
 * written ready — two inserts, where claim, contact and `ready` took three writes (issue 21).
 *
 * The order decides what a crash leaves: a contact no link points at yet, which lists its
 * identity (so the contact search and an erasure find it) and has no ticket. The retry of the same
 * message proposes the same id (proposedContactId), finds that contact and writes the link, so
 * no second contact is made. Of two first messages at once, one link insert wins; the loser
 * removes the contact it made and takes the winner's, or, when the winner is a creator of the
 * claim-first kind still at work (further identities), goes on from its claim.
 */
async function contactThenLink(
  models: PoolModels,
  key: string,
  input: ContactSighting,
  verified: boolean,
  first: FirstSighting,
): Promise<{ contactId: Types.ObjectId; isNew: boolean } | { claim: IdentityLink }> {
  const contactId = proposedContactId(first);
  await createContact(models, contactId, input.name, [{ ...input.identity, verified }]);
  try {
    await models.ContactIdentity.create({ _id: key, contactId, verified, ready: true });
    // Made by this message (this try or an earlier one that stopped before the link): no ticket.
    return { contactId, isNew: true };
  } catch (error) {
    if (!isDuplicateKey(error)) throw error;
  }
  const winner = await findLink(models, key);
  if (!winner) throw new Error(`identity link ${key} refused and then not found`);
  // A second run of this very message (a job thought stalled) linked it first: it may have a
  // ticket already.
  if (winner.contactId.equals(contactId)) return { contactId, isNew: false };
  // Another message's contact won. Only this message proposes this id, so no link or ticket
  // points at the contact made here: it is removed, not left as a second contact.
  await models.Contact.deleteOne({ _id: contactId });
  if (winner.ready) return { contactId: winner.contactId, isNew: false };
  return { claim: winner };
}

type IdentityLink = NonNullable<Awaited<ReturnType<typeof findLink>>>;

function findLink(models: PoolModels, key: string) {
  return models.ContactIdentity.findById(key).lean();
}

type FurtherIdentity = LinkedIdentity & { seen: string };

/**
 * What the sender's link records of a further identity: a digest, not the address, so the link
 * (exported with the sender's data) never lists an identity another contact may own.
 */
function seenKey(how: 'v' | 'c', identity: Identity): string {
  return createHash('sha256')
    .update(`${how}:${identityKey(identity)}`)
    .digest('base64url')
    .slice(0, 22);
}

/** The further identities a sighting brings: vouched ones verified, typed ones not. */
function furtherOf(input: ContactSighting): FurtherIdentity[] {
  return [
    ...(input.otherIdentities ?? []).map((i) => ({
      ...i,
      verified: true,
      seen: seenKey('v', i),
    })),
    ...(input.claimedIdentities ?? []).map((i) => ({
      ...i,
      verified: false,
      seen: seenKey('c', i),
    })),
  ];
}

/**
 * Further identities a known sender brings for the first time (a signed web-chat user whose
 * site now signs an email too, a Slack member who added one to the profile, an address typed in
 * the pre-chat form): linked to the sender's contact while free, upgraded to verified when it is
 * the contact's own unverified one, and a merge suggestion when another contact holds it. Two
 * existing contacts are never merged silently: each has its own conversations. The sender's link
 * records them, so the next messages cost nothing.
 */
async function linkFurther(
  models: PoolModels,
  senderKey: string,
  contactId: Types.ObjectId,
  fresh: readonly FurtherIdentity[],
): Promise<void> {
  const owned: LinkedIdentity[] = [];
  for (const other of fresh) {
    const key = identityKey(other);
    const linked = await linkUnlessHeld(models, key, contactId, other.verified);
    if (linked === undefined) {
      owned.push(other);
      continue;
    }
    if (linked.contactId.equals(contactId)) {
      if (other.verified && !linked.verified) await markVerified(models, key, contactId);
      continue;
    }
    await suggestMerge(models.MergeSuggestion, {
      contactId,
      otherContactId: linked.contactId,
      identity: { kind: other.kind, value: other.value },
      reason: other.verified ? 'vouched-identity' : 'claimed-identity',
    });
  }
  if (owned.length > 0) {
    await addIdentities(models, contactId, owned);
    await models.ContactIdentity.updateMany(linksOf(owned, contactId), { $set: { ready: true } });
  }
  await models.ContactIdentity.updateOne(
    { _id: senderKey },
    { $addToSet: { further: { $each: fresh.map((f) => f.seen) } } },
  );
}

/**
 * An unverified sighting of an identity another contact owns verified: a contact of its own, kept
 * under the link `unverified.<kind>:<value>` (so the same sender's next mails find it), and a
 * merge suggestion for an agent.
 */
async function shadowContact(
  models: PoolModels,
  input: ContactSighting,
  ownerId: Types.ObjectId,
): Promise<{ contactId: Types.ObjectId; isNew: boolean }> {
  const key = `unverified.${identityKey(input.identity)}`;
  const known = await models.ContactIdentity.findById(key).lean();
  if (known?.ready) return { contactId: known.contactId, isNew: false };
  const contactId =
    known?.contactId ?? (await claimIdentity(models, key, new Types.ObjectId(), false));
  await createContact(models, contactId, input.name, [{ ...input.identity, verified: false }]);
  await models.ContactIdentity.updateOne({ _id: key }, { $set: { ready: true } });
  await suggestMerge(models.MergeSuggestion, {
    contactId,
    otherContactId: ownerId,
    identity: input.identity,
    reason: 'unverified-sighting',
  });
  return { contactId, isNew: true };
}

/**
 * A verified sighting of an identity only unverified sightings had linked (or its owner proved
 * it: an email confirmation, src/identity/confirm-email.ts): now it is verified.
 */
export async function markVerified(
  models: PoolModels,
  key: string,
  contactId: Types.ObjectId,
): Promise<void> {
  await models.ContactIdentity.updateOne({ _id: key }, { $set: { verified: true } });
  // Read and rewritten whole: FerretDB 1.x has no arrayFilters (and this happens once per link).
  const contact = await models.Contact.findById(contactId, { identities: 1 }).lean();
  if (!contact) return;
  await models.Contact.updateOne(
    { _id: contactId },
    {
      $set: {
        identities: contact.identities.map((i) =>
          identityKey(i as Identity) === key ? { ...i, verified: true } : i,
        ),
      },
    },
  );
}

/** By _id: false when it exists (an earlier try, or a concurrent first message, made it). */
async function createContact(
  models: PoolModels,
  contactId: Types.ObjectId,
  name: string | undefined,
  owned: readonly LinkedIdentity[],
): Promise<boolean> {
  try {
    await models.Contact.create({
      _id: contactId,
      ...(name === undefined ? {} : { name }),
      identities: owned.map((i) => ({ kind: i.kind, value: i.value, verified: i.verified })),
    });
    return true;
  } catch (error) {
    if (!isDuplicateKey(error)) throw error;
    return false;
  }
}

/** Adds identities to an existing contact, each once (a retried message adds nothing). */
async function addIdentities(
  models: PoolModels,
  contactId: Types.ObjectId,
  owned: readonly LinkedIdentity[],
): Promise<void> {
  const contact = await models.Contact.findById(contactId, { identities: 1 }).lean();
  const listed = new Set((contact?.identities ?? []).map((i) => `${i.kind}:${i.value}`));
  const fresh = owned.filter((i) => !listed.has(identityKey(i)));
  if (fresh.length === 0) return;
  await models.Contact.updateOne(
    { _id: contactId },
    {
      $push: {
        identities: {
          $each: fresh.map((i) => ({ kind: i.kind, value: i.value, verified: i.verified })),
        },
      },
    },
  );
}

/**
 * Links `id` to the contact unless another contact owns it: undefined when it is this contact's
 * (now or already), else the owner and whether its link is verified.
 */
async function linkIfFree(
  models: PoolModels,
  id: string,
  contactId: Types.ObjectId,
  verified: boolean,
): Promise<{ contactId: Types.ObjectId; verified: boolean } | undefined> {
  const holder = await linkUnlessHeld(models, id, contactId, verified);
  return holder?.contactId.equals(contactId) ? undefined : holder;
}

/**
 * Links `id` to the contact unless it is linked already: undefined when this call linked it,
 * else its holder (this contact, by an earlier try, or another) and whether that link is verified.
 */
async function linkUnlessHeld(
  models: PoolModels,
  id: string,
  contactId: Types.ObjectId,
  verified: boolean,
): Promise<{ contactId: Types.ObjectId; verified: boolean } | undefined> {
  try {
    await models.ContactIdentity.create({ _id: id, contactId, verified });
    return undefined;
  } catch (error) {
    if (!isDuplicateKey(error)) throw error;
    const existing = await models.ContactIdentity.findById(id).lean();
    if (!existing) return undefined;
    return {
      contactId: existing.contactId,
      verified: existing.ready && existing.verified !== false,
    };
  }
}

function isDuplicateKey(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === 11000;
}

/**
 * Links an identity to `proposed` unless linked already; the contact id it ends up with. Of two
 * concurrent first messages one insert wins; the other reads the winner's link.
 */
async function claimIdentity(
  models: PoolModels,
  id: string,
  proposed: Types.ObjectId,
  verified: boolean,
  further: readonly string[] = [],
): Promise<Types.ObjectId> {
  try {
    await models.ContactIdentity.create({
      _id: id,
      contactId: proposed,
      verified,
      ...(further.length > 0 ? { further: [...further] } : {}),
    });
    return proposed;
  } catch (error) {
    if (!isDuplicateKey(error)) throw error;
    const winner = await models.ContactIdentity.findById(id).lean();
    if (!winner) throw error;
    return winner.contactId;
  }
}

/** The contact this one was merged into, following a chain (bounded); undefined when not merged. */
export async function survivorOf(
  models: PoolModels,
  contactId: Types.ObjectId,
): Promise<Types.ObjectId | undefined> {
  let survivor: Types.ObjectId | undefined;
  let current = contactId;
  for (let hops = 0; hops < 10; hops += 1) {
    const contact = await models.Contact.findById(current, { mergedInto: 1 }).lean();
    if (!contact?.mergedInto) break;
    survivor = current = contact.mergedInto;
  }
  return survivor;
}

/** A merged contact points at the survivor; follow the chain (bounded, in case of a cycle). */
async function followMerges(models: PoolModels, id: Types.ObjectId): Promise<ContactDoc> {
  let current = (await models.Contact.findById(id).lean()) as ContactDoc | null;
  for (let hops = 0; current?.mergedInto && hops < 10; hops += 1) {
    const next = (await models.Contact.findById(current.mergedInto).lean()) as ContactDoc | null;
    if (!next) break;
    current = next;
  }
  if (!current) throw new Error(`contact ${String(id)} vanished`);
  return current;
}
