import { createHmac, randomBytes } from 'node:crypto';
import { Schema, type Connection, type InferSchemaType } from 'mongoose';
import { SwitchboardError } from '../../src/domain/errors.ts';
import type { InboundMessageInput } from '../../src/domain/message.ts';
import type { ChannelPool } from '../../src/domain/ports.ts';
import type { ChannelLocks } from '../module.ts';
import type { DeliveryStatusUpdate, OptOutRecord, SmsStore } from './ports.ts';

// The SMS channel's own collections, registered beside the pool's models on the same connection.
// Every lookup is by _id (FerretDB 1.x pushes only _id equality down to its backend).

const optChangeSchema = new Schema(
  { optedOut: Boolean, keyword: String, at: Date, messageSid: String },
  { _id: false },
);

/** `_id` = the E.164 number. The current state, and every change for the audit trail. */
const smsOptOutSchema = new Schema(
  {
    _id: { type: String },
    optedOut: { type: Boolean, required: true },
    keyword: { type: String, required: true },
    at: { type: Date, required: true },
    messageSid: { type: String, required: true },
    history: { type: [optChangeSchema], default: [] },
  },
  { timestamps: true },
);

/**
 * `_id` = Twilio's MessageSid of an outbound message: which stored message it is, and the furthest
 * status Twilio reported (a status callback may arrive before the send is remembered).
 */
const smsDeliverySchema = new Schema(
  {
    _id: { type: String },
    messageId: { type: String },
    status: { type: String },
    rank: { type: Number, default: 0 },
    errorCode: { type: String },
    statusAt: { type: Date },
  },
  { timestamps: true },
);

/** `_id` = our outbound message id → the MessageSid Twilio gave it (no second send on a retry). */
const smsSendSchema = new Schema(
  { _id: { type: String }, providerMessageId: { type: String, required: true } },
  { timestamps: true },
);

/**
 * The suppression list: the opt-outs of erased numbers (the SMS channel's personal-data holder). `_id` = hex
 * HMAC-SHA256 of the E.164 number under the suppression key, so the list holds no phone number
 * and still refuses a number that said STOP; a START from that number lifts it.
 */
const smsSuppressionSchema = new Schema(
  {
    _id: { type: String },
    keyword: { type: String, required: true },
    at: { type: Date, required: true },
  },
  { timestamps: true },
);

/** The suppression key when SMS_SUPPRESSION_KEY is unset: random, made once (`_id` 'hmac'). */
const smsSuppressionKeySchema = new Schema(
  { _id: { type: String }, key: { type: String, required: true } },
  { timestamps: true },
);

type SmsOptOutDoc = InferSchemaType<typeof smsOptOutSchema> & { _id: string };
type SmsSuppressionDoc = InferSchemaType<typeof smsSuppressionSchema> & { _id: string };
type SmsDeliveryDoc = InferSchemaType<typeof smsDeliverySchema> & { _id: string };
type SmsSendDoc = InferSchemaType<typeof smsSendSchema> & { _id: string };

function createSmsModels(connection: Connection) {
  return {
    SmsOptOut: connection.model('SmsOptOut', smsOptOutSchema, 'sms_opt_outs'),
    SmsDelivery: connection.model('SmsDelivery', smsDeliverySchema, 'sms_deliveries'),
    SmsSend: connection.model('SmsSend', smsSendSchema, 'sms_sends'),
    SmsSuppression: connection.model('SmsSuppression', smsSuppressionSchema, 'sms_suppressions'),
    SmsSuppressionKey: connection.model(
      'SmsSuppressionKey',
      smsSuppressionKeySchema,
      'sms_suppression_key',
    ),
  };
}
export type SmsModels = ReturnType<typeof createSmsModels>;

const registered = new WeakMap<Connection, SmsModels>();

/** Registers the SMS collections on a connection, once (later calls return the same models). */
export function registerSmsModels(connection: Connection): SmsModels {
  let models = registered.get(connection);
  if (!models) {
    models = createSmsModels(connection);
    registered.set(connection, models);
  }
  return models;
}

// ---- the suppression list ----------------------------------------------------------------------

/** SMS_SUPPRESSION_KEY per connection, given by the composition root through PoolSmsStore. */
const configuredKeys = new WeakMap<Connection, string>();
const resolvedKeys = new WeakMap<Connection, Promise<Buffer>>();

/**
 * Sets the suppression key of a connection's list (SMS_SUPPRESSION_KEY). PoolSmsStore calls it
 * when built with a key, which the composition root does at start, so the erasure (gdpr.ts) and
 * the sender hash alike. A second, different key for the same connection is a configuration error.
 */
export function configureSuppressionKey(connection: Connection, key: string): void {
  const current = configuredKeys.get(connection);
  if (current === key) return;
  if (current !== undefined) {
    throw new SwitchboardError(
      'SB_ERR_CONFIG',
      'SMS_SUPPRESSION_KEY: two different keys for one database connection',
    );
  }
  configuredKeys.set(connection, key);
  resolvedKeys.delete(connection);
}

async function storedKey(connection: Connection): Promise<Buffer> {
  const { SmsSuppressionKey } = registerSmsModels(connection);
  const read = async () =>
    (await SmsSuppressionKey.findById('hmac').lean()) as { key: string } | null;
  const found = await read();
  if (found) return Buffer.from(found.key, 'base64');
  try {
    await SmsSuppressionKey.create({ _id: 'hmac', key: randomBytes(32).toString('base64') });
  } catch (error) {
    // Another process made it first (duplicate _id): theirs is the key.
    if ((error as { code?: unknown }).code !== 11000) throw error;
  }
  const made = await read();
  if (!made) throw new SwitchboardError('SB_ERR_INTERNAL', 'the SMS suppression key vanished');
  return Buffer.from(made.key, 'base64');
}

/**
 * The key of a connection's suppression list: SMS_SUPPRESSION_KEY when configured; unset, a
 * random key made once and kept in the database (then a copy of the database alone suffices to
 * test a number against the list: set the variable to keep the key elsewhere).
 */
function suppressionKey(connection: Connection): Promise<Buffer> {
  const known = resolvedKeys.get(connection);
  if (known) return known;
  const configured = configuredKeys.get(connection);
  const key =
    configured !== undefined
      ? Promise.resolve(Buffer.from(configured, 'utf8'))
      : storedKey(connection);
  resolvedKeys.set(connection, key);
  // A failed read is not remembered: the next call tries again.
  key.catch(() => {
    if (resolvedKeys.get(connection) === key) resolvedKeys.delete(connection);
  });
  return key;
}

/** The suppression list's `_id` for an E.164 number (hex HMAC-SHA256). */
export async function suppressionId(connection: Connection, number: string): Promise<string> {
  return createHmac('sha256', await suppressionKey(connection))
    .update(number)
    .digest('hex');
}

/**
 * Erasure of SMS opt-out records (the SMS channel's personal-data holder): each record of `numbers` goes, and an
 * opted-out number's refusal stays on the suppression list, under its keyed hash only. Each
 * number under the opt-out's lock, so a STOP or START arriving meanwhile is not lost.
 */
export async function eraseOptOuts(
  deps: { connection: Connection; locks: ChannelLocks },
  numbers: readonly string[],
): Promise<{ removed: number; suppressed: number }> {
  const models = registerSmsModels(deps.connection);
  let removed = 0;
  let suppressed = 0;
  for (const number of new Set(numbers)) {
    await deps.locks.withLock(`sms.optout.${number}`, async () => {
      const record = (await models.SmsOptOut.findById(number).lean()) as SmsOptOutDoc | null;
      if (!record) return;
      if (record.optedOut) {
        // Written before the record goes: a crash in between leaves both, and a re-run ends it.
        const id = await suppressionId(deps.connection, number);
        const current = (await models.SmsSuppression.findById(
          id,
        ).lean()) as SmsSuppressionDoc | null;
        if (!current || current.at <= record.at) {
          await models.SmsSuppression.updateOne(
            { _id: id },
            { $set: { keyword: record.keyword, at: record.at } },
            { upsert: true },
          );
        }
        suppressed += 1;
      }
      removed += (await models.SmsOptOut.deleteOne({ _id: number })).deletedCount;
    });
  }
  return { removed, suppressed };
}

/**
 * How far along each Twilio status is; a callback never moves a message backwards. Final states
 * share the top rank, so the first final state reported wins.
 * https://www.twilio.com/docs/messaging/api/message-resource#message-status-values
 */
const STATUS_RANK: Readonly<Record<string, number>> = {
  accepted: 1,
  scheduled: 1,
  queued: 2,
  sending: 3,
  sent: 4,
  delivered: 5,
  undelivered: 5,
  failed: 5,
  canceled: 5,
};

/** Our message's coarse deliveryStatus for a Twilio status (the exact one is kept beside it). */
function deliveryStatusOf(status: string): 'sent' | 'delivered' | 'failed' {
  if (status === 'delivered') return 'delivered';
  if (status === 'undelivered' || status === 'failed' || status === 'canceled') return 'failed';
  return 'sent';
}

/** The SMS channel's storage over the ticket pool (see channels/sms/ports.ts). */
export class PoolSmsStore implements SmsStore {
  private readonly models: SmsModels;
  private readonly connection: Connection;

  constructor(
    private readonly deps: {
      /** The pool's database: the SMS collections live beside the pool's. */
      db: Connection;
      pool: ChannelPool;
      /** The same kind of locks the pool is built with (redisDocumentLocks with QUEUE_PREFIX). */
      locks: ChannelLocks;
      /**
       * SMS_SUPPRESSION_KEY: the key of the suppression list's hashes. Unset: the key already set
       * for this database connection, else one kept in the database (see suppressionKey).
       */
      suppressionKey?: string | undefined;
    },
  ) {
    this.connection = deps.db;
    this.models = registerSmsModels(this.connection);
    if (deps.suppressionKey !== undefined)
      configureSuppressionKey(this.connection, deps.suppressionKey);
  }

  /** The number's opt-out record, or its suppression entry once erased (the newer of the two). */
  async optOutOf(number: string): Promise<OptOutRecord | undefined> {
    const id = await suppressionId(this.connection, number);
    const [doc, suppressed] = (await Promise.all([
      this.models.SmsOptOut.findById(number).lean(),
      this.models.SmsSuppression.findById(id).lean(),
    ])) as [SmsOptOutDoc | null, SmsSuppressionDoc | null];
    if (suppressed && (!doc || doc.at < suppressed.at)) {
      // The keyword message went with the erasure: no MessageSid to name.
      return {
        number,
        optedOut: true,
        keyword: suppressed.keyword,
        at: suppressed.at,
        messageSid: '',
      };
    }
    return doc
      ? {
          number: doc._id,
          optedOut: doc.optedOut,
          keyword: doc.keyword,
          at: doc.at,
          messageSid: doc.messageSid,
        }
      : undefined;
  }

  async recordOptChange(record: OptOutRecord): Promise<void> {
    await this.deps.locks.withLock(`sms.optout.${record.number}`, async () => {
      const current = (await this.models.SmsOptOut.findById(
        record.number,
      ).lean()) as SmsOptOutDoc | null;
      // A redelivered keyword, or one older than the stored change, changes nothing.
      if (current && (current.messageSid === record.messageSid || current.at > record.at)) return;
      const change = {
        optedOut: record.optedOut,
        keyword: record.keyword,
        at: record.at,
        messageSid: record.messageSid,
      };
      await this.models.SmsOptOut.updateOne(
        { _id: record.number },
        { $set: change, $push: { history: change } },
        { upsert: true },
      );
      // An opt-in lifts an erased number's suppression too (an older entry only: the newer wins).
      if (!record.optedOut) {
        const id = await suppressionId(this.connection, record.number);
        const suppressed = (await this.models.SmsSuppression.findById(
          id,
        ).lean()) as SmsSuppressionDoc | null;
        if (suppressed && suppressed.at <= record.at)
          await this.models.SmsSuppression.deleteOne({ _id: id });
      }
    });
  }

  async sentAs(messageId: string): Promise<string | undefined> {
    const doc = (await this.models.SmsSend.findById(messageId).lean()) as SmsSendDoc | null;
    return doc?.providerMessageId;
  }

  async rememberSend(providerMessageId: string, messageId: string): Promise<void> {
    await this.models.SmsSend.updateOne(
      { _id: messageId },
      { $setOnInsert: { providerMessageId } },
      { upsert: true },
    );
    await this.deps.locks.withLock(`sms.status.${providerMessageId}`, async () => {
      const current = (await this.models.SmsDelivery.findById(
        providerMessageId,
      ).lean()) as SmsDeliveryDoc | null;
      await this.models.SmsDelivery.updateOne(
        { _id: providerMessageId },
        { $set: { messageId } },
        { upsert: true },
      );
      // A status callback that came before this point was kept: apply it now.
      if (current?.status)
        await this.applyToMessage(messageId, current.status, current.errorCode ?? undefined);
    });
  }

  async applyStatus(update: DeliveryStatusUpdate): Promise<'applied' | 'stale' | 'unknown'> {
    const rank = STATUS_RANK[update.status];
    if (rank === undefined) return 'stale';
    return this.deps.locks.withLock(`sms.status.${update.providerMessageId}`, async () => {
      const current = (await this.models.SmsDelivery.findById(
        update.providerMessageId,
      ).lean()) as SmsDeliveryDoc | null;
      if (current && current.rank >= rank) return 'stale';
      const set: Record<string, unknown> = { status: update.status, rank, statusAt: update.at };
      if (update.errorCode !== undefined) set['errorCode'] = update.errorCode;
      await this.models.SmsDelivery.updateOne(
        { _id: update.providerMessageId },
        { $set: set },
        { upsert: true },
      );
      if (!current?.messageId) return 'unknown';
      await this.applyToMessage(current.messageId, update.status, update.errorCode);
      return 'applied';
    });
  }

  private async applyToMessage(
    messageId: string,
    status: string,
    errorCode: string | undefined,
  ): Promise<void> {
    const outcome = deliveryStatusOf(status);
    const channelData: Record<string, unknown> = { twilioStatus: status };
    let error: string | undefined;
    if (errorCode !== undefined) {
      channelData['twilioErrorCode'] = errorCode;
      error = `Twilio status ${status} (error ${errorCode})`;
    } else if (outcome === 'failed') {
      error = `Twilio status ${status}`;
    }
    await this.deps.pool.recordDeliveryOutcome(messageId, { status: outcome, error, channelData });
  }

  recordKeywordMessage(
    message: InboundMessageInput,
    intent: string,
  ): Promise<{ ticketId: string }> {
    return this.deps.pool.recordHandledInbound(message, intent);
  }

  queueReply(input: {
    ticketId: string;
    key: string;
    text: string;
  }): Promise<{ messageId: string }> {
    return this.deps.pool.queueSystemReply(input);
  }

  replyMessageId(key: string): string {
    // createOutbound stores an outbound message under `sb.<key>` (see messages.ts).
    return `sb.${key}`;
  }
}
