import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../src/app.ts';
import { EscalateAllResponder } from '../../src/pipeline/escalate-all-responder.ts';
import { startTestGateway, testConfig } from '../support/gateway.ts';
import { API, makeAccount, postApiMessage, signIn, stopGateway, type Session } from './support.ts';
import { createIntegration } from '../../src/integrations/store.ts';

type Page = {
  contact: {
    id: string;
    name: string | null;
    identities: Array<{ kind: string; value: string; verified: boolean | null }>;
    mergedInto: string | null;
  };
  mergedFrom: Array<{ id: string; canUnmerge: boolean }>;
  tickets: Array<{ id: string; number: number; channel: string; mergedFrom: string | null }>;
  suggestions: unknown[];
};

let gateway: Gateway;
let integration: { apiKey: string; id: string };
let supervisor: Session;
let admin: Session;
let seq = 0;

/** A customer of the shop writes once through the API channel: a ticket and (if new) a contact. */
async function customerWrites(
  from: { id: string; name?: string; email?: string; phone?: string },
  text: string,
): Promise<{ contactId: string; ticketId: string }> {
  seq += 1;
  const message = await postApiMessage(gateway, integration, {
    messageId: `merge-${seq}`,
    conversationId: `conv-${from.id}-${seq}`,
    from,
    text,
  });
  return { contactId: String(message.contactId), ticketId: String(message.ticketId) };
}

async function page(session: Session, id: string): Promise<Page> {
  const res = await session.agent.get(`${API}/contacts/${id}`);
  expect(res.status).toBe(200);
  return res.body as Page;
}

function post(session: Session, path: string, body: object = {}) {
  return session.agent.post(`${API}${path}`).set('x-csrf-token', session.csrf).send(body);
}

const identityValues = (p: Page) => p.contact.identities.map((i) => `${i.kind}:${i.value}`).sort();
const ticketIds = (p: Page) => p.tickets.map((t) => t.id).sort();

beforeAll(async () => {
  gateway = await startTestGateway({
    config: testConfig({ KB_SEED_ON_START: 'false' }),
    responder: new EscalateAllResponder(),
  });
  const created = await createIntegration(gateway.pool.models, { name: 'merge-shop' });
  integration = { apiKey: created.apiKey, id: String(created.integration._id) };
  for (const role of ['admin', 'supervisor', 'agent'] as const) await makeAccount(gateway, role);
  supervisor = await signIn(gateway, 'supervisor@example.test');
  admin = await signIn(gateway, 'admin@example.test');
});

afterAll(async () => {
  await stopGateway(gateway);
});

describe('contact merge (admin API)', () => {
  describe('when a supervisor merges two contacts of one person and unmerges them', () => {
    it('moves identities and tickets to the survivor, then gives the merged contact back exactly its own', async () => {
      const grace = await customerWrites(
        { id: 'grace-web', name: 'Grace H.', email: 'grace@example.test' },
        'My order 1 did not arrive',
      );
      const phone = await customerWrites(
        { id: 'grace-phone', phone: '+15550101010' },
        'Texting about order 1 too',
      );
      expect(phone.contactId).not.toBe(grace.contactId);
      const before = {
        grace: await page(supervisor, grace.contactId),
        phone: await page(supervisor, phone.contactId),
      };

      const merged = await post(supervisor, `/contacts/${grace.contactId}/merge`, {
        from: phone.contactId,
      });
      expect(merged.status).toBe(200);
      expect(merged.body).toMatchObject({
        survivorId: grace.contactId,
        mergedId: phone.contactId,
        ticketIds: [phone.ticketId],
      });
      expect(merged.body.identities).toContain('phone:+15550101010');

      const survivor = await page(supervisor, grace.contactId);
      expect(identityValues(survivor)).toEqual(
        [...identityValues(before.grace), ...identityValues(before.phone)].sort(),
      );
      expect(ticketIds(survivor)).toEqual([grace.ticketId, phone.ticketId].sort());
      expect(survivor.tickets.find((t) => t.id === phone.ticketId)?.mergedFrom).toBe(
        phone.contactId,
      );
      expect(survivor.mergedFrom).toEqual([
        expect.objectContaining({ id: phone.contactId, canUnmerge: true }),
      ]);
      expect((await page(supervisor, phone.contactId)).contact.mergedInto).toBe(grace.contactId);
      // The ticket's messages follow it: the ticket view names the survivor as its contact.
      const ticket = await supervisor.agent.get(`${API}/tickets/${phone.ticketId}`);
      expect(ticket.body.contact.id).toBe(grace.contactId);

      // A new message from the merged contact's identity lands on the survivor.
      const later = await customerWrites({ id: 'grace-phone' }, 'Any news on order 1?');
      expect(later.contactId).toBe(grace.contactId);

      const again = await post(supervisor, `/contacts/${grace.contactId}/merge`, {
        from: phone.contactId,
      });
      expect(again.status).toBe(200);
      expect(again.body.ticketIds).toEqual([phone.ticketId]);
      const afterAgain = await page(supervisor, grace.contactId);
      expect(identityValues(afterAgain)).toEqual(identityValues(survivor));

      const unmerged = await post(supervisor, `/contacts/${phone.contactId}/unmerge`);
      expect(unmerged.status).toBe(200);
      const restored = await page(supervisor, phone.contactId);
      expect(restored.contact.mergedInto).toBeNull();
      expect(identityValues(restored)).toEqual(identityValues(before.phone));
      expect(ticketIds(restored)).toEqual([phone.ticketId]);
      const survivorAfter = await page(supervisor, grace.contactId);
      expect(identityValues(survivorAfter)).toEqual(identityValues(before.grace));
      expect(survivorAfter.mergedFrom).toEqual([]);
      // A ticket opened while merged stays with the survivor: it was never the merged one's. (The
      // message may instead have joined one of the open tickets: it then follows that ticket.)
      const openedWhileMerged = [grace.ticketId, phone.ticketId].includes(later.ticketId)
        ? []
        : [later.ticketId];
      expect(ticketIds(survivorAfter)).toEqual([grace.ticketId, ...openedWhileMerged].sort());
      const back = await supervisor.agent.get(`${API}/tickets/${phone.ticketId}`);
      expect(back.body.contact.id).toBe(phone.contactId);
      // ...and its messages: the export of the merged contact lists them as its own.
      const exported = await admin.agent.get(`${API}/contacts/${phone.contactId}/export`);
      const messages = (
        exported.body.messages as Array<{ ticketId: string; contactId: string }>
      ).filter((m) => m.ticketId === phone.ticketId);
      expect(messages.length).toBeGreaterThan(0);
      for (const m of messages) expect(m.contactId).toBe(phone.contactId);
      // New messages from the phone find their own contact again.
      const afterUnmerge = await customerWrites({ id: 'grace-phone' }, 'Order 1 arrived, thanks');
      expect(afterUnmerge.contactId).toBe(phone.contactId);

      const twice = await post(supervisor, `/contacts/${phone.contactId}/unmerge`);
      expect(twice.status).toBe(409);

      const audit = await admin.agent.get(`${API}/audit`).query({ action: 'contact.merged' });
      expect(audit.body.events).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            actor: expect.stringContaining('supervisor@example.test'),
            subject: `contact:${grace.contactId}`,
          }),
        ]),
      );
      const unmergeAudit = await admin.agent
        .get(`${API}/audit`)
        .query({ action: 'contact.unmerged', subject: `contact:${phone.contactId}` });
      expect(unmergeAudit.body.events).toHaveLength(1);
    });
  });

  describe('when a merge cannot be', () => {
    it('refuses a contact into itself, and a contact merged elsewhere already, with 409', async () => {
      const a = await customerWrites({ id: 'ann', email: 'ann@example.test' }, 'hello from ann');
      const b = await customerWrites({ id: 'bea', email: 'bea@example.test' }, 'hello from bea');
      const c = await customerWrites({ id: 'cy', email: 'cy@example.test' }, 'hello from cy');
      expect(
        (await post(supervisor, `/contacts/${a.contactId}/merge`, { from: a.contactId })).status,
      ).toBe(409);
      expect(
        (await post(supervisor, `/contacts/${a.contactId}/merge`, { from: b.contactId })).status,
      ).toBe(200);
      expect(
        (await post(supervisor, `/contacts/${c.contactId}/merge`, { from: b.contactId })).status,
      ).toBe(409);
      // Into a contact that was merged away: merge into its survivor instead.
      expect(
        (await post(supervisor, `/contacts/${b.contactId}/merge`, { from: c.contactId })).status,
      ).toBe(409);
      expect((await post(supervisor, `/contacts/${a.contactId}/unmerge`)).status).toBe(409);
      expect(
        (await post(supervisor, `/contacts/0123456789abcdef01234567/merge`, { from: a.contactId }))
          .status,
      ).toBe(404);
    });
  });

  describe('when the request names nothing or is malformed', () => {
    it('answers 404 for an unknown contact or suggestion and 400 for a bad `from`', async () => {
      const unknown = '0123456789abcdef01234567';
      expect((await supervisor.agent.get(`${API}/contacts/${unknown}`)).status).toBe(404);
      const a = await customerWrites({ id: 'fay', email: 'fay@example.test' }, 'hello from fay');
      const bad = await post(supervisor, `/contacts/${a.contactId}/merge`, { from: 'not-an-id' });
      expect(bad.status).toBe(400);
      const extra = await post(supervisor, `/contacts/${a.contactId}/merge`, {
        from: unknown,
        also: 'x',
      });
      expect(extra.status).toBe(400);
      const missing = await post(supervisor, `/merge-suggestions/${unknown}.${unknown}/dismiss`);
      expect(missing.status).toBe(404);
    });
  });

  describe('when an agent tries', () => {
    it('lets them open a contact page but refuses merge and unmerge with 403, changing nothing', async () => {
      const agent = await signIn(gateway, 'agent@example.test');
      const d = await customerWrites({ id: 'dan', email: 'dan@example.test' }, 'hi from dan');
      const e = await customerWrites({ id: 'eve', email: 'eve@example.test' }, 'hi from eve');
      expect((await page(agent, d.contactId)).contact.id).toBe(d.contactId);
      const merge = await post(agent, `/contacts/${d.contactId}/merge`, { from: e.contactId });
      expect(merge.status).toBe(403);
      expect((await page(agent, e.contactId)).contact.mergedInto).toBeNull();
      expect(
        (await post(supervisor, `/contacts/${d.contactId}/merge`, { from: e.contactId })).status,
      ).toBe(200);
      expect((await post(agent, `/contacts/${e.contactId}/unmerge`)).status).toBe(403);
      expect((await page(agent, e.contactId)).contact.mergedInto).toBe(d.contactId);
    });
  });
});
