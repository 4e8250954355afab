/**
 * The ticket lifecycle: bot → queued → assigned → resolved → closed, with reopen on a new customer
 * message. Every status change in the pool goes through `assertTransition`.
 */
export const TICKET_STATUSES = ['bot', 'queued', 'assigned', 'resolved', 'closed'] as const;
export type TicketStatus = (typeof TICKET_STATUSES)[number];

const ALLOWED: Record<TicketStatus, readonly TicketStatus[]> = {
  // The bot escalates, or settles the question itself.
  bot: ['queued', 'resolved'],
  // Waiting for an agent: taken, or resolved without one (e.g. by a supervisor).
  queued: ['assigned', 'resolved'],
  // An agent may release the ticket back to the queue.
  assigned: ['queued', 'resolved'],
  // Reopened by a customer message (back to the bot, or to the agent who had it), or closed.
  resolved: ['bot', 'queued', 'assigned', 'closed'],
  // Closed is final: a new customer message opens a new ticket.
  closed: [],
};

export function canTransition(from: TicketStatus, to: TicketStatus): boolean {
  return ALLOWED[from].includes(to);
}

/** Statuses from which `to` may be reached; used as the condition of a single-document update. */
export function allowedSources(to: TicketStatus): TicketStatus[] {
  return TICKET_STATUSES.filter((from) => ALLOWED[from].includes(to));
}

/** Where a resolved ticket goes when the customer writes again. */
export function reopenTarget(ticket: { assigneeId?: unknown }): TicketStatus {
  return ticket.assigneeId ? 'assigned' : 'bot';
}

export const PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const;
export type Priority = (typeof PRIORITIES)[number];
