import type { SavedFile } from '../files/saved.ts';

/** Why an inbound mail was not handed to the pipeline as an answerable customer message. */
export type RejectionReason =
  | 'auto-submitted'
  | 'bulk'
  | 'mailing-list'
  | 'own-message'
  | 'bounce'
  /** A read receipt (MDN, `report-type=disposition-notification`): never answered. */
  | 'read-receipt'
  /** An abuse/feedback report (ARF, `report-type=feedback-report`): never answered. */
  | 'feedback-report'
  | 'malformed'
  | 'empty'
  | 'too-large'
  /** Handling failed again and again (EMAIL_MAX_ATTEMPTS): set aside so it blocks no other mail. */
  | 'processing-error';

export interface EmailRejection {
  /** The mail's idempotency key (Message-ID, or the envelope hash), scoped to its mailbox. */
  key: string;
  /** Our mailbox it arrived in (`default`: the EMAIL_* one). */
  mailboxId: string;
  reason: RejectionReason;
  detail: string;
  from: string | undefined;
  subject: string | undefined;
  /** The IMAP folder it was in. */
  mailbox: string;
  uid: number;
  at: Date;
}

/** What an outbound reply needs to thread correctly. */
export interface ThreadContext {
  ticketNumber: number | undefined;
  subject: string | undefined;
  /** Message-IDs of the thread, oldest first (the References header), without angle brackets. */
  messageIds: string[];
  /** The last customer mail: what In-Reply-To names. */
  lastInboundId: string | undefined;
}

/** One attachment of an inbound mail, with its content when it is to be stored. */
export interface AttachmentInput {
  name: string;
  contentType: string;
  /** Decoded size in bytes. */
  size: number;
  sha256: string;
  /** The bytes, or undefined when they are not kept (then `notStored` says why). */
  content: Buffer | undefined;
  notStored?: { reason: 'too-large'; detail: string } | undefined;
}

/** What the message records of a saved attachment (in `channelData.attachments`). */
export type SavedAttachment = SavedFile;

/**
 * The email channel's storage (implemented in src/pool/email-store.ts). Message-IDs are passed
 * bare; the store scopes them to the mailbox, so each mailbox threads on its own.
 */
export interface EmailStore {
  /** The thread key of the first of these Message-IDs the mailbox knows (sent or received). */
  threadOfMessageIds(mailboxId: string, messageIds: string[]): Promise<string | undefined>;
  /**
   * The thread key of an email ticket of this mailbox by its number (the `[#T-<n>]` subject tag),
   * only when `sender` is the ticket's customer (tags are guessable).
   */
  threadOfTicketNumber(
    mailboxId: string,
    ticketNumber: number,
    sender: string,
  ): Promise<string | undefined>;
  /** Remembers a Message-ID of the thread (every inbound and outbound mail). */
  rememberMessageId(input: {
    mailboxId: string;
    messageId: string;
    threadKey: string;
    direction: 'in' | 'out';
    subject?: string | undefined;
    /**
     * The mail starts its thread (its own key is the thread key): the thread is written once
     * with an insert, without the lock a growing thread's chain needs.
     */
    startsThread?: boolean | undefined;
  }): Promise<void>;
  /** Is this one of the Message-IDs the mailbox sent? */
  isOwnMessageId(mailboxId: string, messageId: string): Promise<boolean>;
  threadContext(ticketId: string, threadKey: string): Promise<ThreadContext>;
  recordRejection(rejection: EmailRejection): Promise<void>;
  /** Marks an address undeliverable on its contact (after a bounce); no contact, no change. */
  markUndeliverable(address: string): Promise<void>;
  /**
   * Stores the attachments of the inbound message `email.<channelMessageId>`, one document each
   * with an id from that key and the index. Idempotent: a retried mail adds and changes nothing.
   */
  saveAttachments(channelMessageId: string, files: AttachmentInput[]): Promise<SavedAttachment[]>;
}
