/**
 * Where an agent may answer a customer (issue 16 item 5): the ticket's own channel, or another
 * channel the contact is known on — an email address or a phone number their channels vouched
 * for — when the gateway sends on that channel. A reply sent elsewhere gets a thread of the
 * ticket's own on that channel, so the customer's answer there continues the same ticket.
 */
import type { Types } from 'mongoose';
import { CHANNEL_OF_KIND, type ChannelId, type IdentityKind } from '../domain/message.ts';
import { defaultVia } from './messages.ts';
import type { PoolModels, TicketDoc } from './models.ts';

export interface ReplyChannel {
  channel: ChannelId;
  to: { kind: IdentityKind; value: string };
  /** The ticket's own channel (the default). */
  current: boolean;
}

/** The ticket's own channel first, then each other address of the contact a channel here sends to. */
export function replyChannelsOf(
  ticket: Pick<TicketDoc, 'channel' | 'threadKey' | 'replyTo' | 'lastInbound'>,
  identities: ReadonlyArray<{ kind?: string | null; value?: string | null }>,
  sendsTo: ReadonlySet<ChannelId>,
): ReplyChannel[] {
  // Where the customer last wrote, when the conversation continued on another channel, is the
  // default; the ticket's own channel stays a choice (its latest thread: ticket-work.ts).
  const latest = defaultVia(ticket);
  const last = latest?.channel === ticket.channel ? undefined : latest;
  const own: ReplyChannel = {
    channel: ticket.channel,
    to: { kind: ticket.replyTo.kind, value: ticket.replyTo.value },
    current: last === undefined,
  };
  const others: ReplyChannel[] = last
    ? [{ channel: last.channel, to: { kind: last.kind, value: last.value }, current: true }]
    : [];
  for (const identity of identities) {
    const channel = identity.kind ? CHANNEL_OF_KIND[identity.kind] : undefined;
    if (!channel || !identity.value || !sendsTo.has(channel) || channel === own.channel) continue;
    if (channel === last?.channel) continue;
    if (others.some((o) => o.channel === channel && o.to.value === identity.value)) continue;
    others.push({
      channel,
      to: { kind: identity.kind as IdentityKind, value: identity.value },
      current: false,
    });
  }
  return last ? [...others, own] : [own, ...others];
}

/** The thread key of a ticket's replies on a channel other than its own. */
export function viaThreadKey(ticketId: Types.ObjectId | string): string {
  return `ticket.${String(ticketId)}`;
}

/**
 * Points the customer's thread on `channel` at the ticket, so their answer there continues it:
 * `threadKey` is the channel's own key for their address (SMS: their number and ours), else the
 * ticket's own thread there (email threads by message ids, remembered when the reply is sent). A
 * thread already on an open ticket is left alone (its conversation goes on there); one on a
 * closed ticket is moved to this one.
 */
export async function linkViaThread(
  models: PoolModels,
  channel: ChannelId,
  threadKey: string,
  ticketId: Types.ObjectId,
): Promise<void> {
  const _id = `${channel}.${threadKey}`;
  try {
    await models.Thread.create({ _id, ticketId });
    return;
  } catch (error) {
    if ((error as { code?: unknown }).code !== 11000) throw error;
  }
  const thread = await models.Thread.findById(_id).lean();
  if (!thread || String(thread.ticketId) === String(ticketId)) return;
  const current = await models.Ticket.findById(thread.ticketId, { status: 1 }).lean();
  if (current && current.status !== 'closed') return;
  await models.Thread.updateOne({ _id, ticketId: thread.ticketId }, { $set: { ticketId } });
}
