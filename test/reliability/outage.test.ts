/**
 * What a store outage must do at the edge: refuse with 503 (so Twilio, Slack, Direct Line clients
 * and integrations retry) instead of acknowledging and losing; and what it must do inside: workers
 * carry on by themselves once the store is back. This file runs its own Redis and FerretDB, so it
 * can stop and restart them without disturbing the other test files.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import request from 'supertest';
import twilio from 'twilio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway, type Gateway } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import type { Responder } from '../../src/domain/ports.ts';
import { findFreePort } from '../../src/local/free-port.ts';
import { startLocalMongo, type LocalMongo } from '../../src/local/mongo-server.ts';
import { startLocalRedis, type LocalRedis } from '../../src/local/redis-server.ts';
import { Metrics } from '../../src/metrics.ts';
import { CallbackReceiver } from '../support/callback-receiver.ts';
import { FakeTwilio } from '../channels/sms/fake-twilio.ts';
import { waitFor } from '../support/gateway.ts';
import { createIntegration } from '../../src/integrations/store.ts';

const ACCOUNT_SID = `AC${'d'.repeat(32)}`;
const AUTH_TOKEN = 'outage-test-auth-token-0123';
const PUBLIC_URL = 'https://support.example.com';
const OUR_NUMBER = '+14155550199';

const answering: Responder = {
  respond: () => Promise.resolve({ action: 'reply', text: 'We are on it.', counted: 'answer' }),
};

let dir: string;
let redis: LocalRedis;
let redisPort: number;
let mongo: LocalMongo;
let mongoPort: number;
let gateway: Gateway;
let receiver: CallbackReceiver;
let fakeTwilio: FakeTwilio;
let apiKey: string;

async function restartRedis(): Promise<void> {
  redis = await startLocalRedis({ dir: join(dir, 'redis'), persistent: true, port: redisPort });
}

async function restartMongo(): Promise<void> {
  mongo = await startLocalMongo({
    dir: join(dir, 'mongo'),
    persistent: true,
    backend: 'sqlite',
    port: mongoPort,
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'switchboard-outage-'));
  redisPort = await findFreePort();
  mongoPort = await findFreePort();
  await restartRedis();
  await restartMongo();
  receiver = await new CallbackReceiver().start();
  fakeTwilio = await new FakeTwilio().start();
  const config = loadConfig({
    MONGODB_URI: mongo.url,
    REDIS_URL: redis.url,
    MONGODB_DB: 'outage',
    QUEUE_PREFIX: 'outage',
    LOG_LEVEL: 'silent',
    OUTBOUND_BACKOFF_MS: '200',
    JOB_LOCK_MS: '4000',
    API_CALLBACK_ALLOW_PRIVATE: 'true',
  });
  gateway = await createGateway({
    config,
    role: 'all',
    mongoUri: mongo.url,
    redisUrl: redis.url,
    responder: answering,
    metrics: new Metrics({ collectDefaults: false }),
    env: {
      TWILIO_ACCOUNT_SID: ACCOUNT_SID,
      TWILIO_AUTH_TOKEN: AUTH_TOKEN,
      TWILIO_FROM_NUMBER: OUR_NUMBER,
      SMS_PUBLIC_URL: PUBLIC_URL,
      TWILIO_API_BASE_URL: fakeTwilio.url,
    },
  });
  ({ apiKey } = await createIntegration(gateway.pool.models, {
    name: 'shop',
    callbackUrl: receiver.url,
  }));
}, 120_000);

afterAll(async () => {
  await gateway?.stop();
  await receiver?.stop();
  await fakeTwilio?.stop();
  await redis?.process.stop();
  await mongo?.process.stop();
  rmSync(dir, { recursive: true, force: true });
});

let seq = 0;
function apiPost(text: string) {
  seq += 1;
  const body = {
    messageId: `m-${seq}`,
    conversationId: `c-${seq}`,
    from: { id: `u-${seq}` },
    text,
  };
  return {
    body,
    send: () =>
      request(gateway.http!)
        .post('/api/v1/messages')
        .set('authorization', `Bearer ${apiKey}`)
        .send(body),
  };
}

function smsPost(text: string) {
  const sid = `SM${randomBytes(16).toString('hex')}`;
  const form = {
    MessageSid: sid,
    AccountSid: ACCOUNT_SID,
    From: `+1415555${String(2000 + seq).slice(-4)}`,
    To: OUR_NUMBER,
    Body: text,
    NumMedia: '0',
  };
  seq += 1;
  const signature = twilio.getExpectedTwilioSignature(
    AUTH_TOKEN,
    `${PUBLIC_URL}/channels/sms/twilio`,
    form,
  );
  return {
    sid,
    from: form.From,
    send: () =>
      request(gateway.http!)
        .post('/channels/sms/twilio')
        .type('form')
        .set('X-Twilio-Signature', signature)
        .send(form),
  };
}

/** Retries as the sender would, until the gateway acknowledges. */
async function untilAccepted(send: () => PromiseLike<{ status: number }>, ok: number) {
  return waitFor(async () => (await send()).status === ok, {
    timeoutMs: 60_000,
    intervalMs: 250,
    what: 'the message to be accepted',
  });
}

describe('when Redis goes away', () => {
  it('refuses new messages with 503 and Retry-After, then takes and answers them once it is back', async () => {
    const api = apiPost('Where is my parcel?');
    const sms = smsPost('Where is my parcel?');
    await redis.process.stop();

    const refusedApi = await api.send();
    expect(refusedApi.status).toBe(503);
    expect(refusedApi.headers['retry-after']).toBeDefined();
    expect(refusedApi.body).toMatchObject({ error: { code: 'SB_ERR_UNAVAILABLE' } });
    const refusedSms = await sms.send();
    expect(refusedSms.status).toBe(503);

    await restartRedis();
    await untilAccepted(api.send, 202);
    await untilAccepted(sms.send, 200);

    // The workers were never restarted: they reconnect and carry on by themselves.
    const answered = await waitFor(
      () =>
        receiver.received.find((r) =>
          r.body.includes(`"conversationId":"${api.body.conversationId}"`),
        ),
      { timeoutMs: 60_000, what: 'the API answer' },
    );
    expect(answered).toBeDefined();
    await waitFor(
      () => fakeTwilio.requests.some((r) => r.status === 201 && r.form['To'] === sms.from),
      {
        timeoutMs: 60_000,
        what: 'the SMS answer',
      },
    );
    const stored = await gateway.pool.models.Message.countDocuments({
      direction: 'in',
      channelMessageId: { $in: [sms.sid, `${integrationIdOf(apiKey)}/${api.body.messageId}`] },
    });
    expect(stored).toBe(2);
  }, 180_000);
});

describe('when the database goes away', () => {
  it('keeps what Redis acknowledged and stores it, answered once, when the database is back', async () => {
    const sms = smsPost('My order never came');
    // The integration was last read more than a minute ago maybe: read it now, as traffic would.
    await untilAccepted(apiPost('Still there?').send, 202);
    await mongo.process.stop();
    // The SMS webhook needs only Redis to acknowledge: the message waits in the queue.
    await untilAccepted(sms.send, 200);
    // The API channel knows this integration from before the outage (integrations/cache.ts, the
    // Redis stamp says nothing changed): its message waits in the queue like the SMS.
    const api = apiPost('Anyone there?');
    expect((await api.send()).status).toBe(202);
    // A key this process has not seen cannot be checked without the database: 503, retry later.
    const unknown = await request(gateway.http!)
      .post('/api/v1/messages')
      .set('authorization', `Bearer sbk_${'0'.repeat(12)}_${randomBytes(32).toString('base64url')}`)
      .send({ messageId: 'x-1', conversationId: 'x-1', from: { id: 'x' }, text: 'hello' });
    expect(unknown.status).toBe(503);

    await restartMongo();
    const stored = await waitFor(() => gateway.pool.getMessage(`sms.${sms.sid}`), {
      timeoutMs: 120_000,
      what: 'the SMS stored after the outage',
    });
    expect(stored.text).toBe('My order never came');
    await waitFor(
      () =>
        fakeTwilio.requests.filter((r) => r.status === 201 && r.form['To'] === sms.from).length ===
        1,
      { timeoutMs: 120_000, what: 'one SMS answer' },
    );
    const answers = () =>
      receiver.received.filter((r) =>
        r.body.includes(`"conversationId":"${api.body.conversationId}"`),
      ).length;
    await waitFor(() => answers() === 1, { timeoutMs: 120_000, what: 'one API answer' });
    // Sent again by the integration after the outage: the same message, not a second one.
    const again = await api.send();
    expect(again.body).toMatchObject({ duplicate: true });
  }, 240_000);
});

function integrationIdOf(key: string): string {
  return key.split('_')[1] ?? '';
}
