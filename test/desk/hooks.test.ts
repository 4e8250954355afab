import { Queue } from 'bullmq';
import express, { type Express } from 'express';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ACTIONS } from '../../src/desk/blocks.ts';
import { createSlackDesk, type SlackDesk } from '../../src/desk/desk.ts';
import { deskJobId } from '../../src/desk/jobs.ts';
import { digest } from '../../src/desk/notices.ts';
import { QUEUE_NAMES, type OutboundJobData } from '../../src/pipeline/queues.ts';
import { redisDocumentLocks } from '../../src/pool/locks.ts';
import type { AgentDoc, TicketDoc } from '../../src/pool/models.ts';
import { TicketPool } from '../../src/pool/pool.ts';
import { testConfig, waitFor } from '../support/gateway.ts';
import { FakeSlack } from './fake-slack.ts';
import { AGENT_GROUP, buttonsOf, GROUP_AGENTS, SECRET, SUPERVISORS } from './harness.ts';
import { buttonClick, postToSlackEndpoint, slashCommand } from './slack-requests.ts';

const AGENTS = 'C0AGENTS';
const ADA = { id: 'U0HOOK01', name: 'ada' };
const BOB = { id: 'U0HOOK02', name: 'bob' };

let slack: FakeSlack;
let redis: Redis;
let pool: TicketPool;
let outbound: Queue<OutboundJobData>;
let desk: SlackDesk;
let http: Express;
let worker: { close(): Promise<void> };
const released: string[] = [];
const statuses: Array<[string, string]> = [];

// The desk built directly (not through the gateway), with the dispatch callbacks a caller passes.
beforeAll(async () => {
  const config = testConfig();
  slack = await new FakeSlack().start();
  slack.usergroups.set(AGENT_GROUP, new Set(GROUP_AGENTS));
  redis = new Redis(inject('redisUrl'), { maxRetriesPerRequest: null });
  const locks = redisDocumentLocks(redis, { prefix: config.QUEUE_PREFIX });
  pool = await TicketPool.connect(inject('mongoUrl'), { dbName: config.MONGODB_DB, locks });
  outbound = new Queue<OutboundJobData>(QUEUE_NAMES.outbound, {
    connection: redis,
    prefix: config.QUEUE_PREFIX,
  });
  desk = createSlackDesk({
    env: {
      SLACK_BOT_TOKEN: 'xoxb-test-token',
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_AGENTS_CHANNEL: AGENTS,
      SLACK_SUPERVISORS_CHANNEL: SUPERVISORS,
      SLACK_API_URL: slack.url,
      SLACK_AGENT_USERGROUPS: AGENT_GROUP,
    },
    config,
    pool,
    locks,
    outbound,
    connection: redis,
    onTicketReleased: (ticketId) => {
      released.push(ticketId);
      return Promise.resolve();
    },
    onAgentStatus: (agentId, status) => {
      statuses.push([agentId, status]);
      return Promise.resolve();
    },
  })!;
  http = express();
  http.use(desk.router!);
  worker = desk.startWorker(redis);
});

afterAll(async () => {
  await worker.close();
  await desk.queue.obliterate({ force: true });
  await outbound.obliterate({ force: true });
  await desk.close();
  await outbound.close();
  await pool.models.Ticket.db.dropDatabase();
  await pool.close();
  redis.disconnect();
  await slack.stop();
});

let seq = 0;
/** A waiting ticket as dispatch leaves it: scored, with SLA due times. */
async function waitingTicket(name: string, fields: Record<string, unknown> = {}) {
  seq += 1;
  const { ticket } = await pool.ingest({
    channel: 'api',
    channelMessageId: `hook-${seq}`,
    threadKey: `hook-conv-${seq}`,
    from: { identity: { kind: 'api', value: `shop/${name}` }, name },
    text: `Question ${seq} from ${name}`,
    attachments: [],
    receivedAt: new Date(),
    channelData: {},
  });
  return pool.transition(ticket._id, 'queued', {
    by: 'bot',
    reason: 'asked for a person',
    set: { escalationReason: 'asked for a person', ...fields },
  });
}

async function finished(jobId: string): Promise<unknown> {
  const done = await waitFor(
    async () => {
      const job = await desk.queue.getJob(jobId);
      return job?.finishedOn ? { value: job.returnvalue as unknown } : undefined;
    },
    { what: `desk job ${jobId}` },
  );
  return done.value;
}

function post(body: string, kind: 'json' | 'form') {
  const type = kind === 'json' ? 'application/json' : 'application/x-www-form-urlencoded';
  return postToSlackEndpoint(http, '/slack/events', body, type, SECRET);
}

async function linkedAgent(user: { id: string; name: string }, text: string): Promise<AgentDoc> {
  expect((await post(slashCommand({ user, text }), 'form')).status).toBe(200);
  const agent = (await pool.models.Agent.findOne({
    identity: `slack:${user.id}`,
  }).lean()) as AgentDoc | null;
  if (!agent) throw new Error('agent not linked');
  return agent;
}

function postsTo(channel: string) {
  return slack.callsOf('chat.postMessage').filter((c) => c.args['channel'] === channel);
}

describe('desk hooks for dispatch', () => {
  describe('when a card shows a scored ticket with an SLA', () => {
    it('names the main urgency reasons and renders the due times with <!date^…>', async () => {
      const due = new Date(Date.now() + 30 * 60_000);
      const overdue = new Date(Date.now() - 5 * 60_000);
      const ticket = await waitingTicket('Sla Customer', {
        urgency: 9,
        urgencyParts: [
          { reason: 'VIP', points: 2 },
          { reason: 'angry customer', points: 4 },
          { reason: 'refund', points: 3 },
          { reason: 'weekend', points: 1 },
        ],
        slaState: 'active',
        firstResponseDueAt: overdue,
        resolutionDueAt: due,
      });
      await desk.onEscalated(ticket);
      const card = await waitFor(
        () => postsTo(AGENTS).find((c) => String(c.args['text']).includes('Sla Customer')),
        { what: 'the card' },
      );
      const json = JSON.stringify(card.args['blocks']);
      expect(json).toContain('9 — angry customer +4, refund +3, VIP +2');
      expect(json).not.toContain('weekend');
      expect(json).toContain(
        `Resolution due <!date^${Math.floor(due.getTime() / 1000)}^{date_short_pretty} {time}|${due.toISOString()}>`,
      );
      expect(json).toContain(`First response due <!date^${Math.floor(overdue.getTime() / 1000)}`);
      expect(json).toContain('overdue');
      expect(json).toContain('*SLA* (active)');
      expect(json).not.toContain('Next response due');
    });
  });

  describe('when dispatch alerts the supervisors', () => {
    it('posts once per ticket and reason', async () => {
      const ticket = await waitingTicket('Alert Customer');
      const before = postsTo(SUPERVISORS).length;
      await desk.alertSupervisors(ticket, 'SLA breached: first response');
      await desk.alertSupervisors(ticket, 'SLA breached: first response');
      const id = String(ticket._id);
      expect(await finished(deskJobId('alert', id, digest('SLA breached: first response')))).toBe(
        'posted',
      );
      await desk.alertSupervisors(ticket, 'critical tier');
      expect(await finished(deskJobId('alert', id, digest('critical tier')))).toBe('posted');
      const posts = postsTo(SUPERVISORS).slice(before);
      expect(posts.map((p) => String(p.args['text']))).toEqual([
        expect.stringContaining('SLA breached: first response'),
        expect.stringContaining('critical tier'),
      ]);
      expect(JSON.stringify(posts[0]?.args['blocks'])).toContain('Alert Customer');
    });
  });

  describe('when dispatch notifies an agent', () => {
    it('DMs the agent once per key, and skips agents not linked to Slack', async () => {
      const ada = await linkedAgent(ADA, 'available');
      await desk.notifyAgent(String(ada._id), 'You have 2 tickets waiting', 'digest-1');
      await desk.notifyAgent(String(ada._id), 'You have 2 tickets waiting', 'digest-1');
      expect(await finished(deskJobId('notify', digest('digest-1')))).toBe('posted');
      expect(postsTo(ADA.id).map((c) => c.args['text'])).toEqual(['You have 2 tickets waiting']);

      const local = await pool.models.Agent.create({ identity: 'local:zed', displayName: 'Zed' });
      await desk.notifyAgent(String(local._id), 'hello', 'digest-2');
      expect(await finished(deskJobId('notify', digest('digest-2')))).toBe('not-a-slack-agent');
    });
  });

  describe('when dispatch offers a ticket to an agent', () => {
    it('DMs a card with Take (the same action), once; Take there assigns it; withdraw marks the DM lapsed', async () => {
      const bob = await linkedAgent(BOB, 'available');
      const ticket = await waitingTicket('Offer Customer');
      const id = String(ticket._id);
      const expiresAt = new Date(Date.now() + 120_000);
      await desk.offerTicket(ticket, String(bob._id), expiresAt);
      await desk.offerTicket(ticket, String(bob._id), expiresAt);
      expect(await finished(deskJobId('offer', id, String(bob._id)))).toBe('posted');
      const offers = postsTo(BOB.id);
      expect(offers).toHaveLength(1);
      expect(buttonsOf(offers[0]?.args['blocks'])).toEqual([
        expect.objectContaining({ action_id: ACTIONS.take, value: id }),
      ]);

      const click = buttonClick({
        actionId: ACTIONS.take,
        ticketId: id,
        channel: BOB.id,
        messageTs: '1700000001.000100',
        user: BOB,
        actionTs: '1700200000.000001',
      });
      expect((await post(click, 'form')).status).toBe(200);
      expect(await finished(deskJobId('take', id, BOB.id, '1700200000.000001'))).toBe('taken');
      const taken = (await pool.getTicket(id)) as TicketDoc;
      expect(String(taken.assigneeId)).toBe(String(bob._id));

      await desk.withdrawOffer(ticket, String(bob._id));
      expect(await finished(deskJobId('withdraw', id, String(bob._id)))).toBe('withdrawn');
      const lapsed = slack
        .callsOf('chat.update')
        .find((c) => String(c.args['text']).includes('lapsed'));
      expect(lapsed?.args['channel']).toBe(BOB.id);
      expect(buttonsOf(lapsed?.args['blocks'])).toEqual([]);
    });
  });

  describe('when an agent changes status, releases or resolves', () => {
    it('calls onAgentStatus and onTicketReleased', async () => {
      const ada = await linkedAgent(ADA, 'away');
      expect(statuses).toContainEqual([String(ada._id), 'away']);
      expect(statuses).toContainEqual([String(ada._id), 'available']);

      const ticket = await waitingTicket('Release Hook Customer');
      const id = String(ticket._id);
      for (const [actionId, kind, ts] of [
        [ACTIONS.take, 'take', '1700300000.000001'],
        [ACTIONS.release, 'release', '1700300000.000002'],
        [ACTIONS.take, 'take', '1700300000.000003'],
        [ACTIONS.resolve, 'resolve', '1700300000.000004'],
      ] as const) {
        const body = buttonClick({
          actionId,
          ticketId: id,
          channel: AGENTS,
          messageTs: '1700000001.000100',
          user: ADA,
          actionTs: ts,
        });
        expect((await post(body, 'form')).status).toBe(200);
        expect(await finished(deskJobId(kind, id, ADA.id, ts))).toMatch(/taken|released|resolved/);
      }
      expect(released.filter((r) => r === id)).toHaveLength(2);
    });
  });
});
