import type { Queue } from 'bullmq';
import { CONTINUE_CHANNEL, type ChannelId } from '../domain/message.ts';
import type { ChannelAdapter } from '../domain/ports.ts';
import type { TicketPool } from '../pool/pool.ts';
import { linkViaThread, viaThreadKey } from '../pool/reply-channels.ts';
import { enqueueDelivery } from './ingest.ts';
import type { OutboundJobData } from './queues.ts';
import { sentFilesOf } from '../pool/messages.ts';

/** The key prefix of the email copies this makes (their ids are `sb.continue.<message id>`). */
const COPY_KEY = 'continue';

export type ContinueOutcome =
  'emailed' | 'not-an-agent-answer' | 'no-email-channel' | 'customer-present' | 'no-verified-email';

/** Is this message an email copy made here (so the hooks of an agent's answer skip it)? */
export function isContinuationCopy(messageId: string): boolean {
  return messageId.startsWith(`sb.${COPY_KEY}.`);
}

/**
 * "Continue by email" (issue 19 item 3): an agent's answer that went to a customer who has left
 * the conversation's page (a web chat visitor who closed it: the channel's `customerAway`) is
 * also sent by email when the contact has a verified address. The email goes on a thread of the
 * ticket's own there, linked back to the ticket, so the customer's reply by email lands in the
 * same ticket. The copy is keyed by the answer's id: a repeated call sends nothing twice.
 */
export async function continueByEmail(
  deps: {
    pool: TicketPool;
    outbound: Queue<OutboundJobData>;
    adapters: ReadonlyMap<ChannelId, ChannelAdapter>;
  },
  ticketId: string,
  messageId: string,
  /** The channel the answer went by: one that cannot tell whether the customer left costs no read. */
  channel: ChannelId,
): Promise<ContinueOutcome> {
  const adapter = deps.adapters.get(channel);
  // The registry's `continuesAway` channel (email), by its id and identity kind.
  const email = CONTINUE_CHANNEL;
  if (!email || channel === email.id || !adapter?.customerAway || !deps.adapters.has(email.id))
    return 'no-email-channel';
  const message = await deps.pool.getMessage(messageId);
  if (!message || message.authorKind !== 'agent' || isContinuationCopy(messageId))
    return 'not-an-agent-answer';
  const ticket = await deps.pool.getTicket(ticketId);
  if (!ticket) return 'not-an-agent-answer';
  if (!(await adapter.customerAway(message.via?.threadKey ?? ticket.threadKey)))
    return 'customer-present';
  const contact = await deps.pool.models.Contact.findById(ticket.contactId, {
    identities: 1,
  }).lean();
  // Only an address the customer proved (a signed site user, DKIM-passing mail, an integration).
  const address = contact?.identities.find(
    (i) => i.kind === email.identityKind && i.verified !== false,
  );
  if (!address) return 'no-verified-email';
  const threadKey = viaThreadKey(ticket._id);
  await linkViaThread(deps.pool.models, email.id, threadKey, ticket._id);
  const copy = await deps.pool.createOutbound({
    ticket,
    key: `${COPY_KEY}.${messageId}`,
    authorKind: 'agent',
    authorId: message.authorId ?? undefined,
    authorName: message.authorName ?? undefined,
    text: message.text,
    markdown: message.markdown ?? undefined,
    html: message.html ?? undefined,
    // The answer's files go along, as attachments of the email.
    files: sentFilesOf(message.attachments),
    via: { channel: email.id, kind: email.identityKind, value: address.value, threadKey },
  });
  await enqueueDelivery(deps.outbound, copy);
  return 'emailed';
}
