/**
 * Issue 16 item 1: an agent nobody set languages for counts as speaking the workspace's languages
 * (AGENT_DEFAULT_LANGUAGES, default KB_LOCALES), so a Chinese escalation is offered to the free
 * agent at once instead of being held for half an hour. State is set only as users set it: the
 * agent is enrolled by an allowed Slack user group and says `/switchboard available`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Responder } from '../../src/domain/ports.ts';
import { AGENTS, DeskHarness } from '../desk/harness.ts';
import { slashCommand } from '../desk/slack-requests.ts';
import { waitFor } from '../support/gateway.ts';

const ZH_ESCALATE: Responder = {
  respond: () =>
    Promise.resolve({
      action: 'escalate',
      reason: 'out of scope',
      text: '正在为您转接人工客服。',
      language: 'zh',
    }),
};

const AGENT = { id: 'U0AGENT3', name: 'mei' };

let h: DeskHarness;

beforeAll(async () => {
  h = await DeskHarness.start({ responder: ZH_ESCALATE, env: { DISPATCH_TICK_SECONDS: '1' } });
});

afterAll(async () => {
  await h.stop();
});

describe('an agent with no languages set', () => {
  it('is offered a Chinese ticket at once', async () => {
    const said = await h.post(slashCommand({ user: AGENT, text: 'available' }), 'form');
    expect(said.status).toBe(200);
    const agent = await waitFor(() =>
      h.gateway.pool.models.Agent.findOne({ identity: `slack:${AGENT.id}` }).lean(),
    );
    expect(agent.languages ?? []).toEqual([]);
    expect(agent.status).toBe('available');

    await h.customerWrites('conv-zh', '我的包裹在哪里？', 'Wang Customer');
    const card = await h.cardFor('Wang Customer');
    expect((await h.gateway.pool.getTicket(card.ticketId))?.language).toBe('zh');
    // The offer: a DM to the agent (not the agents channel), well inside the 30-minute fallback.
    const offer = await waitFor(
      () =>
        h.slack
          .callsOf('chat.postMessage')
          .find((c) => c.args['channel'] === AGENT.id && c.args['channel'] !== AGENTS),
      { what: 'the offer to the agent', timeoutMs: 15_000 },
    );
    expect(JSON.stringify(offer.args['blocks'])).toContain(card.ticketId);
  });
});
