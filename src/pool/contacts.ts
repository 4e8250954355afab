import { Types } from 'mongoose';
import type { Identity } from '../domain/message.ts';
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
  input: {
    identity: Identity;
    name?: string | undefined;
    otherIdentities?: Identity[] | undefined;
  },
): Promise<ContactDoc> {
  return followMerges(models, await resolveContactId(models, input));
}

/**
 * The id of the contact owning an identity — one read by _id on the hot path (a known sender);
 * the creating path only for a new one. Merges re-point identity documents to the survivor, so
 * the id found is current.
 *
 * The creating path writes with inserts, whose unique _id decides every race, and reads nothing
 * more: on FerretDB 1.x over PostgreSQL a read or an update scans its collection (see tickets.ts),
 * an insert does not.
 */
export async function resolveContactId(
  models: PoolModels,
  input: {
    identity: Identity;
    name?: string | undefined;
    otherIdentities?: Identity[] | undefined;
  },
): Promise<Types.ObjectId> {
  const key = identityKey(input.identity);
  const known = await models.ContactIdentity.findById(key).lean();
  // `ready` is set only once the contact exists: a crash between the writes below leaves it
  // unset, and the retry takes the creating path again (every step of which is idempotent).
  if (known?.ready) return known.contactId;
  const contactId = known?.contactId ?? (await claimIdentity(models, key));
  // Further identities are attached only while free: a taken one keeps its owner, and is not
  // listed on this contact either (so exporting or erasing it never reaches the owner's data).
  const owned: Identity[] = [input.identity];
  for (const other of input.otherIdentities ?? []) {
    if (await linkIfFree(models, identityKey(other), contactId)) owned.push(other);
  }
  // By _id: if a crash came between linking the identity and creating the contact, the retry
  // still creates it; a duplicate means an earlier try (or a concurrent first message) did.
  await insertOnce(() =>
    models.Contact.create({
      _id: contactId,
      ...(input.name === undefined ? {} : { name: input.name }),
      identities: owned.map((i) => ({ kind: i.kind, value: i.value })),
    }),
  );
  await models.ContactIdentity.updateMany(
    { _id: { $in: owned.map(identityKey) } },
    { $set: { ready: true } },
  );
  return contactId;
}

/** Links `id` to the contact unless another contact owns it; true when it is this contact's. */
async function linkIfFree(
  models: PoolModels,
  id: string,
  contactId: Types.ObjectId,
): Promise<boolean> {
  try {
    await models.ContactIdentity.create({ _id: id, contactId });
    return true;
  } catch (error) {
    if (!isDuplicateKey(error)) throw error;
    // Ours already (a retried first message), or someone else's.
    const existing = await models.ContactIdentity.findById(id).lean();
    return existing !== null && String(existing.contactId) === String(contactId);
  }
}

function isDuplicateKey(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === 11000;
}

/** Runs an insert; a duplicate _id means the document is there already, which is the goal. */
async function insertOnce(insert: () => Promise<unknown>): Promise<void> {
  try {
    await insert();
  } catch (error) {
    if (!isDuplicateKey(error)) throw error;
  }
}

/**
 * Links an identity to a new contact id unless linked already; the contact id it ends up with.
 * Of two concurrent first messages one insert wins; the other reads the winner's link.
 */
async function claimIdentity(models: PoolModels, id: string): Promise<Types.ObjectId> {
  const contactId = new Types.ObjectId();
  try {
    await models.ContactIdentity.create({ _id: id, contactId });
    return contactId;
  } catch (error) {
    if (!isDuplicateKey(error)) throw error;
    const winner = await models.ContactIdentity.findById(id).lean();
    if (!winner) throw error;
    return winner.contactId;
  }
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
