import type { Types } from 'mongoose';
import { ENROLLED_AGENTS } from '../accounts/enrolment.ts';
import type { DocumentLocks } from '../pool/locks.ts';
import type { AgentDoc, PoolModels, TicketDoc } from '../pool/models.ts';

/**
 * The ticket as the caller already has it, fresh from a write of the pipeline's, and the fields
 * `when` and `update` read: `updateTicketWhen` then tries one write whose filter pins those fields
 * to the values known, instead of reading the ticket again (issue 21).
 */
export interface KnownTicket {
  ticket: TicketDoc;
  reads: ReadonlyArray<Extract<keyof TicketDoc, string>>;
}

/**
 * A conditional update of one ticket for dispatch (the offer, the score, the SLA fields): read by
 * _id and checked under the ticket's lock — the same lock pool.transition takes — then written.
 * Returns the ticket after the update, or null when the condition refused it.
 *
 * Why not a filter alone: FerretDB 1.x applies a conditional update as "query, then replace" with
 * nothing around the two (locks.ts), so two dispatchers would both win; under the lock a filter is
 * safe. With `known`, the first try is one `findOneAndUpdate` pinned to the known values (absent
 * ones as null): it applies only to the ticket the caller decided on, and when any pinned field
 * changed since, the read-then-write decides as always.
 */
export async function updateTicketWhen(
  models: PoolModels,
  locks: DocumentLocks,
  ticketId: Types.ObjectId | string,
  when: (ticket: TicketDoc) => boolean,
  update: (ticket: TicketDoc) => Record<string, unknown>,
  known?: KnownTicket,
): Promise<TicketDoc | null> {
  return locks.withLock(`ticket.${String(ticketId)}`, async () => {
    if (known && String(known.ticket._id) === String(ticketId) && when(known.ticket)) {
      const pinned: Record<string, unknown> = {};
      for (const field of known.reads) pinned[field] = known.ticket[field] ?? null;
      const applied = (await models.Ticket.findOneAndUpdate(
        { ...pinned, _id: known.ticket._id },
        update(known.ticket),
        { returnDocument: 'after' },
      ).lean()) as TicketDoc | null;
      if (applied) return applied;
    }
    const current = (await models.Ticket.findById(ticketId).lean()) as TicketDoc | null;
    if (!current || !when(current)) return null;
    return (await models.Ticket.findOneAndUpdate({ _id: current._id }, update(current), {
      returnDocument: 'after',
    }).lean()) as TicketDoc | null;
  });
}

/** Tickets waiting for an agent, most urgent first (the status/urgency/queuedAt index). */
export async function listQueuedTickets(models: PoolModels, limit = 1000): Promise<TicketDoc[]> {
  return (await models.Ticket.find({ status: 'queued' })
    .sort({ urgency: -1, queuedAt: 1 })
    .limit(limit)
    .lean()) as unknown as TicketDoc[];
}

/** Every agent record (a support team is tens to hundreds of people: one read per pass). */
export async function listAgents(models: PoolModels): Promise<AgentDoc[]> {
  // Only people an admin, a supervisor or an allowed Slack group made agents see customers.
  return await models.Agent.find(ENROLLED_AGENTS).lean();
}
