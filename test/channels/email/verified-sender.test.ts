/**
 * Issue 19 item 1: an email's From counts as verified only when the receiving server's
 * Authentication-Results (its authserv-id: EMAIL_AUTHSERV_ID) show DKIM or DMARC passing. Mails go
 * over LMTP into a real Dovecot mailbox and through the channel's own IMAP poller; the messages it
 * hands the pipeline are what is checked.
 */
import { Redis } from 'ioredis';
import type { Transporter } from 'nodemailer';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createEmailChannel, type EmailChannel } from '../../../channels/email/adapter.ts';
import { PoolEmailStore } from '../../../channels/email/store.ts';
import type { Gateway } from '../../../src/app.ts';
import type { InboundMessageInput } from '../../../src/domain/message.ts';
import type { InboundSink } from '../../../src/domain/ports.ts';
import { startLocalDovecot, type LocalDovecot } from '../../../src/local/dovecot.ts';
import { redisDocumentLocks } from '../../../src/pool/locks.ts';
import { channelStoreDeps } from '../../support/channel-stores.ts';
import { startTestGateway, testConfig, waitFor } from '../../support/gateway.ts';
import { dovecotMailEnv, lmtpTransport, PASSWORD, plainMail } from './mail-helpers.ts';

const SUPPORT = 'support@example.test';
const AUTHSERV_ID = 'mx.support.example.test';

let dovecot: LocalDovecot;
let gateway: Gateway;
let redis: Redis;
let email: EmailChannel;
let lmtp: Transporter;
const received: InboundMessageInput[] = [];

/** The pipeline's door, as a recorder: what the channel normalized, nothing persisted. */
const sink: InboundSink = {
  accept: (message) => {
    received.push(message);
    return Promise.resolve({ jobId: message.channelMessageId, duplicate: false });
  },
};

beforeAll(async () => {
  dovecot = await startLocalDovecot({ users: [{ name: 'support', password: PASSWORD }] });
  const config = testConfig();
  gateway = await startTestGateway({ config });
  redis = new Redis(inject('redisUrl'), { maxRetriesPerRequest: 1 });
  const store = await PoolEmailStore.create({
    ...channelStoreDeps(gateway.pool),
    locks: redisDocumentLocks(redis, { prefix: config.QUEUE_PREFIX }),
  });
  const created = createEmailChannel({
    sink,
    store,
    redis,
    keyPrefix: config.QUEUE_PREFIX,
    env: {
      ...dovecotMailEnv(dovecot, { address: SUPPORT }),
      EMAIL_AUTHSERV_ID: AUTHSERV_ID,
    },
  });
  if (!created) throw new Error('the email channel is not configured');
  email = created;
  await email.start();
  lmtp = lmtpTransport(dovecot);
});

afterAll(async () => {
  await email?.stop();
  lmtp?.close();
  await gateway?.pool.models.Ticket.db.dropDatabase();
  await gateway?.stop();
  redis?.disconnect();
  await dovecot?.stop();
});

/** Delivers a mail from `from` with these extra headers; the message the channel made of it. */
async function deliver(from: string, extra: Record<string, string>): Promise<InboundMessageInput> {
  const mail = plainMail({ from, to: SUPPORT, subject: 'Where is my order?', extra });
  await lmtp.sendMail({ envelope: { from, to: [SUPPORT] }, raw: mail.raw });
  return waitFor(
    () => Promise.resolve(received.find((m) => m.channelData?.['messageId'] === mail.messageId)),
    { what: `the message of ${mail.messageId}` },
  );
}

describe('the email channel', () => {
  describe('when the receiving server says DKIM passed for the From domain', () => {
    it('marks the From address verified', async () => {
      const message = await deliver('jane@example.com', {
        'Authentication-Results': `${AUTHSERV_ID};\r\n\tdkim=pass (2048-bit key) header.d=example.com header.s=sel`,
      });
      expect(message.from.identity).toEqual({ kind: 'email', value: 'jane@example.com' });
      expect(message.from.identityVerified).toBe(true);
    });
  });

  describe('when nothing trusted vouches for it', () => {
    it('leaves a mail without Authentication-Results unverified', async () => {
      const message = await deliver('john@example.com', {});
      expect(message.from.identityVerified).toBe(false);
    });

    it('leaves it unverified when the pass comes from another authserv-id (a forged header)', async () => {
      const message = await deliver('ceo@example.com', {
        'Authentication-Results': 'mx.attacker.test; dkim=pass header.d=example.com',
      });
      expect(message.from.identityVerified).toBe(false);
    });

    it('leaves it unverified when the signature is for another domain', async () => {
      const message = await deliver('billing@example.com', {
        'Authentication-Results': `${AUTHSERV_ID}; dkim=pass header.d=attacker.test`,
      });
      expect(message.from.identityVerified).toBe(false);
    });
  });
});
