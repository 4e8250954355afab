import type { InboundMessageInput } from '../../src/domain/message.ts';

/** A number's opt-out state, as the last compliance keyword left it. */
export interface OptOutRecord {
  /** E.164 number. */
  number: string;
  optedOut: boolean;
  /** The keyword as the customer wrote it (`STOP`, `退订`, `START`...). */
  keyword: string;
  /** When the keyword arrived. */
  at: Date;
  /** Twilio MessageSid of the keyword message. */
  messageSid: string;
}

/** A Twilio delivery status as a status callback reports it. */
export interface DeliveryStatusUpdate {
  providerMessageId: string;
  status: string;
  errorCode?: string | undefined;
  at: Date;
}

/**
 * What the SMS channel needs stored beyond the normal inbound path. Implemented over the ticket
 * pool by src/pool/sms-compliance.ts; the channel knows this interface only.
 */
export interface SmsStore {
  /** The number's opt-out record, if it ever sent a compliance keyword. */
  optOutOf(number: string): Promise<OptOutRecord | undefined>;
  /** Records an opt-out or opt-in; an older change than the stored one is ignored. */
  recordOptChange(record: OptOutRecord): Promise<void>;
  /** Maps the provider's id to our message id once Twilio accepted the message. */
  rememberSend(providerMessageId: string, messageId: string): Promise<void>;
  /** The provider id of a message already handed to Twilio (so a retried job sends nothing twice). */
  sentAs(messageId: string): Promise<string | undefined>;
  /** Applies a status callback; statuses never go backwards. */
  applyStatus(update: DeliveryStatusUpdate): Promise<'applied' | 'stale' | 'unknown'>;
  /**
   * Stores a compliance keyword message on its ticket like any customer message, but already
   * handled, so the bot never answers it. Idempotent by channel message id.
   */
  recordKeywordMessage(message: InboundMessageInput, intent: string): Promise<{ ticketId: string }>;
  /** Stores a system reply on the ticket and queues its delivery; idempotent by key. */
  queueReply(input: {
    ticketId: string;
    key: string;
    text: string;
  }): Promise<{ messageId: string }>;
  /** The stored message id `queueReply` gives `key` (so send can recognize a STOP confirmation). */
  replyMessageId(key: string): string;
}
