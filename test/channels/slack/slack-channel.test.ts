import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Responder, ResponderDecision, ResponderInput } from '../../../src/domain/ports.ts';
import { jobIdFor } from '../../../src/pipeline/queues.ts';
import type { ContactDoc, TicketDoc } from '../../../src/pool/models.ts';
import { waitFor } from '../../support/gateway.ts';
import { AGENTS, DeskHarness } from '../../desk/harness.ts';
import {
  appMentionEvent,
  directMessageEvent,
  slashCommand,
  threadMessageEvent,
} from '../../desk/slack-requests.ts';

const CUSTOMER = 'U0CUST01';
const DM = 'D0CUST01';
const PUBLIC = 'C0PUBLIC';
const AGENT = { id: 'U0DESK01', name: 'dora' };

/** Answers questions about opening hours (in markdown); hands everything else to a person. */
class ScriptedResponder implements Responder {
  respond(input: ResponderInput): Promise<ResponderDecision> {
    if (/hours/i.test(input.message.text)) {
      const text = '**Opening hours**: 9–17, see [the page](https://example.com/hours?a=1&b=2)';
      return Promise.resolve({ action: 'reply', text, markdown: text, counted: 'answer' });
    }
    return Promise.resolve({
      action: 'escalate',
      reason: 'asked for a person',
      text: 'I am handing you over to a colleague; they will answer here.',
    });
  }
}

let h: DeskHarness;

beforeAll(async () => {
  h = await DeskHarness.start({ responder: new ScriptedResponder() });
});

afterAll(async () => {
  await h.stop();
});

async function ticketOf(threadKey: string): Promise<TicketDoc> {
  return waitFor(
    async () =>
      (await h.gateway.pool.models.Ticket.findOne({
        channel: 'slack',
        threadKey,
      }).lean()) as TicketDoc | null,
    { what: `the ticket of ${threadKey}` },
  );
}

/** Every job the inbound queue has, whatever its state (a retry would add one). */
async function inboundJobs(): Promise<number> {
  const counts = await h.gateway.queues.inbound.getJobCounts();
  return Object.values(counts).reduce((sum, n) => sum + n, 0);
}

function postsIn(channel: string, threadTs: string) {
  return h.slack
    .callsOf('chat.postMessage')
    .filter((c) => c.args['channel'] === channel && c.args['thread_ts'] === threadTs);
}

describe('Slack customer channel', () => {
  describe('when a customer sends the app a direct message', () => {
    it('queues it before answering Slack and the bot answers in the thread, in mrkdwn', async () => {
      const ts = '1700010000.000100';
      const body = directMessageEvent({
        eventId: 'Ev0DM0001',
        channel: DM,
        user: CUSTOMER,
        ts,
        text: 'What are your opening hours?',
      });
      const res = await h.post(body, 'json');
      expect(res.status).toBe(200);
      // processBeforeResponse: the 200 came only once the job was in Redis.
      expect(await h.gateway.queues.inbound.getJob(jobIdFor('slack', 'Ev0DM0001'))).toBeDefined();

      const ticket = await ticketOf(`${DM}:${ts}`);
      expect(ticket.replyTo).toEqual({ kind: 'slack', value: `T0001/${CUSTOMER}` });
      const contact = (await h.gateway.pool.models.Contact.findById(
        ticket.contactId,
      ).lean()) as ContactDoc | null;
      expect(contact?.name).toBe(`Agent ${CUSTOMER}`); // the stand-in's users.info name

      const answer = await waitFor(() => postsIn(DM, ts)[0], { what: 'the answer in the thread' });
      expect(answer.args['text']).toBe(
        '*Opening hours*: 9–17, see <https://example.com/hours?a=1&amp;b=2|the page>',
      );

      // Slack retries the event (our 200 was late for it): no second job, message or answer.
      const counts = await inboundJobs();
      expect((await h.post(body, 'json', { retryNum: 1 })).status).toBe(200);
      expect((await h.post(body, 'json', { retryNum: 2 })).status).toBe(200);
      expect(await inboundJobs()).toEqual(counts);
      const messages = await h.gateway.pool.listMessages(ticket._id);
      expect(messages.filter((m) => m.direction === 'in')).toHaveLength(1);
      expect(postsIn(DM, ts)).toHaveLength(1);
    });
  });

  describe('when the bot hands the conversation to a person', () => {
    it('tells the customer in the thread, and the agent answers them there from the card', async () => {
      const ts = '1700010100.000100';
      const mention = appMentionEvent({
        eventId: 'Ev0MENTION01',
        channel: PUBLIC,
        user: 'U0CUST02',
        ts,
        text: '<@UBOT0001> my invoice shows the wrong address &amp; VAT number',
      });
      expect((await h.post(mention, 'json')).status).toBe(200);
      const ticket = await ticketOf(`${PUBLIC}:${ts}`);
      // The ticket is written before its first message: wait for the message too.
      const [stored] = await waitFor(async () => {
        const messages = await h.gateway.pool.listMessages(ticket._id);
        return messages.length > 0 ? messages : undefined;
      });
      expect(stored?.text).toBe('my invoice shows the wrong address & VAT number');

      const notice = await waitFor(() => postsIn(PUBLIC, ts)[0], { what: 'the escalation notice' });
      expect(notice.args['text']).toContain('handing you over to a colleague');
      const card = await h.cardFor('Agent U0CUST02');
      expect(card.ticketId).toBe(String(ticket._id));

      const reply = threadMessageEvent({
        channel: AGENTS,
        threadTs: card.ts,
        ts: '1700010100.000200',
        user: AGENT.id,
        text: 'Fixed: the new invoice is on its way &amp; the VAT number corrected.',
      });
      expect((await h.post(reply, 'json')).status).toBe(200);
      const relayed = await waitFor(
        () => postsIn(PUBLIC, ts).find((c) => String(c.args['text']).includes('Fixed')),
        { what: 'the agent reply in the customer thread' },
      );
      expect(relayed.args['text']).toBe(
        `*Agent ${AGENT.id}:* Fixed: the new invoice is on its way &amp; the VAT number corrected.`,
      );

      // The customer answers in their thread (a mention again): it lands in the card's thread.
      const followUp = appMentionEvent({
        eventId: 'Ev0MENTION02',
        channel: PUBLIC,
        user: 'U0CUST02',
        ts: '1700010100.000300',
        threadTs: ts,
        text: '<@UBOT0001> thank you!',
      });
      expect((await h.post(followUp, 'json')).status).toBe(200);
      await waitFor(
        () =>
          h.slack
            .callsOf('chat.postMessage')
            .find(
              (c) =>
                c.args['thread_ts'] === card.ts && String(c.args['text']).includes('thank you'),
            ),
        { what: 'the follow-up in the card thread' },
      );
    });
  });

  describe('when a message is not a customer question', () => {
    it("ignores mentions in the agents channel, agents' DMs, bots, our own posts and channel chatter", async () => {
      const before = await inboundJobs();
      const ignored = [
        appMentionEvent({
          eventId: 'Ev0IGNORE01',
          channel: AGENTS,
          user: AGENT.id,
          ts: '1700010200.000100',
          text: '<@UBOT0001> who has the refund ticket?',
        }),
        directMessageEvent({
          eventId: 'Ev0IGNORE02',
          channel: DM,
          user: 'UBOT0001',
          ts: '1700010200.000200',
          text: 'our own answer',
          botId: 'BBOT0001',
        }),
        directMessageEvent({
          eventId: 'Ev0IGNORE03',
          channel: DM,
          user: 'U0OTHER1',
          ts: '1700010200.000300',
          text: 'another app',
          botId: 'B0OTHER1',
        }),
        // A plain message in a channel (message.channels), no mention: not for the bot.
        threadMessageEvent({
          channel: PUBLIC,
          threadTs: '1700010200.000400',
          ts: '1700010200.000400',
          user: 'U0CUST03',
          text: 'lunch anyone?',
        }),
      ];
      // An agent (linked to the desk by using it) writing to the app by DM: desk talk, not a customer.
      expect((await h.post(slashCommand({ user: AGENT, text: 'available' }), 'form')).status).toBe(
        200,
      );
      ignored.push(
        directMessageEvent({
          eventId: 'Ev0IGNORE05',
          channel: 'D0AGENT01',
          user: AGENT.id,
          ts: '1700010200.000500',
          text: 'ok, I will take it',
        }),
      );
      for (const body of ignored) expect((await h.post(body, 'json')).status).toBe(200);
      expect(await inboundJobs()).toEqual(before);
    });
  });

  describe('when a request is bad', () => {
    it('refuses unsigned, stale and unparsable events, and ignores a signed event missing its fields', async () => {
      const before = await inboundJobs();
      const body = directMessageEvent({
        eventId: 'Ev0BAD0001',
        channel: DM,
        user: CUSTOMER,
        ts: '1700010300.000100',
        text: 'forged',
      });
      expect((await h.post(body, 'json', { secret: null })).status).toBe(401);
      const stale = Math.floor(Date.now() / 1000) - 600;
      expect((await h.post(body, 'json', { timestamp: stale })).status).toBe(401);
      expect((await h.post(body, 'json', { secret: 'not-the-signing-secret-0000' })).status).toBe(
        401,
      );
      const malformed = JSON.parse(body) as { event: Record<string, unknown> };
      delete malformed.event['user'];
      expect((await h.post(JSON.stringify(malformed), 'json')).status).toBe(200);
      // A body that is not JSON at all: Bolt refuses it with 400.
      expect((await h.post('{"type":"event_callback",', 'json')).status).toBe(400);
      expect(await inboundJobs()).toEqual(before);
    });
  });
});
