/**
 * The admin console's service dashboard.
 *
 * The dashboard reads the tickets of the range with one bounded query (only the fields it needs)
 * and aggregates in Node: FerretDB 1.24 supports only the common aggregation stages, and grouping
 * by hour and channel, medians and percentiles would need several of the others. The bound is
 * explicit (`DASHBOARD_MAX_TICKETS`); a report over more says so (`truncated`). The forecast
 * chart reuses those tickets and reads one more bounded query, two fields of the tickets from
 * before the range that dispatch's forecast looks back on.
 */
import type { Types } from 'mongoose';
import type { AgentDoc, PoolModels } from '../../pool/models.ts';
import { DEFAULT_DISPATCH_SETTINGS, type ForecastSettings } from '../../dispatch/config.ts';
import { bucketKey } from './buckets.ts';
import {
  forecastAgainstActual,
  forecastWindow,
  NO_FORECAST,
  type DashboardForecast,
} from './forecast.ts';

/** Most tickets one dashboard reads. */
export const DASHBOARD_MAX_TICKETS = 50_000;
/** Most tickets from before the range the forecast chart reads as history (the newest kept). */
export const DASHBOARD_FORECAST_MAX_TICKETS = 50_000;
/** A ticket due within this many minutes (or overdue) is "at risk now". */
export const AT_RISK_MINUTES = 30;

/** The fields of a ticket the dashboard reads. */
export interface DashboardTicket {
  channel: string;
  status: string;
  createdAt: Date;
  queuedAt?: Date | null | undefined;
  assigneeId?: Types.ObjectId | null | undefined;
  firstResponseAt?: Date | null | undefined;
  agentRespondedAt?: Date | null | undefined;
  resolvedAt?: Date | null | undefined;
  reopenedAt?: Date | null | undefined;
  slaState?: string | null | undefined;
  csatScore?: number | null | undefined;
}

export interface DashboardRange {
  from: Date;
  to: Date;
  channel?: string | undefined;
}

export interface Percentiles {
  count: number;
  medianSeconds: number | null;
  p90Seconds: number | null;
}

export interface Dashboard {
  range: { from: Date; to: Date; channel: string | null; bucket: 'hour' | 'day' };
  truncated: boolean;
  volume: { buckets: string[]; series: Array<{ channel: string; counts: number[] }> };
  selfService: {
    finished: number;
    withoutAgent: number;
    rate: number | null;
    stillWithBot: number;
  };
  /** Finished tickets that were never reopened (a customer writing again, a person reopening). */
  firstContactResolution: { finished: number; withoutReopen: number; rate: number | null };
  /** Of every ticket of the range (open ones too), those no person was ever asked to handle. */
  botDeflection: { tickets: number; withoutAgent: number; rate: number | null };
  /** The first answer of anyone, bot included, from the ticket's opening. */
  firstResponse: Percentiles;
  /** A person's first answer, from the hand-over (the wait for a human). */
  agentFirstResponse: Percentiles;
  resolution: Percentiles;
  sla: { met: number; breached: number; active: number; paused: number; none: number };
  atRisk: Array<{ id: string; number: number; channel: string; dueAt: Date; overdue: boolean }>;
  agentLoad: Array<{ id: string; name: string; status: string; active: number; capacity: number }>;
  csat: { responses: number; average: number | null; distribution: number[] };
  forecast: DashboardForecast;
}

/** The value below which `share` of the sorted values lie (nearest rank). */
function percentile(sorted: readonly number[], share: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.max(1, Math.ceil(share * sorted.length));
  return sorted[Math.min(sorted.length, rank) - 1] ?? null;
}

function durations(
  tickets: readonly DashboardTicket[],
  end: (t: DashboardTicket) => Date | null | undefined,
  start: (t: DashboardTicket) => Date | null | undefined = (t) => t.createdAt,
): Percentiles {
  const values = tickets
    .map((t) => {
      const at = end(t);
      const from = start(t);
      return at && from ? (at.getTime() - from.getTime()) / 1000 : undefined;
    })
    .filter((v): v is number => v !== undefined && v >= 0)
    .sort((a, b) => a - b);
  return {
    count: values.length,
    medianSeconds: percentile(values, 0.5),
    p90Seconds: percentile(values, 0.9),
  };
}

/**
 * The dashboard's numbers from the tickets of the range (pure; tested on its own). `forecast`
 * comes from forecastAgainstActual, which needs history from before the range.
 */
export function computeDashboard(
  tickets: readonly DashboardTicket[],
  agents: readonly AgentDoc[],
  atRisk: Dashboard['atRisk'],
  range: DashboardRange,
  truncated: boolean,
  forecast: DashboardForecast = NO_FORECAST,
): Dashboard {
  const spanHours = (range.to.getTime() - range.from.getTime()) / 3_600_000;
  const bucket = spanHours <= 72 ? 'hour' : 'day';
  const step = bucket === 'hour' ? 3_600_000 : 86_400_000;
  const buckets: string[] = [];
  const start = new Date(Math.floor(range.from.getTime() / step) * step);
  for (let at = start.getTime(); at < range.to.getTime(); at += step) {
    buckets.push(bucketKey(new Date(at), bucket));
  }
  const index = new Map(buckets.map((b, i) => [b, i]));
  const byChannel = new Map<string, number[]>();
  for (const t of tickets) {
    const i = index.get(bucketKey(t.createdAt, bucket));
    if (i === undefined) continue;
    const counts = byChannel.get(t.channel) ?? buckets.map(() => 0);
    counts[i] = (counts[i] ?? 0) + 1;
    byChannel.set(t.channel, counts);
  }
  const finished = tickets.filter((t) => t.status === 'resolved' || t.status === 'closed');
  const neverHandedOver = (t: DashboardTicket) => !t.queuedAt && !t.assigneeId;
  const withoutAgent = finished.filter(neverHandedOver).length;
  const withoutReopen = finished.filter((t) => !t.reopenedAt).length;
  const deflected = tickets.filter(neverHandedOver).length;
  const sla = { met: 0, breached: 0, active: 0, paused: 0, none: 0 };
  for (const t of tickets) {
    const state = t.slaState;
    if (state === 'met' || state === 'breached' || state === 'active' || state === 'paused')
      sla[state] += 1;
    else sla.none += 1;
  }
  const scores = tickets
    .map((t) => t.csatScore)
    .filter((s): s is number => typeof s === 'number' && s >= 1 && s <= 5);
  const distribution = [1, 2, 3, 4, 5].map((n) => scores.filter((s) => Math.round(s) === n).length);
  return {
    range: { from: range.from, to: range.to, channel: range.channel ?? null, bucket },
    truncated,
    volume: {
      buckets,
      series: [...byChannel]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([channel, counts]) => ({ channel, counts })),
    },
    selfService: {
      finished: finished.length,
      withoutAgent,
      rate: finished.length === 0 ? null : withoutAgent / finished.length,
      stillWithBot: tickets.filter((t) => t.status === 'bot').length,
    },
    firstContactResolution: {
      finished: finished.length,
      withoutReopen,
      rate: finished.length === 0 ? null : withoutReopen / finished.length,
    },
    botDeflection: {
      tickets: tickets.length,
      withoutAgent: deflected,
      rate: tickets.length === 0 ? null : deflected / tickets.length,
    },
    firstResponse: durations(tickets, (t) => t.firstResponseAt),
    agentFirstResponse: durations(
      tickets,
      (t) => t.agentRespondedAt,
      (t) => t.queuedAt,
    ),
    resolution: durations(tickets, (t) => t.resolvedAt),
    sla,
    atRisk,
    agentLoad: agents.map((a) => ({
      id: String(a._id),
      name: a.displayName,
      status: a.status,
      active: a.activeTickets,
      capacity: a.capacity,
    })),
    csat: {
      responses: scores.length,
      average: scores.length === 0 ? null : scores.reduce((s, v) => s + v, 0) / scores.length,
      distribution,
    },
    forecast,
  };
}

/**
 * Reads what the dashboard needs and computes it: the range's tickets once, the agents, the open
 * tickets, and (one more query, two fields) the forecast's history from before the range.
 * `forecastSettings`: dispatch's forecast settings (alpha, history weeks, staffing target).
 */
export async function loadDashboard(
  models: PoolModels,
  range: DashboardRange,
  now = new Date(),
  forecastSettings: ForecastSettings = DEFAULT_DISPATCH_SETTINGS.forecast,
): Promise<Dashboard> {
  const filter: Record<string, unknown> = { createdAt: { $gte: range.from, $lt: range.to } };
  if (range.channel) filter['channel'] = range.channel;
  const tickets = (await models.Ticket.find(filter, {
    channel: 1,
    status: 1,
    createdAt: 1,
    queuedAt: 1,
    assigneeId: 1,
    firstResponseAt: 1,
    agentRespondedAt: 1,
    resolvedAt: 1,
    reopenedAt: 1,
    slaState: 1,
    // Added by the CSAT work when present; absent fields simply read as undefined.
    csatScore: 1,
  })
    .limit(DASHBOARD_MAX_TICKETS + 1)
    .lean()) as unknown as DashboardTicket[];
  const truncated = tickets.length > DASHBOARD_MAX_TICKETS;
  const agents = (await models.Agent.find({}, { activeTicketIds: 0 })
    .sort({ displayName: 1 })
    .lean()) as unknown as AgentDoc[];
  const openFilter: Record<string, unknown> = { status: { $in: ['queued', 'assigned'] } };
  if (range.channel) openFilter['channel'] = range.channel;
  const open = (await models.Ticket.find(openFilter, {
    number: 1,
    channel: 1,
    slaState: 1,
    firstResponseDueAt: 1,
    nextResponseDueAt: 1,
    resolutionDueAt: 1,
    firstResponseAt: 1,
  })
    .limit(5000)
    .lean()) as Array<{
    _id: Types.ObjectId;
    number: number;
    channel: string;
    slaState?: string | null;
    firstResponseAt?: Date | null;
    firstResponseDueAt?: Date | null;
    nextResponseDueAt?: Date | null;
    resolutionDueAt?: Date | null;
  }>;
  const horizon = now.getTime() + AT_RISK_MINUTES * 60_000;
  const atRisk = open
    .filter((t) => t.slaState === 'active' || t.slaState === undefined || t.slaState === null)
    .map((t) => {
      const dues = [
        t.firstResponseAt ? undefined : t.firstResponseDueAt,
        t.nextResponseDueAt,
        t.resolutionDueAt,
      ]
        .filter((d): d is Date => d instanceof Date)
        .sort((a, b) => a.getTime() - b.getTime());
      return { t, due: dues[0] };
    })
    .filter(
      (x): x is { t: (typeof open)[number]; due: Date } =>
        x.due !== undefined && x.due.getTime() <= horizon,
    )
    .sort((a, b) => a.due.getTime() - b.due.getTime())
    .map(({ t, due }) => ({
      id: String(t._id),
      number: t.number,
      channel: t.channel,
      dueAt: due,
      overdue: due.getTime() < now.getTime(),
    }));
  const inRange = tickets.slice(0, DASHBOARD_MAX_TICKETS);
  const span = forecastWindow(range, now, forecastSettings);
  let before: Array<{ createdAt: Date; channel: string }> = [];
  if (span.historyFrom && span.historyFrom.getTime() < range.from.getTime()) {
    const historyFilter: Record<string, unknown> = {
      createdAt: { $gte: span.historyFrom, $lt: range.from },
    };
    if (range.channel) historyFilter['channel'] = range.channel;
    before = await models.Ticket.find(historyFilter, { _id: 0, createdAt: 1, channel: 1 })
      .sort({ createdAt: -1 })
      .limit(DASHBOARD_FORECAST_MAX_TICKETS + 1)
      .lean();
  }
  const forecast = forecastAgainstActual(
    [...before.slice(0, DASHBOARD_FORECAST_MAX_TICKETS), ...inRange].map((t) => ({
      at: t.createdAt,
      channel: t.channel,
    })),
    range,
    now,
    forecastSettings,
    before.length > DASHBOARD_FORECAST_MAX_TICKETS,
  );
  return computeDashboard(inRange, agents, atRisk, range, truncated, forecast);
}
