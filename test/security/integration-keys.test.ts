/**
 * API integration keys can be rotated and integrations disabled: the old key stops at once, and a
 * disabled integration neither gets its messages in nor receives callbacks. All of it audited.
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../src/app.ts';
import type { Responder } from '../../src/domain/ports.ts';
import { API, dropDatabase, makeAccount, signIn, type Session } from '../admin/support.ts';
import { CallbackReceiver } from '../support/callback-receiver.ts';
import { startTestGateway, testConfig, waitFor } from '../support/gateway.ts';
import { createIntegration } from '../../src/integrations/store.ts';

const ADMIN_TOKEN = 'test-admin-token-0123456789';
const answering: Responder = {
  respond: () => Promise.resolve({ action: 'reply', text: 'Thanks!', counted: 'answer' }),
};
let gateway: Gateway;
let receiver: CallbackReceiver;
let admin: Session;
let id = '';
let oldKey = '';

beforeAll(async () => {
  receiver = await new CallbackReceiver().start();
  gateway = await startTestGateway({
    config: testConfig({ KB_SEED_ON_START: 'false', ADMIN_TOKEN }),
    responder: answering,
  });
  const created = await createIntegration(gateway.pool.models, {
    name: 'shop',
    callbackUrl: receiver.url,
  });
  id = String(created.integration._id);
  oldKey = created.apiKey;
  await makeAccount(gateway, 'admin');
  admin = await signIn(gateway, 'admin@example.test');
});

afterAll(async () => {
  await dropDatabase(gateway);
  await gateway.stop();
  await receiver.stop();
});

let seq = 0;
function post(key: string, conversationId = 'keys-conv') {
  seq += 1;
  return request(gateway.http!)
    .post('/api/v1/messages')
    .set('authorization', `Bearer ${key}`)
    .send({ messageId: `k-${seq}`, conversationId, from: { id: 'cust-k' }, text: 'hello' });
}

describe('integration keys', () => {
  it('rotates: the old key is refused at once and the new one works', async () => {
    expect((await post(oldKey)).status).toBe(202);
    const rotated = await admin.agent
      .post(`${API}/integrations/${id}/rotate`)
      .set('x-csrf-token', admin.csrf)
      .send({});
    expect(rotated.status).toBe(200);
    const newKey = rotated.body.apiKey as string;
    expect(newKey).toMatch(new RegExp(`^sbk_${id}_`));
    expect((await post(oldKey)).status).toBe(401);
    expect((await post(newKey)).status).toBe(202);
    oldKey = newKey;
  });

  it('disables: the key is refused and an agent reply is not sent to the integration', async () => {
    await waitFor(() => receiver.received.length >= 1 || undefined, { what: 'a first callback' });
    const ticket = await waitFor(
      () => gateway.pool.models.Ticket.findOne({ threadKey: { $regex: 'keys-conv' } }).lean(),
      { what: 'the ticket' },
    );
    const disabled = await admin.agent
      .post(`${API}/integrations/${id}/disable`)
      .set('x-csrf-token', admin.csrf)
      .send({});
    expect(disabled.status).toBe(200);
    expect(disabled.body.integration.disabled).toBe(true);
    expect((await post(oldKey)).status).toBe(401);

    const before = receiver.received.length;
    const reply = await request(gateway.http!)
      .post(`/api/v1/tickets/${String(ticket._id)}/replies`)
      .set('authorization', `Bearer ${ADMIN_TOKEN}`)
      .send({ replyId: 'r-1', agent: { id: 'a-1', name: 'Ann' }, text: 'We are on it.' });
    expect(reply.status).toBe(202);
    const message = await waitFor(
      async () => {
        const stored = await gateway.pool.getMessage(reply.body.messageId as string);
        return stored?.deliveryStatus === 'failed' ? stored : undefined;
      },
      { what: 'the reply refused' },
    );
    expect(message.deliveryError).toContain('disabled');
    expect(receiver.received.length).toBe(before);
    const actions = (await gateway.pool.models.AuditEvent.find({}).lean()).map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['integration.rotate', 'integration.disable']));
  });
});
