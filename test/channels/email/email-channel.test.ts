import { randomBytes } from 'node:crypto';
import { PASSWORD, withInbox } from './mail-helpers.ts';
import { readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import pino from 'pino';
import { Redis } from 'ioredis';
import { simpleParser, type ParsedMail } from 'mailparser';
import nodemailer, { type Transporter } from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { createEmailChannel, type EmailChannel } from '../../../channels/email/adapter.ts';
import { loadEmailConfig } from '../../../channels/email/config.ts';
import type { PollerHooks } from '../../../channels/email/poller.ts';
import type { Gateway } from '../../../src/app.ts';
import { isSwitchboardError } from '../../../src/domain/errors.ts';
import { OutboundMessageSchema, type ChannelId } from '../../../src/domain/message.ts';
import type { ChannelAdapter, Responder } from '../../../src/domain/ports.ts';
import { createLogger } from '../../../src/logger.ts';
import { startLocalDovecot, type LocalDovecot } from '../../../src/local/dovecot.ts';
import { QueueInboundSink } from '../../../src/pipeline/inbound-sink.ts';
import { jobIdFor } from '../../../src/pipeline/queues.ts';
import { PoolEmailStore, type EmailRejectionDoc } from '../../../channels/email/store.ts';
import { channelStoreDeps } from '../../support/channel-stores.ts';
import { redisDocumentLocks } from '../../../src/pool/locks.ts';
import type { MessageDoc, TicketDoc } from '../../../src/pool/models.ts';
import { startTestGateway, testConfig, waitFor } from '../../support/gateway.ts';

const SUPPORT = 'support@example.test';
const CUSTOMERS = ['alice', 'bob', 'carol', 'dave', 'erin', 'fay', 'gus', 'hal', 'ivy', 'jon'];
const BOT_TEXT = 'Orders ship within 2 days.';
const BOT_HTML = '<p>Orders ship within <strong>2 days</strong>.</p>';

/** Answers every customer message, so a missing answer means the channel kept the bot out. */
const botResponder: Responder = {
  respond: () =>
    Promise.resolve({
      action: 'reply',
      text: BOT_TEXT,
      html: BOT_HTML,
      counted: 'answer',
      intent: 'shipping',
    }),
};

let dovecot: LocalDovecot;
let gateway: Gateway;
let redis: Redis;
let store: PoolEmailStore;
let email: EmailChannel;
let lmtp: Transporter;
let env: NodeJS.ProcessEnv;
let prefix: string;

function channel(hooks?: PollerHooks): EmailChannel {
  const created = createEmailChannel({
    sink: new QueueInboundSink(gateway.queues.inbound),
    store,
    redis,
    keyPrefix: prefix,
    env,
    ...(process.env['EMAIL_TEST_LOG'] ? { logger: createLogger({ level: 'debug' }) } : {}),
    ...(hooks ? { hooks } : {}),
  });
  if (!created) throw new Error('the email channel is not configured');
  return created;
}

beforeAll(async () => {
  // Every mailbox up front: Dovecot notices a rewritten passwd-file by its mtime (whole seconds),
  // so users added within the same second as the last change may stay unknown for a while.
  dovecot = await startLocalDovecot({
    users: ['support', 'movebox', 'wang', 'jose', ...CUSTOMERS].map((name) => ({
      name,
      password: PASSWORD,
    })),
  });
  const config = testConfig({ OUTBOUND_BACKOFF_MS: '100', OUTBOUND_ATTEMPTS: '2' });
  prefix = config.QUEUE_PREFIX;
  gateway = await startTestGateway({ config, responder: botResponder });
  redis = new Redis(inject('redisUrl'), { maxRetriesPerRequest: 1 });
  store = await PoolEmailStore.create({
    ...channelStoreDeps(gateway.pool),
    locks: redisDocumentLocks(redis, { prefix }),
  });
  env = {
    EMAIL_IMAP_HOST: dovecot.host,
    EMAIL_IMAP_PORT: String(dovecot.imapPort),
    EMAIL_IMAP_TLS: 'none',
    EMAIL_IMAP_USER: 'support',
    EMAIL_IMAP_PASSWORD: PASSWORD,
    // Replies go over LMTP into the same Dovecot, into the customer's own mailbox.
    EMAIL_SMTP_HOST: dovecot.host,
    EMAIL_SMTP_PORT: String(dovecot.lmtpPort),
    EMAIL_SMTP_TLS: 'none',
    EMAIL_SMTP_PROTOCOL: 'lmtp',
    EMAIL_ADDRESS: SUPPORT,
    EMAIL_FROM_NAME: 'Example Support',
    EMAIL_IDLE_DELAY_MS: '200',
    EMAIL_POLL_INTERVAL_MS: '3000',
    EMAIL_RECONNECT_MAX_MS: '1000',
    EMAIL_MAX_MESSAGE_BYTES: String(256 * 1024),
    ...(process.env['EMAIL_TEST_LOG'] ? { EMAIL_DEBUG: 'true' } : {}),
  };
  email = channel();
  // The wiring src/app.ts does for configured channels: the adapter in the outbound map.
  (gateway.adapters as Map<ChannelId, ChannelAdapter>).set('email', email.adapter);
  await email.start();
  lmtp = nodemailer.createTransport({
    host: dovecot.host,
    port: dovecot.lmtpPort,
    lmtp: true,
    secure: false,
    ignoreTLS: true,
  });
});

afterAll(async () => {
  await email?.stop();
  lmtp?.close();
  await gateway?.pool.models.Ticket.db.dropDatabase();
  await gateway?.queues.inbound.obliterate({ force: true });
  await gateway?.queues.outbound.obliterate({ force: true });
  await gateway?.stop();
  redis?.disconnect();
  await dovecot?.stop();
});

let seq = 0;
/** A fresh customer with a mailbox of their own, so tests never share a ticket. */
function customer(): { name: string; address: string } {
  const name = CUSTOMERS[seq];
  seq += 1;
  if (name === undefined) throw new Error('add a name to CUSTOMERS');
  return { name, address: `${name}@example.test` };
}

function newMessageId(): string {
  return `${randomBytes(8).toString('hex')}@mail.example.test`;
}

/** An RFC 5322 message with CRLF line ends. */
function rawMail(headers: Record<string, string>, body: string): string {
  const lines = Object.entries(headers).map(([k, v]) => `${k}: ${v}`);
  return `${lines.join('\r\n')}\r\n\r\n${body.replace(/\r?\n/g, '\r\n')}`;
}

function customerMail(
  from: string,
  options: { subject?: string; text?: string; messageId?: string; extra?: Record<string, string> },
): { raw: string; messageId: string } {
  const messageId = options.messageId ?? newMessageId();
  return {
    messageId,
    raw: rawMail(
      {
        From: `Customer <${from}>`,
        To: SUPPORT,
        Subject: options.subject ?? 'Where is my order?',
        Date: new Date().toUTCString(),
        'Message-ID': `<${messageId}>`,
        'MIME-Version': '1.0',
        'Content-Type': 'text/plain; charset=utf-8',
        ...options.extra,
      },
      options.text ?? 'Hello, my order 1234 has not arrived yet.\n',
    ),
  };
}

/** Delivers into the support mailbox over LMTP, as the MTA in front of it would. */
async function deliver(raw: string | Buffer, from = 'someone@example.test'): Promise<void> {
  await lmtp.sendMail({ envelope: { from, to: SUPPORT }, raw });
}

/** Every mail in a user's INBOX, parsed. */
async function mailboxOf(user: string): Promise<ParsedMail[]> {
  return withInbox(dovecot, user, async (client) => {
    const sources: Buffer[] = [];
    if (client.mailbox && client.mailbox.exists === 0) return [];
    for await (const message of client.fetch('1:*', { source: true })) {
      if (message.source) sources.push(message.source);
    }
    return Promise.all(sources.map((source) => simpleParser(source)));
  });
}

/** The support mailbox's flags of the mail with this Message-ID. */
async function flagsOf(messageId: string): Promise<Set<string> | undefined> {
  return withInbox(dovecot, 'support', async (client) => {
    const uids = await client.search({ header: { 'message-id': messageId } }, { uid: true });
    const uid = (uids || [])[0];
    if (uid === undefined) return undefined;
    const message = await client.fetchOne(String(uid), { flags: true }, { uid: true });
    return message ? message.flags : undefined;
  });
}

async function ticketsOf(address: string): Promise<TicketDoc[]> {
  const link = await gateway.pool.models.ContactIdentity.findById(`email:${address}`).lean();
  if (!link) return [];
  return (await gateway.pool.models.Ticket.find({ contactId: link.contactId })
    .sort({ number: 1 })
    .lean()) as unknown as TicketDoc[];
}

async function answeredTicket(
  address: string,
  answers = 1,
): Promise<{
  ticket: TicketDoc;
  messages: MessageDoc[];
}> {
  return waitFor(
    async () => {
      const [ticket] = await ticketsOf(address);
      if (!ticket) return undefined;
      const messages = await gateway.pool.listMessages(ticket._id);
      const sent = messages.filter((m) => m.direction === 'out' && m.deliveryStatus === 'sent');
      return sent.length >= answers ? { ticket, messages } : undefined;
    },
    { what: `${answers} answer(s) to ${address}` },
  );
}

async function rejectionOf(key: string): Promise<EmailRejectionDoc> {
  return waitFor(async () => (await store.listRejections()).find((r) => r._id === key), {
    what: `a rejection of ${key}`,
  });
}

function headerIds(mail: ParsedMail, name: 'inReplyTo' | 'references'): string[] {
  const value = mail[name];
  const list = Array.isArray(value) ? value : value ? value.split(/\s+/) : [];
  return list.map((id) => id.replace(/^<|>$/g, ''));
}

describe('email channel', () => {
  describe('when the gateway is started with the EMAIL_* variables', () => {
    it('wires the channel: its adapter serves outbound email', async () => {
      const wired = await startTestGateway({
        config: testConfig({ KB_SEED_ON_START: 'false' }),
        role: 'api',
        env,
      });
      try {
        expect(wired.adapters.get('email')?.capabilities.format).toBe('html');
      } finally {
        await wired.stop();
      }
      const unconfigured = await startTestGateway({ role: 'api' });
      try {
        expect(unconfigured.adapters.has('email')).toBe(false);
      } finally {
        await unconfigured.stop();
      }
    });
  });

  describe('when a customer writes a new mail', () => {
    it('opens a ticket and the bot answer lands in the customer mailbox, threaded', async () => {
      const alice = customer();
      const mail = customerMail(alice.address, {
        text: 'Hello, my order 1234 has not arrived yet.\n\n-- \nAlice\nACME Corp\n',
      });
      await deliver(mail.raw, alice.address);

      const { ticket, messages } = await answeredTicket(alice.address);
      expect(ticket.channel).toBe('email');
      expect(ticket.threadKey).toBe(mail.messageId);
      const inbound = messages.find((m) => m.direction === 'in');
      expect(inbound?.text).toContain('ACME Corp');
      expect(inbound?.newText).toBe('Hello, my order 1234 has not arrived yet.');

      const [answer] = await waitFor(async () => {
        const box = await mailboxOf(alice.name);
        return box.length > 0 ? box : undefined;
      });
      expect(answer?.subject).toBe(`Re: Where is my order? [#T-${ticket.number}]`);
      expect(answer?.from?.value[0]).toEqual({ address: SUPPORT, name: 'Example Support' });
      expect(headerIds(answer!, 'inReplyTo')).toEqual([mail.messageId]);
      expect(headerIds(answer!, 'references')).toContain(mail.messageId);
      expect(answer?.headers.get('auto-submitted')).toBe('auto-replied');
      expect(answer?.text?.trim()).toBe(BOT_TEXT);
      expect(answer?.html).toContain('<strong>2 days</strong>');
      const outbound = messages.find((m) => m.direction === 'out');
      expect(answer?.messageId).toBe(`<${outbound?.providerMessageId}>`);
      // Marked processed on the server only now that it is stored.
      expect(await flagsOf(mail.messageId)).toEqual(new Set(['\\Seen', '$SwitchboardProcessed']));
    });
  });

  describe('when the customer replies in the thread', () => {
    it('joins the same ticket by In-Reply-To, and by the subject tag without headers', async () => {
      const bob = customer();
      const first = customerMail(bob.address, { subject: 'Refund please' });
      await deliver(first.raw, bob.address);
      const { ticket } = await answeredTicket(bob.address);
      const [answer] = await mailboxOf(bob.name);
      const answerId = answer!.messageId!.replace(/^<|>$/g, '');

      const reply = customerMail(bob.address, {
        subject: `Re: Refund please [#T-${ticket.number}]`,
        text: `Still waiting.\n\nOn Tue, Support wrote:\n> ${BOT_TEXT}\n`,
        extra: { 'In-Reply-To': `<${answerId}>`, References: `<${first.messageId}> <${answerId}>` },
      });
      await deliver(reply.raw, bob.address);
      const second = await answeredTicket(bob.address, 2);
      expect(second.ticket._id).toEqual(ticket._id);
      const stored = second.messages.find((m) => m.channelMessageId === reply.messageId);
      expect(stored?.newText).toBe('Still waiting.');
      expect(stored?.text).toContain(BOT_TEXT);

      // A client that drops the threading headers: the [#T-n] tag still finds the ticket.
      const tagged = customerMail(bob.address, {
        subject: `Another question [#T-${ticket.number}]`,
      });
      await deliver(tagged.raw, bob.address);
      const third = await answeredTicket(bob.address, 3);
      expect(third.ticket._id).toEqual(ticket._id);
      expect(await ticketsOf(bob.address)).toHaveLength(1);
      // Someone else using the tag does not get into Bob's ticket.
      const stranger = customerMail('stranger@example.test', {
        subject: `Re: Refund please [#T-${ticket.number}]`,
      });
      await deliver(stranger.raw);
      const [own] = await waitFor(async () => {
        const all = await ticketsOf('stranger@example.test');
        return all.length > 0 ? all : undefined;
      });
      expect(own?._id).not.toEqual(ticket._id);
      // The third answer threads on the tagged mail.
      const box = await waitFor(async () => {
        const all = await mailboxOf(bob.name);
        return all.length === 3 ? all : undefined;
      });
      expect(box.map((m) => headerIds(m, 'inReplyTo')[0])).toEqual([
        first.messageId,
        reply.messageId,
        tagged.messageId,
      ]);
    });
  });

  describe('when mail comes from machines', () => {
    it('records auto-replies, list mail and bounces as rejections and never answers them', async () => {
      const carol = customer();
      const start = customerMail(carol.address, { subject: 'Question' });
      await deliver(start.raw, carol.address);
      await answeredTicket(carol.address);

      const autoReply = customerMail(carol.address, {
        subject: 'Out of office: Re: Question',
        text: 'I am away until Monday.\n',
        extra: { 'Auto-Submitted': 'auto-replied' },
      });
      const bulk = customerMail('news@shop.example.test', {
        subject: 'Our newsletter',
        extra: { Precedence: 'bulk' },
      });
      const list = customerMail('list@lists.example.test', {
        subject: 'Digest',
        extra: { 'List-Id': '<users.lists.example.test>' },
      });
      const bounceId = newMessageId();
      const boundary = 'dsn-boundary-1';
      const bounce = rawMail(
        {
          From: 'Mail Delivery System <MAILER-DAEMON@mx.example.test>',
          To: SUPPORT,
          Subject: 'Undelivered Mail Returned to Sender',
          Date: new Date().toUTCString(),
          'Message-ID': `<${bounceId}>`,
          'MIME-Version': '1.0',
          'Content-Type': `multipart/report; report-type=delivery-status; boundary="${boundary}"`,
        },
        [
          `--${boundary}`,
          'Content-Type: text/plain; charset=us-ascii',
          '',
          `I'm sorry to have to inform you that your message could not be delivered.`,
          `--${boundary}`,
          'Content-Type: message/delivery-status',
          '',
          'Reporting-MTA: dns; mx.example.test',
          '',
          `Final-Recipient: rfc822; ${carol.address}`,
          'Action: failed',
          'Status: 5.1.1',
          '',
          `--${boundary}--`,
          '',
        ].join('\n'),
      );
      for (const raw of [autoReply.raw, bulk.raw, list.raw, bounce]) await deliver(raw);

      expect((await rejectionOf(autoReply.messageId)).reason).toBe('auto-submitted');
      expect((await rejectionOf(bulk.messageId)).reason).toBe('bulk');
      expect((await rejectionOf(list.messageId)).reason).toBe('mailing-list');
      const bounced = await rejectionOf(bounceId);
      expect(bounced.reason).toBe('bounce');
      expect(bounced.detail).toContain(carol.address);

      const link = await gateway.pool.models.ContactIdentity.findById(
        `email:${carol.address}`,
      ).lean();
      const contact = await gateway.pool.models.Contact.findById(link?.contactId).lean();
      expect(contact?.undeliverable).toEqual([carol.address]);
      // Neither stored as customer messages nor answered: the first answer is the only one.
      const [ticket] = await ticketsOf(carol.address);
      const messages = await gateway.pool.listMessages(ticket!._id);
      expect(messages.map((m) => m.direction)).toEqual(['in', 'out']);
      expect(await ticketsOf('news@shop.example.test')).toEqual([]);
      expect(await mailboxOf(carol.name)).toHaveLength(1);
    });
  });

  describe('when read receipts, abuse reports and From-less bounces arrive (issue 22)', () => {
    it('records them as automated mail, marks the bounced address, and answers none', async () => {
      const erin = customer();
      const start = customerMail(erin.address, { subject: 'Receipt question' });
      await deliver(start.raw, erin.address);
      await answeredTicket(erin.address);
      const [ticket] = await ticketsOf(erin.address);
      const report = (type: string, from: string | undefined, id: string, part: string[]) =>
        rawMail(
          {
            ...(from ? { From: from } : {}),
            To: SUPPORT,
            Subject: `Read: Re: Receipt question [#T-${ticket!.number}]`,
            Date: new Date().toUTCString(),
            'Message-ID': `<${id}>`,
            'MIME-Version': '1.0',
            'Content-Type': `multipart/report; report-type=${type}; boundary="r1"`,
          },
          [
            '--r1',
            'Content-Type: text/plain',
            '',
            'Automatic report.',
            '--r1',
            ...part,
            '--r1--',
            '',
          ].join('\n'),
        );
      const receiptId = newMessageId();
      const arfId = newMessageId();
      const bounceId = newMessageId();
      const gone = customer();
      await deliver(
        report('disposition-notification', erin.address, receiptId, [
          'Content-Type: message/disposition-notification',
          '',
          'Disposition: manual-action/MDN-sent-manually; displayed',
        ]),
        erin.address,
      );
      await deliver(
        report('feedback-report', 'abuse@isp.example.test', arfId, [
          'Content-Type: message/feedback-report',
          '',
          'Feedback-Type: abuse',
          'Version: 1',
        ]),
      );
      await deliver(
        report('delivery-status', undefined, bounceId, [
          'Content-Type: message/delivery-status',
          '',
          'Reporting-MTA: dns; mx.example.test',
          '',
          `Final-Recipient: rfc822; ${gone.address}`,
          'Action: failed',
          'Status: 5.1.1',
        ]),
      );
      expect((await rejectionOf(receiptId)).reason).toBe('read-receipt');
      expect((await rejectionOf(arfId)).reason).toBe('feedback-report');
      const bounced = await rejectionOf(bounceId);
      expect(bounced.reason).toBe('bounce');
      expect(bounced.detail).toContain(gone.address);
      // The receipt joined nothing and was answered by nobody.
      const messages = await gateway.pool.listMessages(ticket!._id);
      expect(messages.map((m) => m.direction)).toEqual(['in', 'out']);
      expect(await mailboxOf(erin.name)).toHaveLength(1);
    });
  });

  describe('when mail is in other charsets', () => {
    it('reads a GBK-encoded Chinese mail and an ISO-8859-1 one correctly', async () => {
      await deliver(readFileSync(new URL('../../fixtures/email/gbk-chinese.eml', import.meta.url)));
      await deliver(readFileSync(new URL('../../fixtures/email/latin1.eml', import.meta.url)));

      const chinese = await answeredTicket('wang@example.test');
      const inbound = chinese.messages.find((m) => m.direction === 'in');
      expect(inbound?.subject).toBe('订单查询');
      expect(inbound?.authorName).toBe('王小明');
      expect(inbound?.text).toContain('您好，我的订单还没有到，请问什么时候发货？');
      const latin = await answeredTicket('jose@example.test');
      const german = latin.messages.find((m) => m.direction === 'in');
      expect(german?.subject).toBe('Kündigung möglich?');
      expect(german?.authorName).toBe('José Müller');
      expect(german?.text).toBe('Grüße, ist eine Kündigung möglich?');
    });
  });

  describe('when mail is malformed, empty, oversized or HTML only', () => {
    it('records each with a reason and the mail around them still flows', async () => {
      const dave = customer();
      const broken = rawMail(
        {
          From: 'not an address <<<',
          Subject: 'broken',
          'Message-ID': `<${newMessageId()}>`,
          'Content-Type': 'multipart/mixed; boundary="never-used"',
        },
        '--wrong-boundary\nContent-Type: text/plain\n\nhalf a part',
      );
      const brokenId = /Message-ID: <([^>]+)>/.exec(broken)![1]!;
      const empty = customerMail(dave.address, { subject: '', text: '' });
      const subjectOnly = customerMail(dave.address, { subject: 'Cannot log in', text: '' });
      const big = customerMail(dave.address, {
        subject: 'Huge attachment',
        text: 'x'.repeat(300 * 1024),
      });
      const htmlOnly = customerMail(dave.address, {
        subject: 'Cannot log in',
        text: '<p>Also my <b>password</b> reset mail never came.<script>alert(1)</script></p>',
        extra: {
          'Content-Type': 'text/html; charset=utf-8',
          'In-Reply-To': `<${subjectOnly.messageId}>`,
        },
      });
      for (const raw of [broken, empty.raw, subjectOnly.raw, big.raw, htmlOnly.raw]) {
        await deliver(raw);
      }

      expect((await rejectionOf(brokenId)).reason).toBe('malformed');
      expect((await rejectionOf(empty.messageId)).reason).toBe('empty');
      const tooLarge = await rejectionOf(big.messageId);
      expect(tooLarge.reason).toBe('too-large');
      const { ticket, messages } = await answeredTicket(dave.address, 2);
      expect(ticket.subject).toBe('Cannot log in');
      const inbound = messages.filter((m) => m.direction === 'in');
      expect(inbound.map((m) => m.text)).toEqual([
        'Cannot log in',
        'Also my password reset mail never came.',
      ]);
      expect(inbound[1]?.html?.trim()).toBe(
        '<p>Also my <b>password</b> reset mail never came.</p>',
      );
      expect(await flagsOf(big.messageId)).toContain('$SwitchboardProcessed');
    });
  });

  describe('when the poller dies between fetch and queue, or between queue and flag', () => {
    it('loses nothing and answers nothing twice', async () => {
      await email.stop();
      const erin = customer();
      const first = customerMail(erin.address, { subject: 'Crash one' });
      const second = customerMail(erin.address, { subject: 'Crash two' });
      await deliver(first.raw, erin.address);
      await deliver(second.raw, erin.address);

      // Dies right after downloading the first mail: nothing queued, nothing flagged.
      const beforeQueue = channel({
        afterFetch: () => Promise.reject(new Error('killed after fetch')),
      });
      await beforeQueue.start();
      await beforeQueue.scanned();
      await beforeQueue.stop();
      const jobOf = (id: string) => gateway.queues.inbound.getJob(jobIdFor('email', id));
      expect(await jobOf(first.messageId)).toBeUndefined();
      expect(await flagsOf(first.messageId)).not.toContain('$SwitchboardProcessed');

      // Dies after the sink took the first mail, before flagging it.
      const beforeFlag = channel({
        afterAccept: () => Promise.reject(new Error('killed before flag')),
      });
      await beforeFlag.start();
      await beforeFlag.scanned();
      await beforeFlag.stop();
      expect(await jobOf(first.messageId)).toBeDefined();
      expect(await jobOf(second.messageId)).toBeDefined();
      expect(await flagsOf(first.messageId)).not.toContain('$SwitchboardProcessed');

      // A fresh poller picks both up again; each is a duplicate of its queued job.
      email = channel();
      (gateway.adapters as Map<ChannelId, ChannelAdapter>).set('email', email.adapter);
      await email.start();
      await waitFor(async () => (await flagsOf(second.messageId))?.has('$SwitchboardProcessed'));
      expect(await flagsOf(first.messageId)).toContain('$SwitchboardProcessed');
      // Both were queued by the poller that died before flagging: re-fetched, neither queued again.
      expect(email.poller.counts.get('duplicate')).toBe(2);

      // Her second conversation joins her open ticket (issue 19): one ticket, each mail stored
      // once and answered once, in its own mail thread (below).
      const [ticket, ...more] = await waitFor(async () => {
        const all = await ticketsOf(erin.address);
        return all.length > 0 ? all : undefined;
      });
      expect(more).toEqual([]);
      const messages = await waitFor(async () => {
        const all = await gateway.pool.listMessages(ticket!._id);
        return all.filter((m) => m.deliveryStatus === 'sent').length === 2 ? all : undefined;
      });
      expect(messages.map((m) => m.direction).sort()).toEqual(['in', 'in', 'out', 'out']);
      const box = await waitFor(async () => {
        const all = await mailboxOf(erin.name);
        return all.length === 2 ? all : undefined;
      });
      expect(box.map((m) => headerIds(m, 'inReplyTo')[0]).sort()).toEqual(
        [first.messageId, second.messageId].sort(),
      );
    });
  });

  describe('when several mails wait (issue 21: IMAP round trips per scan)', () => {
    it('fetches their envelopes and sources in one command each and flags them in one', async () => {
      await email.stop();
      const mails = Array.from({ length: 5 }, (_, i) =>
        customerMail(`batch-${i}@example.test`, { subject: `Batch ${i}` }),
      );
      for (const mail of mails) await deliver(mail.raw);
      // imapflow logs each command it sends at debug level (`src: 'c'`): count them.
      const commands: string[] = [];
      const sink = new Writable({
        write(chunk: Buffer, _encoding, done) {
          for (const line of chunk.toString().split('\n').filter(Boolean)) {
            const entry = JSON.parse(line) as { src?: string; msg?: string };
            if (entry.src === 'c' && entry.msg) commands.push(entry.msg);
          }
          done();
        },
      });
      const counted = createEmailChannel({
        sink: new QueueInboundSink(gateway.queues.inbound),
        store,
        redis,
        keyPrefix: prefix,
        env: { ...env, EMAIL_DEBUG: 'true' },
        logger: pino({ level: 'debug' }, sink),
      });
      if (!counted) throw new Error('the email channel is not configured');
      // The email store's writes: each new thread is one insert, without the lock's read.
      const storeOps: string[] = [];
      gateway.pool.models.Ticket.db.set('debug', (collection: string, method: string) => {
        if (collection.startsWith('email_')) storeOps.push(`${collection}.${method}`);
      });
      await counted.start();
      try {
        await waitFor(async () => {
          const flags = await Promise.all(mails.map((m) => flagsOf(m.messageId)));
          return flags.every((f) => f?.has('$SwitchboardProcessed'));
        });
        await counted.scanned();
      } finally {
        await counted.stop();
        gateway.pool.models.Ticket.db.set('debug', false);
      }
      expect(counted.poller.counts.get('accepted')).toBe(5);
      expect(storeOps.filter((op) => op === 'email_threads.insertOne')).toHaveLength(5);
      expect(storeOps.filter((op) => op === 'email_message_ids.insertOne')).toHaveLength(5);
      const verb = (name: string) =>
        commands.filter((c) => new RegExp(`^\\S+ UID ${name} `).test(c));
      // One FETCH of the five envelopes, one of their sources, one STORE of their flags.
      expect(verb('FETCH')).toHaveLength(2);
      expect(verb('FETCH')[0]).toMatch(/ UID FETCH \d+(?:[:,]\d+)+ /);
      expect(verb('STORE')).toHaveLength(1);
      email = channel();
      (gateway.adapters as Map<ChannelId, ChannelAdapter>).set('email', email.adapter);
      await email.start();
    });
  });

  describe('when processed mail is moved instead of flagged', () => {
    it('moves it to the folder only after it was queued', async () => {
      const mover = createEmailChannel({
        sink: new QueueInboundSink(gateway.queues.inbound),
        store,
        redis,
        keyPrefix: prefix,
        env: { ...env, EMAIL_IMAP_USER: 'movebox', EMAIL_PROCESSED_MODE: 'move' },
      });
      await mover!.start();
      try {
        const gus = customer();
        const mail = customerMail(gus.address, { subject: 'Moved please' });
        await lmtp.sendMail({
          envelope: { from: gus.address, to: 'movebox@example.test' },
          raw: mail.raw,
        });
        await answeredTicket(gus.address);
        const processed = await waitFor(async () => {
          const counts = await withInbox(dovecot, 'movebox', async (client) => ({
            inbox: client.mailbox ? client.mailbox.exists : -1,
            done: await client
              .status('Processed', { messages: true })
              .then((st) => (st ? st.messages : -1)),
          }));
          return counts.done === 1 ? counts : undefined;
        });
        expect(processed).toEqual({ inbox: 0, done: 1 });
      } finally {
        await mover?.stop();
      }
    });
  });

  describe('when the server drops the connection', () => {
    it('reconnects by itself and picks up new mail', async () => {
      dovecot.kick('support');
      const fay = customer();
      await deliver(customerMail(fay.address, {}).raw, fay.address);
      await answeredTicket(fay.address);
    });
  });

  describe('when a reply cannot be delivered', () => {
    it('marks it failed with the permanent rejection and does not retry', async () => {
      // No mailbox for this address: the LMTP server refuses the recipient with 550.
      const ghost = `ghost${randomBytes(3).toString('hex')}@example.test`;
      await deliver(customerMail(ghost, {}).raw, ghost);
      const failed = await waitFor(async () => {
        const [ticket] = await ticketsOf(ghost);
        if (!ticket) return undefined;
        const messages = await gateway.pool.listMessages(ticket._id);
        return messages.find((m) => m.direction === 'out' && m.deliveryStatus === 'failed');
      });
      expect(failed.deliveryError).toMatch(/rejected/);
      expect(failed.deliveryAttempts).toBeLessThanOrEqual(1);
    });
  });
});

describe('email reply rate limit', () => {
  it('stops bot answers to one address over the hourly budget, never agent replies', async () => {
    const limited = createEmailChannel({
      sink: new QueueInboundSink(gateway.queues.inbound),
      store,
      redis,
      keyPrefix: `${prefix}-rate`,
      env: { ...env, EMAIL_REPLY_RATE_PER_HOUR: '1' },
    });
    const [name] = CUSTOMERS.slice(-1);
    const message = (kind: 'bot' | 'agent', n: number) =>
      OutboundMessageSchema.parse({
        messageId: `sb.rate.${n}.${randomBytes(4).toString('hex')}`,
        ticketId: '000000000000000000000000',
        channel: 'email',
        threadKey: `rate-${n}`,
        to: { kind: 'email', value: `${name}@example.test` },
        author: { kind },
        text: 'answer',
      });
    try {
      await expect(limited!.adapter.send(message('bot', 1))).resolves.toHaveProperty(
        'providerMessageId',
      );
      const refused = await limited!.adapter.send(message('bot', 2)).catch((e: unknown) => e);
      expect(isSwitchboardError(refused) && refused.code).toBe('SB_ERR_DELIVERY_REJECTED');
      await expect(limited!.adapter.send(message('agent', 3))).resolves.toBeDefined();
    } finally {
      await limited?.stop();
    }
  });
});

describe('email config', () => {
  it('is off without EMAIL_IMAP_HOST and names a bad variable', () => {
    expect(loadEmailConfig({})).toBeUndefined();
    expect(() => loadEmailConfig({ ...env, EMAIL_PROCESSED_MODE: 'delete' })).toThrow(
      /EMAIL_PROCESSED_MODE/,
    );
    expect(loadEmailConfig(env)?.EMAIL_REPLY_RATE_PER_HOUR).toBe(10);
  });
});
