import { createHash, randomUUID } from 'node:crypto';
import { perConnection } from '../domain/per-connection.ts';
import { Schema, type Connection } from 'mongoose';
import type { InboundFileRecord, InboundFiles, OutboundFiles } from '../domain/ports.ts';
import { inboundMessageKey } from './messages.ts';

// Attachments of inbound messages, one document each: `_id` = the message's idempotency key
// (`<channel>.<channelMessageId>`, the stored message's _id) + `.` + the attachment's index. One
// document per attachment keeps every document below BSON's 16 MB (and FerretDB's) limit however
// many attachments a message has; content over the channel's size limit is not kept at all.

const attachmentSchema = new Schema(
  {
    _id: { type: String },
    /** The stored message's _id. */
    messageKey: { type: String, required: true },
    index: { type: Number, required: true },
    name: { type: String, required: true },
    contentType: { type: String, required: true },
    /** Decoded size in bytes (also when the content was not stored). */
    size: { type: Number, required: true },
    sha256: { type: String, required: true },
    stored: { type: Boolean, required: true },
    /** Why the content is not here (`too-large`), and the detail (size against the limit). */
    notStoredReason: { type: String },
    notStoredDetail: { type: String },
    content: { type: Buffer },
    /** A file an agent uploaded for a reply (`messageKey` `upload.<ticket id>`): the ticket's id. */
    ticketId: { type: String },
  },
  { timestamps: true },
);
attachmentSchema.index({ messageKey: 1 });
attachmentSchema.index({ ticketId: 1 });

/** An attachment's metadata, as stored. */
export interface AttachmentMeta {
  id: string;
  messageKey: string;
  index: number;
  name: string;
  contentType: string;
  size: number;
  sha256: string;
  stored: boolean;
  notStoredReason: string | undefined;
  notStoredDetail: string | undefined;
  createdAt: Date;
  updatedAt: Date;
}

/** One attachment to save (the channels' port type). */
export type AttachmentRecord = InboundFileRecord;

function buildModel(connection: Connection) {
  return connection.model('Attachment', attachmentSchema, 'attachments');
}
type AttachmentModel = ReturnType<typeof buildModel>;
const registerModel = perConnection(buildModel);

interface RawAttachment {
  _id: string;
  messageKey: string;
  index: number;
  name: string;
  contentType: string;
  size: number;
  sha256: string;
  stored: boolean;
  notStoredReason?: string | null;
  notStoredDetail?: string | null;
  content?: unknown;
  createdAt: Date;
  updatedAt: Date;
}

function toMeta(doc: RawAttachment): AttachmentMeta {
  return {
    id: doc._id,
    messageKey: doc.messageKey,
    index: doc.index,
    name: doc.name,
    contentType: doc.contentType,
    size: doc.size,
    sha256: doc.sha256,
    stored: doc.stored,
    notStoredReason: doc.notStoredReason ?? undefined,
    notStoredDetail: doc.notStoredDetail ?? undefined,
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt,
  };
}

/** Lean reads give BSON Binary for Buffer paths: back to a Node Buffer. */
function toBuffer(value: unknown): Buffer | undefined {
  if (value === undefined || value === null) return undefined;
  if (Buffer.isBuffer(value)) return value;
  if (typeof value === 'object' && 'buffer' in value) {
    const inner = value.buffer;
    if (inner instanceof Uint8Array)
      return Buffer.from(inner.buffer, inner.byteOffset, inner.length);
  }
  throw new Error('attachment content is not binary');
}

/** The attachments collection on the pool's database. */
export class PoolAttachments implements InboundFiles, OutboundFiles {
  private constructor(private readonly model: AttachmentModel) {}

  /** Registers the collection on the connection (once) and builds its index. */
  static async create(connection: Connection): Promise<PoolAttachments> {
    const model = registerModel(connection);
    await model.createIndexes();
    return new PoolAttachments(model);
  }

  /** The id of attachment `index` of the inbound message `<channel>.<channelMessageId>`. */
  static idOf(channel: string, channelMessageId: string, index: number): string {
    return `${inboundMessageKey(channel, channelMessageId)}.${index}`;
  }

  /**
   * Saves a message's attachments, in order, once: a document that is already there (an earlier
   * try of the same message) is left as it is, so a retried ingest stores nothing twice.
   * Returns the ids.
   */
  async save(
    channel: string,
    channelMessageId: string,
    records: AttachmentRecord[],
  ): Promise<string[]> {
    const messageKey = inboundMessageKey(channel, channelMessageId);
    const ids: string[] = [];
    for (const [index, record] of records.entries()) {
      const id = PoolAttachments.idOf(channel, channelMessageId, index);
      ids.push(id);
      try {
        // A plain insert: the unique _id refuses the second try; one document at a time, so a
        // message of many large attachments never builds one huge write.
        await this.model.create({
          _id: id,
          messageKey,
          index,
          name: record.name,
          contentType: record.contentType,
          size: record.size,
          sha256: record.sha256,
          stored: record.content !== undefined,
          ...(record.content === undefined ? {} : { content: record.content }),
          ...(record.notStored
            ? { notStoredReason: record.notStored.reason, notStoredDetail: record.notStored.detail }
            : {}),
        });
      } catch (error) {
        if ((error as { code?: unknown }).code !== 11000) throw error;
      }
    }
    return ids;
  }

  /** Metadata and content (undefined when it was not stored) of one attachment, or null. */
  async get(id: string): Promise<{ meta: AttachmentMeta; content: Buffer | undefined } | null> {
    const doc = (await this.model.findById(id).lean()) as RawAttachment | null;
    if (!doc) return null;
    return { meta: toMeta(doc), content: doc.stored ? toBuffer(doc.content) : undefined };
  }

  /** The `messageKey` of the files agents upload for replies on a ticket. */
  static uploadKeyOf(ticketId: string): string {
    return `upload.${ticketId}`;
  }

  /**
   * Stores a file an agent uploaded for a reply on ticket `ticketId` (checked by the caller: size,
   * type). Returns its id (`upload.<ticket id>.<key>`), which the reply names. `key` names the
   * agent's action (a file shared in Slack: its message's ts and index), so a retried action
   * stores nothing twice and gets the first copy back; without it, every upload is a new file.
   */
  async saveUpload(
    ticketId: string,
    file: { name: string; contentType: string; content: Buffer },
    key: string = randomUUID(),
  ): Promise<AttachmentMeta> {
    const messageKey = PoolAttachments.uploadKeyOf(ticketId);
    const id = `${messageKey}.${key}`;
    try {
      return await this.insertUpload(id, messageKey, ticketId, file);
    } catch (error) {
      if ((error as { code?: unknown }).code !== 11000) throw error;
      const first = await this.get(id);
      if (!first) throw error;
      return first.meta;
    }
  }

  private async insertUpload(
    id: string,
    messageKey: string,
    ticketId: string,
    file: { name: string; contentType: string; content: Buffer },
  ): Promise<AttachmentMeta> {
    const created = await this.model.create({
      _id: id,
      messageKey,
      index: 0,
      name: file.name,
      contentType: file.contentType,
      size: file.content.length,
      sha256: createHash('sha256').update(file.content).digest('hex'),
      stored: true,
      content: file.content,
      ticketId,
    });
    return toMeta(created.toObject() as RawAttachment);
  }

  /**
   * The metadata of uploaded files `ids`, in that order, each of which must be an upload for
   * ticket `ticketId`: undefined when any is not (unknown, or another ticket's).
   */
  async uploadsOf(ticketId: string, ids: readonly string[]): Promise<AttachmentMeta[] | undefined> {
    if (ids.length === 0) return [];
    const docs = (await this.model
      .find({ _id: { $in: [...ids] } })
      .select({ content: 0 })
      .lean()) as Array<RawAttachment & { ticketId?: string | null }>;
    const byId = new Map(docs.map((d) => [d._id, d]));
    const metas: AttachmentMeta[] = [];
    for (const id of ids) {
      const doc = byId.get(id);
      if (doc === undefined || doc.ticketId !== ticketId || !doc.stored) return undefined;
      metas.push(toMeta(doc));
    }
    return metas;
  }

  /** The stored bytes of a file (OutboundFiles), undefined when it is not kept. */
  async read(id: string): Promise<Buffer | undefined> {
    return (await this.get(id))?.content;
  }

  /** Metadata of several messages' attachments, by message _id, each in order; no content. */
  async listForMessages(messageKeys: readonly string[]): Promise<Map<string, AttachmentMeta[]>> {
    const byMessage = new Map<string, AttachmentMeta[]>();
    if (messageKeys.length === 0) return byMessage;
    const docs = (await this.model
      .find({ messageKey: { $in: [...messageKeys] } })
      .select({ content: 0 })
      .lean()) as RawAttachment[];
    for (const meta of docs.map(toMeta).sort((a, b) => a.index - b.index)) {
      byMessage.set(meta.messageKey, [...(byMessage.get(meta.messageKey) ?? []), meta]);
    }
    return byMessage;
  }

  /** Metadata of a message's attachments (by the message's _id), in order; no content. */
  async listFor(messageKey: string): Promise<AttachmentMeta[]> {
    const docs = (await this.model
      .find({ messageKey })
      .select({ content: 0 })
      .lean()) as RawAttachment[];
    return docs.map(toMeta).sort((a, b) => a.index - b.index);
  }
}
