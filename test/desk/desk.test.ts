import type { Express } from 'express';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../src/app.ts';
import { ACTIONS } from '../../src/desk/blocks.ts';
import type { SlackDesk } from '../../src/desk/desk.ts';
import { deskJobId } from '../../src/desk/jobs.ts';
import { EscalateAllResponder } from '../../src/pipeline/escalate-all-responder.ts';
import type { AgentDoc } from '../../src/pool/models.ts';
import { CallbackReceiver } from '../support/callback-receiver.ts';
import { startTestGateway, testConfig, waitFor } from '../support/gateway.ts';
import { FakeSlack, type SlackCall } from './fake-slack.ts';
import {
  botMessageEvent,
  buttonClick,
  postToSlackEndpoint,
  slashCommand,
  threadMessageEvent,
  type PostOptions,
} from './slack-requests.ts';

const SECRET = 'test-signing-secret-0123456789abcdef';
const AGENTS = 'C0AGENTS';
const PATH = '/slack/events';
const ADA = { id: 'U0AGENT1', name: 'ada' };
const BOB = { id: 'U0AGENT2', name: 'bob' };
/** Seen first in a thread reply (no name in the event): named from users.info. */
const DAVE = 'U0AGENT4';

let gateway: Gateway;
let slack: FakeSlack;
let receiver: CallbackReceiver;
let desk: SlackDesk;
let slackApp: Express;
let apiKey: string;

beforeAll(async () => {
  slack = await new FakeSlack().start();
  receiver = await new CallbackReceiver().start();
  // The desk as the composition root wires it when SLACK_BOT_TOKEN is set: its router on the
  // gateway's HTTP app, its hooks in the ingest worker, its own worker beside the others.
  gateway = await startTestGateway({
    config: testConfig(),
    role: 'all',
    responder: new EscalateAllResponder(),
    env: {
      SLACK_BOT_TOKEN: 'xoxb-test-token',
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_AGENTS_CHANNEL: AGENTS,
      SLACK_API_URL: slack.url,
    },
  });
  if (!gateway.desk) throw new Error('the gateway did not wire the desk');
  desk = gateway.desk;
  slackApp = gateway.http!;
  const integration = await gateway.pool.createIntegration({
    name: 'shop',
    callbackUrl: receiver.url,
  });
  apiKey = integration.apiKey;
});

afterAll(async () => {
  await desk.queue.obliterate({ force: true });
  await gateway.pool.models.Ticket.db.dropDatabase();
  await gateway.queues.inbound.obliterate({ force: true });
  await gateway.queues.outbound.obliterate({ force: true });
  await gateway.stop();
  await receiver.stop();
  await slack.stop();
});

let seq = 0;
/** A customer writes through the API channel; the bot escalates every conversation. */
async function customerWrites(conversationId: string, text: string, name = 'Grace Hopper') {
  seq += 1;
  const res = await request(gateway.http!)
    .post('/api/v1/messages')
    .set('authorization', `Bearer ${apiKey}`)
    .send({
      messageId: `m-${seq}-${conversationId}`,
      conversationId,
      from: { id: `cust-${conversationId}`, name, email: `${conversationId}@example.com` },
      text,
    });
  expect(res.status).toBe(202);
}

interface Card {
  ticketId: string;
  ts: string;
  call: SlackCall;
}

function buttonsOf(blocks: unknown): Array<{ action_id: string; value: string }> {
  const list = blocks as Array<{
    type: string;
    elements?: Array<{ action_id: string; value: string }>;
  }>;
  return list.find((b) => b.type === 'actions')?.elements ?? [];
}

/** The card posted (top level, not in a thread) for a customer's conversation. */
async function cardFor(customerName: string): Promise<Card> {
  return waitFor(
    () => {
      const call = slack
        .callsOf('chat.postMessage')
        .find((c) => !c.args['thread_ts'] && String(c.args['text']).includes(customerName));
      if (!call) return undefined;
      const ticketId = buttonsOf(call.args['blocks'])[0]?.value;
      return ticketId ? { ticketId, call } : undefined;
    },
    { what: `the card of ${customerName}` },
  ).then(async (card) => {
    const stored = await waitFor(() => deskCard(card.ticketId), { what: 'the stored card' });
    return { ...card, ts: stored.ts };
  });
}

async function deskCard(ticketId: string) {
  const db = gateway.pool.models.Ticket.db;
  return db.collection<{ _id: string; channel: string; ts: string }>('desk_cards').findOne({
    _id: ticketId,
  });
}

function post(body: string, kind: 'json' | 'form', options: PostOptions = {}) {
  return postToSlackEndpoint(
    slackApp,
    PATH,
    body,
    kind === 'json' ? 'application/json' : 'application/x-www-form-urlencoded',
    SECRET,
    options,
  );
}

function click(card: Card, actionId: string, user: { id: string; name: string }, actionTs: string) {
  return post(
    buttonClick({
      actionId,
      ticketId: card.ticketId,
      channel: AGENTS,
      messageTs: card.ts,
      user,
      actionTs,
    }),
    'form',
  );
}

async function finishedJob(jobId: string): Promise<unknown> {
  const done = await waitFor(
    async () => {
      // The snapshot is read once: finishedOn and returnvalue come from the same read.
      const job = await desk.queue.getJob(jobId);
      return job?.finishedOn ? { value: job.returnvalue as unknown } : undefined;
    },
    { what: `desk job ${jobId}` },
  );
  return done.value;
}

function callbackTexts(): string[] {
  return receiver.received.map((r) => (JSON.parse(r.body) as { text: string }).text);
}

describe('Slack desk', () => {
  describe('when a ticket is escalated', () => {
    it('posts one card to the agents channel, and later customer messages into its thread', async () => {
      await customerWrites('conv-card', 'My parcel never arrived', 'Card Customer');
      const card = await cardFor('Card Customer');
      expect(card.call.args['channel']).toBe(AGENTS);
      expect(card.call.token).toBe('xoxb-test-token');
      const blocksJson = JSON.stringify(card.call.args['blocks']);
      expect(blocksJson).toContain('Card Customer');
      expect(blocksJson).toContain('My parcel never arrived');
      expect(blocksJson).toContain('no intent layer configured');
      expect(buttonsOf(card.call.args['blocks']).map((b) => b.action_id)).toEqual([
        ACTIONS.take,
        ACTIONS.resolve,
      ]);

      await customerWrites('conv-card', 'Any news?', 'Card Customer');
      const relayed = await waitFor(
        () =>
          slack
            .callsOf('chat.postMessage')
            .find(
              (c) =>
                c.args['thread_ts'] === card.ts && String(c.args['text']).includes('Any news?'),
            ),
        { what: 'the relayed customer message' },
      );
      expect(relayed.args['channel']).toBe(AGENTS);
      const cards = slack
        .callsOf('chat.postMessage')
        .filter((c) => !c.args['thread_ts'] && String(c.args['text']).includes('Card Customer'));
      expect(cards).toHaveLength(1);
    });
  });

  describe('when two agents click Take at once', () => {
    it('gives the ticket to exactly one and tells the other who has it', async () => {
      await customerWrites('conv-race', 'I was charged twice', 'Race Customer');
      const card = await cardFor('Race Customer');
      const [a, b] = await Promise.all([
        click(card, ACTIONS.take, ADA, '1700002000.000001'),
        click(card, ACTIONS.take, BOB, '1700002000.000002'),
      ]);
      expect(a.status).toBe(200);
      expect(b.status).toBe(200);
      const outcomes = await Promise.all([
        finishedJob(deskJobId('take', card.ticketId, ADA.id, '1700002000.000001')),
        finishedJob(deskJobId('take', card.ticketId, BOB.id, '1700002000.000002')),
      ]);
      expect([...outcomes].sort()).toEqual(['lost', 'taken']);
      const winner = outcomes[0] === 'taken' ? ADA : BOB;
      const loser = winner === ADA ? BOB : ADA;

      const ticket = await gateway.pool.getTicket(card.ticketId);
      expect(ticket?.status).toBe('assigned');
      const agent = (await gateway.pool.models.Agent.findById(
        ticket?.assigneeId,
      ).lean()) as AgentDoc | null;
      expect(agent?.identity).toBe(`slack:${winner.id}`);

      const told = slack.callsOf('chat.postEphemeral');
      expect(told).toHaveLength(1);
      expect(told[0]?.args['user']).toBe(loser.id);
      expect(told[0]?.args['text']).toContain(`already taken by ${winner.name}`);

      const updates = slack.callsOf('chat.update').filter((c) => c.args['ts'] === card.ts);
      expect(updates).toHaveLength(1);
      expect(JSON.stringify(updates[0]?.args['blocks'])).toContain(`Taken by ${winner.name}`);
      expect(buttonsOf(updates[0]?.args['blocks']).map((x) => x.action_id)).toEqual([
        ACTIONS.resolve,
      ]);

      const mine = await post(slashCommand({ user: winner, text: 'mine' }), 'form');
      expect(mine.status).toBe(200);
      expect(mine.body.response_type).toBe('ephemeral');
      expect(mine.body.text).toContain(`#${ticket?.number}`);
    });
  });

  describe('when an agent answers in the card thread', () => {
    it('relays replies to the API customer, keeps // notes internal, and ignores retries and bots', async () => {
      await customerWrites('conv-reply', 'Where is my refund?', 'Reply Customer');
      const card = await cardFor('Reply Customer');

      const note = threadMessageEvent({
        channel: AGENTS,
        threadTs: card.ts,
        ts: '1700003000.000001',
        user: ADA.id,
        text: '// checked the payment provider, refund pending',
      });
      expect((await post(note, 'json')).status).toBe(200);
      expect(await finishedJob(deskJobId('reply', AGENTS, '1700003000.000001'))).toBe('note');

      const botPost = botMessageEvent({
        channel: AGENTS,
        threadTs: card.ts,
        ts: '1700003000.000002',
      });
      expect((await post(botPost, 'json')).status).toBe(200);

      const reply = threadMessageEvent({
        channel: AGENTS,
        threadTs: card.ts,
        ts: '1700003000.000003',
        user: DAVE,
        text: 'Your refund was issued today.',
      });
      expect((await post(reply, 'json')).status).toBe(200);
      expect(await finishedJob(deskJobId('reply', AGENTS, '1700003000.000003'))).toBe('sent');
      await waitFor(() => callbackTexts().includes('Your refund was issued today.'), {
        what: 'the reply at the customer',
      });

      // Slack retries the same event (it did not see our answer in time): no second effect.
      const jobsBefore = await desk.queue.getJobCounts();
      const retried = await post(reply, 'json', { retryNum: 1 });
      expect(retried.status).toBe(200);
      expect(await desk.queue.getJobCounts()).toEqual(jobsBefore);

      expect(
        await desk.queue.getJob(deskJobId('reply', AGENTS, '1700003000.000002')),
      ).toBeUndefined();
      const sent = await gateway.pool.listMessages(card.ticketId);
      const agentTexts = sent.filter((m) => m.authorKind === 'agent').map((m) => m.text);
      expect(agentTexts).toEqual(['Your refund was issued today.']);
      expect(sent.find((m) => m.authorKind === 'agent')?.authorName).toBe(`Agent ${DAVE}`);
      expect(slack.callsOf('users.info').map((c) => c.args['user'])).toContain(DAVE);
      expect(callbackTexts().filter((t) => t === 'Your refund was issued today.')).toHaveLength(1);
      expect(callbackTexts().some((t) => t.includes('payment provider'))).toBe(false);
    });
  });

  describe('when Resolve is clicked and Slack rate-limits the update', () => {
    it('retries after Retry-After, marks the card resolved in place, and reopens it in place', async () => {
      await customerWrites('conv-resolve', 'Please close my account', 'Resolve Customer');
      const card = await cardFor('Resolve Customer');
      slack.rateLimitOnce('chat.update', 1);
      expect((await click(card, ACTIONS.resolve, BOB, '1700004000.000001')).status).toBe(200);
      expect(
        await finishedJob(deskJobId('resolve', card.ticketId, BOB.id, '1700004000.000001')),
      ).toBe('resolved');
      expect(slack.limited).toContain('chat.update');
      const updates = slack.callsOf('chat.update').filter((c) => c.args['ts'] === card.ts);
      expect(updates).toHaveLength(1);
      expect(JSON.stringify(updates[0]?.args['blocks'])).toContain('Resolved');
      expect(buttonsOf(updates[0]?.args['blocks'])).toEqual([]);
      expect((await gateway.pool.getTicket(card.ticketId))?.status).toBe('resolved');

      // The customer writes again: the ticket reopens, is escalated again, and the same card
      // shows it waiting (chat.update), with no second card.
      await customerWrites('conv-resolve', 'Still not closed', 'Resolve Customer');
      const reopened = await waitFor(
        () =>
          slack
            .callsOf('chat.update')
            .find(
              (c) =>
                c.args['ts'] === card.ts &&
                buttonsOf(c.args['blocks']).some((b) => b.action_id === ACTIONS.take),
            ),
        { what: 'the card showing the reopened ticket' },
      );
      expect(JSON.stringify(reopened.args['blocks'])).toContain('Still not closed');
      const cards = slack
        .callsOf('chat.postMessage')
        .filter((c) => !c.args['thread_ts'] && String(c.args['text']).includes('Resolve Customer'));
      expect(cards).toHaveLength(1);
    });
  });

  describe('when a request is not from Slack', () => {
    it('refuses unsigned, wrongly signed and stale requests, doing nothing', async () => {
      const jobsBefore = await desk.queue.getJobCounts();
      const callsBefore = slack.calls.length;
      const body = threadMessageEvent({
        channel: AGENTS,
        threadTs: '1700000001.000100',
        ts: '1700005000.000001',
        user: ADA.id,
        text: 'forged',
      });
      expect((await post(body, 'json', { secret: null })).status).toBe(401);
      expect((await post(body, 'json', { secret: 'not-the-signing-secret-0000' })).status).toBe(
        401,
      );
      const tenMinutesAgo = Math.floor(Date.now() / 1000) - 600;
      expect((await post(body, 'json', { timestamp: tenMinutesAgo })).status).toBe(401);
      const command = slashCommand({ user: ADA, text: 'away' });
      expect((await post(command, 'form', { secret: null })).status).toBe(401);
      expect(await desk.queue.getJobCounts()).toEqual(jobsBefore);
      expect(slack.calls.length).toBe(callsBefore);
      expect(await gateway.pool.models.Agent.countDocuments({ status: 'away' })).toBe(0);
    });
  });

  describe('when an agent uses /switchboard', () => {
    it('sets availability, lists the queue and edits skills', async () => {
      const carol = { id: 'U0AGENT3', name: 'carol' };
      const away = await post(slashCommand({ user: carol, text: 'away' }), 'form');
      expect(away.status).toBe(200);
      expect(away.body.text).toContain('away');
      const agent = (await gateway.pool.models.Agent.findOne({
        identity: `slack:${carol.id}`,
      }).lean()) as AgentDoc | null;
      expect(agent).toMatchObject({ status: 'away', displayName: 'carol' });

      const queue = await post(slashCommand({ user: carol, text: 'queue' }), 'form');
      expect(queue.body.text).toMatch(/Waiting tickets|No tickets are waiting/);

      const added = await post(slashCommand({ user: carol, text: 'skills add billing' }), 'form');
      expect(added.body.text).toBe('Your skills: billing.');
      const removed = await post(
        slashCommand({ user: carol, text: 'skills remove billing' }),
        'form',
      );
      expect(removed.body.text).toBe('Your skills: none.');
      const help = await post(slashCommand({ user: carol, text: 'dance' }), 'form');
      expect(help.body.text).toContain('Usage');
    });
  });
});
