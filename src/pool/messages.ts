import type { Types } from 'mongoose';
import type { AuthorKind, ChannelId, IdentityKind, InboundMessage } from '../domain/message.ts';
import type { MessageDoc, PoolModels, TicketDoc } from './models.ts';

/** The stored message's _id: the channel's idempotency key. */
export function inboundMessageKey(channel: string, channelMessageId: string): string {
  return `${channel}.${channelMessageId}`;
}

function isDuplicateKeyError(error: unknown): boolean {
  return (
    typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 11000
  );
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
  const filter = { _id: inboundMessageKey(message.channel, message.channelMessageId) };
  const fields = {
    channel: message.channel,
    channelMessageId: message.channelMessageId,
    ticketId: input.ticket._id,
    contactId: input.contactId,
    direction: 'in' as const,
    authorKind: 'customer' as const,
    ...(message.from.name === undefined ? {} : { authorName: message.from.name }),
    text: message.text,
    ...(message.newText === undefined ? {} : { newText: message.newText }),
    ...(message.html === undefined ? {} : { html: message.html }),
    ...(message.subject === undefined ? {} : { subject: message.subject }),
    attachments: message.attachments,
    deliveryStatus: 'received' as const,
    channelData: message.channelData,
    receivedAt: message.receivedAt,
    handled: false,
  };
  try {
    // A plain insert: one round trip on the hot path; the unique _id refuses a redelivery.
    const created = await models.Message.create({ _id: filter._id, ...fields });
    return { message: created.toObject() as MessageDoc, created: true };
  } catch (error) {
    if (!isDuplicateKeyError(error)) throw error;
    const existing = (await models.Message.findById(filter._id).lean()) as MessageDoc | null;
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
  /** Sanitized HTML for channels that show HTML (email). */
  html?: string | undefined;
  /** Choices to offer as buttons, on channels that can. */
  choices?: string[] | undefined;
  /** Files an agent uploaded for this message (src/pool/attachments.ts `saveUpload`). */
  files?: OutboundFile[] | undefined;
  /**
   * Another channel and address than the ticket's (an agent's choice; see reply-channels.ts).
   * Unset: where the customer last wrote (the ticket's `lastInbound`, else its own channel);
   * null: the ticket's own channel.
   */
  via?: OutboundVia | null | undefined;
  intent?: string | undefined;
  score?: number | undefined;
  /** A bot message: the rest of the decision it carries out (see the `decision` field). */
  decision?: Record<string, unknown> | undefined;
}

/** A file sent with an outbound message: the stored upload's id and what it is. */
export interface OutboundFile {
  fileId: string;
  name: string;
  contentType: string;
  size: number;
}

/** The files an agent sent with a stored message (the attachments that name an upload). */
export function sentFilesOf(
  attachments:
    | ReadonlyArray<{
        fileId?: string | null | undefined;
        name?: string | null | undefined;
        contentType?: string | null | undefined;
        size?: number | null | undefined;
      }>
    | null
    | undefined,
): OutboundFile[] {
  return (attachments ?? []).flatMap((a) =>
    a.fileId
      ? [
          {
            fileId: a.fileId,
            name: a.name ?? 'file',
            contentType: a.contentType ?? 'application/octet-stream',
            size: a.size ?? 0,
          },
        ]
      : [],
  );
}

export interface OutboundVia {
  channel: ChannelId;
  kind: IdentityKind;
  value: string;
  threadKey: string;
  channelData?: Record<string, unknown> | undefined;
}

/**
 * Where a message to the customer goes by default: the channel and thread they last wrote on when
 * that is not the ticket's own (a conversation that continued there, issue 19), else undefined.
 */
export function defaultVia(
  ticket: Pick<TicketDoc, 'channel' | 'threadKey' | 'lastInbound'>,
): OutboundVia | undefined {
  const last = ticket.lastInbound;
  if (!last?.channel || !last.threadKey || !last.replyTo) return undefined;
  if (last.channel === ticket.channel && last.threadKey === ticket.threadKey) return undefined;
  return {
    channel: last.channel,
    kind: last.replyTo.kind,
    value: last.replyTo.value,
    threadKey: last.threadKey,
    channelData: (last.channelData ?? {}) as Record<string, unknown>,
  };
}

/**
 * Where the answer to one inbound message goes: the channel and thread it came by, when that is
 * not the ticket's own (a conversation that continued there), else null (the ticket's own). Two
 * messages on two threads answered at once each get their answer in their own thread.
 */
export function answerVia(
  inbound: Pick<InboundMessage, 'channel' | 'threadKey' | 'from' | 'channelData'>,
  ticket: Pick<TicketDoc, 'channel' | 'threadKey'>,
): OutboundVia | null {
  if (inbound.channel === ticket.channel && inbound.threadKey === ticket.threadKey) return null;
  return {
    channel: inbound.channel,
    kind: inbound.from.identity.kind,
    value: inbound.from.identity.value,
    threadKey: inbound.threadKey,
    channelData: inbound.channelData,
  };
}

/** What a delivery needs of the ticket: the fields toOutboundMessage and its bookkeeping read. */
export type TicketView = Pick<
  TicketDoc,
  '_id' | 'channel' | 'threadKey' | 'replyTo' | 'channelData' | 'language' | 'firstResponseAt'
>;

/** The copy of the ticket an outbound message carries (see the `ticketView` field). */
function ticketViewOf(ticket: TicketDoc) {
  return {
    channel: ticket.channel,
    threadKey: ticket.threadKey,
    replyTo: { kind: ticket.replyTo.kind, value: ticket.replyTo.value },
    channelData: (ticket.channelData ?? {}) as Record<string, unknown>,
    ...(ticket.language ? { language: ticket.language } : {}),
    ...(ticket.firstResponseAt ? { firstResponseAt: ticket.firstResponseAt } : {}),
  };
}

/** The ticket as the message carries it, or undefined for a message stored without the copy. */
export function ticketViewOfMessage(message: MessageDoc): TicketView | undefined {
  const view = message.ticketView;
  if (!view?.channel || !view.threadKey || !view.replyTo) return undefined;
  return {
    _id: message.ticketId,
    channel: view.channel,
    threadKey: view.threadKey,
    replyTo: view.replyTo,
    channelData: (view.channelData ?? {}) as Record<string, unknown>,
    language: view.language ?? null,
    firstResponseAt: view.firstResponseAt ?? null,
  };
}

/** Creates the outbound message in `pending` state (idempotent by key), before it is queued. */
export async function createOutbound(
  models: PoolModels,
  input: OutboundDraft,
): Promise<MessageDoc> {
  const via = input.via === undefined ? defaultVia(input.ticket) : (input.via ?? undefined);
  const draft = { ...input, via };
  const id = `sb.${draft.key}`;
  try {
    // A plain insert: one round trip; a duplicate key means a retried step created it already.
    const created = await models.Message.create({
      _id: id,
      channel: draft.via?.channel ?? draft.ticket.channel,
      channelMessageId: id,
      ticketId: draft.ticket._id,
      contactId: draft.ticket.contactId,
      direction: 'out' as const,
      authorKind: draft.authorKind,
      ...(draft.authorId === undefined ? {} : { authorId: draft.authorId }),
      ...(draft.authorName === undefined ? {} : { authorName: draft.authorName }),
      text: draft.text,
      ...(draft.markdown === undefined ? {} : { markdown: draft.markdown }),
      ...(draft.html === undefined ? {} : { html: draft.html }),
      ...(draft.choices === undefined ? {} : { choices: draft.choices }),
      ...(draft.files === undefined || draft.files.length === 0
        ? {}
        : {
            attachments: draft.files.map((f) => ({
              fileId: f.fileId,
              name: f.name,
              contentType: f.contentType,
              size: f.size,
            })),
          }),
      ...(draft.via === undefined ? {} : { via: draft.via }),
      ...(draft.intent === undefined ? {} : { intent: draft.intent }),
      ...(draft.score === undefined ? {} : { score: draft.score }),
      ...(draft.decision === undefined ? {} : { decision: draft.decision }),
      ticketView: ticketViewOf(draft.ticket),
      deliveryStatus: 'pending' as const,
    });
    return created.toObject() as MessageDoc;
  } catch (error) {
    if (!isDuplicateKeyError(error)) throw error;
  }
  const stored = (await models.Message.findById(id).lean()) as MessageDoc | null;
  if (!stored) throw new Error(`outbound message ${id} vanished after a duplicate-key insert`);
  return stored;
}

/**
 * The usual start of a delivery, in one round trip: a `pending` message becomes `sending` (the
 * attempt durable before the provider sees it, as markSending) and comes back as it now is. Null
 * when the message is not pending — already sent or settled, or left `sending` by an attempt
 * whose outcome was lost — and the caller reads it and decides (issue 21: a read, then a write).
 */
export async function claimPending(
  models: PoolModels,
  messageId: string,
  at: Date,
): Promise<MessageDoc | null> {
  return (await models.Message.findOneAndUpdate(
    { _id: messageId, deliveryStatus: 'pending' },
    { $set: { deliveryStatus: 'sending', attemptStartedAt: at } },
    { returnDocument: 'after' },
  ).lean()) as MessageDoc | null;
}

/**
 * Gives back a claim whose send never began (the message could not be made ready for its
 * channel): `pending` again, so the next run neither asks the channel about an attempt that never
 * happened nor counts one.
 */
export async function releaseClaim(models: PoolModels, messageId: string): Promise<void> {
  await models.Message.updateOne(
    { _id: messageId, deliveryStatus: 'sending' },
    { $set: { deliveryStatus: 'pending' }, $unset: { attemptStartedAt: 1 } },
  );
}

/**
 * Opens a delivery attempt before the channel is called: `sending`, and when the open attempts
 * began. A later run that finds `sending` knows an attempt's outcome was lost and asks the channel
 * first. `reopen`: the previous attempt was still open (its outcome just resolved as not sent, or
 * unknowable); it is counted now, and its start time kept so a later question looks back far
 * enough. One write, by _id. False when the message is no longer pending or sending (a status
 * callback settled it since it was read).
 */
export async function markSending(
  models: PoolModels,
  messageId: string,
  options: { at: Date; reopen: boolean },
): Promise<boolean> {
  const update = options.reopen
    ? { $set: { deliveryStatus: 'sending' }, $inc: { deliveryAttempts: 1 } }
    : { $set: { deliveryStatus: 'sending', attemptStartedAt: options.at } };
  const applied = await models.Message.updateOne(
    { _id: messageId, deliveryStatus: { $in: ['pending', 'sending'] } },
    update,
  );
  return applied.matchedCount > 0;
}

/**
 * Records the outcome of one delivery attempt on the message. `sending` with an error: the attempt
 * failed in a way that may have reached the provider (a timeout); it stays open, so the next run
 * asks the channel before sending again.
 */
export async function recordDelivery(
  models: PoolModels,
  messageId: string,
  outcome:
    | { status: 'sent' | 'delivered'; providerMessageId?: string | undefined }
    | { status: 'failed' | 'pending' | 'sending'; error: string },
): Promise<void> {
  const now = new Date();
  const set: Record<string, unknown> =
    'error' in outcome
      ? { deliveryStatus: outcome.status, deliveryError: outcome.error }
      : {
          deliveryStatus: outcome.status,
          sentAt: now,
          ...(outcome.providerMessageId === undefined
            ? {}
            : { providerMessageId: outcome.providerMessageId }),
        };
  // An attempt left open (`sending`) is counted when a later run resolves it (markSending).
  const inc = outcome.status === 'sending' ? {} : { $inc: { deliveryAttempts: 1 } };
  // A channel's delivery receipt may have arrived before this write (a fast "delivered" status
  // callback): the status only moves forward, the other fields are recorded either way.
  const applied = await models.Message.updateOne(
    { _id: messageId, deliveryStatus: { $nin: ['delivered', 'failed'] } },
    { $set: set, ...inc },
  );
  if (applied.matchedCount === 0) {
    const { deliveryStatus: _settled, ...rest } = set;
    await models.Message.updateOne({ _id: messageId }, { $set: rest, ...inc });
  }
}

/** Marks an inbound message as fully handled, with what the intent layer found. */
export async function markHandled(
  models: PoolModels,
  messageId: string,
  facts: {
    intent?: string | undefined;
    score?: number | undefined;
    language?: string | undefined;
    sentiment?: number | undefined;
  },
): Promise<void> {
  const set: Record<string, unknown> = { handled: true };
  for (const [key, value] of Object.entries(facts)) if (value !== undefined) set[key] = value;
  await models.Message.updateOne({ _id: messageId }, { $set: set });
}
