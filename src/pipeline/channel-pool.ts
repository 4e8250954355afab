import type { Identity } from '../domain/message.ts';
import { InboundMessageSchema } from '../domain/message.ts';
import { SwitchboardError } from '../domain/errors.ts';
import type { ChannelPool, TicketSummary } from '../domain/ports.ts';
import type { MessageDoc, TicketDoc } from '../pool/models.ts';
import type { TicketPool } from '../pool/pool.ts';

function summaryOf(ticket: TicketDoc | null): TicketSummary | undefined {
  if (!ticket) return undefined;
  return {
    id: String(ticket._id),
    number: ticket.number ?? undefined,
    subject: ticket.subject ?? undefined,
    threadKey: ticket.threadKey,
    replyTo: { kind: ticket.replyTo.kind, value: ticket.replyTo.value },
    channelData: (ticket.channelData ?? {}) as Record<string, unknown>,
  };
}

/**
 * The pool as channels see it (src/domain/ports.ts `ChannelPool`): tickets, messages and contacts
 * stay the pool's; a system reply is stored and then queued for delivery, as the pipeline does.
 */
export function channelPool(
  pool: TicketPool,
  /** Queues a stored outbound message for delivery (the pipeline's enqueueDelivery). */
  enqueue: (message: MessageDoc) => Promise<void>,
): ChannelPool {
  return {
    ticketSummary: async (ticketId) => summaryOf(await pool.getTicket(ticketId)),
    ticketByNumber: async (ticketNumber, channel) =>
      summaryOf(await pool.findTicketByNumber(ticketNumber, channel)),
    markUndeliverable: (identity: Identity) => pool.markUndeliverable(identity),
    recordDeliveryOutcome: (messageId, outcome) => pool.recordDeliveryOutcome(messageId, outcome),
    async recordHandledInbound(message, intent) {
      const result = await pool.ingest(InboundMessageSchema.parse(message));
      if (!result.message.handled) await pool.markHandled(result.message._id, { intent });
      return { ticketId: String(result.ticket._id) };
    },
    async queueSystemReply(input) {
      const ticket = await pool.getTicket(input.ticketId);
      if (!ticket)
        throw new SwitchboardError('SB_ERR_NOT_FOUND', `ticket ${input.ticketId} not found`);
      const message = await pool.createOutbound({
        ticket,
        key: input.key,
        authorKind: 'system',
        authorName: 'Switchboard',
        text: input.text,
      });
      await enqueue(message);
      return { messageId: String(message._id) };
    },
  };
}
