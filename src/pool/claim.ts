/**
 * Taking a waiting ticket, the one rule for Slack's Take, a reply that takes a ticket, and the
 * console: one of the agent's slots first (refused at capacity), then the transition conditional
 * on `queued`, so of several agents at once exactly one wins and the others keep no slot.
 */
import { isSwitchboardError } from '../domain/errors.ts';
import type { AgentDoc, TicketDoc } from './models.ts';
import type { TicketPool } from './pool.ts';

/** Does the agent hold this ticket now? */
export function holds(ticket: TicketDoc | null, agent: Pick<AgentDoc, '_id'>): boolean {
  return ticket?.status === 'assigned' && String(ticket.assigneeId) === String(agent._id);
}

/**
 * A ticket the agent already holds counts as taken (a retried job or request). `ticket` is the
 * ticket as last read, for the caller's explanation.
 */
export async function claimTicket(
  pool: TicketPool,
  ticketId: string,
  agent: Pick<AgentDoc, '_id'>,
  by: string,
  reason: string,
): Promise<{ result: 'taken' | 'at-capacity' | 'lost'; ticket: TicketDoc | null }> {
  const before = await pool.getTicket(ticketId);
  if (!before || (before.status !== 'queued' && !holds(before, agent))) {
    return { result: 'lost', ticket: before };
  }
  const slot = await pool.reserveAgentSlot(agent._id, ticketId);
  if (slot === 'at-capacity') return { result: 'at-capacity', ticket: before };
  try {
    const ticket = await pool.transition(ticketId, 'assigned', {
      by,
      reason,
      expectedFrom: 'queued',
      set: { assigneeId: agent._id },
    });
    return { result: 'taken', ticket };
  } catch (error) {
    if (!(isSwitchboardError(error) && error.code === 'SB_ERR_INVALID_TRANSITION')) throw error;
    const ticket = await pool.getTicket(ticketId);
    if (holds(ticket, agent)) return { result: 'taken', ticket };
    await pool.releaseAgentSlot(agent._id, ticketId);
    return { result: 'lost', ticket };
  }
}
