import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACTIONS } from '../../src/desk/blocks.ts';
import { deskJobId } from '../../src/desk/jobs.ts';
import type { AgentDoc } from '../../src/pool/models.ts';
import { waitFor } from '../support/gateway.ts';
import { AGENTS, buttonsOf, DeskHarness } from './harness.ts';
import { botMessageEvent, slashCommand, threadMessageEvent } from './slack-requests.ts';

const ADA = { id: 'U0AGENT1', name: 'ada' };
const BOB = { id: 'U0AGENT2', name: 'bob' };
/** Seen first in a thread reply (no name in the event): named from users.info. */
const DAVE = 'U0AGENT4';

let h: DeskHarness;

beforeAll(async () => {
  h = await DeskHarness.start();
});

afterAll(async () => {
  await h.stop();
});

describe('Slack desk', () => {
  describe('when a ticket is escalated', () => {
    it('posts one card to the agents channel, and later customer messages into its thread', async () => {
      await h.customerWrites('conv-card', 'My parcel never arrived', 'Card Customer');
      const card = await h.cardFor('Card Customer');
      expect(card.call.args['channel']).toBe(AGENTS);
      expect(card.call.token).toBe('xoxb-test-token');
      const blocksJson = JSON.stringify(card.call.args['blocks']);
      expect(blocksJson).toContain('Card Customer');
      expect(blocksJson).toContain('My parcel never arrived');
      expect(blocksJson).toContain('no intent layer configured');
      expect(buttonsOf(card.call.args['blocks']).map((b) => b.action_id)).toEqual([
        ACTIONS.take,
        ACTIONS.resolve,
        ACTIONS.escalate,
      ]);

      await h.customerWrites('conv-card', 'Any news?', 'Card Customer');
      const relayed = await waitFor(
        () =>
          h.slack
            .callsOf('chat.postMessage')
            .find(
              (c) =>
                c.args['thread_ts'] === card.ts && String(c.args['text']).includes('Any news?'),
            ),
        { what: 'the relayed customer message' },
      );
      expect(relayed.args['channel']).toBe(AGENTS);
      const cards = h.slack
        .callsOf('chat.postMessage')
        .filter((c) => !c.args['thread_ts'] && String(c.args['text']).includes('Card Customer'));
      expect(cards).toHaveLength(1);
    });
  });

  describe('when two agents click Take at once', () => {
    it('gives the ticket to exactly one and tells the other who has it', async () => {
      await h.customerWrites('conv-race', 'I was charged twice', 'Race Customer');
      const card = await h.cardFor('Race Customer');
      const [a, b] = await Promise.all([
        h.click(card, ACTIONS.take, ADA, '1700002000.000001'),
        h.click(card, ACTIONS.take, BOB, '1700002000.000002'),
      ]);
      expect(a.status).toBe(200);
      expect(b.status).toBe(200);
      const outcomes = await Promise.all([
        h.finishedJob(deskJobId('take', card.ticketId, ADA.id, '1700002000.000001')),
        h.finishedJob(deskJobId('take', card.ticketId, BOB.id, '1700002000.000002')),
      ]);
      expect([...outcomes].sort()).toEqual(['lost', 'taken']);
      const winner = outcomes[0] === 'taken' ? ADA : BOB;
      const loser = winner === ADA ? BOB : ADA;

      const ticket = await h.gateway.pool.getTicket(card.ticketId);
      expect(ticket?.status).toBe('assigned');
      const agent = (await h.gateway.pool.models.Agent.findById(
        ticket?.assigneeId,
      ).lean()) as AgentDoc | null;
      expect(agent?.identity).toBe(`slack:${winner.id}`);
      // The winner holds a slot for it; the loser keeps none.
      const slots = async (user: { id: string }) =>
        (
          (
            (await h.gateway.pool.models.Agent.findOne({
              identity: `slack:${user.id}`,
            }).lean()) as AgentDoc | null
          )?.activeTicketIds ?? []
        ).map(String);
      expect(await slots(winner)).toEqual([card.ticketId]);
      expect(await slots(loser)).toEqual([]);

      const told = h.slack.callsOf('chat.postEphemeral');
      expect(told).toHaveLength(1);
      expect(told[0]?.args['user']).toBe(loser.id);
      expect(told[0]?.args['text']).toContain(`already taken by ${winner.name}`);

      const updates = h.slack.callsOf('chat.update').filter((c) => c.args['ts'] === card.ts);
      expect(updates).toHaveLength(1);
      expect(JSON.stringify(updates[0]?.args['blocks'])).toContain(`Taken by ${winner.name}`);
      expect(buttonsOf(updates[0]?.args['blocks']).map((x) => x.action_id)).toEqual([
        ACTIONS.release,
        ACTIONS.resolve,
        ACTIONS.escalate,
      ]);

      const mine = await h.post(slashCommand({ user: winner, text: 'mine' }), 'form');
      expect(mine.status).toBe(200);
      expect(mine.body.response_type).toBe('ephemeral');
      expect(mine.body.text).toContain(`#${ticket?.number}`);
    });
  });

  describe('when an agent answers in the card thread', () => {
    it('relays replies to the API customer, keeps // notes internal, and ignores retries and bots', async () => {
      await h.customerWrites('conv-reply', 'Where is my refund?', 'Reply Customer');
      const card = await h.cardFor('Reply Customer');

      const note = threadMessageEvent({
        channel: AGENTS,
        threadTs: card.ts,
        ts: '1700003000.000001',
        user: ADA.id,
        text: '// checked the payment provider, refund pending',
      });
      expect((await h.post(note, 'json')).status).toBe(200);
      expect(await h.finishedJob(deskJobId('reply', AGENTS, '1700003000.000001'))).toBe('note');

      const botPost = botMessageEvent({
        channel: AGENTS,
        threadTs: card.ts,
        ts: '1700003000.000002',
      });
      expect((await h.post(botPost, 'json')).status).toBe(200);

      const reply = threadMessageEvent({
        channel: AGENTS,
        threadTs: card.ts,
        ts: '1700003000.000003',
        user: DAVE,
        text: 'Your refund was issued today.',
      });
      expect((await h.post(reply, 'json')).status).toBe(200);
      expect(await h.finishedJob(deskJobId('reply', AGENTS, '1700003000.000003'))).toBe('sent');
      await waitFor(() => h.callbackTexts().includes('Your refund was issued today.'), {
        what: 'the reply at the customer',
      });

      // Slack retries the same event (it did not see our answer in time): no second effect.
      const jobsBefore = await h.quietJobCounts();
      const retried = await h.post(reply, 'json', { retryNum: 1 });
      expect(retried.status).toBe(200);
      expect(await h.desk.queue.getJobCounts()).toEqual(jobsBefore);

      expect(
        await h.desk.queue.getJob(deskJobId('reply', AGENTS, '1700003000.000002')),
      ).toBeUndefined();
      const sent = await h.gateway.pool.listMessages(card.ticketId);
      const agentTexts = sent.filter((m) => m.authorKind === 'agent').map((m) => m.text);
      expect(agentTexts).toEqual(['Your refund was issued today.']);
      expect(sent.find((m) => m.authorKind === 'agent')?.authorName).toBe(`Agent ${DAVE}`);
      expect(h.slack.callsOf('users.info').map((c) => c.args['user'])).toContain(DAVE);
      expect(h.callbackTexts().filter((t) => t === 'Your refund was issued today.')).toHaveLength(
        1,
      );
      expect(h.callbackTexts().some((t) => t.includes('payment provider'))).toBe(false);
    });
  });

  describe('when Resolve is clicked and Slack rate-limits the update', () => {
    it('retries after Retry-After, marks the card resolved in place, and reopens it in place', async () => {
      await h.customerWrites('conv-resolve', 'Please close my account', 'Resolve Customer');
      const card = await h.cardFor('Resolve Customer');
      h.slack.rateLimitOnce('chat.update', 1);
      expect((await h.click(card, ACTIONS.resolve, BOB, '1700004000.000001')).status).toBe(200);
      expect(
        await h.finishedJob(deskJobId('resolve', card.ticketId, BOB.id, '1700004000.000001')),
      ).toBe('resolved');
      expect(h.slack.limited).toContain('chat.update');
      const updates = h.slack.callsOf('chat.update').filter((c) => c.args['ts'] === card.ts);
      expect(updates).toHaveLength(1);
      expect(JSON.stringify(updates[0]?.args['blocks'])).toContain('Resolved');
      expect(buttonsOf(updates[0]?.args['blocks'])).toEqual([]);
      expect((await h.gateway.pool.getTicket(card.ticketId))?.status).toBe('resolved');

      // The customer writes again: the ticket reopens, is escalated again, and the same card
      // shows it waiting (chat.update), with no second card.
      await h.customerWrites('conv-resolve', 'Still not closed', 'Resolve Customer');
      const reopened = await waitFor(
        () =>
          h.slack
            .callsOf('chat.update')
            .find(
              (c) =>
                c.args['ts'] === card.ts &&
                buttonsOf(c.args['blocks']).some((b) => b.action_id === ACTIONS.take),
            ),
        { what: 'the card showing the reopened ticket' },
      );
      expect(JSON.stringify(reopened.args['blocks'])).toContain('Still not closed');
      const cards = h.slack
        .callsOf('chat.postMessage')
        .filter(
          (c) =>
            c.args['channel'] === AGENTS &&
            !c.args['thread_ts'] &&
            String(c.args['text']).includes('Resolve Customer'),
        );
      expect(cards).toHaveLength(1);
    });
  });

  describe('when a request is not from Slack', () => {
    it('refuses unsigned, wrongly signed and stale requests, doing nothing', async () => {
      const jobsBefore = await h.quietJobCounts();
      const callsBefore = h.slack.calls.length;
      const body = threadMessageEvent({
        channel: AGENTS,
        threadTs: '1700000001.000100',
        ts: '1700005000.000001',
        user: ADA.id,
        text: 'forged',
      });
      expect((await h.post(body, 'json', { secret: null })).status).toBe(401);
      expect((await h.post(body, 'json', { secret: 'not-the-signing-secret-0000' })).status).toBe(
        401,
      );
      const tenMinutesAgo = Math.floor(Date.now() / 1000) - 600;
      expect((await h.post(body, 'json', { timestamp: tenMinutesAgo })).status).toBe(401);
      const command = slashCommand({ user: ADA, text: 'away' });
      expect((await h.post(command, 'form', { secret: null })).status).toBe(401);
      expect(await h.desk.queue.getJobCounts()).toEqual(jobsBefore);
      expect(h.slack.calls.length).toBe(callsBefore);
      expect(await h.gateway.pool.models.Agent.countDocuments({ status: 'away' })).toBe(0);
    });
  });

  describe('when an agent uses /switchboard', () => {
    it('sets availability, lists the queue and edits skills', async () => {
      const carol = { id: 'U0AGENT3', name: 'carol' };
      const away = await h.post(slashCommand({ user: carol, text: 'away' }), 'form');
      expect(away.status).toBe(200);
      expect(away.body.text).toContain('away');
      const agent = (await h.gateway.pool.models.Agent.findOne({
        identity: `slack:${carol.id}`,
      }).lean()) as AgentDoc | null;
      expect(agent).toMatchObject({ status: 'away', displayName: 'carol' });

      const queue = await h.post(slashCommand({ user: carol, text: 'queue' }), 'form');
      expect(queue.body.text).toMatch(/Waiting tickets|No tickets are waiting/);

      const added = await h.post(slashCommand({ user: carol, text: 'skills add billing' }), 'form');
      expect(added.body.text).toBe('Your skills: billing.');
      const removed = await h.post(
        slashCommand({ user: carol, text: 'skills remove billing' }),
        'form',
      );
      expect(removed.body.text).toBe('Your skills: none.');
      const help = await h.post(slashCommand({ user: carol, text: 'dance' }), 'form');
      expect(help.body.text).toContain('Usage');
    });
  });
});
