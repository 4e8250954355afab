import type { Types } from 'mongoose';
import type { AuthorKind, InboundMessage } from '../domain/message.ts';
import type { MessageDoc, PoolModels, TicketDoc } from './models.ts';

function isDuplicateKeyError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 11000;
}

/**
 * Stores a customer message once. The unique index on (channel, channelMessageId) is the guard,
 * not a check-then-insert: `created` is false when the message was already there (a redelivery).
 */
export async function appendInbound(
  models: PoolModels,
  input: { ticket: TicketDoc; contactId: Types.ObjectId; message: InboundMessage },
): Promise<{ message: MessageDoc; created: boolean }> {
  const { message } = input;
  const filter = { channel: message.channel, channelMessageId: message.channelMessageId };
  const fields = {
    ticketId: input.ticket._id,
    contactId: input.contactId,
    direction: 'in',
    authorKind: 'customer',
    ...(message.from.name === undefined ? {} : { authorName: message.from.name }),
    text: message.text,
    ...(message.newText === undefined ? {} : { newText: message.newText }),
    ...(message.html === undefined ? {} : { html: message.html }),
    ...(message.subject === undefined ? {} : { subject: message.subject }),
    attachments: message.attachments,
    deliveryStatus: 'received',
    channelData: message.channelData,
    receivedAt: message.receivedAt,
    handled: false,
  };
  try {
    const result = await models.Message.updateOne(filter, { $setOnInsert: fields }, { upsert: true });
    const stored = (await models.Message.findOne(filter).lean()) as MessageDoc | null;
    if (!stored) throw new Error('message vanished after upsert');
    return { message: stored, created: result.upsertedCount === 1 };
  } catch (error) {
    // Two upserts racing on a unique index: one inserts, the other gets E11000 and reads it.
    if (!isDuplicateKeyError(error)) throw error;
    const existing = (await models.Message.findOne(filter).lean()) as MessageDoc | null;
    if (!existing) throw error;
    return { message: existing, created: false };
  }
}

export interface OutboundDraft {
  ticket: TicketDoc;
  /** Deterministic per cause (e.g. "reply.<inbound id>"), so a retried step creates nothing new. */
  key: string;
  authorKind: AuthorKind;
  authorId?: string | undefined;
  authorName?: string | undefined;
  text: string;
  markdown?: string | undefined;
  intent?: string | undefined;
  score?: number | undefined;
}

/** Creates the outbound message in `pending` state (idempotent by key), before it is queued. */
export async function createOutbound(models: PoolModels, draft: OutboundDraft): Promise<MessageDoc> {
  const filter = { channel: draft.ticket.channel, channelMessageId: `sb.${draft.key}` };
  try {
    const doc = await models.Message.findOneAndUpdate(
      filter,
      {
        $setOnInsert: {
          ticketId: draft.ticket._id,
          contactId: draft.ticket.contactId,
          direction: 'out',
          authorKind: draft.authorKind,
          ...(draft.authorId === undefined ? {} : { authorId: draft.authorId }),
          ...(draft.authorName === undefined ? {} : { authorName: draft.authorName }),
          text: draft.text,
          ...(draft.markdown === undefined ? {} : { markdown: draft.markdown }),
          ...(draft.intent === undefined ? {} : { intent: draft.intent }),
          ...(draft.score === undefined ? {} : { score: draft.score }),
          deliveryStatus: 'pending',
        },
      },
      { upsert: true, returnDocument: 'after' },
    ).lean();
    return doc as MessageDoc;
  } catch (error) {
    if (!isDuplicateKeyError(error)) throw error;
    const existing = (await models.Message.findOne(filter).lean()) as MessageDoc | null;
    if (!existing) throw error;
    return existing;
  }
}

/** Records the outcome of one delivery attempt on the message. */
export async function recordDelivery(
  models: PoolModels,
  messageId: Types.ObjectId | string,
  outcome:
    | { status: 'sent' | 'delivered'; providerMessageId?: string | undefined }
    | { status: 'failed' | 'pending'; error: string },
): Promise<void> {
  const now = new Date();
  const set: Record<string, unknown> =
    'error' in outcome
      ? { deliveryStatus: outcome.status, deliveryError: outcome.error }
      : {
          deliveryStatus: outcome.status,
          sentAt: now,
          ...(outcome.providerMessageId === undefined ? {} : { providerMessageId: outcome.providerMessageId }),
        };
  await models.Message.updateOne({ _id: messageId }, { $set: set, $inc: { deliveryAttempts: 1 } });
}

/** Marks an inbound message as fully handled, with what the intent layer found. */
export async function markHandled(
  models: PoolModels,
  messageId: Types.ObjectId,
  facts: { intent?: string | undefined; score?: number | undefined; language?: string | undefined; sentiment?: number | undefined },
): Promise<void> {
  const set: Record<string, unknown> = { handled: true };
  for (const [key, value] of Object.entries(facts)) if (value !== undefined) set[key] = value;
  await models.Message.updateOne({ _id: messageId }, { $set: set });
}
