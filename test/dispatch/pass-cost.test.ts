import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import * as dispatchTickets from '../../src/dispatch/tickets.ts';
import {
  allAgentsOffline,
  dispatchFixture,
  newAgent,
  queuedTicket,
  type DispatchFixture,
} from './support.ts';

// What dispatch reads and writes, not only what it decides: on FerretDB 1.x over PostgreSQL each
// read or update of a ticket scans the whole tickets collection (see src/pool/tickets.ts), so a
// pass that lists every waiting ticket on every escalation grows with the backlog times the pool.

let fx: DispatchFixture;
/** `<collection>.<method>` of every operation the pool's connection sent, in order. */
let operations: string[] = [];

beforeAll(async () => {
  fx = await dispatchFixture('sbpasscost');
  fx.pool.models.Ticket.db.set('debug', (collection: string, method: string) => {
    operations.push(`${collection}.${method}`);
  });
});

afterEach(async () => {
  vi.restoreAllMocks();
  operations = [];
  await allAgentsOffline(fx.pool);
});

afterAll(async () => {
  await fx.close();
});

describe('dispatch costs', () => {
  describe('when no agent is available below capacity', () => {
    it('runs a pass without reading the waiting tickets', async () => {
      const dispatcher = fx.dispatcher();
      await newAgent(fx.pool, { status: 'away' });
      const full = await newAgent(fx.pool, { capacity: 1 });
      const { ticket } = await queuedTicket(fx.pool);
      expect(await fx.pool.reserveAgentSlot(full, ticket._id)).toBe('reserved');
      const listed = vi.spyOn(dispatchTickets, 'listQueuedTickets');
      operations = [];

      expect(await dispatcher.runPass()).toEqual({ offered: 0, lost: 0 });
      expect(listed).not.toHaveBeenCalled();
      expect(operations.filter((op) => op.startsWith('tickets.'))).toEqual([]);
    });
  });

  describe('when an agent has room', () => {
    it('lists the waiting tickets once per tick and offers from that list', async () => {
      const dispatcher = fx.dispatcher();
      const agent = await newAgent(fx.pool, { skills: ['pass-cost'] });
      const { ticket } = await queuedTicket(
        fx.pool,
        {},
        { requiredSkills: ['pass-cost'], urgency: 95 },
      );
      const listed = vi.spyOn(dispatchTickets, 'listQueuedTickets');

      const result = await dispatcher.tick();
      expect(listed).toHaveBeenCalledTimes(1);
      expect(result.offered).toBeGreaterThanOrEqual(1);
      expect(String((await fx.pool.getTicket(ticket._id))?.offer?.agentId)).toBe(agent);
    });
  });

  describe('when the bot escalates a ticket', () => {
    it('stores its score and starts its SLA in one ticket update', async () => {
      const dispatcher = fx.dispatcher();
      const { ticket, message } = await queuedTicket(fx.pool, { text: 'my parcel is lost' });
      operations = [];

      const scored = await dispatcher.onEscalating(ticket, message, { intent: 'lost-parcel' });
      expect(scored).toMatchObject({ tier: 'urgent', slaPolicy: 'urgent', slaState: 'active' });
      expect(scored.urgencyParts.map((p) => p.reason)).toContain('intent lost-parcel');
      expect(scored.firstResponseDueAt).toBeInstanceOf(Date);
      expect(operations.filter((op) => op === 'tickets.findOneAndUpdate')).toHaveLength(1);
      const timers = (await dispatcher.queue.getDelayed()).filter(
        (job) => job.data.kind === 'sla' && job.data.ticketId === String(ticket._id),
      );
      expect(timers.length).toBeGreaterThanOrEqual(2);
    });
  });
});
