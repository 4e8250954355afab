import { randomBytes } from 'node:crypto';
import { ImapFlow } from 'imapflow';
import { simpleParser, type ParsedMail } from 'mailparser';
import nodemailer, { type Transporter } from 'nodemailer';
import type { LocalDovecot } from '../../../src/local/dovecot.ts';
import type { Gateway } from '../../../src/app.ts';
import type { MessageDoc, TicketDoc } from '../../../src/pool/models.ts';
import { waitFor } from '../../support/gateway.ts';

/** Shared by the email tests that run their own Dovecot. */
export const PASSWORD = 'secret-pw';

export function newMessageId(): string {
  return `${randomBytes(8).toString('hex')}@mail.example.test`;
}

type DovecotAddress = Pick<LocalDovecot, 'host' | 'imapPort' | 'lmtpPort'>;

/**
 * The email channel's variables for a mailbox of a test Dovecot: read over IMAP (as `user`, with
 * PASSWORD), answers sent over LMTP into the same Dovecot (the customer's own mailbox), polled
 * quickly.
 */
export function dovecotMailEnv(
  dovecot: DovecotAddress,
  options: { address: string; user?: string },
): Record<string, string> {
  return {
    EMAIL_IMAP_HOST: dovecot.host,
    EMAIL_IMAP_PORT: String(dovecot.imapPort),
    EMAIL_IMAP_TLS: 'none',
    EMAIL_IMAP_USER: options.user ?? 'support',
    EMAIL_IMAP_PASSWORD: PASSWORD,
    EMAIL_SMTP_HOST: dovecot.host,
    EMAIL_SMTP_PORT: String(dovecot.lmtpPort),
    EMAIL_SMTP_TLS: 'none',
    EMAIL_SMTP_PROTOCOL: 'lmtp',
    EMAIL_ADDRESS: options.address,
    EMAIL_IDLE_DELAY_MS: '200',
    EMAIL_POLL_INTERVAL_MS: '2000',
  };
}

/** Delivers a customer's mail straight into a test Dovecot's mailboxes (LMTP, no TLS). */
export function lmtpTransport(dovecot: DovecotAddress): Transporter {
  return nodemailer.createTransport({
    host: dovecot.host,
    port: dovecot.lmtpPort,
    lmtp: true,
    secure: false,
    ignoreTLS: true,
  });
}

/** An RFC 5322 plain-text message with CRLF line ends. */
export function plainMail(input: {
  from: string;
  to: string;
  subject: string;
  text?: string;
  messageId?: string;
  extra?: Record<string, string>;
}): { raw: string; messageId: string } {
  const messageId = input.messageId ?? newMessageId();
  const headers: Record<string, string> = {
    From: `Customer <${input.from}>`,
    To: input.to,
    Subject: input.subject,
    Date: new Date().toUTCString(),
    'Message-ID': `<${messageId}>`,
    'MIME-Version': '1.0',
    'Content-Type': 'text/plain; charset=utf-8',
    ...input.extra,
  };
  const lines = Object.entries(headers).map(([k, v]) => `${k}: ${v}`);
  const body = (input.text ?? 'Hello, my order has not arrived yet.\n').replace(/\r?\n/g, '\r\n');
  return { messageId, raw: `${lines.join('\r\n')}\r\n\r\n${body}` };
}

/** Works on a Dovecot user's INBOX over IMAP (locked), logging out afterwards. */
export async function withInbox<T>(
  dovecot: Pick<LocalDovecot, 'host' | 'imapPort'>,
  user: string,
  work: (client: ImapFlow) => Promise<T>,
  password = PASSWORD,
): Promise<T> {
  const client = new ImapFlow({
    host: dovecot.host,
    port: dovecot.imapPort,
    secure: false,
    doSTARTTLS: false,
    auth: { user, pass: password },
    logger: false,
  });
  await client.connect();
  try {
    const lock = await client.getMailboxLock('INBOX');
    try {
      return await work(client);
    } finally {
      lock.release();
    }
  } finally {
    await client.logout();
  }
}

/** Every mail in a user's INBOX, parsed. */
export async function inboxOf(dovecot: LocalDovecot, user: string): Promise<ParsedMail[]> {
  return withInbox(dovecot, user, async (client) => {
    if (client.mailbox && client.mailbox.exists === 0) return [];
    const sources: Buffer[] = [];
    for await (const message of client.fetch('1:*', { source: true })) {
      if (message.source) sources.push(message.source);
    }
    return Promise.all(sources.map((source) => simpleParser(source)));
  });
}

/** Waits until a user's INBOX holds `count` mails. */
export function inboxWith(
  dovecot: LocalDovecot,
  user: string,
  count: number,
): Promise<ParsedMail[]> {
  return waitFor(
    async () => {
      const box = await inboxOf(dovecot, user);
      return box.length >= count ? box : undefined;
    },
    { what: `${count} mail(s) in ${user}'s INBOX` },
  );
}

export async function ticketsOf(gateway: Gateway, address: string): Promise<TicketDoc[]> {
  const link = await gateway.pool.models.ContactIdentity.findById(`email:${address}`).lean();
  if (!link) return [];
  return (await gateway.pool.models.Ticket.find({ contactId: link.contactId })
    .sort({ number: 1 })
    .lean()) as unknown as TicketDoc[];
}

/** Waits until the address has `tickets` tickets with `answers` sent answers in all. */
export async function answered(
  gateway: Gateway,
  address: string,
  answers: number,
): Promise<Array<{ ticket: TicketDoc; messages: MessageDoc[] }>> {
  return waitFor(
    async () => {
      const tickets = await ticketsOf(gateway, address);
      const all = await Promise.all(
        tickets.map(async (ticket) => ({
          ticket,
          messages: await gateway.pool.listMessages(ticket._id),
        })),
      );
      const sent = all
        .flatMap((t) => t.messages)
        .filter((m) => m.direction === 'out' && m.deliveryStatus === 'sent');
      return sent.length >= answers ? all : undefined;
    },
    { what: `${answers} answer(s) to ${address}` },
  );
}

/** Message-IDs of a threading header, without angle brackets. */
export function headerIds(mail: ParsedMail, name: 'inReplyTo' | 'references'): string[] {
  const value = mail[name];
  const list = Array.isArray(value) ? value : value ? value.split(/\s+/) : [];
  return list.map((id) => id.replace(/^<|>$/g, ''));
}

/** Waits until a user's INBOX holds a mail whose text contains `text`; that mail, parsed. */
export function mailContaining(
  dovecot: LocalDovecot,
  user: string,
  text: string,
): Promise<ParsedMail> {
  return waitFor(async () => (await inboxOf(dovecot, user)).find((m) => m.text?.includes(text)), {
    what: `a mail with "${text}" in ${user}'s INBOX`,
    timeoutMs: 30_000,
  });
}
