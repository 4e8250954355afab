/**
 * An API caller can list any email or phone beside its customer. Only identities the contact owns
 * are its own: exporting or erasing that contact never hands over or deletes the real owner's.
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../src/app.ts';
import { EscalateAllResponder } from '../../src/pipeline/escalate-all-responder.ts';
import { API, dropDatabase, makeAccount, signIn, type Session } from '../admin/support.ts';
import { CallbackReceiver } from '../support/callback-receiver.ts';
import { startTestGateway, testConfig, waitFor } from '../support/gateway.ts';
import { createIntegration } from '../../src/integrations/store.ts';

const OWNER_EMAIL = 'real.owner@example.com';
let gateway: Gateway;
let receiver: CallbackReceiver;
let apiKey = '';
let integrationId = '';
let admin: Session;

beforeAll(async () => {
  receiver = await new CallbackReceiver().start();
  gateway = await startTestGateway({
    config: testConfig({ KB_SEED_ON_START: 'false' }),
    responder: new EscalateAllResponder(),
  });
  const created = await createIntegration(gateway.pool.models, {
    name: 'shop',
    callbackUrl: receiver.url,
  });
  apiKey = created.apiKey;
  integrationId = String(created.integration._id);
  await makeAccount(gateway, 'admin');
  admin = await signIn(gateway, 'admin@example.test');
});

afterAll(async () => {
  await dropDatabase(gateway);
  await gateway.stop();
  await receiver.stop();
});

async function write(customerId: string, messageId: string, email: string): Promise<string> {
  const res = await request(gateway.http!)
    .post('/api/v1/messages')
    .set('authorization', `Bearer ${apiKey}`)
    .send({
      messageId,
      conversationId: `conv-${customerId}`,
      from: { id: customerId, email },
      text: `hello from ${customerId}`,
    });
  expect(res.status).toBe(202);
  const stored = await waitFor(
    async () => {
      const message = await gateway.pool.getMessage(`api.${integrationId}/${messageId}`);
      return message?.handled ? message : undefined;
    },
    { what: `${messageId} handled` },
  );
  return String(stored.contactId);
}

describe('identities a contact does not own', () => {
  it('are not listed on it, exported with it or erased with it', async () => {
    const owner = await write('owner-1', 'm-owner', OWNER_EMAIL);
    const claimer = await write('claimer-1', 'm-claimer', OWNER_EMAIL);
    expect(claimer).not.toBe(owner);
    // The integration does not verify its customers' addresses: an agent is asked instead.
    const suggestion = await gateway.pool.models.MergeSuggestion.findOne({
      contactIds: claimer,
    }).lean();
    expect(suggestion).toMatchObject({ reason: 'claimed-identity', status: 'open' });
    expect(suggestion?.contactIds.map(String).sort()).toEqual([owner, claimer].sort());

    const exported = await admin.agent.get(`${API}/contacts/${claimer}/export`);
    expect(exported.status).toBe(200);
    expect(JSON.stringify(exported.body)).not.toContain(OWNER_EMAIL);

    const erased = await admin.agent
      .post(`${API}/contacts/${claimer}/erase`)
      .set('x-csrf-token', admin.csrf)
      .send({});
    expect(erased.status).toBe(200);
    // The owner's link and contact are untouched.
    const link = await gateway.pool.models.ContactIdentity.findById(`email:${OWNER_EMAIL}`).lean();
    expect(String(link?.contactId)).toBe(owner);
    const ownerExport = await admin.agent.get(`${API}/contacts/${owner}/export`);
    expect(JSON.stringify(ownerExport.body)).toContain(OWNER_EMAIL);
    expect(JSON.stringify(ownerExport.body)).toContain('hello from owner-1');
  });
});
