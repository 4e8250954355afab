import type { InboundMessageInput } from '../../src/domain/message.ts';
import { senderVerified } from './authentication-results.ts';
import type { ParsedEmail } from './parse.ts';
import type { SavedAttachment } from './ports.ts';

/** A mail with nothing in it: no subject, no body, no attachment. */
export function isEmptyMail(mail: ParsedEmail): boolean {
  return mail.text === '' && mail.attachments.length === 0 && !mail.subject?.trim();
}

/**
 * The customer message of a parsed mail, as the poller hands it to the sink: `key` is the mail's
 * mailbox-scoped idempotency key, `threadKey` the thread it joins (its own key for a new thread),
 * `saved` what the store kept of its attachments. Pure: the poller does the lookups first.
 * The From address is verified only when the receiving server (`authservId`, EMAIL_AUTHSERV_ID)
 * says DKIM or DMARC passed for it; otherwise it is only a sighting (a merge suggestion at most).
 */
export function normalizeEmail(
  mail: ParsedEmail & { from: NonNullable<ParsedEmail['from']> },
  context: {
    key: string;
    threadKey: string;
    mailboxId: string;
    receivedAt: Date | undefined;
    saved: readonly SavedAttachment[];
    authservId?: string | undefined;
  },
): InboundMessageInput {
  // A mail with only a subject is still a question: the subject stands in for the body.
  const text = mail.text === '' ? (mail.subject?.trim() ?? '') : mail.text;
  const received = context.receivedAt;
  return {
    channel: 'email',
    channelMessageId: context.key,
    threadKey: context.threadKey,
    from: {
      identity: { kind: 'email', value: mail.from.address },
      identityVerified: senderVerified(
        mail.authenticationResults,
        mail.from.address,
        context.authservId,
      ),
      ...(mail.from.name ? { name: mail.from.name } : {}),
    },
    text,
    newText: mail.text === '' ? text : mail.newText,
    ...(mail.html === undefined ? {} : { html: mail.html }),
    ...(mail.subject === undefined ? {} : { subject: mail.subject }),
    attachments: mail.attachments.map(({ name, contentType, size }) => ({
      name,
      contentType,
      size,
    })),
    receivedAt: received && !Number.isNaN(received.getTime()) ? received : new Date(),
    // The mailbox goes onto the ticket (a ticket takes its first message's channelData): the
    // adapter sends every reply of the ticket through it.
    channelData: {
      mailbox: context.mailboxId,
      ...(mail.messageId === undefined ? {} : { messageId: mail.messageId }),
      ...(context.saved.length === 0 ? {} : { attachments: [...context.saved] }),
    },
  };
}
