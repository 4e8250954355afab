/**
 * Issue 16 item 1, teams: created with the CLI, members set with the admin API, used by routing
 * (a member has the team's skills and gets its tickets first) and by the desk (the ticket's card
 * goes to the team's Slack channel, and a reply in that card's thread reaches the customer). State
 * is set only as users set it: CLI, admin API, and Slack's own requests.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Responder } from '../../src/domain/ports.ts';
import { deskJobId } from '../../src/desk/jobs.ts';
import { planOffers, type AgentView, type WaitingView } from '../../src/dispatch/routing.ts';
import { skillsWithTeams, teamFor } from '../../src/dispatch/teams.ts';
import { AGENTS, buttonsOf, DeskHarness } from '../desk/harness.ts';
import { slashCommand, threadMessageEvent } from '../desk/slack-requests.ts';
import { waitFor } from '../support/gateway.ts';

const BILLING_ESCALATION: Responder = {
  respond: () =>
    Promise.resolve({
      action: 'escalate',
      reason: 'needs a person',
      text: 'Handing you over.',
      intent: 'failed-payment',
      language: 'en',
    }),
};

const TEAM_CHANNEL = 'C0BILLING';
const OUTSIDER = { id: 'U0AGENT1', name: 'ada' };
const MEMBER = { id: 'U0AGENT2', name: 'bob' };
const ADMIN = 'Bearer test-admin-token-0123456789';

describe('the team planner (pure)', () => {
  const teams = [
    { key: 'payments', skills: ['billing', 'refunds', 'cards'] },
    { key: 'billing', skills: ['billing', 'refunds'] },
  ];
  it('puts a ticket in the smallest team with every skill it needs, and none when it needs none', () => {
    expect(teamFor(['billing'], teams)?.key).toBe('billing');
    expect(teamFor(['cards'], teams)?.key).toBe('payments');
    expect(teamFor(['shipping'], teams)).toBeUndefined();
    expect(teamFor([], teams)).toBeUndefined();
    expect(skillsWithTeams(['returns'], ['billing'], teams).sort()).toEqual([
      'billing',
      'refunds',
      'returns',
    ]);
  });

  it('offers a team member first, and still offers an outsider when no member has room', () => {
    const agent = (id: string, teamKeys: string[], active = 0): AgentView => ({
      id,
      skills: ['billing'],
      teams: teamKeys,
      languages: ['en'],
      capacity: 1,
      active,
      status: 'available',
      role: 'agent',
    });
    const ticket: WaitingView = {
      id: 't1',
      requiredSkills: ['billing'],
      team: 'billing',
      language: 'en',
      urgency: 10,
      tier: 'standard',
      queuedAt: new Date(0),
      declinedBy: [],
    };
    const routing = { intentSkills: {}, unskilledAfterMinutes: 30, urgentUnskilledAfterMinutes: 5 };
    const now = new Date(60_000);
    const both = [agent('a-outsider', []), agent('b-member', ['billing'])];
    expect(planOffers([ticket], both, 'best-fit', now, routing)[0]?.agentId).toBe('b-member');
    const memberFull = [agent('a-outsider', []), agent('b-member', ['billing'], 1)];
    expect(planOffers([ticket], memberFull, 'best-fit', now, routing)[0]?.agentId).toBe(
      'a-outsider',
    );
  });
});

describe('teams in a running gateway', () => {
  let h: DeskHarness;
  beforeAll(async () => {
    h = await DeskHarness.start({
      responder: BILLING_ESCALATION,
      env: { DISPATCH_TICK_SECONDS: '1' },
    });
  });
  afterAll(async () => {
    await h.stop();
  });

  const cli = (...args: string[]) =>
    promisify(execFile)(process.execPath, ['bin/switchboard.js', ...args], {
      env: {
        ...process.env,
        MONGODB_URI: inject('mongoUrl'),
        REDIS_URL: inject('redisUrl'),
        MONGODB_DB: h.gateway.config.MONGODB_DB,
        QUEUE_PREFIX: h.gateway.config.QUEUE_PREFIX,
        LOG_LEVEL: 'silent',
      },
    });

  it('routes a billing ticket to the team member, posts its card in the team channel, and takes a reply there', async () => {
    const made = await cli(
      'team',
      'set',
      'billing',
      '--name',
      'Billing',
      '--skills',
      'billing',
      '--channel',
      TEAM_CHANNEL,
    );
    expect(made.stdout).toContain(`billing (Billing): skills billing, cards in ${TEAM_CHANNEL}`);
    expect((await cli('team', 'list')).stdout).toContain('billing (Billing)');

    // Both agents come on duty from Slack; neither has skills of their own.
    for (const user of [OUTSIDER, MEMBER]) {
      const said = await h.post(slashCommand({ user, text: 'available' }), 'form');
      expect(said.status).toBe(200);
    }
    const agents = await waitFor(async () => {
      const listed = await request(h.http).get('/api/v1/admin/agents').set('authorization', ADMIN);
      const all = listed.body.agents as Array<{ id: string; identity: string; status: string }>;
      return all.filter((a) => a.status === 'available').length === 2 ? all : undefined;
    });
    const member = agents.find((a) => a.identity === `slack:${MEMBER.id}`)!;
    const refused = await request(h.http)
      .patch(`/api/v1/admin/agents/${member.id}`)
      .set('authorization', ADMIN)
      .send({ teams: ['no-such-team'] });
    expect(refused.status).toBe(400);
    const joined = await request(h.http)
      .patch(`/api/v1/admin/agents/${member.id}`)
      .set('authorization', ADMIN)
      .send({ teams: ['billing'] });
    expect(joined.status).toBe(200);
    expect(joined.body.agent.teams).toEqual(['billing']);
    const teams = await request(h.http).get('/api/v1/admin/teams').set('authorization', ADMIN);
    expect(teams.body.teams).toEqual([
      { key: 'billing', name: 'Billing', skills: ['billing'], slackChannel: TEAM_CHANNEL },
    ]);

    await h.customerWrites('conv-billing', 'My card payment failed twice', 'Bill Payer');
    const card = await waitFor(
      () =>
        h.slack
          .callsOf('chat.postMessage')
          .find((c) => !c.args['thread_ts'] && String(c.args['text']).includes('Bill Payer')),
      { what: 'the card' },
    );
    expect(card.args['channel']).toBe(TEAM_CHANNEL);
    const ticketId = buttonsOf(card.args['blocks'])[0]!.value;
    const ticket = await h.gateway.pool.getTicket(ticketId);
    expect(ticket?.requiredSkills).toEqual(['billing']);
    // The offer is a DM to the member, not to the agent outside the team.
    const offer = await waitFor(
      () =>
        h.slack
          .callsOf('chat.postMessage')
          .find(
            (c) =>
              [MEMBER.id, OUTSIDER.id].includes(String(c.args['channel'])) &&
              JSON.stringify(c.args['blocks']).includes(ticketId),
          ),
      { what: 'the offer', timeoutMs: 15_000 },
    );
    expect(offer.args['channel']).toBe(MEMBER.id);

    // The member answers in the card's thread in the team channel: it takes the free ticket and
    // reaches the customer (DESK_THREAD_REPLY's default).
    const stored = await waitFor(() => h.deskCard(ticketId));
    expect(stored.channel).toBe(TEAM_CHANNEL);
    const reply = threadMessageEvent({
      channel: TEAM_CHANNEL,
      threadTs: stored.ts,
      ts: '1700009000.000001',
      user: MEMBER.id,
      text: 'The second charge was only a hold; it drops off in two days.',
    });
    expect((await h.post(reply, 'json')).status).toBe(200);
    expect(await h.finishedJob(deskJobId('reply', TEAM_CHANNEL, '1700009000.000001'))).toBe('sent');
    await waitFor(() => h.callbackTexts().some((t) => t.includes('only a hold')), {
      what: 'the reply at the customer',
    });
    // A thread that is not a card's (any channel the app is in) changes nothing.
    const stray = threadMessageEvent({
      channel: AGENTS,
      threadTs: '1700000000.999999',
      ts: '1700009000.000002',
      user: MEMBER.id,
      text: 'chatting',
    });
    expect((await h.post(stray, 'json')).status).toBe(200);
    expect(await h.finishedJob(deskJobId('reply', AGENTS, '1700009000.000002'))).toBe(
      'not-a-card-thread',
    );

    const removed = await request(h.http)
      .delete('/api/v1/admin/teams/billing')
      .set('authorization', ADMIN);
    expect(removed.body).toEqual({ status: 'removed' });
    const after = await request(h.http).get('/api/v1/admin/agents').set('authorization', ADMIN);
    const memberAfter = (after.body.agents as Array<{ identity: string; teams: string[] }>).find(
      (a) => a.identity === `slack:${MEMBER.id}`,
    );
    expect(memberAfter?.teams ?? []).toEqual([]);
    const audit = await request(h.http)
      .get('/api/v1/admin/audit')
      .query({ limit: 50 })
      .set('authorization', ADMIN);
    const actions = (audit.body.events as Array<{ action: string }>).map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['team.created', 'team.removed']));
  });
});
