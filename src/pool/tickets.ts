import { Types } from 'mongoose';
import { SwitchboardError } from '../domain/errors.ts';
import type { ChannelId, Identity } from '../domain/message.ts';
import { canTransition, reopenTarget, type TicketStatus } from '../domain/ticket.ts';
import type { DocumentLocks } from './locks.ts';
import { survivorOf } from './contacts.ts';
import type { PoolModels, TicketDoc } from './models.ts';

const MAX_CONFLICT_RETRIES = 8;

/**
 * Ticket numbers are taken from the shared counter in blocks (issue 21): one store round trip and
 * one lock per BLOCK tickets instead of per ticket, which also took every new ticket of every
 * process through one lock. Numbers stay unique and rise within a process; across processes they
 * interleave, and a process that stops leaves the rest of its block unused (gaps, as in most
 * trackers). Sort by createdAt, never by number, for the order tickets were opened.
 */
const BLOCK = 20;
const blocks = new WeakMap<
  PoolModels['Counter'],
  { next: number; end: number; taking?: Promise<void> }
>();

async function nextTicketNumber(models: PoolModels, locks: DocumentLocks): Promise<number> {
  let block = blocks.get(models.Counter);
  if (!block) blocks.set(models.Counter, (block = { next: 0, end: 0 }));
  while (block.next >= block.end) {
    // One refill per process at a time; the others wait for it instead of taking blocks too.
    block.taking ??= takeBlock(models, locks).then(
      (last) => {
        block.next = last - BLOCK + 1;
        block.end = last + 1;
        delete block.taking;
      },
      (error: unknown) => {
        delete block.taking;
        throw error;
      },
    );
    await block.taking;
  }
  const number = block.next;
  block.next += 1;
  return number;
}

/** The last number of a block of BLOCK just reserved on the shared counter. */
async function takeBlock(models: PoolModels, locks: DocumentLocks): Promise<number> {
  return locks.withLock('counter.ticket', async () => {
    const counter = await models.Counter.findOneAndUpdate(
      { _id: 'ticket' },
      { $inc: { seq: BLOCK } },
      { upsert: true, returnDocument: 'after' },
    ).lean();
    return counter?.seq ?? BLOCK;
  });
}

export interface OpenTicketInput {
  channel: ChannelId;
  threadKey: string;
  contactId: Types.ObjectId;
  replyTo: Identity;
  subject?: string | undefined;
  /** The opening message's first words, for lists (channels without a subject line). */
  preview?: string | undefined;
  channelData?: Record<string, unknown>;
  /**
   * The receipt time of the message being stored: a ticket opened for it records it as its
   * `lastCustomerMessageAt` in the insert, so noteCustomerMessage has nothing left to write.
   */
  lastCustomerMessageAt?: Date | undefined;
  /** The thread's closed ticket this one follows (a customer wrote again after it closed). */
  previousTicketId?: Types.ObjectId | undefined;
  /**
   * A new conversation of a contact who has an open ticket with a customer message within this
   * window joins that ticket, whatever its channel (0 or unset: never). A contact created for
   * this very message has no ticket, and nothing is read for it.
   */
  joinWindowMs?: number | undefined;
  contactIsNew?: boolean | undefined;
}

/** Statuses of a ticket a new conversation of its contact joins. */
const JOINABLE_STATUSES: readonly TicketStatus[] = ['bot', 'queued', 'assigned', 'resolved'];

/**
 * The contact's open ticket a new conversation continues (issue 19 item 3): the one the customer
 * wrote on last, within the window. One read, index-backed ({ contactId, status }).
 */
async function ticketToJoin(
  models: PoolModels,
  input: OpenTicketInput,
): Promise<TicketDoc | undefined> {
  if (input.contactIsNew || !input.joinWindowMs || input.joinWindowMs <= 0) return undefined;
  const since = new Date(Date.now() - input.joinWindowMs);
  const open = (await models.Ticket.findOne({
    contactId: input.contactId,
    status: { $in: JOINABLE_STATUSES },
    lastCustomerMessageAt: { $gte: since },
  })
    .sort({ lastCustomerMessageAt: -1 })
    .lean()) as TicketDoc | null;
  return open ?? undefined;
}

/**
 * Points the thread at the contact's open ticket instead of `from` (a ticket id this try claimed
 * or found closed); the ticket when the swap happened, undefined when there is none to join or
 * someone else moved the thread first.
 */
async function joinOpenTicket(
  models: PoolModels,
  threadId: string,
  from: Types.ObjectId,
  input: OpenTicketInput,
): Promise<TicketDoc | undefined> {
  const open = await ticketToJoin(models, input);
  if (!open) return undefined;
  const swapped = await models.Thread.updateOne(
    { _id: threadId, ticketId: from },
    { $set: { ticketId: open._id } },
  );
  return swapped.modifiedCount === 1 ? open : undefined;
}

function isDuplicateKey(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === 11000;
}

/**
 * The ticket a channel thread currently belongs to, opening one when the thread is new or its last
 * ticket is closed. The thread document's unique _id and a conditional swap of its ticketId make
 * this safe when two messages of one thread are ingested at once.
 *
 * A new thread costs two inserts and no read: on FerretDB 1.x over PostgreSQL every find or update
 * filter is pushed down as `_jsonb->'key' @> value`, which no B-tree index serves, so each read or
 * update — by _id too — scans its whole collection, while an insert only probes the unique index.
 */
export async function findOrOpenTicket(
  models: PoolModels,
  locks: DocumentLocks,
  input: OpenTicketInput,
): Promise<{ ticket: TicketDoc; opened: boolean }> {
  const threadId = `${input.channel}.${input.threadKey}`;
  return locks.withLock(`thread.${threadId}`, () => openUnderLock(models, locks, threadId, input));
}

async function openUnderLock(
  models: PoolModels,
  locks: DocumentLocks,
  threadId: string,
  input: OpenTicketInput,
): Promise<{ ticket: TicketDoc; opened: boolean }> {
  for (let attempt = 0; attempt < MAX_CONFLICT_RETRIES; attempt += 1) {
    // A new thread is claimed for a fresh ticket id, whose ticket cannot exist yet; a known one
    // comes back as it is. One round trip either way.
    const claimed = new Types.ObjectId();
    const thread = await claimThread(models, threadId, claimed);
    if (thread === 'claimed') return joinOrCreate(models, locks, threadId, claimed, input);
    // Removed between a refused claim and its read (an erasure): claim it again.
    if (!thread) continue;
    // Also covers a crash between the thread's insert and its ticket's: the retry creates it.
    const existing = await knownThreadTicket(models, locks, thread.ticketId, input);
    if (existing && existing.status !== 'closed') return { ticket: existing, opened: false };
    if (!existing) {
      // A crash after the thread's insert: the join (or the ticket) it was about to make.
      return joinOrCreate(models, locks, threadId, thread.ticketId, input);
    }
    // The thread's ticket is closed: the contact's open ticket elsewhere continues, else a fresh
    // one — unless someone else moved the thread first.
    const joined = await withContactLock(locks, input, () =>
      joinOpenTicket(models, threadId, existing._id, input),
    );
    if (joined) return { ticket: joined, opened: false };
    const freshId = new Types.ObjectId();
    const swapped = await models.Thread.updateOne(
      { _id: threadId, ticketId: existing._id },
      { $set: { ticketId: freshId } },
    );
    if (swapped.modifiedCount === 1) {
      const ticket = await createTicket(models, locks, freshId, {
        ...input,
        previousTicketId: existing._id,
      });
      return { ticket, opened: true };
    }
  }
  throw new SwitchboardError('SB_ERR_CONFLICT', `thread ${threadId} kept changing under us`);
}

/** Statuses in which a customer's message changes nothing but the ticket's receipt stamp. */
const OPEN_STATUSES: readonly TicketStatus[] = ['bot', 'queued', 'assigned'];

/**
 * A known thread's ticket. In the usual case — the ticket is open, the thread is its own, and the
 * message is its newest — the read also writes what noteCustomerMessage would write next (the
 * receipt time; replies go back to the own thread), in one `findOneAndUpdate` under the ticket's
 * lock (issue 21: a known thread cost a read and then that update). Anything else (a resolved
 * ticket to reopen, a joined thread, an older message, a closed ticket) is read as before and
 * decided by the caller and by noteCustomerMessage. A crash after the stamp and before the
 * message is stored leaves a receipt time the retry writes again.
 */
async function knownThreadTicket(
  models: PoolModels,
  locks: DocumentLocks,
  ticketId: Types.ObjectId,
  input: OpenTicketInput,
): Promise<TicketDoc | null> {
  const at = input.lastCustomerMessageAt;
  if (at) {
    const stamped = (await locks.withLock(`ticket.${String(ticketId)}`, () =>
      models.Ticket.findOneAndUpdate(
        {
          _id: ticketId,
          status: { $in: OPEN_STATUSES },
          channel: input.channel,
          threadKey: input.threadKey,
          lastCustomerMessageAt: { $lte: at },
        },
        { $set: { lastCustomerMessageAt: at }, $unset: { lastInbound: 1 } },
        { returnDocument: 'after' },
      ).lean(),
    )) as TicketDoc | null;
    if (stamped) return stamped;
  }
  return (await models.Ticket.findById(ticketId).lean()) as TicketDoc | null;
}

/**
 * A new thread's ticket: the contact's open ticket when there is one to join, else a new ticket
 * under the id the thread was claimed with. Under the contact's lock, so two first messages of
 * one contact on two channels at once make one ticket, not two.
 */
async function joinOrCreate(
  models: PoolModels,
  locks: DocumentLocks,
  threadId: string,
  claimed: Types.ObjectId,
  input: OpenTicketInput,
): Promise<{ ticket: TicketDoc; opened: boolean }> {
  const outcome = await withContactLock(locks, input, async () => {
    const joined = await joinOpenTicket(models, threadId, claimed, input);
    if (joined) return { ticket: joined, opened: false };
    // A merge that finished while this message waited for the lock moved the contact's identities
    // and tickets to the survivor: the conversation belongs there. One read, only when opening a
    // ticket for a contact that existed before this message.
    const survivor =
      input.contactIsNew || !joining(input) ? undefined : await survivorOf(models, input.contactId);
    if (survivor) return survivor;
    return { ticket: await createTicket(models, locks, claimed, input), opened: true };
  });
  // Again under the survivor's lock, this one released first: an unmerge takes both locks.
  if (outcome instanceof Types.ObjectId)
    return joinOrCreate(models, locks, threadId, claimed, { ...input, contactId: outcome });
  return outcome;
}

function joining(input: OpenTicketInput): boolean {
  return input.joinWindowMs !== undefined && input.joinWindowMs > 0;
}

/** Runs `work` under the contact's ticket-opening lock when conversations join (else as is). */
function withContactLock<T>(
  locks: DocumentLocks,
  input: OpenTicketInput,
  work: () => Promise<T>,
): Promise<T> {
  if (!joining(input)) return work();
  return locks.withLock(`contact-tickets.${String(input.contactId)}`, work);
}

/**
 * Claims the thread for `ticketId` when it is new, else returns it as it is (null: erased between
 * a refused claim and its read), in one round trip: an upsert by `_id` that changes nothing on a
 * known thread (index-backed: the `_id` GIN index on FerretDB, `_id` on MongoDB). Called under the
 * thread's lock, so no two claimers race here; a store whose upsert still reports a duplicate key
 * (another writer without the lock) is read back as a known thread. Issue 21: a known thread cost
 * a refused insert and a read.
 */
async function claimThread(
  models: PoolModels,
  threadId: string,
  ticketId: Types.ObjectId,
): Promise<'claimed' | { ticketId: Types.ObjectId } | null> {
  const now = new Date();
  try {
    const before = await models.Thread.findOneAndUpdate(
      { _id: threadId },
      { $setOnInsert: { ticketId, createdAt: now, updatedAt: now } },
      { upsert: true, returnDocument: 'before', timestamps: false },
    ).lean();
    return before ?? 'claimed';
  } catch (error) {
    if (!isDuplicateKey(error)) throw error;
    return await models.Thread.findById(threadId).lean();
  }
}

/** Idempotent by _id: a retry after a crash finds the ticket the first try created. */
async function createTicket(
  models: PoolModels,
  locks: DocumentLocks,
  id: Types.ObjectId,
  input: OpenTicketInput,
): Promise<TicketDoc> {
  const number = await nextTicketNumber(models, locks);
  const now = new Date();
  try {
    // Called under the thread's lock, so a plain insert (one round trip) is safe; a duplicate _id
    // means an earlier, crashed attempt already created it.
    const created = await models.Ticket.create({
      _id: id,
      number,
      channel: input.channel,
      threadKey: input.threadKey,
      contactId: input.contactId,
      replyTo: input.replyTo,
      status: 'bot',
      channelData: input.channelData ?? {},
      statusHistory: [{ from: null, to: 'bot', at: now, by: 'system', reason: 'opened' }],
      ...(input.subject === undefined ? {} : { subject: input.subject }),
      ...(input.preview ? { preview: input.preview } : {}),
      ...(input.lastCustomerMessageAt === undefined
        ? {}
        : { lastCustomerMessageAt: input.lastCustomerMessageAt }),
      ...(input.previousTicketId === undefined ? {} : { previousTicketId: input.previousTicketId }),
    });
    return created.toObject();
  } catch (error) {
    if (!isDuplicateKey(error)) throw error;
    const ticket = (await models.Ticket.findById(id).lean()) as TicketDoc | null;
    if (!ticket) throw error;
    return ticket;
  }
}

/** Where a customer message came from: enough to answer on that channel. */
export interface CustomerAddress {
  channel: ChannelId;
  threadKey: string;
  replyTo: Identity;
  channelData?: Record<string, unknown> | undefined;
}

/** Fields a status sets (the timestamps SLAs read). */
function timestampsFor(to: TicketStatus, now: Date): Record<string, unknown> {
  switch (to) {
    case 'queued':
      return { queuedAt: now };
    case 'assigned':
      return { assignedAt: now };
    case 'resolved':
      return { resolvedAt: now };
    case 'closed':
      return { closedAt: now };
    case 'bot':
      return {};
  }
}

export interface TransitionOptions {
  by: string;
  reason?: string | undefined;
  /** Extra fields to set in the same single-document update (e.g. assigneeId). */
  set?: Record<string, unknown>;
  /** Only transition from this status (e.g. "take" only a queued ticket). */
  expectedFrom?: TicketStatus;
  /**
   * A further condition on the ticket as read under its lock (e.g. "the customer has not written
   * since"); when false the transition is refused like an unexpected status.
   */
  when?: (current: TicketDoc) => boolean;
}

/**
 * The one way a ticket's status changes. Checks the lifecycle, then applies the change with a
 * conditional single-document update on the status it read, so a concurrent change is detected
 * (and retried against the new status) rather than overwritten.
 */
export async function transitionTicket(
  models: PoolModels,
  locks: DocumentLocks,
  ticketId: Types.ObjectId | string,
  to: TicketStatus,
  options: TransitionOptions,
): Promise<TicketDoc> {
  return locks.withLock(`ticket.${String(ticketId)}`, async () => {
    // The status it must leave is known and nothing else is checked: one conditional update, no
    // read. When it does not apply, the read below says why (not found, another status).
    const { expectedFrom } = options;
    if (expectedFrom && !options.when && canTransition(expectedFrom, to)) {
      const updated = await applyTransition(models, ticketId, expectedFrom, to, options);
      if (updated) return updated;
    }
    return transitionUnderLock(models, ticketId, to, options);
  });
}

/**
 * Another step's bookkeeping written with a transition, in its one update, when the ticket also
 * matches `filter` (e.g. "this message's outcome is not counted yet").
 */
export interface FoldedUpdate {
  filter: Record<string, unknown>;
  $set?: Record<string, unknown>;
  $inc?: Record<string, number>;
  $unset?: Record<string, 1>;
}

/** The transition's one write, conditional on the status it leaves; null when that changed. */
async function applyTransition(
  models: PoolModels,
  ticketId: Types.ObjectId | string,
  from: TicketStatus,
  to: TicketStatus,
  options: TransitionOptions,
  fold?: FoldedUpdate,
): Promise<TicketDoc | null> {
  const now = new Date();
  const set = { ...fold?.$set, status: to, ...timestampsFor(to, now), ...options.set };
  return (await models.Ticket.findOneAndUpdate(
    { ...fold?.filter, _id: ticketId, status: from },
    {
      $set: set,
      ...(fold?.$inc ? { $inc: fold.$inc } : {}),
      ...(fold?.$unset && Object.keys(fold.$unset).length > 0 ? { $unset: fold.$unset } : {}),
      $push: { statusHistory: { from, to, at: now, by: options.by, reason: options.reason } },
    },
    { returnDocument: 'after' },
  ).lean()) as TicketDoc | null;
}

/**
 * A transition from `from` with another step's bookkeeping in the same one update (no read).
 * Null when the ticket is not in `from` or does not match the fold's filter: the caller then
 * takes the steps one by one (the bookkeeping's own conditional write, then transitionTicket),
 * which decide and fail as they always did.
 */
export function transitionWithFold(
  models: PoolModels,
  locks: DocumentLocks,
  ticketId: Types.ObjectId,
  from: TicketStatus,
  to: TicketStatus,
  options: TransitionOptions,
  fold: FoldedUpdate,
): Promise<TicketDoc | null> {
  if (!canTransition(from, to) || options.when) return Promise.resolve(null);
  return locks.withLock(`ticket.${String(ticketId)}`, () =>
    applyTransition(models, ticketId, from, to, options, fold),
  );
}

async function transitionUnderLock(
  models: PoolModels,
  ticketId: Types.ObjectId | string,
  to: TicketStatus,
  options: TransitionOptions,
): Promise<TicketDoc> {
  for (let attempt = 0; attempt < MAX_CONFLICT_RETRIES; attempt += 1) {
    const current = (await models.Ticket.findById(ticketId).lean()) as TicketDoc | null;
    if (!current)
      throw new SwitchboardError('SB_ERR_NOT_FOUND', `ticket ${String(ticketId)} not found`);
    if (options.expectedFrom && current.status !== options.expectedFrom) {
      throw new SwitchboardError(
        'SB_ERR_INVALID_TRANSITION',
        `ticket #${current.number} is ${current.status}, not ${options.expectedFrom}`,
      );
    }
    if (options.when && !options.when(current)) {
      throw new SwitchboardError(
        'SB_ERR_INVALID_TRANSITION',
        `ticket #${current.number} changed: no longer ready to become ${to}`,
      );
    }
    if (!canTransition(current.status, to)) {
      throw new SwitchboardError(
        'SB_ERR_INVALID_TRANSITION',
        `ticket #${current.number} cannot go from ${current.status} to ${to}`,
      );
    }
    // The lock makes read-then-write safe; status stays in the filter as a second guard.
    const updated = await applyTransition(models, current._id, current.status, to, options);
    if (updated) return updated;
  }
  throw new SwitchboardError(
    'SB_ERR_CONFLICT',
    `ticket ${String(ticketId)} kept changing under us`,
  );
}

/**
 * Records that the customer wrote: stamps lastCustomerMessageAt and reopens a resolved ticket
 * (back to its agent if it had one, else to the bot). Writes nothing when the ticket as given
 * already carries this message's time (opened for it, or a retried job) and is not resolved.
 */
export async function noteCustomerMessage(
  models: PoolModels,
  locks: DocumentLocks,
  ticket: TicketDoc,
  at: Date,
  from?: CustomerAddress,
): Promise<TicketDoc> {
  if (
    ticket.status !== 'resolved' &&
    ticket.lastCustomerMessageAt &&
    ticket.lastCustomerMessageAt >= at
  )
    return ticket;
  return locks.withLock(`ticket.${String(ticket._id)}`, async () => {
    const newest = !ticket.lastCustomerMessageAt || ticket.lastCustomerMessageAt <= at;
    const latest = newest ? at : ticket.lastCustomerMessageAt!;
    // The newest message says where the customer is now: another channel or thread than the
    // ticket's own is remembered (replies go there), the own thread forgets it.
    const elsewhere =
      newest &&
      from !== undefined &&
      (from.channel !== ticket.channel || from.threadKey !== ticket.threadKey);
    const back = newest && from !== undefined && !elsewhere && ticket.lastInbound;
    const fresh = (await models.Ticket.findOneAndUpdate(
      { _id: ticket._id },
      {
        $set: { lastCustomerMessageAt: latest, ...(elsewhere ? { lastInbound: from } : {}) },
        ...(back ? { $unset: { lastInbound: 1 } } : {}),
      },
      { returnDocument: 'after' },
    ).lean()) as TicketDoc | null;
    if (fresh?.status === 'resolved') {
      return transitionUnderLock(models, ticket._id, reopenTarget(fresh), {
        by: 'customer',
        reason: 'customer wrote again',
        // First-contact resolution counts tickets that never needed this.
        set: { reopenedAt: new Date() },
      });
    }
    return fresh ?? ticket;
  });
}

/**
 * Any other update of a ticket document, under the ticket's lock (see locks.ts for why).
 *
 * The optional condition is either a predicate, checked on the document read by _id first (two
 * round trips), or a filter added to the update's own `{ _id }` filter (one round trip): FerretDB
 * 1.x pushes the `_id` part down and checks the rest (even `field: null`) on the one document it
 * finds; under the lock, that check and the write cannot be separated by another writer.
 */
export async function updateTicket(
  models: PoolModels,
  locks: DocumentLocks,
  ticketId: Types.ObjectId,
  update: Record<string, unknown>,
  when?: ((ticket: TicketDoc) => boolean) | Record<string, unknown>,
): Promise<void> {
  await locks.withLock(`ticket.${String(ticketId)}`, async () => {
    if (typeof when === 'function') {
      const current = (await models.Ticket.findById(ticketId).lean()) as TicketDoc | null;
      if (!current || !when(current)) return;
    }
    const filter = typeof when === 'object' ? { ...when, _id: ticketId } : { _id: ticketId };
    await models.Ticket.updateOne(filter, update);
  });
}

/** How long a ticket's preview is (the first line of its opening message). */
export const PREVIEW_CHARS = 120;

/** The first non-empty line of a message, cut to PREVIEW_CHARS. */
export function previewOf(text: string): string {
  const line = text.split('\n', 20).find((l) => l.trim() !== '') ?? '';
  const trimmed = line.trim();
  return trimmed.length > PREVIEW_CHARS ? `${trimmed.slice(0, PREVIEW_CHARS - 1)}…` : trimmed;
}
