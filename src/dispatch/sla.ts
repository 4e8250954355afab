import type { Priority } from '../domain/ticket.ts';
import { businessCalendar, calendarClock, type BusinessCalendar } from './calendar.ts';
import type { SlaPolicySettings, SlaSettings } from './config.ts';

/**
 * SLA arithmetic, pure: the due times of a priority's targets, where the 80 % warning falls, and
 * how much of a target is left. The timers that act on them are in sla-timers.ts.
 */
export const SLA_KINDS = ['firstResponse', 'nextResponse', 'resolution'] as const;
export type SlaKind = (typeof SLA_KINDS)[number];
export type SlaStage = 'warning' | 'breach';

export const DUE_FIELD: Record<
  SlaKind,
  'firstResponseDueAt' | 'nextResponseDueAt' | 'resolutionDueAt'
> = {
  firstResponse: 'firstResponseDueAt',
  nextResponse: 'nextResponseDueAt',
  resolution: 'resolutionDueAt',
};

const MINUTE = 60_000;

export function policyFor(priority: Priority, settings: SlaSettings): SlaPolicySettings {
  return settings.policies[priority];
}

export function targetMs(kind: SlaKind, policy: SlaPolicySettings): number {
  switch (kind) {
    case 'firstResponse':
      return policy.firstResponseMinutes * MINUTE;
    case 'nextResponse':
      return policy.nextResponseMinutes * MINUTE;
    case 'resolution':
      return policy.resolutionMinutes * MINUTE;
  }
}

/** The clock a policy runs on: business hours of the configured calendar, or around the clock. */
export function clockFor(policy: SlaPolicySettings, settings: SlaSettings): BusinessCalendar {
  return policy.clock === 'calendar' ? calendarClock : businessCalendar(settings);
}

/** When the target of `kind`, started at `start`, falls due. */
export function dueAt(kind: SlaKind, start: Date, priority: Priority, settings: SlaSettings): Date {
  const policy = policyFor(priority, settings);
  return clockFor(policy, settings).add(start, targetMs(kind, policy));
}

/** When the assignee is warned: `warnAt` of the target gone, i.e. the rest before the due time. */
export function warningAt(
  kind: SlaKind,
  due: Date,
  priority: Priority,
  settings: SlaSettings,
): Date {
  const policy = policyFor(priority, settings);
  return clockFor(policy, settings).subtract(due, (1 - settings.warnAt) * targetMs(kind, policy));
}

/**
 * A paused clock (pending on the customer) moves the due time by the business time the pause
 * lasted: the target keeps the business time that was left when it stopped.
 */
export function resumedDue(
  due: Date,
  pausedAt: Date,
  resumedAt: Date,
  priority: Priority,
  settings: SlaSettings,
): Date {
  const clock = clockFor(policyFor(priority, settings), settings);
  if (due <= pausedAt) return due;
  return clock.add(resumedAt, clock.elapsed(pausedAt, due));
}

/**
 * The share of the nearest running target still left: 1 just started, 0 or below due or passed.
 * Undefined when no target runs (no policy yet, paused, or all met).
 */
export function fractionLeft(
  ticket: {
    priority?: Priority | null | undefined;
    slaPolicy?: string | null | undefined;
    slaPausedAt?: Date | null | undefined;
    agentRespondedAt?: Date | null | undefined;
    firstResponseDueAt?: Date | null | undefined;
    nextResponseDueAt?: Date | null | undefined;
    resolutionDueAt?: Date | null | undefined;
  },
  now: Date,
  settings: SlaSettings,
): number | undefined {
  if (!ticket.slaPolicy || ticket.slaPausedAt) return undefined;
  const priority = ticket.slaPolicy as Priority;
  const policy = settings.policies[priority];
  if (!policy) return undefined;
  const clock = clockFor(policy, settings);
  let nearest: number | undefined;
  for (const kind of SLA_KINDS) {
    const due = ticket[DUE_FIELD[kind]];
    if (!due || (kind === 'firstResponse' && ticket.agentRespondedAt)) continue;
    const left = due <= now ? 0 : clock.elapsed(now, due) / targetMs(kind, policy);
    nearest = nearest === undefined ? left : Math.min(nearest, left);
  }
  return nearest;
}
