import type { ForecastSettings } from './config.ts';

/**
 * Demand forecast: tickets per channel for each of the next 24 hours, from the ticket history,
 * with the agents needed to answer them within the first-response target.
 *
 * The model is seasonal with a weekly and a daily cycle, multiplicative: the expected tickets of a
 * weekday (an exponentially smoothed level per weekday, weight `alpha` on the latest week) times
 * the share of a day's tickets that falls in each hour (the daily profile, averaged over every day
 * of the history, so it is steady). Simple enough to explain to a team lead; it follows a
 * shifting week within a few weeks; a one-off surge (a sale day) it cannot foresee. Days are UTC.
 */
export interface ForecastHour {
  /** Start of the hour (UTC). */
  hour: Date;
  byChannel: Record<string, number>;
  total: number;
  /** Agents needed (Erlang C) for `serviceLevel` of tickets answered within `targetMinutes`. */
  agentsNeeded: number;
}

export interface DemandForecast {
  generatedAt: Date;
  hours: ForecastHour[];
}

const HOUR = 3_600_000;

interface ChannelModel {
  /** Smoothed tickets per weekday (0 = the weekday of epoch day 0; only relative use). */
  weekdayLevel: Map<number, number>;
  /** Share of a day's tickets per hour of the day (sums to 1). */
  hourShare: number[];
}

function channelModel(
  counts: Map<number, number>,
  firstHour: number,
  lastHour: number,
  alpha: number,
): ChannelModel {
  const firstDay = Math.ceil(firstHour / 24);
  const lastDay = Math.floor((lastHour + 1) / 24) - 1; // whole days only
  const hourTotals = Array.from({ length: 24 }, () => 0);
  const weekdayLevel = new Map<number, number>();
  let all = 0;
  for (let day = firstDay; day <= lastDay; day += 1) {
    let total = 0;
    for (let h = 0; h < 24; h += 1) {
      const n = counts.get(day * 24 + h) ?? 0;
      hourTotals[h] = (hourTotals[h] ?? 0) + n;
      total += n;
    }
    all += total;
    const weekday = day % 7;
    const previous = weekdayLevel.get(weekday);
    weekdayLevel.set(
      weekday,
      previous === undefined ? total : alpha * total + (1 - alpha) * previous,
    );
  }
  return {
    weekdayLevel,
    hourShare: hourTotals.map((n) => (all === 0 ? 1 / 24 : n / all)),
  };
}

function expected(model: ChannelModel, hour: number): number {
  const day = Math.floor(hour / 24);
  const levels = [...model.weekdayLevel.values()];
  // A weekday not yet seen (less than a week of history): the mean of the days seen.
  const level =
    model.weekdayLevel.get(day % 7) ??
    (levels.length === 0 ? 0 : levels.reduce((a, b) => a + b, 0) / levels.length);
  return level * (model.hourShare[hour % 24] ?? 0);
}

/**
 * The probability that a ticket waits no longer than `targetHours` with `agents` agents, offered
 * `erlangs` of work (arrivals per hour × hours per ticket): Erlang C.
 */
export function serviceLevelWith(
  agents: number,
  erlangs: number,
  targetHours: number,
  hoursPerTicket: number,
): number {
  if (erlangs <= 0) return 1;
  if (agents <= erlangs) return 0;
  // Σ A^k/k! for k < n and A^n/n!, by recurrence (no factorial overflow).
  let term = 1;
  let sum = 0;
  for (let k = 0; k < agents; k += 1) {
    sum += term;
    term = (term * erlangs) / (k + 1);
  }
  const top = (term * agents) / (agents - erlangs);
  const waitProbability = top / (sum + top);
  return 1 - waitProbability * Math.exp((-(agents - erlangs) * targetHours) / hoursPerTicket);
}

export function agentsNeeded(ticketsPerHour: number, settings: ForecastSettings): number {
  if (ticketsPerHour <= 0) return 0;
  const hoursPerTicket = 1 / settings.ticketsPerAgentHour;
  const erlangs = ticketsPerHour * hoursPerTicket;
  let agents = Math.max(1, Math.ceil(erlangs));
  while (
    serviceLevelWith(agents, erlangs, settings.targetMinutes / 60, hoursPerTicket) <
    settings.serviceLevel
  )
    agents += 1;
  return agents;
}

/** Forecasts the 24 hours after `now` from `history` (ticket creation times and channels). */
export function forecastDemand(
  history: ReadonlyArray<{ at: Date; channel: string }>,
  now: Date,
  settings: ForecastSettings,
): DemandForecast {
  const nowHour = Math.floor(now.getTime() / HOUR);
  const byChannel = new Map<string, Map<number, number>>();
  let firstHour = nowHour;
  for (const { at, channel } of history) {
    const hour = Math.floor(at.getTime() / HOUR);
    if (hour >= nowHour) continue; // the running hour is incomplete
    firstHour = Math.min(firstHour, hour);
    const counts = byChannel.get(channel) ?? new Map<number, number>();
    counts.set(hour, (counts.get(hour) ?? 0) + 1);
    byChannel.set(channel, counts);
  }
  const models = [...byChannel].map(
    ([channel, counts]) =>
      [channel, channelModel(counts, firstHour, nowHour - 1, settings.alpha)] as const,
  );
  const hours: ForecastHour[] = [];
  for (let h = nowHour; h < nowHour + 24; h += 1) {
    const perChannel: Record<string, number> = {};
    let total = 0;
    for (const [channel, model] of models) {
      const value = expected(model, h);
      perChannel[channel] = Math.round(value * 10) / 10;
      total += value;
    }
    hours.push({
      hour: new Date(h * HOUR),
      byChannel: perChannel,
      total: Math.round(total * 10) / 10,
      agentsNeeded: agentsNeeded(total, settings),
    });
  }
  return { generatedAt: now, hours };
}

/** Mean absolute percentage error over the hours with actual demand (MAPE, in %). */
export function meanAbsolutePercentageError(
  actual: readonly number[],
  forecast: readonly number[],
): number {
  let sum = 0;
  let n = 0;
  actual.forEach((a, i) => {
    if (a <= 0) return;
    sum += Math.abs(a - (forecast[i] ?? 0)) / a;
    n += 1;
  });
  return n === 0 ? 0 : (sum / n) * 100;
}
