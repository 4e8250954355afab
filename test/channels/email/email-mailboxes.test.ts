import { createHash, randomBytes } from 'node:crypto';
import { binaryBody } from '../../support/binary-body.ts';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import nodemailer, { type Transporter } from 'nodemailer';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { stringify } from 'yaml';
import { createEmailChannel } from '../../../channels/email/adapter.ts';
import type { PollerHooks } from '../../../channels/email/poller.ts';
import type { SavedAttachment } from '../../../channels/email/ports.ts';
import type { Gateway } from '../../../src/app.ts';
import { isSwitchboardError } from '../../../src/domain/errors.ts';
import { OutboundMessageSchema } from '../../../src/domain/message.ts';
import type { Responder } from '../../../src/domain/ports.ts';
import { startLocalDovecot, type LocalDovecot } from '../../../src/local/dovecot.ts';
import { QueueInboundSink } from '../../../src/pipeline/inbound-sink.ts';
import { PoolAttachments } from '../../../src/pool/attachments.ts';
import { PoolEmailStore } from '../../../channels/email/store.ts';
import { channelStoreDeps } from '../../support/channel-stores.ts';
import { redisDocumentLocks } from '../../../src/pool/locks.ts';
import type { MessageDoc } from '../../../src/pool/models.ts';
import { startTestGateway, testConfig, waitFor } from '../../support/gateway.ts';
import {
  PASSWORD,
  answered,
  headerIds,
  inboxWith,
  newMessageId,
  plainMail,
  ticketsOf,
} from './mail-helpers.ts';

const SUPPORT = 'support@example.test';
const BILLING = 'billing@example.test';
const ADMIN_TOKEN = 'test-admin-token-0123456789';
const ATTACHMENT_LIMIT = 64 * 1024;
const CUSTOMERS = ['kim', 'lee', 'max', 'ned', 'oli', 'pia'];

const botResponder: Responder = {
  respond: () =>
    Promise.resolve({ action: 'reply', text: 'We are on it.', counted: 'answer', intent: 'x' }),
};

let dovecot: LocalDovecot;
let gateway: Gateway;
let redis: Redis;
let lmtp: Transporter;
let attachments: PoolAttachments;
let dir: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  dovecot = await startLocalDovecot({
    users: ['support', 'billing', 'retrybox', ...CUSTOMERS].map((name) => ({
      name,
      password: PASSWORD,
    })),
  });
  dir = mkdtempSync(join(tmpdir(), 'sb-email-mailboxes-'));
  const mailboxesFile = join(dir, 'mailboxes.yml');
  // The second mailbox as an operator writes it: its own IMAP login (password from the
  // environment), its own address and From name; replies go over LMTP into the same Dovecot.
  writeFileSync(
    mailboxesFile,
    stringify({
      mailboxes: [
        {
          id: 'billing',
          address: BILLING,
          fromName: 'Example Billing',
          imap: {
            host: dovecot.host,
            port: dovecot.imapPort,
            tls: 'none',
            user: 'billing',
            passwordEnv: 'BILLING_IMAP_PASSWORD',
          },
          smtp: { host: dovecot.host, port: dovecot.lmtpPort, tls: 'none', protocol: 'lmtp' },
        },
      ],
    }),
  );
  env = {
    EMAIL_IMAP_HOST: dovecot.host,
    EMAIL_IMAP_PORT: String(dovecot.imapPort),
    EMAIL_IMAP_TLS: 'none',
    EMAIL_IMAP_USER: 'support',
    EMAIL_IMAP_PASSWORD: PASSWORD,
    EMAIL_SMTP_HOST: dovecot.host,
    EMAIL_SMTP_PORT: String(dovecot.lmtpPort),
    EMAIL_SMTP_TLS: 'none',
    EMAIL_SMTP_PROTOCOL: 'lmtp',
    EMAIL_ADDRESS: SUPPORT,
    EMAIL_FROM_NAME: 'Example Support',
    EMAIL_IDLE_DELAY_MS: '200',
    EMAIL_POLL_INTERVAL_MS: '3000',
    EMAIL_RECONNECT_MAX_MS: '1000',
    EMAIL_ATTACHMENT_MAX_BYTES: String(ATTACHMENT_LIMIT),
    EMAIL_MAILBOXES_FILE: mailboxesFile,
    BILLING_IMAP_PASSWORD: PASSWORD,
  };
  // The gateway wires the channel itself from the variables (src/app.ts), both pollers included.
  gateway = await startTestGateway({
    config: testConfig({
      ADMIN_TOKEN,
      OUTBOUND_BACKOFF_MS: '100',
      OUTBOUND_ATTEMPTS: '2',
      // Mailboxes run apart here (a team each): a customer's conversations do not join across.
      CONVERSATION_JOIN_SECONDS: '0',
    }),
    responder: botResponder,
    env,
  });
  redis = new Redis(inject('redisUrl'), { maxRetriesPerRequest: 1 });
  attachments = await PoolAttachments.create(gateway.pool.models.Ticket.db);
  lmtp = nodemailer.createTransport({
    host: dovecot.host,
    port: dovecot.lmtpPort,
    lmtp: true,
    secure: false,
    ignoreTLS: true,
  });
});

afterAll(async () => {
  lmtp?.close();
  await gateway?.pool.models.Ticket.db.dropDatabase();
  await gateway?.queues.inbound.obliterate({ force: true });
  await gateway?.queues.outbound.obliterate({ force: true });
  await gateway?.stop();
  redis?.disconnect();
  await dovecot?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

let seq = 0;
function customer(): { name: string; address: string } {
  const name = CUSTOMERS[seq];
  seq += 1;
  if (name === undefined) throw new Error('add a name to CUSTOMERS');
  return { name, address: `${name}@example.test` };
}

/** Delivers over LMTP into our mailboxes, as the MTA in front of them would. */
async function deliver(raw: string, to: string[], from = 'someone@example.test'): Promise<void> {
  await lmtp.sendMail({ envelope: { from, to }, raw });
}

function inboundOf(messages: MessageDoc[]): MessageDoc[] {
  return messages.filter((m) => m.direction === 'in');
}

describe('email mailboxes', () => {
  describe('when customers write to two of our mailboxes', () => {
    it('ingests both and answers each from the mailbox it was written to, in its thread', async () => {
      const kim = customer();
      const lee = customer();
      const toSupport = plainMail({ from: kim.address, to: SUPPORT, subject: 'Login broken' });
      const toBilling = plainMail({ from: lee.address, to: BILLING, subject: 'Invoice wrong' });
      await deliver(toSupport.raw, [SUPPORT], kim.address);
      await deliver(toBilling.raw, [BILLING], lee.address);

      const [support] = await answered(gateway, kim.address, 1);
      const [billing] = await answered(gateway, lee.address, 1);
      expect(support?.ticket.channelData).toMatchObject({ mailbox: 'default' });
      expect(support?.ticket.threadKey).toBe(toSupport.messageId);
      expect(billing?.ticket.channelData).toMatchObject({ mailbox: 'billing' });
      expect(billing?.ticket.threadKey).toBe(`billing/${toBilling.messageId}`);
      expect(inboundOf(billing!.messages)[0]?.channelData).toMatchObject({ mailbox: 'billing' });

      const [kimAnswer] = await inboxWith(dovecot, kim.name, 1);
      expect(kimAnswer?.from?.value[0]).toEqual({ address: SUPPORT, name: 'Example Support' });
      expect(headerIds(kimAnswer!, 'inReplyTo')).toEqual([toSupport.messageId]);
      const [leeAnswer] = await inboxWith(dovecot, lee.name, 1);
      expect(leeAnswer?.from?.value[0]).toEqual({ address: BILLING, name: 'Example Billing' });
      expect(headerIds(leeAnswer!, 'inReplyTo')).toEqual([toBilling.messageId]);
      expect(leeAnswer?.subject).toBe(`Re: Invoice wrong [#T-${billing?.ticket.number}]`);
      // Our Message-IDs carry the domain of the mailbox that sent them.
      expect(leeAnswer?.messageId).toMatch(/^<sb-[0-9a-f]+@example\.test>$/);

      // Lee answers in the thread: the reply joins the billing ticket and is answered from there.
      const answerId = leeAnswer!.messageId!.replace(/^<|>$/g, '');
      const reply = plainMail({
        from: lee.address,
        to: BILLING,
        subject: 'Re: Invoice wrong',
        text: 'Still wrong.\n',
        extra: {
          'In-Reply-To': `<${answerId}>`,
          References: `<${toBilling.messageId}> <${answerId}>`,
        },
      });
      await deliver(reply.raw, [BILLING], lee.address);
      const [thread] = await answered(gateway, lee.address, 2);
      expect(await ticketsOf(gateway, lee.address)).toHaveLength(1);
      expect(inboundOf(thread!.messages).map((m) => m.channelMessageId)).toEqual([
        `billing/${toBilling.messageId}`,
        `billing/${reply.messageId}`,
      ]);
      const leeBox = await inboxWith(dovecot, lee.name, 2);
      const second = leeBox.find((m) => headerIds(m, 'inReplyTo')[0] === reply.messageId);
      expect(second?.from?.value[0]?.address).toBe(BILLING);
      expect(headerIds(second!, 'references')).toEqual(
        expect.arrayContaining([toBilling.messageId, answerId, reply.messageId]),
      );
    });
  });

  describe('when one mail is sent to both mailboxes', () => {
    it('is two messages on two tickets, each answered from its own address', async () => {
      const max = customer();
      const both = plainMail({ from: max.address, to: `${SUPPORT}, ${BILLING}`, subject: 'Both' });
      // One LMTP transaction, two recipients: one Message-ID lands in both mailboxes.
      await deliver(both.raw, [SUPPORT, BILLING], max.address);

      const tickets = await answered(gateway, max.address, 2);
      expect(tickets).toHaveLength(2);
      const keys = tickets.flatMap((t) => inboundOf(t.messages).map((m) => String(m._id))).sort();
      expect(keys).toEqual([`email.${both.messageId}`, `email.billing/${both.messageId}`].sort());
      expect(new Set(tickets.map((t) => t.ticket.threadKey)).size).toBe(2);
      const box = await inboxWith(dovecot, max.name, 2);
      expect(box.map((m) => m.from?.value[0]?.address).sort()).toEqual([BILLING, SUPPORT]);
      expect(box.map((m) => headerIds(m, 'inReplyTo')[0])).toEqual([
        both.messageId,
        both.messageId,
      ]);

      // The support ticket's [#T-n] tag written to billing does not reach into support's ticket.
      const supportTicket = tickets.find((t) => t.ticket.channelData['mailbox'] === 'default');
      const tagged = plainMail({
        from: max.address,
        to: BILLING,
        subject: `Follow-up [#T-${supportTicket?.ticket.number}]`,
      });
      await deliver(tagged.raw, [BILLING], max.address);
      const after = await answered(gateway, max.address, 3);
      expect(after).toHaveLength(3);
      const fresh = after.find((t) =>
        inboundOf(t.messages).some((m) => m.channelMessageId === `billing/${tagged.messageId}`),
      );
      expect(fresh?.ticket.channelData['mailbox']).toBe('billing');
      expect(fresh?.ticket._id).not.toEqual(supportTicket?.ticket._id);
    });
  });

  describe('when a ticket names a mailbox that is no longer configured', () => {
    it('rejects the reply for good, naming the mailbox', async () => {
      const outbound = OutboundMessageSchema.parse({
        messageId: `sb.gone.${randomBytes(4).toString('hex')}`,
        ticketId: '000000000000000000000000',
        channel: 'email',
        threadKey: 'sales/x@example.test',
        to: { kind: 'email', value: 'pia@example.test' },
        author: { kind: 'agent' },
        text: 'answer',
        channelData: { mailbox: 'sales' },
      });
      const refused = await gateway.adapters
        .get('email')!
        .send(outbound)
        .catch((e: unknown) => e);
      expect(isSwitchboardError(refused) && refused.code).toBe('SB_ERR_DELIVERY_REJECTED');
      expect((refused as Error).message).toContain('"sales"');
    });
  });
});

describe('email attachments', () => {
  const small = randomBytes(10 * 1024);
  const big = randomBytes(ATTACHMENT_LIMIT + 1);

  async function mailWithAttachments(from: string, to: string, messageId: string) {
    await lmtp.sendMail({
      envelope: { from, to },
      from: `Customer <${from}>`,
      to,
      subject: 'Screenshots',
      messageId: `<${messageId}>`,
      text: 'See the attached files.',
      attachments: [
        { filename: 'small.bin', content: small, contentType: 'application/octet-stream' },
        { filename: 'Rechnung März.pdf', content: big, contentType: 'application/pdf' },
      ],
    });
  }

  describe('when a mail carries one attachment under the limit and one over it', () => {
    it('stores the small one byte-exact and only the metadata of the big one', async () => {
      const ned = customer();
      const messageId = newMessageId();
      await mailWithAttachments(ned.address, SUPPORT, messageId);

      const [ticket] = await answered(gateway, ned.address, 1);
      const inbound = inboundOf(ticket!.messages)[0]!;
      expect(inbound.attachments.map((a) => [a.name, a.size])).toEqual([
        ['small.bin', small.length],
        ['Rechnung März.pdf', big.length],
      ]);
      const saved = (inbound.channelData as { attachments: SavedAttachment[] }).attachments;
      expect(saved.map((a) => [a.id, a.stored, a.notStoredReason])).toEqual([
        [`email.${messageId}.0`, true, undefined],
        [`email.${messageId}.1`, false, 'too-large'],
      ]);

      const kept = await attachments.get(saved[0]!.id);
      expect(kept?.content?.equals(small)).toBe(true);
      expect(kept?.meta.sha256).toBe(createHash('sha256').update(small).digest('hex'));
      const skipped = await attachments.get(saved[1]!.id);
      expect(skipped?.content).toBeUndefined();
      expect(skipped?.meta).toMatchObject({
        name: 'Rechnung März.pdf',
        contentType: 'application/pdf',
        size: big.length,
        stored: false,
        notStoredReason: 'too-large',
        sha256: createHash('sha256').update(big).digest('hex'),
      });
      expect(skipped?.meta.notStoredDetail).toContain(String(ATTACHMENT_LIMIT));
      expect((await attachments.listFor(String(inbound._id))).map((a) => a.id)).toEqual(
        saved.map((a) => a.id),
      );

      // Read back over the admin API: the bytes as a download, never rendered.
      const http = request(gateway.http!);
      const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };
      const res = await http
        .get(`/api/v1/attachments/${encodeURIComponent(saved[0]!.id)}`)
        .set(auth)
        .buffer(true)
        .parse(binaryBody);
      expect(res.status).toBe(200);
      expect((res.body as Buffer).equals(small)).toBe(true);
      expect(res.headers['content-disposition']).toMatch(/^attachment; filename="small\.bin"/);
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      const notStored = await http
        .get(`/api/v1/attachments/${encodeURIComponent(saved[1]!.id)}`)
        .set(auth);
      expect(notStored.status).toBe(404);
      expect(notStored.body.error.code).toBe('SB_ERR_ATTACHMENT_NOT_STORED');
      expect(notStored.body.error.message).toContain('too-large');
      // Ids of other mailboxes hold a "/" (email.billing/<Message-ID>.0): URL-encoded, they work.
      const [billingId] = await attachments.save('email', `billing/${messageId}`, [
        { ...kept!.meta, content: small },
      ]);
      const scoped = await http
        .get(`/api/v1/attachments/${encodeURIComponent(billingId!)}`)
        .set(auth)
        .buffer(true)
        .parse(binaryBody);
      expect(billingId).toBe(`email.billing/${messageId}.0`);
      expect(scoped.status).toBe(200);
      expect((scoped.body as Buffer).equals(small)).toBe(true);
      const unknown = await http.get('/api/v1/attachments/email.nothing.0').set(auth);
      expect(unknown.status).toBe(404);
      expect(unknown.body.error.code).toBe('SB_ERR_NOT_FOUND');
      const anonymous = await http.get(`/api/v1/attachments/${encodeURIComponent(saved[0]!.id)}`);
      expect(anonymous.status).toBe(401);
    });
  });

  describe('when an attachment is as large as EMAIL_ATTACHMENT_MAX_BYTES may be set', () => {
    it('fits one document and reads back byte-exact', async () => {
      // 15 MB, the cap the variable allows: one document each stays below BSON's 16 MB.
      const largest = randomBytes(15 * 1024 * 1024);
      const key = `cap-${randomBytes(4).toString('hex')}@mail.example.test`;
      const [id] = await attachments.save('email', key, [
        {
          name: 'large.bin',
          contentType: 'application/octet-stream',
          size: largest.length,
          sha256: createHash('sha256').update(largest).digest('hex'),
          content: largest,
        },
      ]);
      const back = await attachments.get(id!);
      expect(back?.meta.stored).toBe(true);
      expect(back?.content?.equals(largest)).toBe(true);
    });
  });

  describe('when the ingest of a mail with attachments is retried', () => {
    it('stores nothing twice', async () => {
      // A mailbox of its own, read by pollers we control: the first dies after the mail was
      // queued and before it was flagged, so the second fetches and handles it all again.
      const store = await PoolEmailStore.create({
        ...channelStoreDeps(gateway.pool),
        locks: redisDocumentLocks(redis, { prefix: gateway.config.QUEUE_PREFIX }),
      });
      const retryEnv = {
        ...env,
        EMAIL_IMAP_USER: 'retrybox',
        EMAIL_ADDRESS: 'retrybox@example.test',
        EMAIL_MAILBOXES_FILE: '',
      };
      const poller = (hooks?: PollerHooks) =>
        createEmailChannel({
          sink: new QueueInboundSink(gateway.queues.inbound),
          store,
          redis,
          keyPrefix: gateway.config.QUEUE_PREFIX,
          env: retryEnv,
          ...(hooks ? { hooks } : {}),
        })!;
      const oli = customer();
      const messageId = newMessageId();
      await mailWithAttachments(oli.address, 'retrybox@example.test', messageId);
      const messageKey = `email.${messageId}`;

      const dying = poller({ afterAccept: () => Promise.reject(new Error('killed before flag')) });
      await dying.start();
      await dying.scanned();
      await dying.stop();
      const first = await attachments.listFor(messageKey);
      expect(first.map((a) => [a.id, a.stored])).toEqual([
        [`${messageKey}.0`, true],
        [`${messageKey}.1`, false],
      ]);

      const healthy = poller();
      await healthy.start();
      try {
        await waitFor(() => healthy.poller.counts.get('duplicate') === 1, {
          what: 'the re-fetched mail handled as a duplicate',
        });
      } finally {
        await healthy.stop();
      }
      const again = await attachments.listFor(messageKey);
      // The same two documents, untouched by the second try.
      expect(again).toEqual(first);
      expect(
        await gateway.pool.models.Ticket.db.collection('attachments').countDocuments({
          messageKey,
        }),
      ).toBe(2);
      const [ticket] = await answered(gateway, oli.address, 1);
      expect(inboundOf(ticket!.messages)).toHaveLength(1);
      expect((await attachments.get(`${messageKey}.0`))?.content?.equals(small)).toBe(true);
    });
  });
});
