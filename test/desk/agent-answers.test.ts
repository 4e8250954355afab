/**
 * Issue 17 item 2, through the Slack desk: an agent's answer in a card's thread to a question the
 * bot handed over as uncovered puts the question in the knowledge base's review queue, with the
 * answer, as `agent-answered`; a hand-over for another reason does not.
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deskJobId } from '../../src/desk/jobs.ts';
import type { Responder, ResponderDecision } from '../../src/domain/ports.ts';
import { ESCALATION_REASONS } from '../../src/nlu/intent-responder.ts';
import { waitFor } from '../support/gateway.ts';
import { AGENTS, DeskHarness } from './harness.ts';
import { threadMessageEvent } from './slack-requests.ts';

const ADMIN = 'Bearer test-admin-token-0123456789';
const AGENT = 'U0DESK01';

/** Hands every message over: as uncovered, unless the customer asks for a person. */
const responder: Responder = {
  respond(input): Promise<ResponderDecision> {
    const asked = /person/i.test(input.message.text);
    return Promise.resolve({
      action: 'escalate',
      language: 'en',
      reason: asked ? ESCALATION_REASONS.requested : ESCALATION_REASONS.outOfScope,
      text: 'A person will answer you here.',
      ...(asked ? {} : { uncovered: { questionId: input.message.id } }),
    });
  },
};

interface Listed {
  text: string;
  source: string;
  count: number;
  agentAnswer: { text: string; ticketId: string } | null;
}

describe('agent answers in Slack', () => {
  let h: DeskHarness;
  let seq = 0;

  beforeAll(async () => {
    h = await DeskHarness.start({ responder });
  });
  afterAll(async () => {
    await h.stop();
  });

  async function answers(customer: string, question: string, answer: string): Promise<string> {
    await h.customerWrites(`conv-${customer.split(' ')[0]!.toLowerCase()}`, question, customer);
    const card = await h.cardFor(customer);
    seq += 1;
    const ts = `1700007000.${String(seq).padStart(6, '0')}`;
    const event = threadMessageEvent({
      channel: AGENTS,
      threadTs: card.ts,
      ts,
      user: AGENT,
      text: answer,
    });
    expect((await h.post(event, 'json')).status).toBe(200);
    expect(await h.finishedJob(deskJobId('reply', AGENTS, ts))).toBe('sent');
    return card.ticketId;
  }

  const queue = async (): Promise<Listed[]> =>
    (
      await request(h.http)
        .get('/api/v1/admin/learning/negatives?source=agent-answered')
        .set('authorization', ADMIN)
    ).body.negatives as Listed[];

  it("queues the uncovered question with the agent's thread reply", async () => {
    const ticketId = await answers(
      'Ada Byron',
      'Can I pay my invoice in three instalments?',
      'Yes: choose *Pay in 3* at checkout, it splits the amount over three months &amp; no fees.',
    );
    const queued = await waitFor(async () =>
      (await queue()).find((n) => n.text === 'Can I pay my invoice in three instalments?'),
    );
    // As the customer reads it: Slack's mrkdwn entities decoded.
    expect(queued).toMatchObject({
      source: 'agent-answered',
      count: 1,
      agentAnswer: { ticketId, text: expect.stringContaining('three months & no fees') as string },
    });
  });

  it('leaves out a question handed over because the customer asked for a person', async () => {
    const ticketId = await answers(
      'Bob Noyce',
      'I want a person please',
      'Hello Bob, I am here: what can I help you with today?',
    );
    // The reply went out and its bookkeeping ran: dispatch stamped the agent's response, last.
    await waitFor(async () => {
      const t = await h.gateway.pool.getTicket(ticketId);
      return t?.agentRespondedAt ? t : undefined;
    });
    expect((await queue()).map((n) => n.text)).toEqual([
      'Can I pay my invoice in three instalments?',
    ]);
  });
});
