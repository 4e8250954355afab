/**
 * Issue 16 item 1: an agent nobody set languages for counts as speaking the workspace's languages
 * (AGENT_DEFAULT_LANGUAGES, default KB_LOCALES), so a Chinese escalation is offered to the free
 * agent at once instead of being held for half an hour. State is set only as users set it: the
 * agent is enrolled by an allowed Slack user group and says `/switchboard available`.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
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

describe('agent settings', () => {
  it('are set with the CLI and the admin API, audited, and listed', async () => {
    const run = promisify(execFile);
    const out = await run(
      process.execPath,
      [
        'bin/switchboard.js',
        'agent',
        'set',
        AGENT.id,
        '--languages',
        'zh,en',
        '--skills',
        'billing',
        '--capacity',
        '3',
      ],
      {
        env: {
          ...process.env,
          MONGODB_URI: inject('mongoUrl'),
          REDIS_URL: inject('redisUrl'),
          MONGODB_DB: h.gateway.config.MONGODB_DB,
          QUEUE_PREFIX: h.gateway.config.QUEUE_PREFIX,
          LOG_LEVEL: 'silent',
        },
      },
    );
    expect(out.stdout).toContain('capacity 3, languages zh,en, skills billing');
    const admin = 'Bearer test-admin-token-0123456789';
    const listed = await request(h.http).get('/api/v1/admin/agents').set('authorization', admin);
    const mei = (listed.body.agents as Array<{ id: string; identity: string }>).find(
      (a) => a.identity === `slack:${AGENT.id}`,
    );
    expect(mei).toMatchObject({ languages: ['zh', 'en'], skills: ['billing'], capacity: 3 });

    const patched = await request(h.http)
      .patch(`/api/v1/admin/agents/${mei!.id}`)
      .set('authorization', admin)
      .send({ role: 'supervisor', status: 'away' });
    expect(patched.status).toBe(200);
    expect(patched.body.agent).toMatchObject({ role: 'supervisor', status: 'away', capacity: 3 });
    const refused = await request(h.http)
      .patch(`/api/v1/admin/agents/${mei!.id}`)
      .set('authorization', admin)
      .send({ languages: ['english'] });
    expect(refused.status).toBe(400);
    const audit = await h.gateway.pool.models.AuditEvent.find({ action: 'agent.updated' }).lean();
    expect(audit).toHaveLength(2);
  });
});
