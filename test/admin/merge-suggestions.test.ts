import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../src/app.ts';
import { EscalateAllResponder } from '../../src/pipeline/escalate-all-responder.ts';
import { startTestGateway, testConfig } from '../support/gateway.ts';
import {
  API,
  makeAccount,
  postApiMessage,
  signIn,
  stopGateway,
  unverifiedEmailArrives,
  type Session,
} from './support.ts';
import { createIntegration } from '../../src/integrations/store.ts';

type Suggestion = { id: string; status: string; contacts: Array<{ id: string }> };

let gateway: Gateway;
let supervisor: Session;
let agent: Session;
/** Two pairs of contacts, each one person seen verified (API) and unverified (email). */
const pairs: Array<{ verified: string; unverified: string; ticket: string }> = [];

/**
 * `email` reaches the shop twice: vouched for by the shop's integration, then as an email whose
 * sender nothing verified (no DKIM or DMARC pass). The second is a contact of its own, and the
 * two become a merge suggestion instead of a silent link.
 */
async function seenTwice(
  integration: { apiKey: string; id: string },
  email: string,
  n: number,
): Promise<void> {
  const viaApi = await postApiMessage(gateway, integration, {
    messageId: `sg-${n}`,
    conversationId: `conv-sg-${n}`,
    from: { id: `cust-sg-${n}`, name: `Customer ${n}`, email },
    text: `Question ${n} through the shop`,
  });
  const viaEmail = await unverifiedEmailArrives(gateway, { id: `sg-${n}`, email });
  expect(String(viaEmail.contactId)).not.toBe(String(viaApi.contactId));
  pairs.push({
    verified: String(viaApi.contactId),
    unverified: String(viaEmail.contactId),
    ticket: String(viaEmail.ticket._id),
  });
}

function post(session: Session, path: string, body: object = {}) {
  return session.agent.post(`${API}${path}`).set('x-csrf-token', session.csrf).send(body);
}

async function list(session: Session, query: Record<string, string | number>) {
  const res = await session.agent.get(`${API}/merge-suggestions`).query(query);
  expect(res.status).toBe(200);
  return res.body as { total: number; suggestions: Suggestion[] };
}

const pairOf = (s: Suggestion) => s.contacts.map((c) => c.id).sort();

beforeAll(async () => {
  gateway = await startTestGateway({
    config: testConfig({ KB_SEED_ON_START: 'false' }),
    responder: new EscalateAllResponder(),
  });
  // The shop's customers sign in: the addresses it passes are verified (--verifies-identities).
  const created = await createIntegration(gateway.pool.models, {
    name: 'suggestions-shop',
    verifiesIdentities: true,
  });
  const integration = { apiKey: created.apiKey, id: String(created.integration._id) };
  for (const role of ['supervisor', 'agent'] as const) await makeAccount(gateway, role);
  supervisor = await signIn(gateway, 'supervisor@example.test');
  agent = await signIn(gateway, 'agent@example.test');
  await seenTwice(integration, 'hedy.lamarr@example.test', 1);
  await seenTwice(integration, 'ada.byron@example.test', 2);
});

afterAll(async () => {
  await stopGateway(gateway);
});

describe('merge suggestions (admin API)', () => {
  it('lists the open suggestions a page at a time, and each contact page shows its own', async () => {
    const all = await list(agent, {});
    expect(all.total).toBe(2);
    expect(all.suggestions.map(pairOf)).toEqual(
      expect.arrayContaining(pairs.map((p) => [p.verified, p.unverified].sort())),
    );
    const first = await list(agent, { limit: 1 });
    const second = await list(agent, { limit: 1, offset: 1 });
    expect([first.total, first.suggestions.length, second.suggestions.length]).toEqual([2, 1, 1]);
    expect(second.suggestions[0]?.id).not.toBe(first.suggestions[0]?.id);
    const [pair] = pairs;
    const page = await agent.agent.get(`${API}/contacts/${pair?.verified ?? ''}`);
    expect((page.body.suggestions as Suggestion[]).map(pairOf)).toEqual([
      [pair?.verified, pair?.unverified].sort(),
    ]);
  });

  it('refuses an agent accepting or dismissing with 403, and the suggestion stays open', async () => {
    const [open] = (await list(agent, {})).suggestions;
    expect((await post(agent, `/merge-suggestions/${open?.id ?? ''}/accept`)).status).toBe(403);
    expect((await post(agent, `/merge-suggestions/${open?.id ?? ''}/dismiss`)).status).toBe(403);
    expect((await list(agent, {})).total).toBe(2);
  });

  it('merges the pair when a supervisor accepts, keeping the contact chosen; again changes nothing', async () => {
    const pair = pairs[0];
    if (!pair) throw new Error('no pair');
    const suggestion = (await list(supervisor, {})).suggestions.find(
      (s) => pairOf(s).join() === [pair.verified, pair.unverified].sort().join(),
    );
    const path = `/merge-suggestions/${suggestion?.id ?? ''}`;
    const accepted = await post(supervisor, `${path}/accept`, { into: pair.verified });
    expect(accepted.status).toBe(200);
    expect(accepted.body.merge).toMatchObject({
      survivorId: pair.verified,
      mergedId: pair.unverified,
      ticketIds: [pair.ticket],
    });
    const page = await supervisor.agent.get(`${API}/contacts/${pair.verified}`);
    expect((page.body.tickets as Array<{ id: string }>).map((t) => t.id)).toContain(pair.ticket);
    expect(page.body.suggestions).toEqual([]);
    expect((await list(supervisor, { status: 'merged' })).suggestions.map((s) => s.id)).toEqual([
      suggestion?.id,
    ]);
    const again = await post(supervisor, `${path}/accept`, { into: pair.verified });
    expect(again.status).toBe(200);
    expect(again.body.merge).toBeNull();
    expect((await post(supervisor, `${path}/dismiss`)).status).toBe(409);
  });

  it('keeps the pair apart when a supervisor dismisses; accepting it afterwards is refused', async () => {
    const pair = pairs[1];
    if (!pair) throw new Error('no pair');
    const [suggestion] = (await list(supervisor, {})).suggestions;
    expect(suggestion && pairOf(suggestion)).toEqual([pair.verified, pair.unverified].sort());
    const path = `/merge-suggestions/${suggestion?.id ?? ''}`;
    const dismissed = await post(supervisor, `${path}/dismiss`);
    expect(dismissed.status).toBe(200);
    expect(dismissed.body.suggestion.status).toBe('dismissed');
    expect((await post(supervisor, `${path}/dismiss`)).status).toBe(200);
    expect((await post(supervisor, `${path}/accept`)).status).toBe(409);
    expect((await list(supervisor, {})).total).toBe(0);
    const page = await supervisor.agent.get(`${API}/contacts/${pair.unverified}`);
    expect(page.body.contact.mergedInto).toBeNull();
  });
});
