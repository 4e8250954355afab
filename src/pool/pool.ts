import { attributesUpdate } from '../domain/contact-attributes.ts';
import type { DialoguePrompt } from '../domain/dialogue.ts';
import type { Types } from 'mongoose';
import type { ChannelId, Identity, InboundMessage } from '../domain/message.ts';
import type { TicketStatus } from '../domain/ticket.ts';
import { recordAudit } from './audit.ts';
import { mergeContacts, unmergeContact, type MergeOutcome } from './contact-merge.ts';
import { linkContact, resolveContact } from './contacts.ts';
import { connectPool, type PoolConnection } from './connection.ts';
import {
  appendInbound,
  createOutbound,
  inboundMessageKey,
  markHandled,
  markSending,
  recordDelivery,
  type OutboundDraft,
} from './messages.ts';
import type { ContactDoc, MessageDoc, PoolModels, TicketDoc } from './models.ts';
import {
  findOrOpenTicket,
  noteCustomerMessage,
  previewOf,
  transitionTicket,
  transitionWithFold,
  updateTicket,
  type FoldedUpdate,
  type TransitionOptions,
} from './tickets.ts';
import { noDocumentLocks, type DocumentLocks } from './locks.ts';
import { releaseAgentSlot, reserveAgentSlot, type ReserveOptions } from './agent-load.ts';

/** Result of storing one inbound message: where it went and whether it was new. */
export interface IngestResult {
  contactId: Types.ObjectId;
  ticket: TicketDoc;
  message: MessageDoc;
  /** False when the message was already stored (a redelivery). */
  created: boolean;
  /** The ticket was opened for this message by this try (it holds no other customer message). */
  opened: boolean;
  /** The contact was made for this message (it has no other ticket). */
  contactIsNew: boolean;
}

/**
 * The bot's outcome for one inbound message as an update of its ticket (intent, language,
 * misses in a row), applied only while that message's outcome is not counted yet.
 */
function botOutcomeUpdate(outcome: {
  messageId: string;
  intent?: string | undefined;
  language?: string | undefined;
  missed: boolean;
  answered?: boolean | undefined;
  prompt?: DialoguePrompt | undefined;
}): FoldedUpdate & { $set: Record<string, unknown>; $unset: Record<string, 1> } {
  const set: Record<string, unknown> = { lastBotOutcomeFor: outcome.messageId };
  const unset: Record<string, 1> = {};
  if (outcome.intent !== undefined) set['lastIntent'] = outcome.intent;
  if (outcome.language !== undefined) set['language'] = outcome.language;
  if (outcome.answered) set['lastBotAnswerAt'] = new Date();
  if (outcome.prompt) set['prompt'] = outcome.prompt;
  else unset['prompt'] = 1;
  if (outcome.missed) unset['lastBotAnswerAt'] = 1;
  return {
    filter: { lastBotOutcomeFor: { $ne: outcome.messageId } },
    $set: outcome.missed ? set : { ...set, botMisses: 0 },
    ...(outcome.missed ? { $inc: { botMisses: 1 } } : {}),
    $unset: unset,
  };
}

/** How the pool treats conversations (config: CONVERSATION_JOIN_SECONDS). */
export interface PoolSettings {
  /** A contact's new conversation joins their open ticket written on within this window. */
  joinWindowMs?: number | undefined;
}

/**
 * The ticket pool: tickets, messages and contacts, each operation a sequence of idempotent
 * single-document writes. Features keep their own models on the same connection (`models.Ticket.db`)
 * and use the pool's `locks` for their read-modify-writes.
 */
export class TicketPool {
  constructor(
    readonly models: PoolModels,
    /** Held by features' stores for their own read-modify-writes (see locks.ts). */
    readonly locks: DocumentLocks,
    private readonly connection?: PoolConnection,
    private readonly settings: PoolSettings = {},
  ) {}

  /**
   * Connects to the database. Processes that run beside others (the gateway's roles) must pass
   * Redis-backed `locks`; the default guards nothing across processes (see locks.ts).
   */
  static async connect(
    uri: string,
    options: { dbName?: string; locks?: DocumentLocks } & PoolSettings = {},
  ): Promise<TicketPool> {
    const connection = await connectPool(
      uri,
      options.dbName === undefined ? {} : { dbName: options.dbName },
    );
    return new TicketPool(connection.models, options.locks ?? noDocumentLocks, connection, {
      joinWindowMs: options.joinWindowMs,
    });
  }

  async close(): Promise<void> {
    await this.connection?.close();
  }

  /** Is the database answering? Used by /readyz. */
  async ping(): Promise<boolean> {
    const db = this.models.Ticket.db.db;
    if (!db) return false;
    await db.admin().ping();
    return true;
  }

  /** Upserts the contact, finds or opens the thread's ticket, and appends the message once. */
  async ingest(message: InboundMessage): Promise<IngestResult> {
    const { contactId, isNew } = await linkContact(this.models, message.from, {
      firstSighting: {
        messageKey: inboundMessageKey(message.channel, message.channelMessageId),
        receivedAt: message.receivedAt,
      },
    });
    // A trusted integration's word about the customer (the API channel): one write, when given.
    if (message.from.attributes) {
      const set = attributesUpdate(message.from.attributes);
      if (Object.keys(set).length > 0)
        await this.models.Contact.updateOne({ _id: contactId }, { $set: set });
    }
    const { ticket, opened } = await findOrOpenTicket(this.models, this.locks, {
      channel: message.channel,
      threadKey: message.threadKey,
      contactId,
      replyTo: message.from.identity,
      subject: message.subject,
      preview: previewOf(message.newText ?? message.text),
      channelData: message.channelData,
      lastCustomerMessageAt: message.receivedAt,
      joinWindowMs: this.settings.joinWindowMs,
      contactIsNew: isNew,
    });
    const stored = await appendInbound(this.models, { ticket, contactId, message });
    // Stamp and reopen on every try, not only the first: a crash between the append and here must
    // not leave a resolved ticket closed to the customer's new message.
    const current = await noteCustomerMessage(this.models, this.locks, ticket, message.receivedAt, {
      channel: message.channel,
      threadKey: message.threadKey,
      replyTo: message.from.identity,
      channelData: message.channelData,
    });
    return {
      contactId,
      ticket: current,
      message: stored.message,
      created: stored.created,
      opened: opened && stored.created,
      contactIsNew: isNew,
    };
  }

  transition(
    ticketId: Types.ObjectId | string,
    to: TicketStatus,
    options: TransitionOptions,
  ): Promise<TicketDoc> {
    return transitionTicket(this.models, this.locks, ticketId, to, options);
  }

  /**
   * Runs `work` while no other process works on this outbound message: a job that BullMQ thinks
   * stalled (its worker starved of CPU, not dead) must not be sent a second time beside it.
   */
  withOutboundLock<T>(messageId: string, work: () => Promise<T>): Promise<T> {
    return this.locks.withLock(`deliver.${messageId}`, work);
  }

  /** Counts the ticket against the agent's capacity (idempotent per ticket); see agent-load.ts. */
  reserveAgentSlot(
    agentId: Types.ObjectId | string,
    ticketId: Types.ObjectId | string,
    options: ReserveOptions = {},
  ) {
    return reserveAgentSlot(this.models, this.locks, agentId, ticketId, options);
  }

  /** Frees the agent's slot for the ticket; a repeat is a no-op. */
  releaseAgentSlot(agentId: Types.ObjectId | string, ticketId: Types.ObjectId | string) {
    return releaseAgentSlot(this.models, this.locks, agentId, ticketId);
  }

  async getTicket(ticketId: Types.ObjectId | string): Promise<TicketDoc | null> {
    return (await this.models.Ticket.findById(ticketId).lean()) as TicketDoc | null;
  }

  async getMessage(messageId: Types.ObjectId | string): Promise<MessageDoc | null> {
    return (await this.models.Message.findById(messageId).lean()) as MessageDoc | null;
  }

  async listMessages(ticketId: Types.ObjectId | string): Promise<MessageDoc[]> {
    return (await this.models.Message.find({ ticketId })
      .sort({ createdAt: 1 })
      .lean()) as MessageDoc[];
  }

  /** Bot bookkeeping on the ticket: the last intent, the language, consecutive misses. */
  /**
   * Records the bot's outcome for one inbound message on its ticket (intent, language, misses in
   * a row). Counted once per message: a job retried after it ran changes nothing more.
   */
  async noteBotOutcome(
    ticketId: Types.ObjectId,
    outcome: {
      messageId: string;
      intent?: string | undefined;
      language?: string | undefined;
      missed: boolean;
      /** The bot gave a knowledge-base answer (not small talk): the quiet-time resolve may follow. */
      answered?: boolean;
      /** The question the bot now waits on; none clears whatever was pending. */
      prompt?: DialoguePrompt | undefined;
      /**
       * The bot queued an answer to a ticket not yet answered: its first response, stamped in
       * this same update (`$min` keeps an earlier one) rather than by a write of its own on send.
       */
      respondedAt?: Date | undefined;
    },
  ): Promise<void> {
    const { filter, $set, $inc, $unset } = botOutcomeUpdate(outcome);
    const first = outcome.respondedAt ? { $min: { firstResponseAt: outcome.respondedAt } } : {};
    // Folded into the same single update: no extra round trip per message.
    const update = { $set, ...($inc ? { $inc } : {}), $unset, ...first };
    await updateTicket(this.models, this.locks, ticketId, update, filter);
  }

  /**
   * The bot hands the ticket to the agents' queue and records its outcome (a miss) in the same
   * one update, without reading the ticket. Null when the ticket is not with the bot or this
   * message's outcome is counted already: then noteBotOutcome and transition, one by one.
   */
  queueWithBotOutcome(
    ticketId: Types.ObjectId,
    reason: string,
    outcome: Parameters<TicketPool['noteBotOutcome']>[1] & { missed: true },
  ): Promise<TicketDoc | null> {
    return transitionWithFold(
      this.models,
      this.locks,
      ticketId,
      'bot',
      'queued',
      { by: 'bot', reason, set: { escalationReason: reason } },
      botOutcomeUpdate(outcome),
    );
  }

  /** The first answer from bot or agent stamps firstResponseAt (once). */
  async noteFirstResponse(ticketId: Types.ObjectId, at: Date): Promise<void> {
    await updateTicket(
      this.models,
      this.locks,
      ticketId,
      { $set: { firstResponseAt: at } },
      { firstResponseAt: null },
    );
  }

  /** The ticket with this number on `channel` (a scan on FerretDB: only the email tag fallback). */
  async findTicketByNumber(ticketNumber: number, channel: ChannelId): Promise<TicketDoc | null> {
    return (await this.models.Ticket.findOne({
      number: ticketNumber,
      channel,
    }).lean()) as TicketDoc | null;
  }

  /** Notes on the identity's contact that messages to it bounce (the console shows it). */
  async markUndeliverable(identity: Identity): Promise<void> {
    const value = identity.value.trim().toLowerCase();
    const link = await this.models.ContactIdentity.findById(`${identity.kind}:${value}`).lean();
    if (!link) return;
    // Read-modify-write of the contact's list: FerretDB updates are not atomic, so under a lock.
    await this.locks.withLock(`contact.${String(link.contactId)}`, async () => {
      const contact = await this.models.Contact.findById(link.contactId).lean();
      if (!contact) return;
      // Contacts created by an upsert may lack the array (schema defaults apply on create only).
      const current = (contact.undeliverable as string[] | undefined) ?? [];
      if (current.includes(value)) return;
      await this.models.Contact.updateOne(
        { _id: link.contactId },
        { $set: { undeliverable: [...current, value] } },
      );
    });
  }

  /** A provider's later word on an outbound message (a delivery receipt). */
  async recordDeliveryOutcome(
    messageId: string,
    outcome: {
      status: 'sent' | 'delivered' | 'failed';
      error?: string | undefined;
      channelData: Record<string, unknown>;
    },
  ): Promise<void> {
    const set: Record<string, unknown> = { deliveryStatus: outcome.status };
    for (const [key, value] of Object.entries(outcome.channelData))
      set[`channelData.${key}`] = value;
    if (outcome.error !== undefined) set['deliveryError'] = outcome.error;
    await this.models.Message.updateOne({ _id: messageId, direction: 'out' }, { $set: set });
  }

  createOutbound(draft: OutboundDraft): Promise<MessageDoc> {
    return createOutbound(this.models, draft);
  }

  /** Opens a delivery attempt (`sending`) before the channel is called; see messages.ts. */
  markSending(
    ...args: Parameters<typeof markSending> extends [unknown, ...infer Rest] ? Rest : never
  ): Promise<boolean> {
    return markSending(this.models, ...args);
  }

  recordDelivery(
    ...args: Parameters<typeof recordDelivery> extends [unknown, ...infer Rest] ? Rest : never
  ): Promise<void> {
    return recordDelivery(this.models, ...args);
  }

  markHandled(
    ...args: Parameters<typeof markHandled> extends [unknown, ...infer Rest] ? Rest : never
  ): Promise<void> {
    return markHandled(this.models, ...args);
  }

  resolveContact(input: { identity: Identity; name?: string }): Promise<ContactDoc> {
    return resolveContact(this.models, input);
  }

  /** Merges `mergedId` into `survivorId`, recorded so unmergeContact can undo it (contact-merge.ts). */
  mergeContacts(
    survivorId: Types.ObjectId,
    mergedId: Types.ObjectId,
    by = 'system',
  ): Promise<MergeOutcome> {
    return mergeContacts({ models: this.models, locks: this.locks }, { survivorId, mergedId, by });
  }

  /** Gives a merged contact back what its merge moved. */
  unmergeContact(mergedId: Types.ObjectId, by = 'system'): Promise<MergeOutcome> {
    return unmergeContact({ models: this.models, locks: this.locks }, { mergedId, by });
  }

  audit(event: Parameters<typeof recordAudit>[1]): Promise<void> {
    return recordAudit(this.models, event);
  }
}
