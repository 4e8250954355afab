import type { Types } from 'mongoose';
import { ENROLLED_AGENTS } from '../accounts/enrolment.ts';
import type { DocumentLocks } from '../pool/locks.ts';
import type { AgentDoc, PoolModels, TicketDoc } from '../pool/models.ts';

/**
 * A conditional update of one ticket for dispatch (the offer, the score, the SLA fields): read by
 * _id and checked under the ticket's lock — the same lock pool.transition takes — then written.
 * Returns the ticket after the update, or null when the condition refused it.
 *
 * Why not a filter in the update: FerretDB 1.x applies a conditional update as "query, then
 * replace" with nothing around the two (locks.ts), so two dispatchers would both win.
 */
export async function updateTicketWhen(
  models: PoolModels,
  locks: DocumentLocks,
  ticketId: Types.ObjectId | string,
  when: (ticket: TicketDoc) => boolean,
  update: (ticket: TicketDoc) => Record<string, unknown>,
): Promise<TicketDoc | null> {
  return locks.withLock(`ticket.${String(ticketId)}`, async () => {
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
