import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Worker } from 'bullmq';
import { slaJobId } from '../../src/dispatch/jobs.ts';
import {
  allAgentsOffline,
  dispatchFixture,
  eventually,
  newAgent,
  queuedTicket,
  RecordingNotifier,
  type DispatchFixture,
} from './support.ts';

let fx: DispatchFixture;
const workers: Worker[] = [];

beforeAll(async () => {
  fx = await dispatchFixture('sbsla');
});

afterAll(async () => {
  for (const worker of workers) await worker.close();
  await fx.close();
});

/** Short targets around the clock, so timers fire within the test. */
const shortTargets = {
  sla: {
    policies: {
      urgent: {
        firstResponseMinutes: 0.05,
        nextResponseMinutes: 0.05,
        resolutionMinutes: 600,
        clock: 'calendar',
      },
      normal: {
        firstResponseMinutes: 60,
        nextResponseMinutes: 60,
        resolutionMinutes: 600,
        clock: 'calendar',
      },
    },
  },
};

describe('SLA timers', () => {
  describe('when the first response target passes with nobody answering', () => {
    it('warns the assignee once, stores the breach once and alerts the supervisors', async () => {
      const notifier = new RecordingNotifier();
      const dispatcher = fx.dispatcher({ notifier, settings: shortTargets });
      const agent = await newAgent(fx.pool, { capacity: 5 });
      const { ticket } = await queuedTicket(fx.pool);
      const id = String(ticket._id);
      await fx.pool.transition(id, 'assigned', {
        by: 'test',
        expectedFrom: 'queued',
        // The bot's "an agent will be with you shortly" stamped firstResponseAt: not the agents'.
        set: { assigneeId: agent, firstResponseAt: new Date() },
      });
      await dispatcher.sla.start(id, 'urgent');
      // A repeat (a retried job) schedules nothing new.
      await dispatcher.sla.start(id, 'urgent');
      workers.push(dispatcher.startWorker(fx.redis));

      const breached = await eventually(async () => {
        const t = await fx.pool.getTicket(id);
        return t?.slaState === 'breached' && notifier.of('alertSupervisors').length > 0
          ? t
          : undefined;
      });
      expect(breached.supervisorEscalatedAt).toBeInstanceOf(Date);
      const due = breached.firstResponseDueAt as Date;

      // Firing the same timers again (a second worker, a re-added job) adds nothing.
      expect(await dispatcher.sla.fire(id, 'firstResponse', 'breach', due.getTime())).toBe(
        'already-fired',
      );
      expect(await dispatcher.sla.fire(id, 'firstResponse', 'warning', due.getTime())).toBe(
        'already-fired',
      );
      const warnings = notifier.of('notifyAgent');
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatchObject({ agentId: agent });
      expect(warnings[0]?.text).toMatch(/first response/);
      const alerts = notifier.of('alertSupervisors');
      expect(alerts).toHaveLength(1);
      expect(alerts[0]?.text).toMatch(/SLA breached: first response/);
      const events = await dispatcher.sla.models.SlaEvent.find({ ticketId: ticket._id }).lean();
      expect(events.map((e) => `${e.kind}.${e.stage}.${String(e.notified)}`).sort()).toEqual([
        'firstResponse.breach.true',
        'firstResponse.warning.true',
      ]);
      await workers.pop()?.close();
    });
  });

  describe('when the agent answers before the target', () => {
    it('cancels the timers, pauses the clock, and restarts it when the customer writes', async () => {
      const notifier = new RecordingNotifier();
      const dispatcher = fx.dispatcher({ notifier, settings: shortTargets });
      const { ticket } = await queuedTicket(fx.pool);
      const id = String(ticket._id);
      await dispatcher.sla.start(id, 'normal');
      const started = await fx.pool.getTicket(id);
      const firstDue = (started?.firstResponseDueAt as Date).getTime();
      expect(
        await dispatcher.queue.getJob(slaJobId(id, 'firstResponse', 'breach', firstDue)),
      ).toBeDefined();

      await dispatcher.onAgentReply(id, new Date());
      const paused = await fx.pool.getTicket(id);
      expect(paused?.slaState).toBe('paused');
      expect(paused?.agentRespondedAt).toBeInstanceOf(Date);
      expect(
        await dispatcher.queue.getJob(slaJobId(id, 'firstResponse', 'breach', firstDue)),
      ).toBeUndefined();
      // A timer that escaped removal does nothing once the target is met.
      expect(await dispatcher.sla.fire(id, 'firstResponse', 'breach', firstDue)).toBe('stopped');

      const later = new Date(Date.now() + 30 * 60_000);
      await dispatcher.sla.onCustomerMessage(paused!, later);
      const resumed = await fx.pool.getTicket(id);
      expect(resumed?.slaState).toBe('active');
      expect(resumed?.nextResponseDueAt?.getTime()).toBe(later.getTime() + 60 * 60_000);
      // The 30 paused minutes are not counted against the resolution target.
      expect(
        (resumed?.resolutionDueAt as Date).getTime() - (paused?.resolutionDueAt as Date).getTime(),
      ).toBe(later.getTime() - (paused?.slaPausedAt as Date).getTime());
      const nextDue = (resumed?.nextResponseDueAt as Date).getTime();
      expect(
        await dispatcher.queue.getJob(slaJobId(id, 'nextResponse', 'breach', nextDue)),
      ).toBeDefined();

      await fx.pool.transition(id, 'resolved', { by: 'test' });
      await dispatcher.onTicketReleased(id);
      expect((await fx.pool.getTicket(id))?.slaState).toBe('met');
      expect(
        await dispatcher.queue.getJob(slaJobId(id, 'nextResponse', 'breach', nextDue)),
      ).toBeUndefined();
      expect(notifier.calls.filter((c) => c.method !== 'offerTicket')).toEqual([]);
    });
  });

  describe('when a waiting ticket breaches', () => {
    it('escalates it to a supervisor through the next dispatch pass', async () => {
      const notifier = new RecordingNotifier();
      const dispatcher = fx.dispatcher({ notifier, settings: shortTargets });
      await allAgentsOffline(fx.pool);
      const supervisor = await newAgent(fx.pool, { role: 'supervisor', capacity: 2 });
      await newAgent(fx.pool, { role: 'agent', capacity: 5 });
      const { ticket } = await queuedTicket(fx.pool, {}, { urgency: 99 });
      const id = String(ticket._id);
      await dispatcher.sla.start(id, 'urgent');
      const due = (await fx.pool.getTicket(id))?.firstResponseDueAt as Date;
      expect(await dispatcher.sla.fire(id, 'firstResponse', 'breach', due.getTime())).toBe(
        'breached',
      );
      expect((await fx.pool.getTicket(id))?.tier).toBe('critical');
      await dispatcher.runPass();
      expect(String((await fx.pool.getTicket(id))?.offer?.agentId)).toBe(supervisor);
      expect(notifier.of('alertSupervisors')).toHaveLength(1);
    });
  });
});
