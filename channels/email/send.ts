import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import nodemailer from 'nodemailer';
import type Mail from 'nodemailer/lib/mailer/index.js';
import type SMTPPool from 'nodemailer/lib/smtp-pool/index.js';
import type SMTPTransport from 'nodemailer/lib/smtp-transport/index.js';
import { SwitchboardError } from '../../src/domain/errors.ts';
import type { OutboundMessage, SendResult } from '../../src/domain/message.ts';
import { ourDomain, type EmailConfig } from './config.ts';
import { DEFAULT_MAILBOX } from './keys.ts';
import type { EmailStore } from './ports.ts';
import type { OutboundFiles } from '../../src/domain/ports.ts';

/** What the channel needs of a nodemailer transport (tests may pass their own). */
export interface MailTransport {
  sendMail(mail: Mail.Options): Promise<unknown>;
  close(): void;
}

/** nodemailer over SMTP, pooled; over LMTP (tests into a local Dovecot) one connection a mail. */
export function createSmtpTransport(config: EmailConfig): MailTransport {
  const auth =
    config.EMAIL_SMTP_USER === undefined
      ? undefined
      : { user: config.EMAIL_SMTP_USER, pass: config.EMAIL_SMTP_PASSWORD ?? '' };
  const options: SMTPTransport.Options = {
    host: config.EMAIL_SMTP_HOST,
    port: config.EMAIL_SMTP_PORT,
    secure: config.EMAIL_SMTP_TLS === 'implicit',
    requireTLS: config.EMAIL_SMTP_TLS === 'starttls',
    ignoreTLS: config.EMAIL_SMTP_TLS === 'none',
    connectionTimeout: config.EMAIL_SMTP_TIMEOUT_MS,
    greetingTimeout: config.EMAIL_SMTP_TIMEOUT_MS,
    socketTimeout: config.EMAIL_SMTP_TIMEOUT_MS,
    ...(auth ? { auth } : {}),
    logger: config.EMAIL_DEBUG,
  };
  if (config.EMAIL_SMTP_PROTOCOL === 'lmtp') {
    return nodemailer.createTransport({ ...options, lmtp: true });
  }
  const pooled: SMTPPool.Options = { ...options, pool: true, maxConnections: 5 };
  return nodemailer.createTransport(pooled);
}

/**
 * Our Message-ID for an outbound message: derived from its stored id, so a retried delivery of the
 * same message carries the same Message-ID (receivers de-duplicate, our echo check recognizes it).
 */
export function outboundMessageId(messageId: string, config: EmailConfig): string {
  const digest = createHash('sha256').update(messageId).digest('hex').slice(0, 32);
  return `sb-${digest}@${ourDomain(config)}`;
}

/** `Re: <subject> [#T-<n>]`, without piling up prefixes or tags. */
export function replySubject(
  subject: string | undefined,
  ticketNumber: number | undefined,
): string {
  let base = (subject ?? '').replace(/\s*\[#T-\d+\]\s*/gi, ' ').trim();
  while (/^(re|aw|sv|antw|回复|答复)\s*[:：]\s*/i.test(base)) {
    base = base.replace(/^(re|aw|sv|antw|回复|答复)\s*[:：]\s*/i, '');
  }
  const tag = ticketNumber === undefined ? '' : ` [#T-${ticketNumber}]`;
  return `Re: ${base || 'Your message'}${tag}`;
}

function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

/** SMTP reply codes 5xx (and envelope errors) are permanent; everything else may pass later. */
/**
 * The delivery error of a failed send, worded for the agent who reads it on the ticket. An address
 * with non-ASCII characters (`jdöe@mächine.example`) needs SMTPUTF8 (RFC 6531): nodemailer uses it
 * whenever our server offers it, so a permanent refusal of such an address means our server does
 * not, and says so instead of the server's bare "501 5.5.4".
 */
export function emailDeliveryError(error: unknown, to: string): SwitchboardError {
  const e = error as { responseCode?: unknown; code?: unknown; message?: unknown };
  const code = typeof e.responseCode === 'number' ? e.responseCode : undefined;
  const reason = typeof e.message === 'string' ? e.message : String(error);
  const permanent = (code !== undefined && code >= 500) || e.code === 'EENVELOPE';
  if (permanent && NON_ASCII.test(to)) {
    return new SwitchboardError(
      'SB_ERR_DELIVERY_REJECTED',
      `email to ${to} rejected: the address has non-ASCII characters and our outgoing mail server does not take them (it offers no SMTPUTF8); ask the customer for another address, or use a server that supports SMTPUTF8 (server said: ${reason})`,
      { cause: error },
    );
  }
  return new SwitchboardError(
    permanent ? 'SB_ERR_DELIVERY_REJECTED' : 'SB_ERR_DELIVERY_FAILED',
    `email to ${to} ${permanent ? 'rejected' : 'failed'}: ${reason}`,
    { cause: error },
  );
}

// eslint-disable-next-line no-control-regex
const NON_ASCII = /[^\x00-\x7f]/;

/** One of our mailboxes as the sender: its settings and its SMTP transport. */
export interface SendingMailbox {
  config: EmailConfig;
  transport: MailTransport;
}

export interface EmailSendDeps {
  /** Our mailboxes by id; a reply leaves through the one its ticket's mail arrived in. */
  mailboxes: ReadonlyMap<string, SendingMailbox>;
  store: EmailStore;
  /** For the per-sender rate limit of bot answers. */
  redis: Redis;
  keyPrefix: string;
  /** The bytes of the files agents send (sent as real attachments). */
  files?: OutboundFiles | undefined;
}

/**
 * The message's files as nodemailer attachments, with their bytes. A file no longer kept (erased)
 * or no store to read it from is a permanent rejection: the customer must not get a reply that
 * says "attached" without it.
 */
async function mailAttachments(
  files: OutboundFiles | undefined,
  message: OutboundMessage,
): Promise<NonNullable<Mail.Options['attachments']>> {
  const out: NonNullable<Mail.Options['attachments']> = [];
  for (const file of message.attachments ?? []) {
    const content = await files?.read(file.fileId);
    if (content === undefined)
      throw new SwitchboardError(
        'SB_ERR_DELIVERY_REJECTED',
        `the file ${file.name} of this reply is no longer kept`,
      );
    out.push({ filename: file.name, contentType: file.contentType, content });
  }
  return out;
}

/**
 * Takes one slot of the recipient's hourly budget of bot answers (a fixed window in Redis).
 * False when the budget is spent: the answer is not sent, so two auto-responders cannot ping-pong.
 */
async function takeReplySlot(
  deps: EmailSendDeps,
  limit: number,
  address: string,
): Promise<boolean> {
  if (limit === 0) return false;
  const hour = Math.floor(Date.now() / 3_600_000);
  const digest = createHash('sha256').update(address).digest('hex').slice(0, 24);
  const key = `${deps.keyPrefix}:email:rate:${digest}:${hour}`;
  const count = await deps.redis.incr(key);
  if (count === 1) await deps.redis.expire(key, 3_700);
  return count <= limit;
}

/**
 * The mailbox a reply leaves through: the one named in the ticket's `channelData.mailbox` (set from
 * the customer's first mail), `default` for tickets from before there were several. A mailbox no
 * longer configured is a permanent rejection: answering from another address would break the
 * thread and surprise the customer.
 */
export function sendingMailbox(
  deps: EmailSendDeps,
  message: OutboundMessage,
): SendingMailbox & { id: string } {
  const named = message.channelData['mailbox'];
  const id = typeof named === 'string' && named !== '' ? named : DEFAULT_MAILBOX;
  const mailbox = deps.mailboxes.get(id);
  if (!mailbox) {
    throw new SwitchboardError(
      'SB_ERR_DELIVERY_REJECTED',
      `email mailbox "${id}" of this ticket is not configured (EMAIL_MAILBOXES_FILE)`,
    );
  }
  return { id, ...mailbox };
}

/**
 * Sends one reply through the ticket's mailbox: multipart text + HTML, threaded by In-Reply-To /
 * References on the thread's Message-IDs, `Auto-Submitted: auto-replied` on bot answers (RFC 3834).
 * Returns our Message-ID.
 */
export async function sendEmail(
  deps: EmailSendDeps,
  message: OutboundMessage,
): Promise<SendResult> {
  const to = message.to.value;
  if (message.to.kind !== 'email') {
    throw new SwitchboardError('SB_ERR_DELIVERY_REJECTED', `not an email address: ${to}`);
  }
  const { id: mailboxId, config, transport } = sendingMailbox(deps, message);
  const context = await deps.store.threadContext(message.ticketId, message.threadKey);
  const messageId = outboundMessageId(message.messageId, config);
  const bot = message.author.kind === 'bot';
  // One budget per recipient across all our mailboxes: the limit is there against loops.
  if (bot && !(await takeReplySlot(deps, config.EMAIL_REPLY_RATE_PER_HOUR, to))) {
    throw new SwitchboardError(
      'SB_ERR_DELIVERY_REJECTED',
      `reply rate limit: ${to} already got ${config.EMAIL_REPLY_RATE_PER_HOUR} answers this hour`,
    );
  }
  // Remember our id before sending: an echo (or the customer's reply) arriving fast is recognized.
  await deps.store.rememberMessageId({
    mailboxId,
    messageId,
    threadKey: message.threadKey,
    direction: 'out',
  });
  const references = context.messageIds.filter((id) => id !== messageId);
  const inReplyTo = context.lastInboundId ?? references[references.length - 1];
  const html = message.html ?? `<div>${escapeHtml(message.text).replace(/\r?\n/g, '<br>\n')}</div>`;
  const attachments = await mailAttachments(deps.files, message);
  try {
    await transport.sendMail({
      from: { name: config.EMAIL_FROM_NAME, address: config.EMAIL_ADDRESS },
      to,
      subject: replySubject(context.subject, context.ticketNumber),
      messageId: `<${messageId}>`,
      ...(inReplyTo === undefined ? {} : { inReplyTo: `<${inReplyTo}>` }),
      ...(references.length === 0 ? {} : { references: references.map((id) => `<${id}>`) }),
      text: message.text,
      html,
      ...(attachments.length === 0 ? {} : { attachments }),
      headers: {
        ...(bot ? { 'Auto-Submitted': 'auto-replied' } : {}),
        // Ask vacation responders not to answer our answers.
        'X-Auto-Response-Suppress': 'All',
      },
    });
  } catch (error) {
    throw emailDeliveryError(error, to);
  }
  return { providerMessageId: messageId };
}
