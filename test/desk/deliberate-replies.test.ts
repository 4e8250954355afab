/**
 * Issue 16, items 4 and 6, and the notes of item 3: a thread reply reaches the customer only from
 * the assignee (or takes the waiting ticket for its author); anything else is kept as a note and
 * its author told. Notes from Slack and from the console are stored on the ticket and shown in
 * both; a reassign or resolve in the console updates the Slack card, tells the new assignee, and
 * asks the customer for CSAT.
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deskJobId } from '../../src/desk/jobs.ts';
import { waitFor } from '../support/gateway.ts';
import { AGENTS, DeskHarness } from './harness.ts';
import { threadMessageEvent } from './slack-requests.ts';

const ADMIN = 'Bearer test-admin-token-0123456789';
const ADA = 'U0AGENT1';
const BOB = 'U0AGENT2';

interface TicketView {
  ticket: { status: string; assigneeId?: string | null };
  notes: Array<{ authorName: string; source: string; text: string; notSentBecause: string | null }>;
}

describe('deliberate agent replies, with the default DESK_THREAD_REPLY=take-if-free', () => {
  let h: DeskHarness;
  let seq = 0;

  beforeAll(async () => {
    // Dispatch rescores waiting tickets every second, so a priority set by hand is put to the test.
    h = await DeskHarness.start({ env: { DISPATCH_TICK_SECONDS: '1' } });
  });
  afterAll(async () => {
    await h.stop();
  });

  /** An agent writes in the card's thread; resolves to what the desk job did with it. */
  async function writes(
    card: { ts: string },
    user: string,
    text: string,
    files?: Array<{ id: string; name: string }>,
  ): Promise<unknown> {
    seq += 1;
    const ts = `1700009000.${String(seq).padStart(6, '0')}`;
    const event = threadMessageEvent({ channel: AGENTS, threadTs: card.ts, ts, user, text, files });
    expect((await h.post(event, 'json')).status).toBe(200);
    return h.finishedJob(deskJobId('reply', AGENTS, ts));
  }

  async function view(ticketId: string): Promise<TicketView> {
    const res = await request(h.http)
      .get(`/api/v1/admin/tickets/${ticketId}`)
      .set('authorization', ADMIN);
    expect(res.status).toBe(200);
    return res.body as TicketView;
  }

  async function agentIdOf(slackUser: string): Promise<string> {
    const res = await request(h.http).get('/api/v1/admin/agents').set('authorization', ADMIN);
    const agent = (res.body.agents as Array<{ id: string; identity: string }>).find(
      (a) => a.identity === `slack:${slackUser}`,
    );
    if (!agent) throw new Error(`no agent for ${slackUser}`);
    return agent.id;
  }

  const ephemeralTo = (user: string) =>
    h.slack
      .callsOf('chat.postEphemeral')
      .filter((c) => c.args['user'] === user)
      .map((c) => String(c.args['text']));

  it('a reply on a waiting ticket takes it; a reply on a held ticket is kept as a note and its author told', async () => {
    await h.customerWrites('conv-deliberate', 'My invoice is wrong', 'Deliberate Customer');
    const card = await h.cardFor('Deliberate Customer');

    expect(await writes(card, ADA, 'Let me check your invoice.')).toBe('sent');
    const adaId = await agentIdOf(ADA);
    let current = await view(card.ticketId);
    expect(current.ticket.status).toBe('assigned');
    expect(current.ticket.assigneeId).toBe(adaId);
    await waitFor(() => h.callbackTexts('conv-deliberate').includes('Let me check your invoice.'), {
      what: 'the reply at the customer',
    });
    await waitFor(
      () => h.updatesOf(card.ts).some((u) => JSON.stringify(u.args['blocks']).includes('Taken by')),
      { what: 'the card showing who took it' },
    );

    expect(await writes(card, BOB, 'I think it is the VAT.')).toBe('noted');
    expect(ephemeralTo(BOB).at(-1)).toMatch(/already taken by .*internal note/s);
    expect(await writes(card, ADA, '// refund of 12 EUR approved by finance')).toBe('note');
    // A file Slack gives no download link for (an external one) cannot go: the reply is not sent
    // without it (agent-files.test.ts sends files that can).
    const file = [{ id: 'F0INVOICE', name: 'invoice.pdf' }];
    expect(await writes(card, ADA, 'Here is the corrected invoice.', file)).toBe('noted');
    expect(ephemeralTo(ADA).at(-1)).toContain('invoice.pdf cannot be downloaded from Slack');

    current = await view(card.ticketId);
    expect(current.notes.map((n) => [n.source, n.text])).toEqual([
      ['slack', 'I think it is the VAT.'],
      ['slack', 'refund of 12 EUR approved by finance'],
      ['slack', 'Here is the corrected invoice.'],
    ]);
    expect(current.notes[0]?.notSentBecause).toMatch(/already taken by/);
    expect(current.notes[1]?.notSentBecause).toBeNull();
    const texts = h.callbackTexts('conv-deliberate');
    expect(texts.some((t) => /VAT|finance|corrected invoice/.test(t))).toBe(false);
  });

  it('console notes, reassign and resolve reach Slack; the customer is asked for CSAT once', async () => {
    await h.customerWrites('conv-console', 'Cancel my plan please', 'Console Customer');
    const card = await h.cardFor('Console Customer');
    expect(await writes(card, ADA, 'Cancelling it now.')).toBe('sent');
    // Bob has used Slack as an agent before (his reply was refused), so he has an agent record.
    expect(await writes(card, BOB, 'shall I?')).toBe('noted');
    const bobId = await agentIdOf(BOB);

    const noted = await request(h.http)
      .post(`/api/v1/admin/tickets/${card.ticketId}/notes`)
      .set('authorization', ADMIN)
      .send({ text: 'Customer asked twice <b>already</b>' });
    expect(noted.status).toBe(201);
    const inThread = await waitFor(
      () =>
        h.slack
          .callsOf('chat.postMessage')
          .find(
            (c) =>
              c.args['thread_ts'] === card.ts &&
              String(c.args['text']).includes('Customer asked twice'),
          ),
      { what: 'the console note in the card thread' },
    );
    // Slack control characters in the note are escaped, not rendered.
    expect(String(inThread.args['text'])).toContain('&lt;b&gt;');
    expect((await view(card.ticketId)).notes.map((n) => n.source)).toEqual(['slack', 'console']);

    const reassigned = await request(h.http)
      .post(`/api/v1/admin/tickets/${card.ticketId}/assign`)
      .set('authorization', ADMIN)
      .send({ agentId: bobId });
    expect(reassigned.status).toBe(200);
    await waitFor(
      () =>
        h.slack
          .callsOf('chat.postMessage')
          .find(
            (c) => c.args['channel'] === BOB && String(c.args['text']).includes('assigned to you'),
          ),
      { what: 'the DM to the new assignee' },
    );
    // Ada no longer holds it: her next reply is a note.
    expect(await writes(card, ADA, 'Done on my side.')).toBe('noted');
    expect(await writes(card, BOB, 'Your plan is cancelled.')).toBe('sent');

    const resolved = await request(h.http)
      .post(`/api/v1/admin/tickets/${card.ticketId}/resolve`)
      .set('authorization', ADMIN)
      .send({});
    expect(resolved.status).toBe(200);
    await waitFor(
      () => h.callbackTexts('conv-console').some((t) => t.startsWith('How did we do?')),
      { what: 'the CSAT question after a console resolve' },
    );
    await waitFor(
      () => h.updatesOf(card.ts).some((u) => JSON.stringify(u.args['blocks']).includes('Resolved')),
      { what: 'the card showing the resolve' },
    );
    // A repeated resolve is refused and asks nothing new.
    await request(h.http)
      .post(`/api/v1/admin/tickets/${card.ticketId}/resolve`)
      .set('authorization', ADMIN)
      .send({});
    await h.quietJobCounts();
    expect(
      h.callbackTexts('conv-console').filter((t) => t.startsWith('How did we do?')),
    ).toHaveLength(1);

    // Reopened in the console: back to Bob, who is told, and the card shows it taken again.
    const reopened = await request(h.http)
      .post(`/api/v1/admin/tickets/${card.ticketId}/reopen`)
      .set('authorization', ADMIN)
      .send({});
    expect(reopened.status).toBe(200);
    expect(reopened.body.ticket).toMatchObject({ status: 'assigned', assigneeId: bobId });
    await waitFor(
      () =>
        h.slack
          .callsOf('chat.postMessage')
          .find(
            (c) => c.args['channel'] === BOB && String(c.args['text']).includes('was reopened by'),
          ),
      { what: 'the DM to the assignee about the reopen' },
    );
    await waitFor(
      () => JSON.stringify(h.updatesOf(card.ts).at(-1)?.args['blocks'] ?? '').includes('Taken by'),
      { what: 'the card taken again' },
    );
  });

  it('keeps a priority set by hand through dispatch rescoring, until it is given back', async () => {
    await h.customerWrites('conv-priority', 'My order is late', 'Priority Customer');
    const card = await h.cardFor('Priority Customer');
    const set = (priority: string | null) =>
      request(h.http)
        .post(`/api/v1/admin/tickets/${card.ticketId}/priority`)
        .set('authorization', ADMIN)
        .send({ priority });
    const scored = (await h.gateway.pool.getTicket(card.ticketId))?.priority;
    // Lower than the score: the score never lowers a priority by itself, so only the hand can.
    expect(scored).not.toBe('low');
    const chosen = 'low';
    expect((await set(chosen)).status).toBe(200);
    // Several dispatch ticks later (each rescores waiting tickets) the choice stands.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect((await h.gateway.pool.getTicket(card.ticketId))?.priority).toBe(chosen);
    expect((await set(null)).status).toBe(200);
    await waitFor(
      async () => (await h.gateway.pool.getTicket(card.ticketId))?.priority === scored,
      { what: 'the score back in charge' },
    );
  });
});

describe('DESK_THREAD_REPLY=assignee-only', () => {
  let h: DeskHarness;
  beforeAll(async () => {
    h = await DeskHarness.start({ env: { DESK_THREAD_REPLY: 'assignee-only' } });
  });
  afterAll(async () => {
    await h.stop();
  });

  it('keeps a reply on a waiting ticket as a note instead of taking it', async () => {
    await h.customerWrites('conv-strict', 'Where is my order?', 'Strict Customer');
    const card = await h.cardFor('Strict Customer');
    const event = threadMessageEvent({
      channel: AGENTS,
      threadTs: card.ts,
      ts: '1700009100.000001',
      user: ADA,
      text: 'It ships tomorrow.',
    });
    expect((await h.post(event, 'json')).status).toBe(200);
    expect(await h.finishedJob(deskJobId('reply', AGENTS, '1700009100.000001'))).toBe('noted');
    expect((await h.gateway.pool.getTicket(card.ticketId))?.status).toBe('queued');
    const told = h.slack.callsOf('chat.postEphemeral').map((c) => String(c.args['text']));
    expect(told.at(-1)).toContain('take it before answering');
    await h.quietJobCounts();
    expect(h.callbackTexts('conv-strict')).not.toContain('It ships tomorrow.');
  });
});
