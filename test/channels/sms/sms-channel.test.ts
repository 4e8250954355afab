import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type express from 'express';
import { Redis } from 'ioredis';
import request from 'supertest';
import twilio from 'twilio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { createSmsChannel, type SmsChannel } from '../../../channels/sms/adapter.ts';
import { loadSmsConfig } from '../../../channels/sms/config.ts';
import type { Gateway } from '../../../src/app.ts';
import type { Responder } from '../../../src/domain/ports.ts';
import { QueueInboundSink } from '../../../src/pipeline/inbound-sink.ts';
import { enqueueDelivery } from '../../../src/pipeline/ingest.ts';
import { jobIdFor } from '../../../src/pipeline/queues.ts';
import { sendAgentReply } from '../../../src/pipeline/replies.ts';
import { redisDocumentLocks } from '../../../src/pool/locks.ts';
import type { MessageDoc } from '../../../src/pool/models.ts';
import { PoolSmsStore } from '../../../channels/sms/store.ts';
import { channelStoreDeps } from '../../support/channel-stores.ts';
import { isSwitchboardError } from '../../../src/domain/errors.ts';
import { OutboundMessageSchema } from '../../../src/domain/message.ts';
import { startTestGateway, testConfig, waitFor } from '../../support/gateway.ts';
import { FakeTwilio } from './fake-twilio.ts';

const ACCOUNT_SID = 'AC0123456789abcdef0123456789abcdef';
const AUTH_TOKEN = 'test-auth-token-0123456789abcdef';
const OUR_NUMBER = '+14155550100';
const PUBLIC_URL = 'https://support.example.test/sb';
const INBOUND_URL = `${PUBLIC_URL}/channels/sms/twilio`;
const STATUS_URL = `${PUBLIC_URL}/channels/sms/twilio/status`;
const HELP_TEXT = 'Example support. Reply STOP to opt out.';
const BOT_TEXT = 'Bot says: try **Settings** > Reset ([guide](https://help.example.test/reset))';

/** Answers every customer message, so a missing bot reply means the bot was kept out. */
const botResponder: Responder = {
  respond: () =>
    Promise.resolve({ action: 'reply', text: BOT_TEXT, counted: 'answer', intent: 'reset' }),
};

let gateway: Gateway;
let fake: FakeTwilio;
let redis: Redis;
let sms: SmsChannel;
let app: express.Express;
let store: PoolSmsStore;

beforeAll(async () => {
  fake = await new FakeTwilio().start();
  const config = testConfig({ OUTBOUND_BACKOFF_MS: '100' });
  // The channel as the composition root wires it: configured by its variables, mounted on the
  // gateway's own HTTP app, its adapter in the map the outbound worker reads.
  gateway = await startTestGateway({
    config,
    responder: botResponder,
    env: {
      TWILIO_ACCOUNT_SID: ACCOUNT_SID,
      TWILIO_AUTH_TOKEN: AUTH_TOKEN,
      TWILIO_FROM_NUMBER: OUR_NUMBER,
      SMS_PUBLIC_URL: PUBLIC_URL,
      SMS_HELP_TEXT: HELP_TEXT,
      SMS_MAX_SEGMENTS: '2',
      TWILIO_API_BASE_URL: fake.url,
    },
  });
  redis = new Redis(inject('redisUrl'), { maxRetriesPerRequest: 1 });
  store = new PoolSmsStore({
    ...channelStoreDeps(gateway.pool, (message) =>
      enqueueDelivery(gateway.queues.outbound, message),
    ),
    locks: redisDocumentLocks(redis, { prefix: config.QUEUE_PREFIX }),
  });
  const adapter = gateway.adapters.get('sms');
  if (!adapter) throw new Error('the gateway did not wire the SMS channel');
  sms = { adapter } as SmsChannel;
  // The proxy in front strips /sb: the app sees /channels/sms/twilio, Twilio signed PUBLIC_URL.
  app = gateway.http!;
});

afterAll(async () => {
  await gateway.pool.models.Ticket.db.dropDatabase();
  await gateway.queues.inbound.obliterate({ force: true });
  await gateway.queues.outbound.obliterate({ force: true });
  await gateway.stop();
  redis.disconnect();
  await fake.stop();
});

function fixture(name: string): Record<string, string> {
  return JSON.parse(
    readFileSync(new URL(`../../fixtures/sms/${name}`, import.meta.url), 'utf8'),
  ) as Record<string, string>;
}

let numberSeq = 0;
/** A fresh customer number per test, so tests never share a ticket or an opt-out. */
function customer(): string {
  numberSeq += 1;
  return `+1415555${String(1000 + numberSeq).slice(-4)}`;
}

function messageSid(): string {
  return `SM${randomBytes(16).toString('hex')}`;
}

function inbound(from: string, body: string, sid = messageSid()): Record<string, string> {
  return {
    ...fixture('inbound-sms.json'),
    From: from,
    Body: body,
    MessageSid: sid,
    SmsSid: sid,
    SmsMessageSid: sid,
  };
}

function post(path: string, form: Record<string, string>, signature: string | null) {
  const req = request(app).post(path).type('form');
  if (signature !== null) req.set('X-Twilio-Signature', signature);
  return req.send(form);
}

/** Posts as Twilio does: signed with the auth token over the public URL and the form. */
function postSigned(form: Record<string, string>, url = INBOUND_URL) {
  const path = url.replace(PUBLIC_URL, '');
  return post(path, form, twilio.getExpectedTwilioSignature(AUTH_TOKEN, url, form));
}

async function stored(sid: string): Promise<MessageDoc> {
  return waitFor(() => gateway.pool.getMessage(`sms.${sid}`), { what: `message ${sid}` });
}

async function ticketOf(sid: string): Promise<string> {
  return String((await stored(sid)).ticketId);
}

async function outboundOn(ticketId: string): Promise<MessageDoc[]> {
  return (await gateway.pool.listMessages(ticketId)).filter((m) => m.direction === 'out');
}

async function settled(
  messageId: string,
  status: 'sent' | 'failed' | 'delivered',
): Promise<MessageDoc> {
  return waitFor(
    async () => {
      const message = await gateway.pool.getMessage(messageId);
      return message?.deliveryStatus === status ? message : undefined;
    },
    { what: `${messageId} ${status}` },
  );
}

describe('sms channel', () => {
  describe('when Twilio posts a signed message', () => {
    it('queues it, answers empty TwiML, and the bot reply goes out through the Messages API', async () => {
      const from = customer();
      const form = inbound(from, 'How do I reset my password?');
      const res = await postSigned(form);
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/xml/);
      expect(res.text).toBe('<?xml version="1.0" encoding="UTF-8"?><Response></Response>');

      const message = await stored(form['MessageSid']!);
      expect(message).toMatchObject({
        direction: 'in',
        channel: 'sms',
        text: 'How do I reset my password?',
      });
      const ticket = await gateway.pool.getTicket(message.ticketId);
      expect(ticket).toMatchObject({
        channel: 'sms',
        threadKey: `${from}/${OUR_NUMBER}`,
        replyTo: { kind: 'phone', value: from },
      });

      const [sent] = await waitFor(() => (fake.to(from).length > 0 ? fake.to(from) : undefined), {
        what: 'the reply',
      });
      expect(sent).toMatchObject({
        method: 'POST',
        path: `/2010-04-01/Accounts/${ACCOUNT_SID}/Messages.json`,
      });
      expect(sent!.headers.authorization).toBe(
        `Basic ${Buffer.from(`${ACCOUNT_SID}:${AUTH_TOKEN}`).toString('base64')}`,
      );
      expect(sent!.headers['content-type']).toMatch(/^application\/x-www-form-urlencoded/);
      expect(sent!.form).toEqual({
        To: from,
        From: OUR_NUMBER,
        Body: 'Bot says: try Settings > Reset (guide (https://help.example.test/reset))',
        StatusCallback: STATUS_URL,
      });
      const [reply] = await outboundOn(String(message.ticketId));
      const recorded = await settled(String(reply!._id), 'sent');
      expect(recorded.providerMessageId).toBe(sent!.sid);
    });

    it('ignores a redelivery of the same MessageSid', async () => {
      const from = customer();
      const form = inbound(from, 'Where is my order?');
      expect((await postSigned(form)).status).toBe(200);
      expect((await postSigned(form)).status).toBe(200);
      const message = await stored(form['MessageSid']!);
      await waitFor(async () => (await gateway.pool.getMessage(String(message._id)))?.handled, {
        what: 'handled',
      });
      const all = await gateway.pool.listMessages(String(message.ticketId));
      expect(all.filter((m) => m.direction === 'in')).toHaveLength(1);
      expect(all.filter((m) => m.direction === 'out')).toHaveLength(1);
    });
  });

  describe('when the body is over the size limit', () => {
    it('refuses it with 413 before reading it', async () => {
      const form = inbound(customer(), 'x'.repeat(70 * 1024));
      const res = await postSigned(form);
      expect(res.status).toBe(413);
      expect(res.body.error.code).toBe('SB_ERR_PAYLOAD_TOO_LARGE');
      expect(
        await gateway.queues.inbound.getJob(jobIdFor('sms', form['MessageSid']!)),
      ).toBeUndefined();
    });
  });

  describe('when the signature does not check out', () => {
    it.each([
      [
        'a tampered body',
        (form: Record<string, string>) =>
          post(
            '/channels/sms/twilio',
            { ...form, Body: 'tampered' },
            twilio.getExpectedTwilioSignature(AUTH_TOKEN, INBOUND_URL, form),
          ),
      ],
      [
        'a signature over the wrong URL',
        (form: Record<string, string>) =>
          post(
            '/channels/sms/twilio',
            form,
            twilio.getExpectedTwilioSignature(
              AUTH_TOKEN,
              'http://127.0.0.1/channels/sms/twilio',
              form,
            ),
          ),
      ],
      [
        'another auth token',
        (form: Record<string, string>) =>
          post(
            '/channels/sms/twilio',
            form,
            twilio.getExpectedTwilioSignature('another-token-0123456789', INBOUND_URL, form),
          ),
      ],
      [
        'no X-Twilio-Signature header',
        (form: Record<string, string>) => post('/channels/sms/twilio', form, null),
      ],
    ])('refuses %s with 403 and stores nothing', async (_case, send) => {
      const form = inbound(customer(), 'Hello');
      const res = await send(form);
      expect(res.status).toBe(403);
      expect(res.body).toEqual({
        error: { code: 'SB_ERR_FORBIDDEN', message: expect.stringMatching(/X-Twilio-Signature/) },
      });
      expect(
        await gateway.queues.inbound.getJob(jobIdFor('sms', form['MessageSid']!)),
      ).toBeUndefined();
      expect(await gateway.pool.getMessage(`sms.${form['MessageSid']!}`)).toBeNull();
    });

    it('refuses an unsigned status callback', async () => {
      const res = await post('/channels/sms/twilio/status', fixture('status-delivered.json'), null);
      expect(res.status).toBe(403);
    });
  });

  describe('when an agent reply goes out', () => {
    async function ticketFor(from: string): Promise<string> {
      const form = inbound(from, 'I need a person');
      expect((await postSigned(form)).status).toBe(200);
      const ticketId = await ticketOf(form['MessageSid']!);
      // Let the bot's own reply settle first, so the plan below applies to the agent's reply.
      await waitFor(
        async () => (await outboundOn(ticketId)).some((m) => m.deliveryStatus === 'sent'),
        { what: 'bot reply' },
      );
      return ticketId;
    }

    function agentReply(ticketId: string, text: string) {
      return sendAgentReply(
        { pool: gateway.pool, outbound: gateway.queues.outbound },
        {
          ticketId,
          key: randomBytes(6).toString('hex'),
          agentId: 'agent-1',
          agentName: 'Ada',
          text,
        },
      );
    }

    it('retries after a 503 from Twilio and then sends', async () => {
      const from = customer();
      const ticketId = await ticketFor(from);
      fake.plan(from, { status: 503 });
      const before = fake.to(from).length;
      const reply = await agentReply(ticketId, 'Let me check that for you.');
      const sent = await settled(String(reply._id), 'sent');
      const calls = fake.to(from).slice(before);
      expect(calls.map((c) => c.status)).toEqual([503, 201]);
      expect(calls[1]!.form['Body']).toBe('Let me check that for you.');
      expect(sent.deliveryAttempts).toBe(2);
      expect(sent.providerMessageId).toBe(calls[1]!.sid);
    });

    it('stops after a 400 from Twilio and records why', async () => {
      const from = customer();
      const ticketId = await ticketFor(from);
      fake.plan(from, {
        status: 400,
        body: { code: 21211, message: "The 'To' number is not a valid phone number.", status: 400 },
      });
      const before = fake.to(from).length;
      const reply = await agentReply(ticketId, 'Hello?');
      const failed = await settled(String(reply._id), 'failed');
      expect(failed.deliveryError).toBe(
        "Twilio 400 (error 21211): The 'To' number is not a valid phone number.",
      );
      // The message is marked failed before BullMQ moves the job to failed: wait for both.
      const job = await gateway.queues.outbound.getJob(`out.${String(reply._id)}`);
      expect(await waitFor(async () => (await job?.getState()) === 'failed')).toBe(true);
      expect(job?.attemptsMade).toBe(1);
      expect(fake.to(from).length - before).toBe(1);
    });

    it('keeps a status callback that arrives before the send is remembered', async () => {
      const from = customer();
      const ticketId = await ticketFor(from);
      const reply = await agentReply(ticketId, 'Quick one');
      await settled(String(reply._id), 'sent');
      const early = `SM${randomBytes(16).toString('hex')}`;
      expect(
        await store.applyStatus({ providerMessageId: early, status: 'delivered', at: new Date() }),
      ).toBe('unknown');
      await store.rememberSend(early, String(reply._id));
      expect(await gateway.pool.getMessage(String(reply._id))).toMatchObject({
        deliveryStatus: 'delivered',
        channelData: { twilioStatus: 'delivered' },
      });
    });

    it('applies status callbacks, never going backwards', async () => {
      const from = customer();
      const ticketId = await ticketFor(from);
      const reply = await agentReply(ticketId, 'Done!');
      const sent = await settled(String(reply._id), 'sent');
      const sid = sent.providerMessageId!;
      const status = (s: string, extra: Record<string, string> = {}) =>
        postSigned(
          {
            ...fixture('status-delivered.json'),
            To: from,
            MessageSid: sid,
            SmsSid: sid,
            MessageStatus: s,
            SmsStatus: s,
            ...extra,
          },
          STATUS_URL,
        );

      expect((await status('sent')).status).toBe(204);
      expect((await gateway.pool.getMessage(String(reply._id)))?.deliveryStatus).toBe('sent');
      expect((await status('delivered')).status).toBe(204);
      expect(await gateway.pool.getMessage(String(reply._id))).toMatchObject({
        deliveryStatus: 'delivered',
        channelData: { twilioStatus: 'delivered' },
      });
      expect((await status('sent')).status).toBe(204);
      expect((await status('undelivered', { ErrorCode: '30003' })).status).toBe(204);
      expect((await gateway.pool.getMessage(String(reply._id)))?.deliveryStatus).toBe('delivered');

      const other = await agentReply(ticketId, 'Are you there?');
      const otherSid = (await settled(String(other._id), 'sent')).providerMessageId!;
      const undelivered = {
        ...fixture('status-undelivered.json'),
        To: from,
        MessageSid: otherSid,
        SmsSid: otherSid,
      };
      expect((await postSigned(undelivered, STATUS_URL)).status).toBe(204);
      expect(await gateway.pool.getMessage(String(other._id))).toMatchObject({
        deliveryStatus: 'failed',
        deliveryError: 'Twilio status undelivered (error 30003)',
      });
    });
  });

  describe('when the customer sends a compliance keyword', () => {
    it('STOP is stored without a bot answer, blocks a later agent reply, and START lifts it', async () => {
      const from = customer();
      const first = inbound(from, 'My card was charged twice');
      expect((await postSigned(first)).status).toBe(200);
      const ticketId = await ticketOf(first['MessageSid']!);
      await waitFor(
        async () => (await outboundOn(ticketId)).some((m) => m.deliveryStatus === 'sent'),
        { what: 'bot reply' },
      );

      const stop = inbound(from, 'Stop');
      const res = await postSigned(stop);
      expect(res.status).toBe(200);
      expect(res.text).toContain('<Response>');
      const stopMessage = await gateway.pool.getMessage(`sms.${stop['MessageSid']!}`);
      expect(stopMessage).toMatchObject({
        direction: 'in',
        text: 'Stop',
        handled: true,
        intent: 'sms.opt-out',
      });
      expect(String(stopMessage!.ticketId)).toBe(ticketId);
      // Never handed to the pipeline, so the bot cannot answer it.
      expect(
        await gateway.queues.inbound.getJob(jobIdFor('sms', stop['MessageSid']!)),
      ).toBeUndefined();

      const before = fake.to(from).length;
      const blocked = await sendAgentReply(
        { pool: gateway.pool, outbound: gateway.queues.outbound },
        {
          ticketId,
          key: `blocked-${stop['MessageSid']!}`,
          agentId: 'agent-1',
          agentName: 'Ada',
          text: 'We refunded you.',
        },
      );
      const failed = await settled(String(blocked._id), 'failed');
      expect(failed.deliveryError).toMatch(
        /^recipient opted out \(STOP at \d{4}-\d\d-\d\dT[\d:.]+Z\)$/,
      );
      // The message is marked failed before BullMQ moves the job to failed: wait for both.
      const job = await gateway.queues.outbound.getJob(`out.${String(blocked._id)}`);
      expect(await waitFor(async () => (await job?.getState()) === 'failed')).toBe(true);
      expect(fake.to(from).length).toBe(before);

      const start = inbound(from, 'START');
      expect((await postSigned(start)).status).toBe(200);
      expect(await gateway.pool.getMessage(`sms.${start['MessageSid']!}`)).toMatchObject({
        handled: true,
        intent: 'sms.opt-in',
      });
      const allowed = await sendAgentReply(
        { pool: gateway.pool, outbound: gateway.queues.outbound },
        {
          ticketId,
          key: `allowed-${start['MessageSid']!}`,
          agentId: 'agent-1',
          agentName: 'Ada',
          text: 'Welcome back.',
        },
      );
      await settled(String(allowed._id), 'sent');
      expect(fake.to(from).at(-1)?.form['Body']).toBe('Welcome back.');
    });

    it('退订 opts out too, recorded with its keyword', async () => {
      const from = customer();
      const first = inbound(from, '退订');
      expect((await postSigned(first)).status).toBe(200);
      const ticketId = await ticketOf(first['MessageSid']!);
      const reply = await sendAgentReply(
        { pool: gateway.pool, outbound: gateway.queues.outbound },
        {
          ticketId,
          key: `zh-${first['MessageSid']!}`,
          agentId: 'agent-1',
          agentName: 'Ada',
          text: '您好',
        },
      );
      const failed = await settled(String(reply._id), 'failed');
      expect(failed.deliveryError).toMatch(/^recipient opted out \(退订 at /);
    });

    it('HELP is answered with the configured help text, not by the bot', async () => {
      const from = customer();
      const help = inbound(from, 'help');
      expect((await postSigned(help)).status).toBe(200);
      const ticketId = await ticketOf(help['MessageSid']!);
      const [answer] = await waitFor(
        async () => {
          const out = await outboundOn(ticketId);
          return out.length > 0 && out.every((m) => m.deliveryStatus === 'sent') ? out : undefined;
        },
        { what: 'the help reply' },
      );
      expect(answer).toMatchObject({ authorKind: 'system', text: HELP_TEXT });
      expect(fake.to(from).map((r) => r.form['Body'])).toEqual([HELP_TEXT]);
      expect(
        await gateway.queues.inbound.getJob(jobIdFor('sms', help['MessageSid']!)),
      ).toBeUndefined();
    });

    it('YES from a number that never opted out is an ordinary message for the bot', async () => {
      const from = customer();
      const yes = inbound(from, 'Yes');
      expect((await postSigned(yes)).status).toBe(200);
      expect(
        await gateway.queues.inbound.getJob(jobIdFor('sms', yes['MessageSid']!)),
      ).toBeDefined();
      await waitFor(() => fake.to(from).length > 0, { what: 'the bot reply' });
      expect(fake.to(from)[0]?.form['Body']).toMatch(/^Bot says/);
    });
  });

  describe('when sending through a Messaging Service or failing to reach Twilio', () => {
    function channelWith(env: Record<string, string>): SmsChannel {
      const config = loadSmsConfig({
        TWILIO_ACCOUNT_SID: ACCOUNT_SID,
        TWILIO_AUTH_TOKEN: AUTH_TOKEN,
        SMS_PUBLIC_URL: PUBLIC_URL,
        TWILIO_API_BASE_URL: fake.url,
        ...env,
      });
      return createSmsChannel({
        sink: new QueueInboundSink(gateway.queues.inbound),
        store,
        config: config!,
      })!;
    }

    function outbound(to: string) {
      return OutboundMessageSchema.parse({
        messageId: `sb.direct.${randomBytes(6).toString('hex')}`,
        ticketId: 'none',
        channel: 'sms',
        threadKey: `${to}/${OUR_NUMBER}`,
        to: { kind: 'phone', value: to },
        author: { kind: 'agent', name: 'Ada' },
        text: 'Direct',
      });
    }

    async function refusal(work: Promise<unknown>) {
      const error = await work.then(
        () => undefined,
        (e: unknown) => e,
      );
      return isSwitchboardError(error)
        ? { code: error.code, retryable: error.retryable, message: error.message }
        : error;
    }

    it('uses MessagingServiceSid instead of From', async () => {
      const channel = channelWith({
        TWILIO_MESSAGING_SERVICE_SID: 'MG0123456789abcdef0123456789abcdef',
      });
      const to = customer();
      const result = await channel.adapter.send(outbound(to));
      const [call] = fake.to(to);
      expect(call?.form).toEqual({
        To: to,
        MessagingServiceSid: 'MG0123456789abcdef0123456789abcdef',
        Body: 'Direct',
        StatusCallback: STATUS_URL,
      });
      expect(result.providerMessageId).toBe(call?.sid);
    });

    it('does not send a message Twilio already took a second time', async () => {
      const to = customer();
      const message = outbound(to);
      const first = await sms.adapter.send(message);
      const second = await sms.adapter.send(message);
      expect(second).toEqual(first);
      expect(fake.to(to)).toHaveLength(1);
    });

    it('makes 429 retryable and other 4xx final', async () => {
      const to = customer();
      fake.plan(to, {
        status: 429,
        body: { code: 20429, message: 'Too Many Requests', status: 429 },
      });
      fake.plan(to, { status: 401, body: { code: 20003, message: 'Authenticate', status: 401 } });
      expect(await refusal(sms.adapter.send(outbound(to)))).toMatchObject({
        code: 'SB_ERR_DELIVERY_FAILED',
        retryable: true,
      });
      expect(await refusal(sms.adapter.send(outbound(to)))).toMatchObject({
        code: 'SB_ERR_DELIVERY_REJECTED',
        retryable: false,
      });
    });

    it('makes an unreachable Twilio retryable', async () => {
      const closed = await new FakeTwilio().start();
      const url = closed.url;
      await closed.stop();
      const channel = channelWith({ TWILIO_FROM_NUMBER: OUR_NUMBER, TWILIO_API_BASE_URL: url });
      expect(await refusal(channel.adapter.send(outbound(customer())))).toMatchObject({
        code: 'SB_ERR_DELIVERY_FAILED',
        retryable: true,
        message: expect.stringMatching(/^Twilio unreachable/),
      });
    });
  });
});
