import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACTIONS } from '../../src/desk/blocks.ts';
import { deskJobId } from '../../src/desk/jobs.ts';
import type { AgentDoc } from '../../src/pool/models.ts';
import { waitFor } from '../support/gateway.ts';
import { AGENTS, buttonsOf, DeskHarness, SUPERVISORS, type SlackUser } from './harness.ts';

const ADA = { id: 'U0ADA001', name: 'ada' };
const BOB = { id: 'U0BOB001', name: 'bob' };
const EVE = { id: 'U0EVE001', name: 'eve' };

let h: DeskHarness;

beforeAll(async () => {
  h = await DeskHarness.start({ env: { SLACK_SUPERVISORS_CHANNEL: SUPERVISORS } });
});

afterAll(async () => {
  await h.stop();
});

async function agentOf(user: SlackUser): Promise<AgentDoc> {
  const agent = (await h.gateway.pool.models.Agent.findOne({
    identity: `slack:${user.id}`,
  }).lean()) as AgentDoc | null;
  if (!agent) throw new Error(`no agent for ${user.id}`);
  return agent;
}

async function slotsOf(user: SlackUser): Promise<string[]> {
  return ((await agentOf(user)).activeTicketIds ?? []).map(String);
}

let clicks = 0;
/** Clicks a button and returns what its desk job returned. */
async function press(
  card: { ticketId: string; ts: string },
  actionId: string,
  user: SlackUser,
  kind: 'take' | 'resolve' | 'release' | 'escalate',
): Promise<unknown> {
  clicks += 1;
  const actionTs = `1700100000.${String(clicks).padStart(6, '0')}`;
  expect((await h.click(card, actionId, user, actionTs)).status).toBe(200);
  return h.finishedJob(deskJobId(kind, card.ticketId, user.id, actionTs));
}

function ephemeralsTo(user: SlackUser): string[] {
  return h.slack
    .callsOf('chat.postEphemeral')
    .filter((c) => c.args['user'] === user.id)
    .map((c) => String(c.args['text']));
}

describe('desk buttons', () => {
  describe('when an agent at capacity clicks Take', () => {
    it('tells them so and leaves the ticket waiting; Take reserves a slot, Resolve frees it', async () => {
      await h.customerWrites('cap-1', 'First problem', 'Cap One');
      await h.customerWrites('cap-2', 'Second problem', 'Cap Two');
      const first = await h.cardFor('Cap One');
      const second = await h.cardFor('Cap Two');

      expect(await press(first, ACTIONS.take, ADA, 'take')).toBe('taken');
      expect(await slotsOf(ADA)).toEqual([first.ticketId]);
      await h.gateway.pool.models.Agent.updateOne(
        { identity: `slack:${ADA.id}` },
        { $set: { capacity: 1 } },
      );

      expect(await press(second, ACTIONS.take, ADA, 'take')).toBe('at-capacity');
      expect(ephemeralsTo(ADA).at(-1)).toContain('at capacity');
      expect((await h.gateway.pool.getTicket(second.ticketId))?.status).toBe('queued');
      expect(await slotsOf(ADA)).toEqual([first.ticketId]);

      expect(await press(first, ACTIONS.resolve, ADA, 'resolve')).toBe('resolved');
      // Her slot for the first ticket is free; dispatch may already offer her the waiting one.
      expect(await slotsOf(ADA)).not.toContain(first.ticketId);
      expect((await slotsOf(ADA)).length).toBeLessThanOrEqual(1);
      expect(await press(second, ACTIONS.take, ADA, 'take')).toBe('taken');
      expect(await slotsOf(ADA)).toEqual([second.ticketId]);
    });
  });

  describe('when the assignee clicks Release', () => {
    it('puts the ticket back in the queue, frees the slot and shows Take again; others may not', async () => {
      await h.customerWrites('rel-1', 'Please help with my invoice', 'Release Customer');
      const card = await h.cardFor('Release Customer');
      expect(await press(card, ACTIONS.take, BOB, 'take')).toBe('taken');
      expect(await slotsOf(BOB)).toEqual([card.ticketId]);

      expect(await press(card, ACTIONS.release, EVE, 'release')).toBe('refused');
      expect(ephemeralsTo(EVE).at(-1)).toContain('only they can release it');
      expect((await h.gateway.pool.getTicket(card.ticketId))?.status).toBe('assigned');

      expect(await press(card, ACTIONS.release, BOB, 'release')).toBe('released');
      const ticket = await h.gateway.pool.getTicket(card.ticketId);
      expect(ticket?.status).toBe('queued');
      expect(ticket?.assigneeId ?? undefined).toBeUndefined();
      expect(await slotsOf(BOB)).not.toContain(card.ticketId);
      const update = h.updatesOf(card.ts).at(-1);
      expect(buttonsOf(update?.args['blocks']).map((b) => b.action_id)).toEqual([
        ACTIONS.take,
        ACTIONS.resolve,
        ACTIONS.escalate,
      ]);
      expect(JSON.stringify(update?.args['blocks'])).toContain('Waiting for an agent');

      // Someone else takes it from the queue.
      expect(await press(card, ACTIONS.take, EVE, 'take')).toBe('taken');
      expect(await slotsOf(EVE)).toEqual([card.ticketId]);
    });
  });

  describe('when an agent clicks Escalate to supervisor', () => {
    it('posts the summary to the supervisors channel once, stamps the ticket and updates the card', async () => {
      // A calm message: a threat of a lawyer would be critical, and dispatch would alert the
      // supervisors by itself before any click.
      await h.customerWrites('esc-1', 'Please look at this charge again', 'Escalate Customer');
      const card = await h.cardFor('Escalate Customer');

      expect(await press(card, ACTIONS.escalate, ADA, 'escalate')).toBe('escalated');
      // A second click (the card not updated yet on their screen) changes nothing more.
      expect(await press(card, ACTIONS.escalate, BOB, 'escalate')).toBe('escalated');

      const posts = h.slack
        .callsOf('chat.postMessage')
        .filter((c) => c.args['channel'] === SUPERVISORS);
      expect(posts).toHaveLength(1);
      const alert = JSON.stringify(posts[0]?.args['blocks']);
      expect(alert).toContain('Escalated to supervisors by ada');
      expect(alert).toContain('Escalate Customer');
      expect(alert).toContain('Please look at this charge again');

      const ticket = await h.gateway.pool.getTicket(card.ticketId);
      expect(ticket?.supervisorEscalatedAt).toBeInstanceOf(Date);
      const stamped = ticket?.supervisorEscalatedAt?.getTime();
      const update = await waitFor(() => h.updatesOf(card.ts).at(-1), { what: 'the card update' });
      expect(JSON.stringify(update.args['blocks'])).toContain('Supervisors called in');
      expect(buttonsOf(update.args['blocks']).map((b) => b.action_id)).toEqual([
        ACTIONS.take,
        ACTIONS.resolve,
      ]);
      expect(
        (await h.gateway.pool.getTicket(card.ticketId))?.supervisorEscalatedAt?.getTime(),
      ).toBe(stamped);
      expect(
        h.slack
          .callsOf('chat.postMessage')
          .filter(
            (c) =>
              c.args['channel'] === AGENTS &&
              c.args['thread_ts'] === undefined &&
              String(c.args['text']).includes('Escalate Customer'),
          ),
      ).toHaveLength(1);
    });
  });

  describe('when a ticket is resolved', () => {
    it('asks the customer once how we did, and stores a rating as CSAT without reopening', async () => {
      await h.customerWrites('csat-1', 'My order is late', 'Csat Customer');
      const card = await h.cardFor('Csat Customer');
      expect(await press(card, ACTIONS.take, BOB, 'take')).toBe('taken');
      expect(await press(card, ACTIONS.resolve, BOB, 'resolve')).toBe('resolved');
      // Clicked again before the card showed it resolved: still one question.
      expect(await press(card, ACTIONS.resolve, BOB, 'resolve')).toBe('resolved');
      const question = (t: string) => t.startsWith('How did we do?');
      await waitFor(() => h.callbackTexts('csat-1').some(question), { what: 'the question' });
      const resolved = await h.gateway.pool.getTicket(card.ticketId);
      expect(resolved?.status).toBe('resolved');
      const updatesBefore = h.updatesOf(card.ts).length;

      await h.customerWrites('csat-1', '5 - great help, thanks', 'Csat Customer');
      const rated = await waitFor(
        async () => {
          const ticket = await h.gateway.pool.getTicket(card.ticketId);
          return ticket?.csatScore ? ticket : undefined;
        },
        { what: 'the rating on the ticket' },
      );
      expect(rated).toMatchObject({ status: 'resolved', csatScore: 5 });
      expect(rated.csatComment).toBe('great help, thanks');
      expect(rated.csatAt).toBeInstanceOf(Date);
      await waitFor(() => h.callbackTexts('csat-1').includes('Thank you for your feedback!'), {
        what: 'the thanks',
      });
      expect(h.callbackTexts('csat-1').filter(question)).toHaveLength(1);
      const messages = await h.gateway.pool.listMessages(card.ticketId);
      const rating = messages.find((m) => m.text === '5 - great help, thanks');
      expect(rating).toMatchObject({ direction: 'in', handled: true, intent: 'csat' });
      expect(h.updatesOf(card.ts)).toHaveLength(updatesBefore);

      // Anything after the rating is a new question: the ticket reopens to its agent.
      await h.customerWrites('csat-1', 'Actually, can I change the address?', 'Csat Customer');
      await waitFor(
        async () => (await h.gateway.pool.getTicket(card.ticketId))?.status === 'assigned',
        { what: 'the reopened ticket' },
      );
      expect((await h.gateway.pool.getTicket(card.ticketId))?.csatScore).toBe(5);
    });
  });
});
