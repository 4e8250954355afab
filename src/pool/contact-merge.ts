/**
 * Merging two contacts that are one person, and undoing it.
 *
 * A merge records on the merged contact (the loser) exactly what it moved — the identity links,
 * the tickets (their messages follow them), the identities it listed on the survivor, the name it
 * copied — so an unmerge gives back that and nothing else. Tickets opened after the merge belong
 * to the survivor and stay there.
 *
 * FerretDB has no transactions: every step is a single-document update or an update by filter,
 * and the record is written first (merge) or removed last (unmerge), so running either again after
 * a crash finishes it. Both contacts' locks are held throughout, as erasure holds one.
 */
import type { Types } from 'mongoose';
import { SwitchboardError } from '../domain/errors.ts';
import type { DocumentLocks } from './locks.ts';
import { suggestionId } from './merge-suggestions.ts';
import type { ContactDoc, PoolModels } from './models.ts';

/** How far a chain of merges is followed (a cycle would otherwise loop). */
const MAX_MERGE_HOPS = 10;

export interface MergeDeps {
  models: PoolModels;
  locks: DocumentLocks;
}

/** What a merge moved, or an unmerge gave back. */
export interface MergeOutcome {
  survivorId: string;
  mergedId: string;
  identities: string[];
  ticketIds: string[];
}

type Identity = { kind: string; value: string; verified?: boolean | null | undefined };

const keyOf = (i: { kind: string; value: string }) => `${i.kind}:${i.value}`;

async function contactOrThrow(models: PoolModels, id: Types.ObjectId): Promise<ContactDoc> {
  const contact = (await models.Contact.findById(id).lean()) as ContactDoc | null;
  if (!contact) throw new SwitchboardError('SB_ERR_NOT_FOUND', `no such contact ${String(id)}`);
  return contact;
}

/** The contact a chain of merges ends at (the id itself when it was never merged). */
export async function survivorIdOf(
  models: PoolModels,
  id: Types.ObjectId,
): Promise<Types.ObjectId> {
  let current = id;
  for (let hops = 0; hops < MAX_MERGE_HOPS; hops += 1) {
    const contact = await models.Contact.findById(current, { mergedInto: 1 }).lean();
    if (!contact?.mergedInto) return current;
    current = contact.mergedInto;
  }
  return current;
}

/**
 * Runs `work` holding both contacts' locks, always taken in the same order (no deadlock), and
 * their ticket-opening locks (tickets.ts): no ticket is opened for either while tickets move.
 */
function withBothLocks<T>(
  locks: DocumentLocks,
  a: Types.ObjectId,
  b: Types.ObjectId,
  work: () => Promise<T>,
): Promise<T> {
  const [first, second] = [String(a), String(b)].sort();
  const opening = () =>
    locks.withLock(`contact-tickets.${first}`, () =>
      locks.withLock(`contact-tickets.${second}`, work),
    );
  return locks.withLock(`contact.${first}`, () => locks.withLock(`contact.${second}`, opening));
}

/**
 * Merges `mergedId` into `survivorId`. Refused (409) for a contact into itself, a survivor that
 * was itself merged away, or a contact merged into another one already. Merging the same pair
 * again finishes a half-done merge and otherwise changes nothing.
 */
export function mergeContacts(
  deps: MergeDeps,
  input: { survivorId: Types.ObjectId; mergedId: Types.ObjectId; by: string },
): Promise<MergeOutcome> {
  const { survivorId, mergedId } = input;
  if (survivorId.equals(mergedId))
    throw new SwitchboardError('SB_ERR_CONFLICT', 'cannot merge a contact into itself');
  return withBothLocks(deps.locks, survivorId, mergedId, async () => {
    const { models } = deps;
    const survivor = await contactOrThrow(models, survivorId);
    let loser = await contactOrThrow(models, mergedId);
    if (survivor.mergedInto)
      throw new SwitchboardError(
        'SB_ERR_CONFLICT',
        `contact ${String(survivorId)} was merged into ${String(survivor.mergedInto)}: merge into that one`,
      );
    if (loser.mergedInto && !(loser.merge && survivorId.equals(loser.merge.into)))
      throw new SwitchboardError(
        'SB_ERR_CONFLICT',
        `contact ${String(mergedId)} is merged into ${String(loser.mergedInto)} already`,
      );
    if (!loser.merge) {
      // The record first: from here on lookups land on the survivor, and a re-run resumes.
      const listed = new Set(survivor.identities.map(keyOf));
      await models.Contact.updateOne(
        { _id: mergedId, mergedInto: { $exists: false } },
        {
          $set: {
            mergedInto: survivorId,
            merge: {
              into: survivorId,
              by: input.by,
              at: new Date(),
              identityLinks: [],
              addedIdentities: loser.identities.filter((i) => !listed.has(keyOf(i))),
              ticketIds: [],
              nameCopied: !survivor.name && Boolean(loser.name),
            },
          },
        },
      );
    }
    await moveIdentityLinks(models, mergedId, survivorId);
    await moveTickets(models, mergedId, survivorId);
    loser = await contactOrThrow(models, mergedId);
    const record = loser.merge;
    if (!record) throw new SwitchboardError('SB_ERR_CONFLICT', 'the merge was undone meanwhile');
    const listed = new Set(survivor.identities.map(keyOf));
    const missing = (record.addedIdentities as Identity[]).filter((i) => !listed.has(keyOf(i)));
    const set: Record<string, unknown> = {};
    if (record.nameCopied && !survivor.name && loser.name) set['name'] = loser.name;
    if (missing.length > 0 || Object.keys(set).length > 0)
      await models.Contact.updateOne(
        { _id: survivorId },
        {
          ...(missing.length > 0 ? { $push: { identities: { $each: missing } } } : {}),
          ...(Object.keys(set).length > 0 ? { $set: set } : {}),
        },
      );
    await models.MergeSuggestion.updateOne(
      { _id: suggestionId(survivorId, mergedId), status: { $ne: 'merged' } },
      { $set: { status: 'merged', decidedBy: input.by, decidedAt: new Date() } },
    );
    if (!record.completedAt)
      await models.Contact.updateOne(
        { _id: mergedId },
        { $set: { 'merge.completedAt': new Date() } },
      );
    return outcome(survivorId, mergedId, record);
  });
}

/** Adds to the merge record what is about to move (a set: a re-run adds nothing twice). */
async function recordMoved(
  models: PoolModels,
  from: Types.ObjectId,
  field: 'identityLinks' | 'ticketIds',
  values: unknown[],
): Promise<void> {
  await models.Contact.updateOne(
    { _id: from },
    { $addToSet: { [`merge.${field}`]: { $each: values } } },
  );
}

/** Re-points the loser's identity links, recording each before it moves. */
async function moveIdentityLinks(
  models: PoolModels,
  from: Types.ObjectId,
  to: Types.ObjectId,
): Promise<void> {
  const links = await models.ContactIdentity.find({ contactId: from }, { _id: 1 }).lean();
  const keys = links.map((l) => String(l._id));
  if (keys.length === 0) return;
  await recordMoved(models, from, 'identityLinks', keys);
  await models.ContactIdentity.updateMany(
    { _id: { $in: keys }, contactId: from },
    { $set: { contactId: to } },
  );
}

/**
 * Re-points the loser's tickets (recorded before they move) and the messages of every recorded
 * ticket: a re-run after a crash between the two finds the tickets moved and moves the messages.
 */
async function moveTickets(
  models: PoolModels,
  from: Types.ObjectId,
  to: Types.ObjectId,
): Promise<void> {
  const tickets = await models.Ticket.find({ contactId: from }, { _id: 1 }).lean();
  const ids = tickets.map((t) => t._id);
  if (ids.length > 0) {
    await recordMoved(models, from, 'ticketIds', ids);
    await models.Ticket.updateMany(
      { _id: { $in: ids }, contactId: from },
      { $set: { contactId: to } },
    );
  }
  const recorded = (await models.Contact.findById(from, { merge: 1 }).lean())?.merge?.ticketIds;
  if (recorded && recorded.length > 0)
    await models.Message.updateMany(
      { ticketId: { $in: recorded }, contactId: from },
      { $set: { contactId: to } },
    );
}

function outcome(
  survivorId: Types.ObjectId,
  mergedId: Types.ObjectId,
  record: { identityLinks: string[]; ticketIds: Types.ObjectId[] },
): MergeOutcome {
  return {
    survivorId: String(survivorId),
    mergedId: String(mergedId),
    identities: [...record.identityLinks],
    ticketIds: record.ticketIds.map(String),
  };
}

/**
 * Gives a merged contact back its own identity links and tickets (with their messages), takes
 * the identities and name the merge added off the survivor, and removes `mergedInto`. Refused
 * (409) for a contact that is not merged, and while its survivor is merged into another contact
 * (that later merge is undone first). The pair's suggestion, if any, becomes dismissed: an agent
 * decided they are two people.
 */
export async function unmergeContact(
  deps: MergeDeps,
  input: { mergedId: Types.ObjectId; by: string },
): Promise<MergeOutcome> {
  const { models } = deps;
  const { mergedId } = input;
  const first = await contactOrThrow(models, mergedId);
  if (!first.merge)
    throw new SwitchboardError(
      'SB_ERR_CONFLICT',
      first.mergedInto
        ? 'this contact was merged before merges were recorded: it cannot be unmerged'
        : 'this contact is not merged',
    );
  const survivorId = first.merge.into;
  return withBothLocks(deps.locks, survivorId, mergedId, async () => {
    const loser = await contactOrThrow(models, mergedId);
    const record = loser.merge;
    if (!record || !survivorId.equals(record.into))
      throw new SwitchboardError('SB_ERR_CONFLICT', 'this contact is not merged');
    const survivor = await contactOrThrow(models, survivorId);
    if (survivor.mergedInto)
      throw new SwitchboardError(
        'SB_ERR_CONFLICT',
        `contact ${String(survivorId)} was merged into ${String(survivor.mergedInto)} since: unmerge it first`,
      );
    await models.ContactIdentity.updateMany(
      { _id: { $in: record.identityLinks }, contactId: survivorId },
      { $set: { contactId: mergedId } },
    );
    await models.Ticket.updateMany(
      { _id: { $in: record.ticketIds }, contactId: survivorId },
      { $set: { contactId: mergedId } },
    );
    await models.Message.updateMany(
      { ticketId: { $in: record.ticketIds }, contactId: survivorId },
      { $set: { contactId: mergedId } },
    );
    const added = new Set((record.addedIdentities as Identity[]).map(keyOf));
    const kept = survivor.identities.filter((i) => !added.has(keyOf(i)));
    const dropName = record.nameCopied && survivor.name && survivor.name === loser.name;
    if (kept.length !== survivor.identities.length || dropName)
      await models.Contact.updateOne(
        { _id: survivorId },
        {
          ...(kept.length !== survivor.identities.length ? { $set: { identities: kept } } : {}),
          ...(dropName ? { $unset: { name: 1 } } : {}),
        },
      );
    await models.MergeSuggestion.updateOne(
      { _id: suggestionId(survivorId, mergedId), status: 'merged' },
      { $set: { status: 'dismissed', decidedBy: input.by, decidedAt: new Date() } },
    );
    // The record last: until it is gone, a re-run of the unmerge finds what to give back.
    await models.Contact.updateOne(
      { _id: mergedId, 'merge.into': survivorId },
      { $unset: { mergedInto: 1, merge: 1 } },
    );
    return outcome(survivorId, mergedId, record);
  });
}

/** Contacts merged into `id`, directly or through others (bounded), `id` first. */
export async function mergedFamily(models: PoolModels, id: Types.ObjectId): Promise<ContactDoc[]> {
  const root = (await models.Contact.findById(id).lean()) as ContactDoc | null;
  if (!root) return [];
  const family: ContactDoc[] = [root];
  let frontier = [id];
  for (let depth = 0; depth < MAX_MERGE_HOPS && frontier.length > 0; depth += 1) {
    const next = (await models.Contact.find({
      mergedInto: { $in: frontier },
    }).lean()) as ContactDoc[];
    const fresh = next.filter((c) => !family.some((f) => f._id.equals(c._id)));
    family.push(...fresh);
    frontier = fresh.map((c) => c._id);
  }
  return family;
}

/**
 * Accepts a merge suggestion: merges its two contacts (or the contacts they were merged into
 * since) into `into`, one of the pair, or into the older one. Accepting again changes nothing; a
 * dismissed suggestion is refused.
 */
export async function acceptSuggestion(
  deps: MergeDeps,
  input: { id: string; into?: Types.ObjectId | undefined; by: string },
): Promise<MergeOutcome | null> {
  const { models } = deps;
  const suggestion = await models.MergeSuggestion.findById(input.id).lean();
  if (!suggestion) throw new SwitchboardError('SB_ERR_NOT_FOUND', 'no such merge suggestion');
  if (suggestion.status === 'dismissed')
    throw new SwitchboardError('SB_ERR_CONFLICT', 'the suggestion was dismissed');
  const [a, b] = suggestion.contactIds;
  const into = input.into ?? a;
  if (!into.equals(a) && !into.equals(b))
    throw new SwitchboardError('SB_ERR_VALIDATION', '`into` must be one of the two contacts');
  const other = into.equals(a) ? b : a;
  const survivorId = await survivorIdOf(models, into);
  const mergedId = await survivorIdOf(models, other);
  // Merged already (through this suggestion or another route): only the status is left to set.
  const result = survivorId.equals(mergedId)
    ? null
    : await mergeContacts(deps, { survivorId, mergedId, by: input.by });
  await models.MergeSuggestion.updateOne(
    { _id: input.id, status: 'open' },
    { $set: { status: 'merged', decidedBy: input.by, decidedAt: new Date() } },
  );
  return result;
}
