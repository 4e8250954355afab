import { Redis } from 'ioredis';
import nodemailer, { type Transporter } from 'nodemailer';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createEmailChannel, type EmailChannel } from '../../../channels/email/adapter.ts';
import { leaseKey, type MailboxLease } from '../../../channels/email/lease.ts';
import type { EmailPoller, PollerHooks } from '../../../channels/email/poller.ts';
import type { Gateway } from '../../../src/app.ts';
import { startLocalDovecot, type LocalDovecot } from '../../../src/local/dovecot.ts';
import { EscalateAllResponder } from '../../../src/pipeline/escalate-all-responder.ts';
import { QueueInboundSink } from '../../../src/pipeline/inbound-sink.ts';
import { PoolEmailStore } from '../../../channels/email/store.ts';
import { channelStoreDeps } from '../../support/channel-stores.ts';
import { redisDocumentLocks } from '../../../src/pool/locks.ts';
import { startTestGateway, testConfig, waitFor } from '../../support/gateway.ts';
import { PASSWORD, newMessageId, plainMail } from './mail-helpers.ts';

/** Short, so a takeover after a lapsed lease takes seconds; extended every second. */
const LEASE_MS = '3000';
/** One mailbox per test, so no test sees another's mail or lease. */
const MAILBOXES = ['shared', 'handover', 'frozen', 'cutoff', 'backlog'];

let dovecot: LocalDovecot;
let gateway: Gateway;
let redis: Redis;
let store: PoolEmailStore;
let lmtp: Transporter;
let prefix: string;
const running: Worker[] = [];

/** One worker process's email channel, with a Redis connection of its own. */
interface Worker {
  channel: EmailChannel;
  redis: Redis;
  lease: MailboxLease;
  poller: EmailPoller;
  /** UIDs this process downloaded. */
  fetched: number[];
}

function worker(user: string, hooks: PollerHooks = {}): Worker {
  const own = new Redis(inject('redisUrl'), { maxRetriesPerRequest: 1 });
  // A lease test cuts connections on purpose: ioredis reports that as an error event.
  own.on('error', () => undefined);
  const fetched: number[] = [];
  const channel = createEmailChannel({
    sink: new QueueInboundSink(gateway.queues.inbound),
    store,
    redis: own,
    keyPrefix: prefix,
    env: {
      EMAIL_IMAP_HOST: dovecot.host,
      EMAIL_IMAP_PORT: String(dovecot.imapPort),
      EMAIL_IMAP_TLS: 'none',
      EMAIL_IMAP_USER: user,
      EMAIL_IMAP_PASSWORD: PASSWORD,
      EMAIL_SMTP_HOST: dovecot.host,
      EMAIL_SMTP_PORT: String(dovecot.lmtpPort),
      EMAIL_SMTP_TLS: 'none',
      EMAIL_SMTP_PROTOCOL: 'lmtp',
      EMAIL_ADDRESS: `${user}@example.test`,
      EMAIL_IDLE_DELAY_MS: '200',
      EMAIL_POLL_INTERVAL_MS: '3000',
      EMAIL_RECONNECT_MAX_MS: '1000',
      EMAIL_LEASE_MS: LEASE_MS,
    },
    hooks: {
      ...hooks,
      afterFetch: async (uid) => {
        fetched.push(uid);
        await hooks.afterFetch?.(uid);
      },
    },
  });
  if (!channel) throw new Error('the email channel is not configured');
  const lease = channel.leases.get('default');
  if (!lease) throw new Error('no lease for the default mailbox');
  const started = { channel, redis: own, lease, poller: channel.poller, fetched };
  running.push(started);
  return started;
}

/** Delivers a customer mail into one of our mailboxes over LMTP; returns its Message-ID. */
async function deliver(user: string): Promise<string> {
  const from = `customer-${newMessageId().slice(0, 8)}@example.test`;
  const mail = plainMail({ from, to: `${user}@example.test`, subject: 'Where is my order?' });
  await lmtp.sendMail({ envelope: { from, to: `${user}@example.test` }, raw: mail.raw });
  return mail.messageId;
}

/** How often the pool holds the mail as an inbound message (the pipeline ran). */
async function storedCount(messageId: string): Promise<number> {
  return gateway.pool.models.Message.countDocuments({
    channel: 'email',
    channelMessageId: messageId,
  });
}

/** Waits until every mail is stored, then returns how often each one is. */
async function storedCounts(messageIds: string[]): Promise<number[]> {
  await waitFor(
    async () => {
      const counts = await Promise.all(messageIds.map(storedCount));
      return counts.every((n) => n > 0);
    },
    { what: `${messageIds.length} mail(s) stored` },
  );
  return Promise.all(messageIds.map(storedCount));
}

/** The lease's value in Redis: the holder's redis-semaphore identifier. */
async function leaseHolder(w: Worker): Promise<string | null> {
  return redis.get(`mutex:${leaseKey(prefix, w.channel.config)}`);
}

beforeAll(async () => {
  dovecot = await startLocalDovecot({
    users: MAILBOXES.map((name) => ({ name, password: PASSWORD })),
  });
  const config = testConfig();
  prefix = config.QUEUE_PREFIX;
  // No answers: the lease decides who reads mail, the pipeline only has to store it.
  gateway = await startTestGateway({ config, responder: new EscalateAllResponder() });
  redis = new Redis(inject('redisUrl'), { maxRetriesPerRequest: 1 });
  store = await PoolEmailStore.create({
    ...channelStoreDeps(gateway.pool),
    locks: redisDocumentLocks(redis, { prefix }),
  });
  lmtp = nodemailer.createTransport({
    host: dovecot.host,
    port: dovecot.lmtpPort,
    lmtp: true,
    secure: false,
    ignoreTLS: true,
  });
});

afterAll(async () => {
  for (const w of running) {
    await w.channel.stop();
    w.redis.disconnect();
  }
  lmtp?.close();
  await gateway?.pool.models.Ticket.db.dropDatabase();
  await gateway?.queues.inbound.obliterate({ force: true });
  await gateway?.queues.outbound.obliterate({ force: true });
  await gateway?.stop();
  redis?.disconnect();
  await dovecot?.stop();
});

describe('email mailbox lease', () => {
  describe('when two worker processes watch one mailbox', () => {
    it('only the lease holder connects and fetches, and every mail is stored once', async () => {
      const first = worker('shared');
      const second = worker('shared');
      await first.channel.start();
      await second.channel.start();
      await first.channel.scanned();
      expect([first.lease.held, second.lease.held]).toEqual([true, false]);

      const ids: string[] = [];
      for (let i = 0; i < 5; i += 1) ids.push(await deliver('shared'));
      expect(await storedCounts(ids)).toEqual([1, 1, 1, 1, 1]);
      await waitFor(() => first.poller.counts.get('accepted') === 5, {
        what: 'five mails handled by the holder',
      });

      // One IMAP connection for the mailbox, and each mail downloaded once, by the holder.
      expect(first.poller.connected).toBe(true);
      expect(second.poller.connected).toBe(false);
      expect(first.fetched).toHaveLength(5);
      expect(new Set(first.fetched).size).toBe(5);
      expect(second.fetched).toEqual([]);
      expect(second.lease.held).toBe(false);
    });
  });

  describe('when the holder stops gracefully', () => {
    it('releases the lease at once and the other process ingests the mail after it', async () => {
      const first = worker('handover');
      const second = worker('handover');
      await first.channel.start();
      await second.channel.start();
      const before = await deliver('handover');
      expect(await storedCounts([before])).toEqual([1]);
      const holder = await leaseHolder(first);
      expect(holder).not.toBeNull();

      await first.channel.stopPolling();
      expect(first.lease.held).toBe(false);
      expect(first.poller.connected).toBe(false);
      // Released, not left to expire: the key is gone or already the other process's.
      expect(await leaseHolder(first)).not.toBe(holder);

      await waitFor(() => second.lease.held, { what: 'the standby to take the lease' });
      await second.channel.scanned();
      const after = await deliver('handover');
      expect(await storedCounts([before, after])).toEqual([1, 1]);
      expect(first.fetched).toHaveLength(1);
      expect(second.fetched).toHaveLength(1);
    });
  });

  describe('when the holder dies after queuing a mail, before flagging it', () => {
    it('the other process takes over once the lease lapsed, and loses nothing', async () => {
      // The holder freezes in the middle of a mail, its Redis gone: like a SIGKILL, it neither
      // extends nor releases the lease, and the mail it queued is not flagged.
      let armed = false;
      let thaw: () => void = () => undefined;
      const frozen = new Promise<void>((resolve) => {
        thaw = resolve;
      });
      const dying: Worker = worker('frozen', {
        afterAccept: async () => {
          if (!armed) return;
          armed = false;
          dying.redis.disconnect();
          await frozen;
          throw new Error('killed');
        },
      });
      const standby = worker('frozen');
      try {
        await dying.channel.start();
        await standby.channel.start();
        expect(dying.lease.held).toBe(true);
        const first = await deliver('frozen');
        expect(await storedCounts([first])).toEqual([1]);
        await waitFor(() => dying.poller.counts.get('accepted') === 1, { what: 'the first mail' });

        armed = true;
        const inFlight = await deliver('frozen');
        await waitFor(() => !armed, { what: 'the holder to die' });
        const meanwhile = await deliver('frozen');

        await waitFor(() => standby.lease.held, { what: 'the standby to take over' });
        const after = await deliver('frozen');
        expect(await storedCounts([first, inFlight, meanwhile, after])).toEqual([1, 1, 1, 1]);
        // The mail the dead holder had queued but not flagged is read again: a duplicate job.
        await waitFor(
          () =>
            standby.poller.counts.get('duplicate') === 1 &&
            standby.poller.counts.get('accepted') === 2,
          { what: 'the unflagged mail re-read as a duplicate, the two later ones accepted' },
        );
        expect(dying.fetched).toHaveLength(2);
        expect(standby.fetched).toHaveLength(3);
      } finally {
        thaw();
      }
    });
  });

  describe('when the holder loses its Redis connection while polling', () => {
    it('stops polling before the other process takes over, which ingests everything', async () => {
      const cut = worker('cutoff');
      const standby = worker('cutoff');
      await cut.channel.start();
      await standby.channel.start();
      const first = await deliver('cutoff');
      expect(await storedCounts([first])).toEqual([1]);
      expect(cut.poller.connected).toBe(true);

      // Neither extended nor released from now on: the holder must give up the mailbox by itself.
      cut.redis.disconnect();
      const meanwhile = await deliver('cutoff');
      await waitFor(() => standby.lease.held, { what: 'the standby to take over' });
      // By the time the standby holds the lease, the cut-off process polls no more.
      expect(cut.lease.held).toBe(false);
      expect(cut.poller.connected).toBe(false);

      const after = await deliver('cutoff');
      expect(await storedCounts([first, meanwhile, after])).toEqual([1, 1, 1]);
      // The mail after the takeover was read by the new holder (the one in between by either).
      expect(standby.fetched.length).toBeGreaterThanOrEqual(1);
    });
  });

  describe('when a worker starts with a backlog in the mailbox', () => {
    it('is started once the lease was taken, before the first scan ends', async () => {
      const ids = [await deliver('backlog'), await deliver('backlog'), await deliver('backlog')];
      let open: () => void = () => undefined;
      const gate = new Promise<void>((resolve) => {
        open = resolve;
      });
      // The first scan is held at its first mail until the gate opens.
      const slow = worker('backlog', { afterFetch: () => gate });
      try {
        await slow.channel.start();
        expect(slow.lease.held).toBe(true);
        let scanned = false;
        const scan = slow.channel.scanned().then(() => {
          scanned = true;
        });
        await waitFor(() => slow.fetched.length === 1, { what: 'the first mail fetched' });
        expect(scanned).toBe(false);
        open();
        await scan;
        expect(await storedCounts(ids)).toEqual([1, 1, 1]);
        expect(slow.fetched).toHaveLength(3);
      } finally {
        open();
      }
    });
  });
});
