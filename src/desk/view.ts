import { defaultVia } from '../pool/messages.ts';
import type { AgentDoc } from '../pool/models.ts';
import type { TicketPool } from '../pool/pool.ts';
import type { CardView } from './blocks.ts';

/** How many of the customer's last messages a card quotes. */
const CARD_MESSAGES = 3;

/** What a card (or an alert, or an offer) shows of a ticket; undefined when it does not exist. */
export async function readCardView(
  pool: TicketPool,
  ticketId: string,
  now: Date,
): Promise<CardView | undefined> {
  const ticket = await pool.getTicket(ticketId);
  if (!ticket) return undefined;
  const [contact, messages, assignee] = await Promise.all([
    pool.models.Contact.findById(ticket.contactId).lean(),
    pool.listMessages(ticket._id),
    ticket.assigneeId
      ? (pool.models.Agent.findById(ticket.assigneeId).lean() as Promise<AgentDoc | null>)
      : Promise.resolve(null),
  ]);
  const customerTexts = messages
    .filter((m) => m.direction === 'in' && m.authorKind === 'customer')
    .map((m) =>
      m.channel === ticket.channel
        ? (m.newText ?? m.text)
        : `(by ${m.channel}) ${m.newText ?? m.text}`,
    )
    .slice(-CARD_MESSAGES);
  return {
    ticketId,
    number: ticket.number,
    status: ticket.status,
    customerName: contact?.name ?? ticket.replyTo.value,
    channel: ticket.channel,
    replyChannel: defaultVia(ticket)?.channel,
    reason: ticket.escalationReason ?? undefined,
    intent: ticket.lastIntent ?? undefined,
    requiredSkills: ticket.requiredSkills ?? [],
    language: ticket.language ?? undefined,
    urgency: ticket.urgency,
    urgencyParts: (ticket.urgencyParts ?? []).map((part) => ({
      reason: part.reason ?? '',
      points: part.points ?? 0,
    })),
    sla: {
      state: ticket.slaState ?? undefined,
      firstResponseDueAt: ticket.firstResponseAt
        ? undefined
        : (ticket.firstResponseDueAt ?? undefined),
      nextResponseDueAt: ticket.nextResponseDueAt ?? undefined,
      resolutionDueAt: ticket.resolutionDueAt ?? undefined,
    },
    supervisorEscalatedAt: ticket.supervisorEscalatedAt ?? undefined,
    lastMessages: customerTexts,
    queuedAt: ticket.queuedAt ?? undefined,
    assigneeName: assignee?.displayName ?? undefined,
    now,
  };
}
