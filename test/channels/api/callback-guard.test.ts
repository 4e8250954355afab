/**
 * The SSRF guard on API-channel callbacks: with API_CALLBACK_ALLOW_PRIVATE unset, a callback URL
 * whose host is or resolves to a loopback, private or link-local address is refused — recorded
 * as a final delivery failure with the reason, never requested.
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../../src/app.ts';
import { isPublicAddress } from '../../../channels/api/callback-guard.ts';
import { CallbackReceiver } from '../../support/callback-receiver.ts';
import { startTestGateway, testConfig, waitFor } from '../../support/gateway.ts';
import { createIntegration } from '../../../src/integrations/store.ts';

describe('isPublicAddress', () => {
  it.each([
    ['8.8.8.8', true],
    ['2606:4700:4700::1111', true],
    ['127.0.0.1', false],
    ['10.1.2.3', false],
    ['172.16.0.9', false],
    ['192.168.1.1', false],
    ['169.254.169.254', false],
    ['100.64.0.1', false],
    ['0.0.0.0', false],
    ['::1', false],
    ['fc00::1', false],
    ['fe80::1', false],
    ['::ffff:127.0.0.1', false],
    ['::ffff:8.8.8.8', true],
    ['not an address', false],
  ])('%s → %s', (address, expected) => {
    expect(isPublicAddress(address)).toBe(expected);
  });
});

describe('callbacks to non-public addresses', () => {
  let gateway: Gateway;
  let receiver: CallbackReceiver;

  beforeAll(async () => {
    receiver = await new CallbackReceiver().start();
    gateway = await startTestGateway({
      config: testConfig({ API_CALLBACK_ALLOW_PRIVATE: 'false' }),
      responder: {
        respond: () => Promise.resolve({ action: 'reply', text: 'Hello', counted: 'answer' }),
      },
    });
  });

  afterAll(async () => {
    await gateway.pool.models.Ticket.db.dropDatabase();
    await gateway.queues.inbound.obliterate({ force: true });
    await gateway.queues.outbound.obliterate({ force: true });
    await gateway.stop();
    await receiver.stop();
  });

  it.each([
    ['an IP literal', (port: number) => `http://127.0.0.1:${port}/hook`, '127.0.0.1'],
    [
      'a name that resolves to loopback',
      (port: number) => `http://localhost:${port}/hook`,
      'localhost',
    ],
  ])('refuses %s, records why and never calls it', async (_label, urlFor, host) => {
    const { apiKey } = await createIntegration(gateway.pool.models, {
      name: `guarded-${host}`,
      callbackUrl: urlFor(receiver.port),
    });
    const messageId = `m-${host}-${Date.now()}`;
    await request(gateway.http!)
      .post('/api/v1/messages')
      .set('authorization', `Bearer ${apiKey}`)
      .send({ messageId, conversationId: `c-${messageId}`, from: { id: 'u1' }, text: 'Hi' })
      .expect(202);
    const answer = await waitFor(
      async () => {
        const docs = await gateway.pool.models.Message.find({ direction: 'out' }).lean();
        return docs.find((d) => String(d._id).includes(messageId) && d.deliveryStatus === 'failed');
      },
      { what: 'the refused answer' },
    );
    expect(answer.deliveryError).toContain(`callback URL host ${host} resolves to`);
    expect(answer.deliveryError).toContain('API_CALLBACK_ALLOW_PRIVATE');
    expect(answer.deliveryAttempts).toBe(1);
    expect(receiver.received).toHaveLength(0);
  });
});
