import type { Logger } from 'pino';
import { SwitchboardError, isSwitchboardError } from '../domain/errors.ts';
import { OutboundMessageSchema, type ChannelId, type OutboundMessage } from '../domain/message.ts';
import type { ChannelAdapter } from '../domain/ports.ts';
import type { MessageDoc, TicketDoc } from '../pool/models.ts';
import type { TicketPool } from '../pool/pool.ts';
import type { Metrics } from '../metrics.ts';

export interface OutboundDeps {
  pool: TicketPool;
  adapters: ReadonlyMap<ChannelId, ChannelAdapter>;
  metrics?: Metrics;
  logger?: Logger;
  /** Called once an agent's message went out (dispatch: response target met, clock paused). */
  onAgentReplySent?(ticketId: string): Promise<void>;
}

/** The address and content a channel needs, from the stored message and its ticket. */
export function toOutboundMessage(message: MessageDoc, ticket: TicketDoc): OutboundMessage {
  return OutboundMessageSchema.parse({
    messageId: String(message._id),
    ticketId: String(ticket._id),
    channel: ticket.channel,
    threadKey: ticket.threadKey,
    to: { kind: ticket.replyTo.kind, value: ticket.replyTo.value },
    author: {
      kind: message.authorKind,
      ...(message.authorName ? { name: message.authorName } : {}),
    },
    text: message.text,
    ...(message.markdown ? { markdown: message.markdown } : {}),
    ...(message.html ? { html: message.html } : {}),
    ...(message.choices && message.choices.length > 0 ? { choices: message.choices } : {}),
    channelData: (ticket.channelData ?? {}) as Record<string, unknown>,
  });
}

/**
 * Delivers one stored outbound message through its channel's adapter and records the outcome on
 * the message. Already-sent messages are skipped, so a redelivered job sends nothing twice.
 * Errors are rethrown for BullMQ to retry; the worker turns non-retryable ones into
 * UnrecoverableError.
 */
export function deliverOutbound(
  messageId: string,
  deps: OutboundDeps,
): Promise<'sent' | 'already-sent'> {
  // The status is read under the message's lock, so two runs of one job never both see "pending".
  return deps.pool.withOutboundLock(messageId, () => deliverUnderLock(messageId, deps));
}

async function deliverUnderLock(
  messageId: string,
  deps: OutboundDeps,
): Promise<'sent' | 'already-sent'> {
  const message = await deps.pool.getMessage(messageId);
  if (!message)
    throw new SwitchboardError('SB_ERR_NOT_FOUND', `outbound message ${messageId} not found`);
  if (message.deliveryStatus === 'sent' || message.deliveryStatus === 'delivered')
    return 'already-sent';
  const ticket = await deps.pool.getTicket(message.ticketId);
  if (!ticket)
    throw new SwitchboardError('SB_ERR_NOT_FOUND', `ticket of message ${messageId} not found`);
  const adapter = deps.adapters.get(ticket.channel);
  if (!adapter) {
    throw new SwitchboardError(
      'SB_ERR_UNKNOWN_CHANNEL',
      `no adapter for channel ${ticket.channel}`,
    );
  }
  try {
    const result = await adapter.send(toOutboundMessage(message, ticket));
    await deps.pool.recordDelivery(message._id, {
      status: 'sent',
      providerMessageId: result.providerMessageId,
    });
    if (!ticket.firstResponseAt) await deps.pool.noteFirstResponse(ticket._id, new Date());
    if (message.authorKind === 'agent') await deps.onAgentReplySent?.(String(ticket._id));
    deps.metrics?.messages.inc({ channel: ticket.channel, direction: 'out' });
    return 'sent';
  } catch (error) {
    const retryable = isSwitchboardError(error) ? error.retryable : true;
    const reason = error instanceof Error ? error.message : String(error);
    await deps.pool.recordDelivery(message._id, {
      status: retryable ? 'pending' : 'failed',
      error: reason,
    });
    throw error;
  }
}
