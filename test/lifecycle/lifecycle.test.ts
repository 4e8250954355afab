/**
 * Issue 16, item 3: the lifecycle a support team expects, driven only through the API channel and
 * the admin API. A ticket the bot answered resolves once the customer goes quiet, a resolved ticket
 * closes, a message after closing opens a new ticket linked to the old one, and the dashboard's
 * self-service, first-contact resolution and deflection figures come from those transitions.
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../src/app.ts';
import { CallbackReceiver } from '../support/callback-receiver.ts';
import { HoursResponder } from '../support/hours-responder.ts';
import { startTestGateway, testConfig, waitFor } from '../support/gateway.ts';
import { createIntegration } from '../../src/integrations/store.ts';

const ADMIN = 'Bearer test-admin-token-0123456789';

let gateway: Gateway;
let receiver: CallbackReceiver;
let apiKey = '';
let seq = 0;

beforeAll(async () => {
  receiver = await new CallbackReceiver().start();
  gateway = await startTestGateway({
    config: testConfig({
      BOT_RESOLVE_QUIET_SECONDS: '2',
      TICKET_CLOSE_SECONDS: '2',
      TICKET_SWEEP_SECONDS: '1',
    }),
    responder: new HoursResponder(),
  });
  apiKey = (
    await createIntegration(gateway.pool.models, { name: 'shop', callbackUrl: receiver.url })
  ).apiKey;
});

afterAll(async () => {
  await gateway.pool.models.Ticket.db.dropDatabase();
  await gateway.queues.inbound.obliterate({ force: true });
  await gateway.queues.outbound.obliterate({ force: true });
  await gateway.stop();
  await receiver.stop();
});

async function customerWrites(conversationId: string, text: string): Promise<void> {
  seq += 1;
  const res = await request(gateway.http!)
    .post('/api/v1/messages')
    .set('authorization', `Bearer ${apiKey}`)
    .send({
      messageId: `m-${seq}`,
      conversationId,
      from: { id: `cust-${conversationId}`, email: `${conversationId}@example.com` },
      text,
    });
  expect(res.status).toBe(202);
}

interface ListedTicket {
  id: string;
  status: string;
}

async function ticketsOf(conversationText: string): Promise<ListedTicket[]> {
  const res = await request(gateway.http!)
    .get('/api/v1/admin/tickets')
    .query({ text: conversationText })
    .set('authorization', ADMIN);
  expect(res.status).toBe(200);
  return res.body.tickets as ListedTicket[];
}

async function view(id: string) {
  const res = await request(gateway.http!)
    .get(`/api/v1/admin/tickets/${id}`)
    .set('authorization', ADMIN);
  expect(res.status).toBe(200);
  return res.body.ticket as {
    status: string;
    previousTicketId?: string;
    statusHistory: Array<{ to: string; by: string }>;
  };
}

describe('the ticket lifecycle', () => {
  it('resolves a bot-answered ticket once the customer is quiet, closes it, and links the next ticket', async () => {
    await customerWrites('conv-quiet', 'What are your opening hours?');
    const [ticket] = await waitFor(async () => {
      const found = await ticketsOf('opening hours');
      return found.length === 1 ? found : undefined;
    });
    const id = ticket!.id;
    const resolved = await waitFor(
      async () => {
        const t = await view(id);
        return t.status === 'resolved' ? t : undefined;
      },
      { what: 'the quiet bot ticket resolved', timeoutMs: 15_000 },
    );
    expect(resolved.statusHistory.at(-1)).toMatchObject({ to: 'resolved', by: 'lifecycle' });
    // Nobody is asked to rate an answer the bot gave.
    const delivered = receiver.received.map((r) => (JSON.parse(r.body) as { text: string }).text);
    expect(delivered).not.toContainEqual(expect.stringMatching(/How did we do/));

    await waitFor(async () => (await view(id)).status === 'closed', {
      what: 'the resolved ticket closed',
      timeoutMs: 15_000,
    });

    await customerWrites('conv-quiet', 'One more thing about the hours on Sunday');
    const next = await waitFor(async () => {
      const found = await ticketsOf('Sunday');
      return found.length === 1 && found[0]!.id !== id ? found[0] : undefined;
    });
    expect((await view(next.id)).previousTicketId).toBe(id);
  });

  it('keeps a ticket open while the customer keeps writing, and never resolves a handed-over one', async () => {
    await customerWrites('conv-busy', 'Your hours please');
    await customerWrites('conv-busy', 'I need to talk to a person about a refund');
    const [ticket] = await waitFor(async () => {
      const found = await ticketsOf('Your hours please');
      return found.length === 1 && found[0]!.status === 'queued' ? found : undefined;
    });
    // Several sweeps later it still waits for a person.
    await new Promise((resolve) => setTimeout(resolve, 4_000));
    expect((await view(ticket!.id)).status).toBe('queued');
  });

  it('computes self-service, first-contact resolution and deflection from those transitions', async () => {
    const res = await request(gateway.http!)
      .get('/api/v1/admin/dashboard')
      .set('authorization', ADMIN);
    expect(res.status).toBe(200);
    // conv-quiet's two tickets were answered by the bot and went quiet; conv-busy's waits.
    expect(res.body.selfService).toMatchObject({ finished: 2, withoutAgent: 2, rate: 1 });
    expect(res.body.firstContactResolution).toMatchObject({ finished: 2, withoutReopen: 2 });
    expect(res.body.botDeflection.tickets).toBe(3);
    expect(res.body.botDeflection.withoutAgent).toBe(2);
  });
});
