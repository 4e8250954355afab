import type { Queue } from 'bullmq';
import { SwitchboardError } from '../domain/errors.ts';
import type { OutboundDraft, OutboundFile } from '../pool/messages.ts';
import type { MessageDoc } from '../pool/models.ts';
import type { TicketPool } from '../pool/pool.ts';
import { enqueueDelivery } from './ingest.ts';
import type { OutboundJobData } from './queues.ts';

/**
 * An agent's answer on a ticket: stored as an agent message and queued to the customer's own
 * channel. `key` identifies the agent's action (e.g. the Slack message ts or an API request id),
 * so a retried request sends nothing twice.
 */
export async function sendAgentReply(
  deps: { pool: TicketPool; outbound: Queue<OutboundJobData> },
  input: {
    ticketId: string;
    key: string;
    agentId: string;
    agentName: string;
    text: string;
    /** Files uploaded for this reply (checked by the caller: this ticket's uploads). */
    files?: OutboundFile[];
    /** Another of the contact's channels, chosen by the agent (src/pool/reply-channels.ts). */
    via?: OutboundDraft['via'];
  },
): Promise<MessageDoc> {
  const ticket = await deps.pool.getTicket(input.ticketId);
  if (!ticket) throw new SwitchboardError('SB_ERR_NOT_FOUND', `ticket ${input.ticketId} not found`);
  if (ticket.status === 'closed') {
    throw new SwitchboardError('SB_ERR_INVALID_TRANSITION', `ticket #${ticket.number} is closed`);
  }
  const message = await deps.pool.createOutbound({
    ticket,
    key: `agent.${input.key}`,
    authorKind: 'agent',
    authorId: input.agentId,
    authorName: input.agentName,
    text: input.text,
    ...(input.files === undefined ? {} : { files: input.files }),
    ...(input.via === undefined ? {} : { via: input.via }),
  });
  await enqueueDelivery(deps.outbound, message);
  return message;
}
