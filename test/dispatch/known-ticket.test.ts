/**
 * Issue 21: dispatch writes a ticket the pipeline just handed it without reading it again — one
 * write pinned to the values it decided on — and falls back to read-then-write when the ticket
 * changed in between, so a stale copy never decides.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dispatchFixture, newAgent, queuedTicket, type DispatchFixture } from './support.ts';

let fx: DispatchFixture;
let operations: string[] = [];

beforeAll(async () => {
  fx = await dispatchFixture('sbknown');
  fx.pool.models.Ticket.db.set('debug', (collection: string, method: string) => {
    operations.push(`${collection}.${method}`);
  });
});

afterAll(async () => {
  await fx.close();
});

describe('dispatch on the ticket the pipeline just wrote', () => {
  it('scores an escalated ticket and starts its SLA without reading it again', async () => {
    const dispatcher = fx.dispatcher();
    const { ticket, message } = await queuedTicket(fx.pool);
    operations = [];
    const scored = await dispatcher.onEscalating(ticket, message, {});
    expect(operations.filter((op) => op === 'tickets.findOne')).toEqual([]);
    expect(operations).toContain('tickets.findOneAndUpdate');
    const stored = await fx.pool.getTicket(ticket._id);
    expect(stored?.slaPolicy).toBeDefined();
    expect(stored?.urgency).toBe(scored.urgency);
  });

  it("scores a ticket opened for the message, of a contact made for it, without reading the ticket's messages or the contact's tickets", async () => {
    const dispatcher = fx.dispatcher();
    const { ticket, message } = await queuedTicket(fx.pool);
    operations = [];
    const known = { ticketOpenedForMessage: true, contactIsNew: true };
    const scored = await dispatcher.onEscalating(ticket, message, { sentiment: -0.9 }, known);
    expect(operations.filter((op) => op.startsWith('messages.'))).toEqual([]);
    expect(operations.filter((op) => op === 'tickets.countDocuments')).toEqual([]);
    expect(scored.urgencyFacts).toMatchObject({ repeatContacts: 0, texts: [message.text] });
  });

  it('reads them on a retry, when what the message opened is not known', async () => {
    const dispatcher = fx.dispatcher();
    const { ticket, message } = await queuedTicket(fx.pool);
    operations = [];
    await dispatcher.onEscalating(ticket, message, {});
    expect(operations).toContain('messages.find');
    expect(operations).toContain('tickets.countDocuments');
  });

  it('reads the ticket again when it changed since, and decides on what is stored', async () => {
    const dispatcher = fx.dispatcher();
    const { ticket } = await queuedTicket(fx.pool);
    const agent = await newAgent(fx.pool, { capacity: 5 });
    // Taken by an agent after the pipeline handed dispatch its copy.
    await fx.pool.transition(ticket._id, 'assigned', {
      by: 'test',
      expectedFrom: 'queued',
      set: { assigneeId: agent },
    });
    operations = [];
    const rescored = await dispatcher.rescore(ticket, { gather: true, hint: {} });
    expect(operations).toContain('tickets.findOne');
    expect(rescored?.status).toBe('assigned');
    expect(String(rescored?.assigneeId)).toBe(String(agent));
  });
});
