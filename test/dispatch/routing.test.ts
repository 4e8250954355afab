import { describe, expect, it } from 'vitest';
import { DEFAULT_DISPATCH_SETTINGS } from '../../src/dispatch/config.ts';
import { planOffers, type AgentView, type WaitingView } from '../../src/dispatch/routing.ts';

const settings = DEFAULT_DISPATCH_SETTINGS.routing;
const now = new Date('2026-11-25T10:00:00Z');
const minutesAgo = (m: number) => new Date(now.getTime() - m * 60_000);

function agent(id: string, fields: Partial<AgentView> = {}): AgentView {
  return {
    id,
    skills: [],
    languages: ['en'],
    capacity: 3,
    active: 0,
    status: 'available',
    role: 'agent',
    ...fields,
  };
}

function ticket(id: string, fields: Partial<WaitingView> = {}): WaitingView {
  return {
    id,
    requiredSkills: [],
    language: 'en',
    urgency: 10,
    tier: 'standard',
    queuedAt: minutesAgo(1),
    declinedBy: [],
    ...fields,
  };
}

const assignments = (plan: ReturnType<typeof planOffers>) =>
  Object.fromEntries(plan.map((p) => [p.ticketId, p.agentId]));

describe('best-fit routing', () => {
  describe('when one agent has the skill and the language', () => {
    it('offers the ticket to that agent, not the idler one', () => {
      const plan = planOffers(
        [ticket('t1', { requiredSkills: ['billing'], language: 'zh' })],
        [
          agent('a-idle', { languages: ['en', 'zh'] }),
          agent('b-billing-en', { skills: ['billing'], active: 0 }),
          agent('c-billing-zh', { skills: ['billing'], languages: ['zh'], active: 2 }),
        ],
        'best-fit',
        now,
        settings,
      );
      expect(plan).toEqual([{ ticketId: 't1', agentId: 'c-billing-zh', skillMatch: true }]);
    });
  });

  describe('when nobody skilled is free', () => {
    it('waits for a better fit only while one is on duty but full, and only the configured time', () => {
      const agents = [
        agent('a'),
        agent('b-billing', { skills: ['billing'], active: 3, capacity: 3 }),
      ];
      const fresh = ticket('t1', { requiredSkills: ['billing'], queuedAt: minutesAgo(5) });
      expect(planOffers([fresh], agents, 'best-fit', now, settings)).toEqual([]);
      const old = { ...fresh, queuedAt: minutesAgo(settings.unskilledAfterMinutes + 1) };
      expect(planOffers([old], agents, 'best-fit', now, settings)).toEqual([
        { ticketId: 't1', agentId: 'a', skillMatch: false },
      ]);
    });

    it('never holds the ticket while a free agent could take it and no better fit is on duty', () => {
      // The skilled agent is away: waiting for them would hold the ticket for nothing.
      const agents = [agent('a'), agent('b-billing', { skills: ['billing'], status: 'away' })];
      const fresh = ticket('t1', { requiredSkills: ['billing'], queuedAt: minutesAgo(1) });
      expect(planOffers([fresh], agents, 'best-fit', now, settings)).toEqual([
        { ticketId: 't1', agentId: 'a', skillMatch: false },
      ]);
      // Nobody speaks the customer's language: the free agent gets it now, not in 30 minutes.
      const zh = ticket('t2', { language: 'zh', queuedAt: minutesAgo(1) });
      expect(planOffers([zh], [agent('a')], 'best-fit', now, settings)).toEqual([
        { ticketId: 't2', agentId: 'a', skillMatch: false },
      ]);
    });
  });

  describe('when tickets outnumber free slots', () => {
    it('serves the most urgent first, then the longest waiting', () => {
      const plan = planOffers(
        [
          ticket('low-old', { urgency: 10, queuedAt: minutesAgo(50) }),
          ticket('high', { urgency: 70 }),
          ticket('low-older', { urgency: 10, queuedAt: minutesAgo(60) }),
        ],
        [agent('a', { capacity: 2 })],
        'best-fit',
        now,
        settings,
      );
      expect(plan.map((p) => p.ticketId)).toEqual(['high', 'low-older']);
    });
  });

  describe('when equally fit agents differ in load', () => {
    it('picks the least saturated and never exceeds capacity', () => {
      const plan = planOffers(
        Array.from({ length: 6 }, (_, i) => ticket(`t${i}`)),
        [agent('a', { capacity: 4, active: 2 }), agent('b', { capacity: 2, active: 0 })],
        'best-fit',
        now,
        settings,
      );
      const counts = plan.reduce<Record<string, number>>((acc, p) => {
        acc[p.agentId] = (acc[p.agentId] ?? 0) + 1;
        return acc;
      }, {});
      expect(plan[0]?.agentId).toBe('b');
      expect(counts).toEqual({ a: 2, b: 2 });
    });
  });

  describe('when agents are away or let the offer lapse', () => {
    it('offers nothing to away agents and asks the one who let it lapse last', () => {
      const away = [agent('a', { status: 'away' }), agent('c', { status: 'offline' })];
      const declined = ticket('t1', { declinedBy: ['b'] });
      expect(
        planOffers([declined], [...away, agent('b'), agent('d')], 'best-fit', now, settings),
      ).toEqual([{ ticketId: 't1', agentId: 'd', skillMatch: true }]);
      // Nobody else: the ticket is not stranded.
      expect(planOffers([declined], [...away, agent('b')], 'best-fit', now, settings)).toEqual([
        { ticketId: 't1', agentId: 'b', skillMatch: true },
      ]);
      expect(planOffers([ticket('t2')], away, 'best-fit', now, settings)).toEqual([]);
    });
  });

  describe('when a ticket is critical', () => {
    it('goes to a supervisor first', () => {
      const plan = planOffers(
        [ticket('t1', { tier: 'critical' })],
        [agent('a'), agent('s', { role: 'supervisor', active: 2 })],
        'best-fit',
        now,
        settings,
      );
      expect(assignments(plan)).toEqual({ t1: 's' });
    });
  });
});

describe('baseline policies', () => {
  it('round robin deals tickets in turn, ignoring skills', () => {
    const state = { cursor: 0 };
    const plan = planOffers(
      [ticket('t1', { requiredSkills: ['billing'] }), ticket('t2'), ticket('t3')],
      [agent('a'), agent('b', { skills: ['billing'] })],
      'round-robin',
      now,
      settings,
      state,
    );
    expect(plan.map((p) => p.agentId)).toEqual(['a', 'b', 'a']);
    expect(plan[0]?.skillMatch).toBe(false);
  });

  it('least busy gives each ticket to the agent with the fewest tickets', () => {
    const plan = planOffers(
      [ticket('t1'), ticket('t2')],
      [agent('a', { active: 2 }), agent('b', { active: 1 }), agent('c', { status: 'away' })],
      'least-busy',
      now,
      settings,
    );
    expect(plan.map((p) => p.agentId)).toEqual(['b', 'a']);
  });
});
