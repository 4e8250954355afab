import type { Queue } from 'bullmq';
import type { Logger } from 'pino';
import type { Priority } from '../domain/ticket.ts';
import { registerDispatchModels, type DispatchModels } from './sla-events.ts';
import type { TicketDoc } from '../pool/models.ts';
import type { TicketPool } from '../pool/pool.ts';
import type { SlaSettings } from './config.ts';
import { slaJobId, type DispatchJobData } from './jobs.ts';
import type { DispatchNotifier } from './ports.ts';
import {
  dueAt,
  DUE_FIELD,
  resumedDue,
  SLA_KINDS,
  warningAt,
  type SlaKind,
  type SlaStage,
} from './sla.ts';
import { updateTicketWhen } from './tickets.ts';

export interface SlaTimerDeps {
  pool: TicketPool;
  queue: Queue<DispatchJobData>;
  notifier: DispatchNotifier;
  settings: SlaSettings;
  now: () => Date;
  logger?: Logger | undefined;
}

type Dues = Partial<Record<SlaKind, Date | null | undefined>>;

function duesOf(ticket: TicketDoc): Dues {
  return {
    firstResponse: ticket.agentRespondedAt ? undefined : ticket.firstResponseDueAt,
    nextResponse: ticket.nextResponseDueAt,
    resolution: ticket.resolutionDueAt,
  };
}

/** Is the target of `kind` still running on this ticket (not met, not paused)? */
function running(ticket: TicketDoc, kind: SlaKind): boolean {
  if (ticket.slaPausedAt || ticket.status === 'resolved' || ticket.status === 'closed')
    return false;
  // The agents' first answer, not the bot's ("an agent will be with you shortly").
  if (kind === 'firstResponse') return !ticket.agentRespondedAt;
  return true;
}

/** What onCustomerMessage's condition and update read of the ticket (updateTicketWhen's pin). */
const CUSTOMER_MESSAGE_READS = [
  'slaPolicy',
  'status',
  'slaState',
  'slaPausedAt',
  'resolutionDueAt',
  'agentRespondedAt',
  'nextResponseDueAt',
] as const;

/**
 * The SLA clock of each ticket as BullMQ delayed jobs, keyed `sla.<ticket>.<kind>.<due epoch>`.
 * When a due time moves or the clock stops, the old jobs are removed; a job that could not be
 * removed (already running) checks the ticket when it fires and does nothing if its due time is no
 * longer current — so timers are correct even when removal loses a race.
 */
export class SlaTimers {
  readonly models: DispatchModels;

  constructor(private readonly deps: SlaTimerDeps) {
    this.models = registerDispatchModels(deps.pool.models.Ticket.db);
  }

  /**
   * Sets (or moves, when the priority rose) the first-response and resolution targets from the
   * time the ticket was queued, and schedules their timers. A repeat with the same policy only
   * makes sure the timers exist.
   */
  async start(ticketId: string, priority: Priority): Promise<TicketDoc | null> {
    let before = null as TicketDoc | null;
    const updated = await updateTicketWhen(
      this.deps.pool.models,
      this.deps.pool.locks,
      ticketId,
      (t) => {
        before = t;
        return this.startFields(t, priority) !== undefined;
      },
      (t) => ({ $set: this.startFields(t, priority) }),
    );
    if (updated && before) await this.cancel(before);
    const current = updated ?? before;
    if (current) await this.schedule(current);
    return updated;
  }

  /**
   * The fields that start (or move) the targets of `priority` on this version of the ticket, for
   * a caller that writes them in an update of its own (then cancel the old version's timers and
   * schedule the new one's); undefined when the ticket has this policy already or is finished.
   */
  startFields(t: TicketDoc, priority: Priority): Record<string, unknown> | undefined {
    if (t.slaPolicy === priority || t.status === 'resolved' || t.status === 'closed')
      return undefined;
    const { settings } = this.deps;
    const start = t.queuedAt ?? this.deps.now();
    return {
      slaPolicy: priority,
      slaState: t.slaState === 'breached' ? 'breached' : t.slaPausedAt ? 'paused' : 'active',
      firstResponseDueAt: dueAt('firstResponse', start, priority, settings),
      resolutionDueAt: dueAt('resolution', start, priority, settings),
      ...(t.nextResponseDueAt && t.lastCustomerMessageAt
        ? { nextResponseDueAt: dueAt('nextResponse', t.lastCustomerMessageAt, priority, settings) }
        : {}),
    };
  }

  /**
   * An agent answered: the first response is met, the next-response target stops, and the clock
   * pauses until the customer writes again (pending on the customer is not counted).
   */
  async onAgentResponse(ticketId: string, at: Date): Promise<void> {
    let before = null as TicketDoc | null;
    const updated = await updateTicketWhen(
      this.deps.pool.models,
      this.deps.pool.locks,
      ticketId,
      (t) => {
        before = t;
        return Boolean(t.slaPolicy) && !t.slaPausedAt;
      },
      (t) => ({
        $set: {
          slaPausedAt: at,
          ...(t.agentRespondedAt ? {} : { agentRespondedAt: at }),
          slaState: t.slaState === 'breached' ? 'breached' : 'paused',
        },
        $unset: { nextResponseDueAt: 1 },
      }),
    );
    if (updated && before) await this.cancel(before);
  }

  /** The customer wrote: the clock runs again; the next response is due from now. */
  async onCustomerMessage(ticket: TicketDoc, at: Date): Promise<TicketDoc> {
    const { settings } = this.deps;
    let before = null as TicketDoc | null;
    const updated = await updateTicketWhen(
      this.deps.pool.models,
      this.deps.pool.locks,
      ticket._id,
      (t) => {
        before = t;
        return Boolean(t.slaPolicy) && t.status !== 'closed' && t.status !== 'resolved';
      },
      (t) => {
        const priority = t.slaPolicy as Priority;
        const set: Record<string, unknown> = {
          slaState: t.slaState === 'breached' ? 'breached' : 'active',
        };
        if (t.slaPausedAt && t.resolutionDueAt)
          set['resolutionDueAt'] = resumedDue(
            t.resolutionDueAt,
            t.slaPausedAt,
            at,
            priority,
            settings,
          );
        // A next response is owed only once someone answered; before that the first one runs.
        if (t.agentRespondedAt && !t.nextResponseDueAt)
          set['nextResponseDueAt'] = dueAt('nextResponse', at, priority, settings);
        return { $set: set, $unset: { slaPausedAt: 1 } };
      },
      { ticket, reads: CUSTOMER_MESSAGE_READS },
    );
    if (updated && before) {
      await this.cancel(before);
      await this.schedule(updated);
    }
    return updated ?? before ?? ticket;
  }

  /** Resolved: every target stops; met unless one was breached. */
  async onResolved(ticketId: string): Promise<void> {
    let before = null as TicketDoc | null;
    await updateTicketWhen(
      this.deps.pool.models,
      this.deps.pool.locks,
      ticketId,
      (t) => {
        before = t;
        return Boolean(t.slaPolicy) && t.slaState !== 'met';
      },
      (t) => ({ $set: { slaState: t.slaState === 'breached' ? 'breached' : 'met' } }),
    );
    if (before) await this.cancel(before);
  }

  /** Adds the warning and breach jobs of every running target (ids make repeats no-ops). */
  async schedule(ticket: TicketDoc): Promise<void> {
    const { queue, settings } = this.deps;
    const now = this.deps.now().getTime();
    const priority = ticket.slaPolicy as Priority | undefined;
    if (!priority || !settings.policies[priority]) return;
    const id = String(ticket._id);
    for (const kind of SLA_KINDS) {
      const due = duesOf(ticket)[kind];
      if (!due || !running(ticket, kind)) continue;
      const dueEpoch = due.getTime();
      const warning = warningAt(kind, due, priority, settings).getTime();
      for (const [stage, fireAt] of [
        ['warning', warning],
        ['breach', dueEpoch],
      ] as const) {
        await queue.add(
          'sla',
          { kind: 'sla', ticketId: id, slaKind: kind, stage, dueEpoch },
          { jobId: slaJobId(id, kind, stage, dueEpoch), delay: Math.max(0, fireAt - now) },
        );
      }
    }
  }

  /** Removes the timers of the due times this (older) version of the ticket had. */
  async cancel(ticket: TicketDoc): Promise<void> {
    const id = String(ticket._id);
    const dues: Dues = {
      firstResponse: ticket.firstResponseDueAt,
      nextResponse: ticket.nextResponseDueAt,
      resolution: ticket.resolutionDueAt,
    };
    for (const kind of SLA_KINDS) {
      const due = dues[kind];
      if (!due) continue;
      for (const stage of ['warning', 'breach'] as const) {
        // 0 when the job is running or gone: the job's own check covers that case.
        await this.deps.queue.remove(slaJobId(id, kind, stage, due.getTime()));
      }
    }
  }

  /**
   * A timer fired. It acts only if its due time is still the ticket's and the target still runs;
   * the event's unique _id stores it once, and `notified` lets a retry finish the notification.
   */
  async fire(ticketId: string, kind: SlaKind, stage: SlaStage, dueEpoch: number): Promise<string> {
    const ticket = await this.deps.pool.getTicket(ticketId);
    if (!ticket) return 'no-ticket';
    const due = ticket[DUE_FIELD[kind]];
    if (!due || due.getTime() !== dueEpoch) return 'moved';
    if (!running(ticket, kind)) return 'stopped';
    const eventId = `${ticketId}.${kind}.${stage}.${dueEpoch}`;
    const { SlaEvent } = this.models;
    const holder = ticket.assigneeId ?? ticket.offer?.agentId ?? undefined;
    try {
      await SlaEvent.create({
        _id: eventId,
        ticketId: ticket._id,
        kind,
        stage,
        dueAt: due,
        at: this.deps.now(),
        ...(holder ? { assigneeId: holder } : {}),
        notified: false,
      });
    } catch (error) {
      if ((error as { code?: unknown }).code !== 11000) throw error;
      const existing = await SlaEvent.findById(eventId).lean();
      if (existing?.notified) return 'already-fired';
    }
    const label = `${kind === 'firstResponse' ? 'first response' : kind === 'nextResponse' ? 'next response' : 'resolution'}`;
    if (stage === 'warning') {
      if (holder)
        await this.deps.notifier.notifyAgent(
          String(holder),
          `Ticket #${ticket.number}: ${label} due at ${due.toISOString()} (${Math.round(this.deps.settings.warnAt * 100)} % of the target used).`,
          `sla.${eventId}`,
        );
    } else {
      const breached = await updateTicketWhen(
        this.deps.pool.models,
        this.deps.pool.locks,
        ticketId,
        () => true,
        (t) => ({
          $set: {
            slaState: 'breached',
            ...(t.supervisorEscalatedAt ? {} : { supervisorEscalatedAt: this.deps.now() }),
            // A waiting ticket goes to a supervisor on the next pass.
            ...(t.status === 'queued' ? { tier: 'critical' } : {}),
          },
        }),
      );
      await this.deps.notifier.alertSupervisors(
        breached ?? ticket,
        `SLA breached: ${label} was due ${due.toISOString()}`,
      );
    }
    await SlaEvent.updateOne({ _id: eventId }, { $set: { notified: true } });
    this.deps.logger?.info({ ticket: ticket.number, kind, stage }, 'sla timer fired');
    return stage === 'warning' ? 'warned' : 'breached';
  }
}
