import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../src/app.ts';
import { EscalateAllResponder } from '../../src/pipeline/escalate-all-responder.ts';
import { startTestGateway, testConfig } from '../support/gateway.ts';
import {
  API,
  stopGateway,
  dumpDatabase,
  makeAccount,
  postApiMessage,
  signIn,
  smsArrives,
  type Session,
} from './support.ts';
import { createIntegration } from '../../src/integrations/store.ts';

// One person as two contacts: an API-channel customer with an email, and an SMS sender.
const EMAIL = 'katherine.johnson@example.test';
const NAME = 'Katherine Johnson';
const PHONE = '+15550104242';
const API_TEXT = 'MERGETEXT-1 my trajectory report is late';
const SMS_TEXT = 'MERGETEXT-2 texting about the trajectory report';
const OTHER_TEXT = 'Dorothy asks about her own order 7';

let gateway: Gateway;
let admin: Session;
let survivorId: string;
let mergedId: string;

const traces = (text: string) =>
  [EMAIL, NAME, PHONE, API_TEXT, SMS_TEXT]
    .map((t) => t.toLowerCase())
    .filter((t) => text.includes(t));

beforeAll(async () => {
  gateway = await startTestGateway({
    config: testConfig({ KB_SEED_ON_START: 'false' }),
    responder: new EscalateAllResponder(),
  });
  const created = await createIntegration(gateway.pool.models, { name: 'gdpr-merge-shop' });
  const integration = { apiKey: created.apiKey, id: String(created.integration._id) };
  for (const role of ['admin', 'supervisor'] as const) await makeAccount(gateway, role);
  admin = await signIn(gateway, 'admin@example.test');

  const viaApi = await postApiMessage(gateway, integration, {
    messageId: 'kj-1',
    conversationId: 'conv-kj',
    from: { id: 'cust-kj', name: NAME, email: EMAIL },
    text: API_TEXT,
  });
  survivorId = String(viaApi.contactId);
  const viaSms = await smsArrives(gateway, {
    sid: 'SM0000000000000000000000000000kj01',
    phone: PHONE,
    text: SMS_TEXT,
  });
  mergedId = String(viaSms.contactId);
  expect(mergedId).not.toBe(survivorId);
  await postApiMessage(gateway, integration, {
    messageId: 'dv-1',
    conversationId: 'conv-dv',
    from: { id: 'cust-dv', name: 'Dorothy Vaughan', email: 'dorothy@example.test' },
    text: OTHER_TEXT,
  });

  const supervisor = await signIn(gateway, 'supervisor@example.test');
  const merged = await supervisor.agent
    .post(`${API}/contacts/${survivorId}/merge`)
    .set('x-csrf-token', supervisor.csrf)
    .send({ from: mergedId });
  expect(merged.status).toBe(200);
});

afterAll(async () => {
  await stopGateway(gateway);
});

describe('GDPR after a merge', () => {
  describe('when an admin exports the contact that was merged into another', () => {
    it('exports the person: the survivor, the merged contact and both channels’ messages', async () => {
      const res = await admin.agent.get(`${API}/contacts/${mergedId}/export`);
      expect(res.status).toBe(200);
      const body = res.body as {
        contact: { _id: string; name: string };
        mergedContacts: Array<{ _id: string }>;
        messages: Array<{ text: string }>;
      };
      expect(body.contact).toMatchObject({ _id: survivorId, name: NAME });
      expect(body.mergedContacts.map((c) => c._id)).toEqual([mergedId]);
      expect(body.messages.map((m) => m.text)).toEqual(
        expect.arrayContaining([API_TEXT, SMS_TEXT]),
      );
      expect(body.messages.map((m) => m.text)).not.toContain(OTHER_TEXT);
    });
  });

  describe('when an admin erases the contact that was merged into another', () => {
    it('erases the person on both channels, the merge record and the audit of the merge included', async () => {
      expect(traces(await dumpDatabase(gateway))).toEqual(
        expect.arrayContaining([EMAIL.toLowerCase(), PHONE, SMS_TEXT.toLowerCase()]),
      );
      const res = await admin.agent
        .post(`${API}/contacts/${mergedId}/erase`)
        .set('x-csrf-token', admin.csrf)
        .send({});
      expect(res.status).toBe(200);
      expect(res.body.counts).toMatchObject({ contacts: 2, tickets: 2 });

      const after = await dumpDatabase(gateway);
      expect(traces(after)).toEqual([]);
      expect(after).toContain(OTHER_TEXT.toLowerCase());
      // Nothing to give back any more: the merge cannot be undone, and says so.
      const supervisor = await signIn(gateway, 'supervisor@example.test');
      const unmerge = await supervisor.agent
        .post(`${API}/contacts/${mergedId}/unmerge`)
        .set('x-csrf-token', supervisor.csrf)
        .send({});
      expect(unmerge.status).toBe(409);
    });
  });
});
