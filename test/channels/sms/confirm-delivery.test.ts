import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { createSmsChannel, type SmsChannel } from '../../../channels/sms/adapter.ts';
import { loadSmsConfig } from '../../../channels/sms/config.ts';
import {
  STATUS_CALLBACK_PATH,
  createTwilioClient,
  smsBodyFor,
} from '../../../channels/sms/send.ts';
import { isSwitchboardError } from '../../../src/domain/errors.ts';
import { InboundMessageSchema } from '../../../src/domain/message.ts';
import { Metrics } from '../../../src/metrics.ts';
import { deliverOutbound, toOutboundMessage } from '../../../src/pipeline/outbound.ts';
import { redisDocumentLocks } from '../../../src/pool/locks.ts';
import { TicketPool } from '../../../src/pool/pool.ts';
import { PoolSmsStore } from '../../../channels/sms/store.ts';
import { channelStoreDeps } from '../../support/channel-stores.ts';
import { uniqueName } from '../../support/gateway.ts';
import { FakeTwilio } from './fake-twilio.ts';

const ACCOUNT_SID = 'AC0123456789abcdef0123456789abcdef';
const AUTH_TOKEN = 'test-auth-token-0123456789abcdef';
const OUR_NUMBER = '+14155550100';
const PUBLIC_URL = 'https://support.example.test/sb';
const ANSWER = 'Try **Settings** > Reset ([guide](https://help.example.test/reset)), it’s quick';

let fake: FakeTwilio;
let redis: Redis;
let pool: TicketPool;
let store: PoolSmsStore;
let sms: SmsChannel;
let metrics: Metrics;

beforeAll(async () => {
  fake = await new FakeTwilio().start();
  redis = new Redis(inject('redisUrl'));
  const prefix = uniqueName('sbsmsconf');
  pool = await TicketPool.connect(inject('mongoUrl'), {
    dbName: uniqueName('sbsmsconf'),
    locks: redisDocumentLocks(redis, { prefix }),
  });
  store = new PoolSmsStore({
    ...channelStoreDeps(pool, () => Promise.resolve()),
    locks: redisDocumentLocks(redis, { prefix }),
  });
  const config = loadSmsConfig({
    TWILIO_ACCOUNT_SID: ACCOUNT_SID,
    TWILIO_AUTH_TOKEN: AUTH_TOKEN,
    TWILIO_FROM_NUMBER: OUR_NUMBER,
    SMS_PUBLIC_URL: PUBLIC_URL,
    TWILIO_API_BASE_URL: fake.url,
    // Short enough to keep the test quick when a response is lost.
    TWILIO_TIMEOUT_MS: '3000',
  });
  sms = createSmsChannel({
    sink: { accept: () => Promise.reject(new Error('no inbound in this test')) },
    store,
    config: config!,
  })!;
});

afterAll(async () => {
  await pool.models.Ticket.db.dropDatabase();
  await pool.close();
  redis.disconnect();
  await fake.stop();
});

let numberSeq = 0;
/** A fresh customer number per test, so tests never share a ticket. */
function customer(): string {
  numberSeq += 1;
  return `+1415556${String(1000 + numberSeq).slice(-4)}`;
}

/** A bot answer to a customer's text, stored pending as the responder leaves it. */
async function pendingAnswer(from: string): Promise<string> {
  const sid = `SM${randomBytes(16).toString('hex')}`;
  const { ticket } = await pool.ingest(
    InboundMessageSchema.parse({
      channel: 'sms',
      channelMessageId: sid,
      threadKey: `${from}/${OUR_NUMBER}`,
      from: { identity: { kind: 'phone', value: from } },
      text: 'How do I reset my password?',
      receivedAt: new Date(),
      channelData: { smsTo: OUR_NUMBER },
    }),
  );
  const message = await pool.createOutbound({
    ticket,
    key: `reply.sms.${sid}`,
    authorKind: 'bot',
    text: ANSWER,
    markdown: ANSWER,
  });
  return String(message._id);
}

function run(messageId: string) {
  return deliverOutbound(messageId, {
    pool,
    adapters: new Map([['sms', sms.adapter]]),
    metrics,
  });
}

async function failure(work: Promise<unknown>): Promise<unknown> {
  try {
    await work;
  } catch (error) {
    return error;
  }
  throw new Error('expected a failure');
}

async function uncertain(resolution: string): Promise<number> {
  const { values } = await metrics.outboundUncertain.get();
  return values.find((v) => v.labels.resolution === resolution)?.value ?? 0;
}

describe('sms delivery after an interrupted attempt', () => {
  beforeAll(() => {
    metrics = new Metrics({ collectDefaults: false });
  });

  describe('when the worker died after Twilio took the message', () => {
    it('finds it in the Messages list and records it sent with its SID, sending nothing', async () => {
      const to = customer();
      const messageId = await pendingAnswer(to);
      // What the killed worker did: opened the attempt, and Twilio answered 201 — then SIGKILL,
      // before the SID was remembered or the delivery recorded.
      await pool.markSending(messageId, { at: new Date(), reopen: false });
      const message = (await pool.getMessage(messageId))!;
      const ticket = (await pool.getTicket(message.ticketId))!;
      const created = await createTwilioClient(sms.config).messages.create({
        to,
        from: OUR_NUMBER,
        body: smsBodyFor(toOutboundMessage(message, ticket), sms.config.SMS_MAX_SEGMENTS),
        statusCallback: `${PUBLIC_URL}${STATUS_CALLBACK_PATH}`,
      });

      expect(await run(messageId)).toBe('confirmed');

      expect(fake.to(to)).toHaveLength(1);
      const stored = await pool.getMessage(messageId);
      expect(stored?.deliveryStatus).toBe('sent');
      expect(stored?.providerMessageId).toBe(created.sid);
      // The mapping the dead worker never wrote: status callbacks find the message.
      expect(await store.sentAs(messageId)).toBe(created.sid);
      const [read] = fake.readsFor(to);
      expect(read?.path).toMatch(
        new RegExp(`^/2010-04-01/Accounts/${ACCOUNT_SID}/Messages\\.json\\?`),
      );
      expect(read?.form).toMatchObject({ To: to, From: OUR_NUMBER });
      expect(read?.form['DateSent>']).toMatch(/^\d{4}-\d{2}-\d{2}T00:00:00Z$/);
      expect(await uncertain('confirmed')).toBeGreaterThanOrEqual(1);
    });

    it('asks nothing of Twilio when the SID was already remembered', async () => {
      const to = customer();
      const messageId = await pendingAnswer(to);
      await pool.markSending(messageId, { at: new Date(), reopen: false });
      const message = (await pool.getMessage(messageId))!;
      const ticket = (await pool.getTicket(message.ticketId))!;
      // Died after send (which remembers the SID) and before the delivery was recorded.
      const sent = await sms.adapter.send(toOutboundMessage(message, ticket));

      expect(await run(messageId)).toBe('confirmed');
      expect(fake.to(to)).toHaveLength(1);
      expect(fake.readsFor(to)).toHaveLength(0);
      expect((await pool.getMessage(messageId))?.providerMessageId).toBe(sent.providerMessageId);
    });
  });

  describe('when Twilio took the message and its answer was lost (connection reset)', () => {
    it('leaves the attempt open, and the retry records it sent without a second POST', async () => {
      const to = customer();
      const messageId = await pendingAnswer(to);
      fake.plan(to, { status: 201, drop: true });

      const error = await failure(run(messageId));
      expect(isSwitchboardError(error) && error.deliveryUncertain).toBe(true);
      expect(isSwitchboardError(error) && error.retryable).toBe(true);
      expect((await pool.getMessage(messageId))?.deliveryStatus).toBe('sending');

      expect(await run(messageId)).toBe('confirmed');
      expect(fake.to(to)).toHaveLength(1);
      const stored = await pool.getMessage(messageId);
      expect(stored?.deliveryStatus).toBe('sent');
      expect(stored?.providerMessageId).toBe(fake.messages.find((m) => m.to === to)?.sid);
    });

    it('finds it while it is still queued at Twilio (no date_sent yet)', async () => {
      const to = customer();
      const messageId = await pendingAnswer(to);
      fake.plan(to, { status: 201, drop: true, queued: true });

      await failure(run(messageId));
      expect(await run(messageId)).toBe('confirmed');
      expect(fake.to(to)).toHaveLength(1);
      // The date-filtered read misses a queued message; the newest-first read finds it.
      expect(fake.readsFor(to).map((r) => 'DateSent>' in r.form)).toEqual([true, false]);
    });
  });

  describe('when the worker died before Twilio took anything', () => {
    it('sends it once after Twilio says it has nothing', async () => {
      const to = customer();
      const messageId = await pendingAnswer(to);
      await pool.markSending(messageId, { at: new Date(), reopen: false });

      expect(await run(messageId)).toBe('sent');
      expect(fake.to(to)).toHaveLength(1);
      expect(fake.readsFor(to)).toHaveLength(2);
      expect((await pool.getMessage(messageId))?.providerMessageId).toBe(fake.to(to)[0]?.sid);
      expect(await uncertain('not-sent')).toBeGreaterThanOrEqual(1);
    });

    it('does not take an older message with the same text for this one', async () => {
      const to = customer();
      const messageId = await pendingAnswer(to);
      const message = (await pool.getMessage(messageId))!;
      const ticket = (await pool.getTicket(message.ticketId))!;
      await createTwilioClient(sms.config).messages.create({
        to,
        from: OUR_NUMBER,
        body: smsBodyFor(toOutboundMessage(message, ticket), sms.config.SMS_MAX_SEGMENTS),
      });
      // The attempt began well after that message (beyond the 30 s of allowed clock skew).
      await pool.markSending(messageId, { at: new Date(Date.now() + 120_000), reopen: false });

      expect(await run(messageId)).toBe('sent');
      expect(fake.to(to)).toHaveLength(2);
    });
  });

  describe('when nothing is interrupted', () => {
    it('sends once and reads nothing', async () => {
      const to = customer();
      const messageId = await pendingAnswer(to);
      expect(await run(messageId)).toBe('sent');
      expect(fake.to(to)).toHaveLength(1);
      expect(fake.readsFor(to)).toHaveLength(0);
      expect((await pool.getMessage(messageId))?.deliveryStatus).toBe('sent');
    });

    it('after a 503 goes back to pending, and the retry sends without reading the list', async () => {
      const to = customer();
      const messageId = await pendingAnswer(to);
      fake.plan(to, { status: 503 });

      const error = await failure(run(messageId));
      expect(isSwitchboardError(error) && error.deliveryUncertain).toBe(false);
      expect((await pool.getMessage(messageId))?.deliveryStatus).toBe('pending');

      expect(await run(messageId)).toBe('sent');
      expect(fake.to(to).map((r) => r.status)).toEqual([503, 201]);
      expect(fake.readsFor(to)).toHaveLength(0);
    });

    it('after a refused connection goes back to pending (nothing reached Twilio)', async () => {
      const closed = await new FakeTwilio().start();
      const url = closed.url;
      await closed.stop();
      const config = loadSmsConfig({
        TWILIO_ACCOUNT_SID: ACCOUNT_SID,
        TWILIO_AUTH_TOKEN: AUTH_TOKEN,
        TWILIO_FROM_NUMBER: OUR_NUMBER,
        SMS_PUBLIC_URL: PUBLIC_URL,
        TWILIO_API_BASE_URL: url,
      });
      const offline = createSmsChannel({
        sink: { accept: () => Promise.reject(new Error('no inbound in this test')) },
        store,
        config: config!,
      })!;
      const to = customer();
      const messageId = await pendingAnswer(to);
      const error = await failure(
        deliverOutbound(messageId, { pool, adapters: new Map([['sms', offline.adapter]]) }),
      );
      expect(isSwitchboardError(error) && error.deliveryUncertain).toBe(false);
      expect((await pool.getMessage(messageId))?.deliveryStatus).toBe('pending');
    });
  });
});
