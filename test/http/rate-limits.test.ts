import { Router } from 'express';
import { Redis } from 'ioredis';
import request from 'supertest';
import twilio from 'twilio';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Gateway } from '../../src/app.ts';
import { createHttpApp } from '../../src/http/app.ts';
import { HttpRateLimits } from '../../src/http/rate-limit.ts';
import { Metrics } from '../../src/metrics.ts';
import { slackSignature } from '../desk/slack-requests.ts';
import { startTestGateway, testConfig, uniqueName } from '../support/gateway.ts';
import { createIntegration } from '../../src/integrations/store.ts';

const LIMIT = 3;
const ADMIN_TOKEN = 'test-admin-token-0123456789';
const ACCOUNT_SID = `AC${'e'.repeat(32)}`;
const AUTH_TOKEN = 'rate-limit-test-auth-token-0123';
const SMS_PUBLIC_URL = 'https://support.example.test';
const SLACK_SECRET = 'rate-limit-test-signing-secret';

let gateway: Gateway;
let ipSeq = 0;

/** A client address of its own (the app believes X-Forwarded-For from loopback, as from a proxy). */
function nextIp(): string {
  ipSeq += 1;
  return `198.51.100.${ipSeq}`;
}

type Send = (ip: string) => PromiseLike<request.Response>;

/**
 * Sends LIMIT requests from one address, none refused; then the next is 429 with Retry-After and
 * the uniform body, while another address is still served.
 */
async function expectLimitPerAddress(send: Send, servedStatus: number): Promise<void> {
  const ip = nextIp();
  for (let i = 0; i < LIMIT; i += 1) expect((await send(ip)).status).toBe(servedStatus);
  expectRefused(await send(ip));
  expect((await send(nextIp())).status).toBe(servedStatus);
}

function expectRefused(res: request.Response): void {
  expect(res.status).toBe(429);
  const retryAfter = Number(res.headers['retry-after']);
  expect(retryAfter).toBeGreaterThan(0);
  expect(retryAfter).toBeLessThanOrEqual(60);
  expect(res.body).toEqual({
    error: { code: 'SB_ERR_RATE_LIMITED', message: expect.stringMatching(/retry in \d+ s$/) },
  });
}

beforeAll(async () => {
  gateway = await startTestGateway({
    role: 'api',
    config: testConfig({
      RATE_LIMIT_API_PER_MINUTE: String(LIMIT),
      RATE_LIMIT_WEBHOOK_PER_MINUTE: String(LIMIT),
      RATE_LIMIT_PUBLIC_PER_MINUTE: String(LIMIT),
    }),
    env: {
      TWILIO_ACCOUNT_SID: ACCOUNT_SID,
      TWILIO_AUTH_TOKEN: AUTH_TOKEN,
      TWILIO_FROM_NUMBER: '+14155550123',
      SMS_PUBLIC_URL,
      SLACK_BOT_TOKEN: 'xoxb-rate-limit-test',
      SLACK_SIGNING_SECRET: SLACK_SECRET,
      SLACK_AGENTS_CHANNEL: 'C0AGENTS1',
      // Never called: nothing here makes the desk talk to Slack.
      SLACK_API_URL: 'http://127.0.0.1:9/api/',
      WEBCHAT_TOKEN_SECRET: 'rate-limit-test-secret-0123456789abcdef',
      EMAIL_IMAP_HOST: '127.0.0.1',
      EMAIL_IMAP_USER: 'support',
      EMAIL_IMAP_PASSWORD: 'secret',
      EMAIL_SMTP_HOST: '127.0.0.1',
      EMAIL_ADDRESS: 'support@example.test',
    },
  });
}, 60_000);

afterAll(async () => {
  await gateway?.stop();
});

const http = () => request(gateway.http!);

describe('HTTP rate limits', () => {
  describe('when the API channel is called too often', () => {
    it('limits each client address, before authentication', async () => {
      await expectLimitPerAddress(
        (ip) => http().post('/api/v1/messages').set('x-forwarded-for', ip).send({}),
        401,
      );
    });

    it('limits each integration key, whatever address it comes from', async () => {
      const busy = await createIntegration(gateway.pool.models, { name: 'busy' });
      const quiet = await createIntegration(gateway.pool.models, { name: 'quiet' });
      let seq = 0;
      const post = (apiKey: string) => {
        seq += 1;
        return http()
          .post('/api/v1/messages')
          .set('x-forwarded-for', nextIp())
          .set('authorization', `Bearer ${apiKey}`)
          .send({
            messageId: `m-${seq}`,
            conversationId: `c-${seq}`,
            from: { id: 'u-1' },
            text: 'hello',
          });
      };
      for (let i = 0; i < LIMIT; i += 1) expect((await post(busy.apiKey)).status).toBe(202);
      const refused = await post(busy.apiKey);
      expectRefused(refused);
      expect(refused.body.error.message).toMatch(/API key/);
      expect((await post(quiet.apiKey)).status).toBe(202);
    });
  });

  describe('when a webhook is called too often from one address', () => {
    it('limits the SMS webhooks, inbound and status together', async () => {
      const ip = nextIp();
      const unsigned = (path: string) =>
        http().post(path).set('x-forwarded-for', ip).type('form').send({ MessageSid: 'SM1' });
      for (let i = 0; i < LIMIT; i += 1)
        expect((await unsigned('/channels/sms/twilio')).status).toBe(403);
      expectRefused(await unsigned('/channels/sms/twilio'));
      expectRefused(await unsigned('/channels/sms/twilio/status'));

      // Twilio from another address: a signed message is taken.
      const form = {
        MessageSid: `SM${'1'.repeat(32)}`,
        AccountSid: ACCOUNT_SID,
        From: '+14155550177',
        To: '+14155550123',
        Body: 'hello',
        NumMedia: '0',
      };
      const signature = twilio.getExpectedTwilioSignature(
        AUTH_TOKEN,
        `${SMS_PUBLIC_URL}/channels/sms/twilio`,
        form,
      );
      await http()
        .post('/channels/sms/twilio')
        .set('x-forwarded-for', nextIp())
        .set('x-twilio-signature', signature)
        .type('form')
        .send(form)
        .expect(200);
    });

    it('limits the Slack events endpoint', async () => {
      const unsigned = (ip: string) =>
        http()
          .post('/slack/events')
          .set('x-forwarded-for', ip)
          .set('content-type', 'application/json')
          .send('{}');
      const ip = nextIp();
      for (let i = 0; i < LIMIT; i += 1) expect((await unsigned(ip)).status).toBe(401);
      expectRefused(await unsigned(ip));

      // Slack from another address: a signed URL verification is answered.
      const body = JSON.stringify({ type: 'url_verification', challenge: 'c-123', token: 't' });
      const timestamp = Math.floor(Date.now() / 1000);
      const res = await http()
        .post('/slack/events')
        .set('x-forwarded-for', nextIp())
        .set('content-type', 'application/json')
        .set('x-slack-request-timestamp', String(timestamp))
        .set('x-slack-signature', slackSignature(SLACK_SECRET, timestamp, body))
        .send(body)
        .expect(200);
      expect(res.body).toEqual({ challenge: 'c-123' });
    });
  });

  describe('when an admin endpoint is called too often from one address', () => {
    it('limits the tickets API, counting before authentication', async () => {
      await expectLimitPerAddress(
        (ip) => http().get('/api/v1/tickets/forecast').set('x-forwarded-for', ip),
        401,
      );
      await expectLimitPerAddress(
        (ip) =>
          http()
            .get('/api/v1/tickets/forecast')
            .set('x-forwarded-for', ip)
            .set('authorization', `Bearer ${ADMIN_TOKEN}`),
        200,
      );
    });

    it('limits the attachments API', async () => {
      await expectLimitPerAddress(
        (ip) =>
          http()
            .get('/api/v1/attachments/nope')
            .set('x-forwarded-for', ip)
            .set('authorization', `Bearer ${ADMIN_TOKEN}`),
        404,
      );
    });

    it('limits the admin console API and its pages', async () => {
      await expectLimitPerAddress(
        (ip) => http().get('/api/v1/admin/auth/me').set('x-forwarded-for', ip),
        401,
      );
      await expectLimitPerAddress((ip) => http().get('/admin/').set('x-forwarded-for', ip), 200);
    });

    it('limits the queue dashboard', async () => {
      await expectLimitPerAddress(
        (ip) =>
          http()
            .get('/admin/queues/api/queues')
            .set('x-forwarded-for', ip)
            .auth('admin', ADMIN_TOKEN),
        200,
      );
    });
  });

  describe('when the probes, metrics or chat pages are called too often from one address', () => {
    it('limits /healthz, /readyz and /metrics together', async () => {
      const ip = nextIp();
      await http().get('/healthz').set('x-forwarded-for', ip).expect(200);
      await http().get('/readyz').set('x-forwarded-for', ip).expect(200);
      await http().get('/metrics').set('x-forwarded-for', ip).expect(200);
      expectRefused(await http().get('/healthz').set('x-forwarded-for', ip));
      await http().get('/metrics').set('x-forwarded-for', nextIp()).expect(200);
    });

    it('limits the web chat pages', async () => {
      await expectLimitPerAddress((ip) => http().get('/chat').set('x-forwarded-for', ip), 200);
    });

    it('limits every Direct Line endpoint per address, not only starts and messages', async () => {
      // A poll for a conversation that does not exist: answered (401) until the address is over.
      await expectLimitPerAddress(
        (ip) =>
          http().get('/v3/directline/conversations/none/activities').set('x-forwarded-for', ip),
        401,
      );
    });
  });

  describe('when one endpoint group is over its limit', () => {
    it('blocks nothing else for that address', async () => {
      const ip = nextIp();
      for (let i = 0; i < LIMIT; i += 1)
        await http().get('/api/v1/tickets/forecast').set('x-forwarded-for', ip);
      expectRefused(await http().get('/api/v1/tickets/forecast').set('x-forwarded-for', ip));
      await http().get('/healthz').set('x-forwarded-for', ip).expect(200);
      await http().post('/api/v1/messages').set('x-forwarded-for', ip).send({}).expect(401);
      await http().get('/api/v1/admin/auth/me').set('x-forwarded-for', ip).expect(401);
    });
  });

  describe('when the client is on IPv6', () => {
    it('counts its /64 as one address', async () => {
      const send = (ip: string) => http().get('/chat').set('x-forwarded-for', ip);
      for (let i = 1; i <= LIMIT; i += 1) await send(`2001:db8:0:7::${i}`).expect(200);
      expectRefused(await send('2001:db8:0:7:ffff::1'));
      await send('2001:db8:0:8::1').expect(200);
    });
  });
});

describe('HTTP rate limits over a Redis that is unreachable', () => {
  let closed: Redis;

  /** The app with one API route and one admin route, limited over `redis`. */
  function appOver(redis: Redis, perMinute = 100) {
    const ok = Router();
    ok.post('/api/v1/messages', (_req, res) => {
      res.status(202).json({ status: 'accepted' });
    });
    ok.get('/', (_req, res) => {
      res.json({ ok: true });
    });
    return createHttpApp({
      channelRouters: [ok],
      channelLimits: [{ path: '/api/v1/messages', kind: 'api' }],
      adminRouters: [{ path: '/api/v1/tickets', router: ok }],
      queues: [],
      probes: [],
      metrics: new Metrics({ collectDefaults: false }),
      adminToken: ADMIN_TOKEN,
      rateLimits: new HttpRateLimits({
        redis,
        prefix: uniqueName('sbtest'),
        perMinute: { api: perMinute, webhook: perMinute, public: perMinute },
      }),
    });
  }

  beforeAll(async () => {
    closed = new Redis(inject('redisUrl'), { maxRetriesPerRequest: 1 });
    await closed.ping();
    closed.disconnect();
  });

  it('refuses with 503 and Retry-After instead of letting requests through', async () => {
    const app = appOver(closed);
    const api = await request(app).post('/api/v1/messages').send({});
    expect(api.status).toBe(503);
    expect(api.headers['retry-after']).toBe('5');
    expect(api.body).toEqual({
      error: { code: 'SB_ERR_UNAVAILABLE', message: expect.any(String) },
    });
    const admin = await request(app)
      .get('/api/v1/tickets/')
      .set('authorization', `Bearer ${ADMIN_TOKEN}`);
    expect(admin.status).toBe(503);
  });

  it('still answers the probes, counted in memory', async () => {
    await request(appOver(closed)).get('/healthz').expect(200);
  });

  it('lets everything through when the limits are set to 0', async () => {
    const app = appOver(closed, 0);
    await request(app).post('/api/v1/messages').send({}).expect(202);
    await request(app)
      .get('/api/v1/tickets/')
      .set('authorization', `Bearer ${ADMIN_TOKEN}`)
      .expect(200);
  });
});
