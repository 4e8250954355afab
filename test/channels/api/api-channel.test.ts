import request from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../../src/app.ts';
import { verifySignature } from '../../../channels/api/signature.ts';
import { CallbackReceiver } from '../../support/callback-receiver.ts';
import { startTestGateway, testConfig, waitFor } from '../../support/gateway.ts';
import { createIntegration } from '../../../src/integrations/store.ts';

let gateway: Gateway;
let receiver: CallbackReceiver;
let apiKey: string;
let webhookSecret: string;
let integrationId: string;

beforeAll(async () => {
  receiver = await new CallbackReceiver().start();
  gateway = await startTestGateway({ config: testConfig({ API_MAX_BODY_BYTES: '4096' }) });
  const created = await createIntegration(gateway.pool.models, {
    name: 'shop-backend',
    callbackUrl: receiver.url,
  });
  apiKey = created.apiKey;
  webhookSecret = created.webhookSecret;
  integrationId = String(created.integration._id);
});

afterEach(() => {
  receiver.status = 200;
});

afterAll(async () => {
  await gateway.pool.models.Ticket.db.dropDatabase();
  await gateway.queues.inbound.obliterate({ force: true });
  await gateway.queues.outbound.obliterate({ force: true });
  await gateway.stop();
  await receiver.stop();
});

let seq = 0;
function message(overrides: Record<string, unknown> = {}) {
  seq += 1;
  return {
    messageId: `msg-${seq}-${Date.now()}`,
    conversationId: `conv-${seq}-${Date.now()}`,
    from: { id: 'customer-7', name: 'Grace', email: 'Grace@Example.com' },
    text: 'My parcel has not arrived',
    ...overrides,
  };
}

/** Posts with the integration's key; `null` sends no key at all. */
function post(body: unknown, key: string | null = apiKey) {
  const req = request(gateway.http!).post('/api/v1/messages');
  if (key !== null) req.set('authorization', `Bearer ${key}`);
  return typeof body === 'string'
    ? req.set('content-type', 'application/json').send(body)
    : req.send(body as object);
}

/** The stored customer message once the pipeline has handled it. */
function handledMessage(messageId: string) {
  return waitFor(() =>
    gateway.pool.models.Message.findOne({
      channelMessageId: `${integrationId}/${messageId}`,
      handled: true,
    }).lean(),
  );
}

/** An agent (Alan) answers on a ticket through the admin API. */
function agentReply(ticketId: string, replyId: string, text: string) {
  return request(gateway.http!)
    .post(`/api/v1/tickets/${ticketId}/replies`)
    .set('authorization', 'Bearer test-admin-token-0123456789')
    .send({ replyId, agent: { id: 'a1', name: 'Alan' }, text });
}

async function storedCount(): Promise<{ messages: number; jobs: number }> {
  const counts = await gateway.queues.inbound.getJobCounts();
  return {
    messages: await gateway.pool.models.Message.countDocuments({ direction: 'in' }),
    jobs: Object.values(counts).reduce((a, b) => a + b, 0),
  };
}

describe('API channel', () => {
  describe('when the request is refused', () => {
    it.each([
      ['no key', null],
      ['a malformed key', 'not-a-key'],
      [
        'a well-formed key that matches nothing',
        'sbk_0123456789ab_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
      ],
    ])('answers 401 for %s and stores nothing', async (_label, key) => {
      const before = await storedCount();
      const res = await post(message(), key);
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('SB_ERR_UNAUTHENTICATED');
      expect(await storedCount()).toEqual(before);
    });

    it('answers 400 naming the field when a field is invalid, and stores nothing', async () => {
      const before = await storedCount();
      const res = await post(message({ from: { id: 'c1', email: 'not-an-email' } }));
      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({ code: 'SB_ERR_VALIDATION', field: 'from.email' });
      const missing = await post({ ...message(), text: undefined });
      expect(missing.status).toBe(400);
      expect(missing.body.error.field).toBe('text');
      const unknown = await post({ ...message(), surprise: true });
      expect(unknown.status).toBe(400);
      expect(await storedCount()).toEqual(before);
    });

    it('answers 400 for malformed JSON and 415 for a non-JSON body, storing nothing', async () => {
      const before = await storedCount();
      const malformed = await post('{"messageId": "x", ');
      expect(malformed.status).toBe(400);
      expect(malformed.body.error.code).toBe('SB_ERR_MALFORMED_JSON');
      const form = await request(gateway.http!)
        .post('/api/v1/messages')
        .set('authorization', `Bearer ${apiKey}`)
        .type('form')
        .send('text=hello');
      expect(form.status).toBe(415);
      expect(await storedCount()).toEqual(before);
    });

    it('answers 413 for a body over the size limit, storing nothing', async () => {
      const before = await storedCount();
      const res = await post(message({ text: 'x'.repeat(10_000) }));
      expect(res.status).toBe(413);
      expect(res.body.error.code).toBe('SB_ERR_PAYLOAD_TOO_LARGE');
      expect(await storedCount()).toEqual(before);
    });
  });

  describe('when the same message is posted twice', () => {
    it('stores one message and has one effect', async () => {
      const body = message();
      const first = await post(body);
      const second = await post(body);
      expect(first.status).toBe(202);
      expect(second.status).toBe(202);
      expect(second.body).toMatchObject({ id: first.body.id, duplicate: true });
      const stored = await waitFor(async () => {
        const doc = await gateway.pool.models.Message.findOne({
          channelMessageId: `${integrationId}/${body.messageId}`,
        }).lean();
        return doc?.handled ? doc : undefined;
      });
      const ticket = await gateway.pool.getTicket(stored.ticketId);
      expect(ticket?.status).toBe('queued');
      expect(ticket?.statusHistory.filter((h) => h.to === 'queued')).toHaveLength(1);
      expect(
        await gateway.pool.models.Message.countDocuments({
          channelMessageId: `${integrationId}/${body.messageId}`,
        }),
      ).toBe(1);
    });
  });

  describe('when a message is accepted', () => {
    it('normalizes the sender into a contact with the email lower-cased', async () => {
      const body = message();
      await post(body).expect(202);
      const contact = await waitFor(() =>
        gateway.pool.models.Contact.findOne({
          'identities.value': `${integrationId}/customer-7`,
        }).lean(),
      );
      // Claimed: this integration does not verify its customers' addresses (issue 19).
      expect(contact.identities).toContainEqual({
        kind: 'email',
        value: 'grace@example.com',
        verified: false,
      });
    });
  });

  describe('when an agent replies', () => {
    it('delivers the reply to the callback URL with a valid signature', async () => {
      const body = message();
      await post(body).expect(202);
      const stored = await handledMessage(body.messageId);
      const reply = await agentReply(String(stored.ticketId), 'r1', 'It ships today.');
      expect(reply.status).toBe(202);
      const delivered = await waitFor(() =>
        receiver.received.find((r) => r.body.includes('It ships today.')),
      );
      const payload = JSON.parse(delivered.body);
      expect(payload).toMatchObject({
        type: 'message.created',
        conversationId: body.conversationId,
        to: { id: 'customer-7' },
        author: { kind: 'agent', name: 'Alan' },
        text: 'It ships today.',
      });
      expect(
        verifySignature({
          secret: webhookSecret,
          body: delivered.body,
          header: delivered.headers['x-switchboard-signature'] as string,
        }),
      ).toBe(true);
      expect(
        verifySignature({
          secret: 'whsec_wrong',
          body: delivered.body,
          header: delivered.headers['x-switchboard-signature'] as string,
        }),
      ).toBe(false);
      expect(delivered.headers['x-switchboard-delivery']).toBe(reply.body.messageId);
      const out = await waitFor(async () => {
        const doc = await gateway.pool.getMessage(reply.body.messageId);
        return doc?.deliveryStatus === 'sent' ? doc : undefined;
      });
      expect(out.authorKind).toBe('agent');
    });

    it('retries while the receiver is down and delivers once when it is back', async () => {
      const body = message();
      await post(body).expect(202);
      const stored = await handledMessage(body.messageId);
      const port = receiver.port;
      await receiver.stop();
      const reply = await agentReply(String(stored.ticketId), 'r-down', 'Back soon, promise.');
      expect(reply.status).toBe(202);
      const pending = await waitFor(async () => {
        const doc = await gateway.pool.getMessage(reply.body.messageId);
        return doc && doc.deliveryAttempts >= 2 ? doc : undefined;
      });
      expect(pending.deliveryStatus).toBe('pending');
      expect(pending.deliveryError).toMatch(/unreachable/);
      await receiver.start(port);
      await waitFor(
        async () =>
          (await gateway.pool.getMessage(reply.body.messageId))?.deliveryStatus === 'sent',
        {
          timeoutMs: 30_000,
        },
      );
      expect(receiver.received.filter((r) => r.body.includes('Back soon, promise.'))).toHaveLength(
        1,
      );
    });

    it('does not retry a callback that answers 400, and records why', async () => {
      const body = message();
      await post(body).expect(202);
      const stored = await handledMessage(body.messageId);
      receiver.status = 400;
      const reply = await agentReply(String(stored.ticketId), 'r-400', 'Refused one.');
      const failed = await waitFor(async () => {
        const doc = await gateway.pool.getMessage(reply.body.messageId);
        return doc?.deliveryStatus === 'failed' ? doc : undefined;
      });
      expect(failed.deliveryAttempts).toBe(1);
      expect(failed.deliveryError).toBe('callback answered HTTP 400');
      // The job is moved to failed just after the outcome is recorded.
      const state = await waitFor(async () => {
        const job = await gateway.queues.outbound.getJob(`out.${reply.body.messageId}`);
        const current = await job?.getState();
        return current === 'active' ? undefined : current;
      });
      expect(state).toBe('failed');
    });
  });
});
