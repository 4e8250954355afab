/** Why an inbound mail was not handed to the pipeline as an answerable customer message. */
export type RejectionReason =
  | 'auto-submitted'
  | 'bulk'
  | 'mailing-list'
  | 'own-message'
  | 'bounce'
  | 'malformed'
  | 'empty'
  | 'too-large'
  /** Handling failed again and again (EMAIL_MAX_ATTEMPTS): set aside so it blocks no other mail. */
  | 'processing-error';

export interface EmailRejection {
  /** The mail's idempotency key (Message-ID, or the envelope hash). */
  key: string;
  reason: RejectionReason;
  detail: string;
  from: string | undefined;
  subject: string | undefined;
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

/** The email channel's storage (implemented in src/pool/email-store.ts). */
export interface EmailStore {
  /** The thread key of the first of these Message-IDs we know (we sent or received it). */
  threadOfMessageIds(messageIds: string[]): Promise<string | undefined>;
  /**
   * The thread key of an email ticket by its number (the `[#T-<n>]` subject tag), only when
   * `sender` is the ticket's customer (tags are guessable).
   */
  threadOfTicketNumber(ticketNumber: number, sender: string): Promise<string | undefined>;
  /** Remembers a Message-ID of the thread (every inbound and outbound mail). */
  rememberMessageId(input: {
    messageId: string;
    threadKey: string;
    direction: 'in' | 'out';
    subject?: string | undefined;
  }): Promise<void>;
  /** Is this one of the Message-IDs we sent? */
  isOwnMessageId(messageId: string): Promise<boolean>;
  threadContext(ticketId: string, threadKey: string): Promise<ThreadContext>;
  recordRejection(rejection: EmailRejection): Promise<void>;
  /** Marks an address undeliverable on its contact (after a bounce); no contact, no change. */
  markUndeliverable(address: string): Promise<void>;
}
