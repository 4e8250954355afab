import { savedFiles } from '../files/saved.ts';
import { perConnection } from '../../src/domain/per-connection.ts';
import { Schema, type Connection, type InferSchemaType } from 'mongoose';
import type { ChannelPool, InboundFiles } from '../../src/domain/ports.ts';
import type { ChannelLocks } from '../module.ts';
import { DEFAULT_MAILBOX, scopedKey } from './keys.ts';
import type {
  AttachmentInput,
  EmailRejection,
  EmailStore,
  SavedAttachment,
  ThreadContext,
} from './ports.ts';

// The email channel's collections. Every hot-path read is by _id (FerretDB scans other filters).

/**
 * One document per Message-ID a mailbox sent or received: `_id` = the id without angle brackets,
 * scoped to the mailbox (channels/email/keys.ts), so each mailbox threads on its own.
 */
const emailMessageIdSchema = new Schema(
  {
    _id: { type: String },
    threadKey: { type: String, required: true },
    direction: { type: String, enum: ['in', 'out'], required: true },
  },
  { timestamps: true },
);

/** One document per email thread, `_id` = thread key: the subject and the References chain. */
const emailThreadSchema = new Schema(
  {
    _id: { type: String },
    subject: { type: String },
    messageIds: { type: [String], default: [] },
    lastInboundId: { type: String },
  },
  { timestamps: true },
);

/** Mail the poller did not hand on as a customer message, and why; `_id` = the mail's key. */
const emailRejectionSchema = new Schema(
  {
    _id: { type: String },
    reason: { type: String, required: true },
    detail: { type: String },
    /** Our mailbox it arrived in (`default`: the EMAIL_* one). */
    mailboxId: { type: String },
    from: { type: String },
    subject: { type: String },
    mailbox: { type: String },
    uid: { type: Number },
    at: { type: Date, required: true },
  },
  { timestamps: true },
);
emailRejectionSchema.index({ at: -1 });

export type EmailThreadDoc = InferSchemaType<typeof emailThreadSchema> & { _id: string };
export type EmailRejectionDoc = InferSchemaType<typeof emailRejectionSchema> & { _id: string };

function buildEmailModels(connection: Connection) {
  return {
    EmailMessageId: connection.model('EmailMessageId', emailMessageIdSchema, 'email_message_ids'),
    EmailThread: connection.model('EmailThread', emailThreadSchema, 'email_threads'),
    EmailRejection: connection.model('EmailRejection', emailRejectionSchema, 'email_rejections'),
  };
}
export type EmailModels = ReturnType<typeof buildEmailModels>;
/** Registers the email collections on the pool's connection (once per connection). */
export const registerEmailModels: (connection: Connection) => EmailModels =
  perConnection(buildEmailModels);

/** Inserts the document; false when one with its _id exists. */
async function insertOnce(
  model: { create(doc: Record<string, unknown>): Promise<unknown> },
  doc: Record<string, unknown>,
): Promise<boolean> {
  try {
    await model.create(doc);
    return true;
  } catch (error) {
    if ((error as { code?: unknown } | null)?.code === 11000) return false;
    throw error;
  }
}

/** How many Message-IDs a References header carries at most (the oldest and the latest). */
const MAX_REFERENCES = 20;

/** The email channel's storage, on the ticket pool's database beside the pool's collections. */
export class PoolEmailStore implements EmailStore {
  private constructor(
    private readonly pool: ChannelPool,
    private readonly locks: ChannelLocks,
    private readonly models: EmailModels,
    /** Attachments of inbound mail (the core's attachment store). */
    private readonly files: InboundFiles,
  ) {}

  /** Registers the collections on the connection and builds their indexes. */
  static async create(deps: {
    db: Connection;
    pool: ChannelPool;
    locks: ChannelLocks;
    files: InboundFiles;
  }): Promise<PoolEmailStore> {
    const models = registerEmailModels(deps.db);
    await Promise.all(Object.values(models).map((model) => model.createIndexes()));
    return new PoolEmailStore(deps.pool, deps.locks, models, deps.files);
  }

  async threadOfMessageIds(mailboxId: string, messageIds: string[]): Promise<string | undefined> {
    for (const id of messageIds) {
      const known = (await this.models.EmailMessageId.findById(
        scopedKey(mailboxId, id),
      ).lean()) as {
        threadKey: string;
      } | null;
      if (known) return known.threadKey;
    }
    return undefined;
  }

  async threadOfTicketNumber(
    mailboxId: string,
    ticketNumber: number,
    sender: string,
  ): Promise<string | undefined> {
    // Only the subject-tag fallback: `number` has a unique index on MongoDB (a scan on FerretDB).
    const ticket = await this.pool.ticketByNumber(ticketNumber, 'email');
    // A tag is easy to guess: it joins the ticket only when its own customer writes.
    if (!ticket || ticket.replyTo.value !== sender.toLowerCase()) return undefined;
    // ...and only through the mailbox the ticket lives in (its replies go out from there).
    const data = ticket.channelData as { mailbox?: unknown };
    const ticketMailbox = typeof data.mailbox === 'string' ? data.mailbox : DEFAULT_MAILBOX;
    return ticketMailbox === mailboxId ? ticket.threadKey : undefined;
  }

  async rememberMessageId(input: {
    mailboxId: string;
    messageId: string;
    threadKey: string;
    direction: 'in' | 'out';
    subject?: string | undefined;
    startsThread?: boolean | undefined;
  }): Promise<void> {
    const id = scopedKey(input.mailboxId, input.messageId);
    const fields = { threadKey: input.threadKey, direction: input.direction };
    if (input.startsThread) {
      // Two inserts: on FerretDB an insert only probes the unique _id index, while a read or an
      // update scans. A duplicate is a retry of this mail (or a reply that got here first): the
      // general path below then brings the thread up to date.
      const fresh =
        (await insertOnce(this.models.EmailMessageId, { _id: id, ...fields })) &&
        (await insertOnce(this.models.EmailThread, {
          _id: input.threadKey,
          messageIds: [input.messageId],
          ...(input.direction === 'in' ? { lastInboundId: input.messageId } : {}),
          ...(input.subject ? { subject: input.subject } : {}),
        }));
      if (fresh) return;
    }
    await this.models.EmailMessageId.updateOne(
      { _id: id },
      { $setOnInsert: fields },
      { upsert: true },
    );
    // Read-modify-write of the thread's chain: FerretDB updates are not atomic, so under a lock.
    await this.locks.withLock(`email-thread.${input.threadKey}`, async () => {
      const thread = (await this.models.EmailThread.findById(
        input.threadKey,
      ).lean()) as EmailThreadDoc | null;
      const ids = thread?.messageIds ?? [];
      const set: Record<string, unknown> = {};
      if (!ids.includes(input.messageId)) {
        const next = [...ids, input.messageId];
        // Keep the root and the latest ones, as mail clients do when References grow long.
        set['messageIds'] =
          next.length > MAX_REFERENCES
            ? [next[0], ...next.slice(next.length - MAX_REFERENCES + 1)]
            : next;
      }
      if (input.direction === 'in') set['lastInboundId'] = input.messageId;
      if (!thread?.subject && input.subject) set['subject'] = input.subject;
      if (Object.keys(set).length > 0) {
        await this.models.EmailThread.updateOne(
          { _id: input.threadKey },
          { $set: set },
          { upsert: true },
        );
      }
    });
  }

  async isOwnMessageId(mailboxId: string, messageId: string): Promise<boolean> {
    const known = (await this.models.EmailMessageId.findById(
      scopedKey(mailboxId, messageId),
    ).lean()) as {
      direction: string;
    } | null;
    return known?.direction === 'out';
  }

  async threadContext(ticketId: string, threadKey: string): Promise<ThreadContext> {
    const [ticket, thread] = await Promise.all([
      this.pool.ticketSummary(ticketId),
      this.models.EmailThread.findById(threadKey).lean() as Promise<EmailThreadDoc | null>,
    ]);
    return {
      ticketNumber: ticket?.number,
      subject: ticket?.subject ?? thread?.subject ?? undefined,
      messageIds: thread?.messageIds ?? [],
      lastInboundId: thread?.lastInboundId ?? undefined,
    };
  }

  async recordRejection(rejection: EmailRejection): Promise<void> {
    await this.models.EmailRejection.updateOne(
      { _id: rejection.key },
      {
        $setOnInsert: {
          reason: rejection.reason,
          detail: rejection.detail,
          mailboxId: rejection.mailboxId,
          ...(rejection.from === undefined ? {} : { from: rejection.from }),
          ...(rejection.subject === undefined ? {} : { subject: rejection.subject }),
          mailbox: rejection.mailbox,
          uid: rejection.uid,
          at: rejection.at,
        },
      },
      { upsert: true },
    );
  }

  /** The rejections recorded, newest first (admin views and tests). */
  async listRejections(limit = 100): Promise<EmailRejectionDoc[]> {
    return (await this.models.EmailRejection.find()
      .sort({ at: -1 })
      .limit(limit)
      .lean()) as EmailRejectionDoc[];
  }

  async saveAttachments(
    channelMessageId: string,
    files: AttachmentInput[],
  ): Promise<SavedAttachment[]> {
    return savedFiles(files, await this.files.save('email', channelMessageId, files));
  }

  async markUndeliverable(address: string): Promise<void> {
    await this.pool.markUndeliverable({ kind: 'email', value: address });
  }
}
