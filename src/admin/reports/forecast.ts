/**
 * The dashboard's forecast chart: dispatch's demand forecast (src/dispatch/forecast.ts) for each
 * complete hour of the range's last 24, against the tickets that came, and the next 24 hours.
 */
import type { ForecastSettings } from '../../dispatch/config.ts';
import { forecastDemand, meanAbsolutePercentageError } from '../../dispatch/forecast.ts';
import { bucketKey, HOUR_MS } from './buckets.ts';

/**
 * The 24-hour demand forecast against what arrived: for each complete hour of the last 24 of the
 * range, the total dispatch's forecast (src/dispatch/forecast.ts) would have given that hour from
 * the history before it, beside the tickets that came; and, when the range reaches the running
 * hour, the forecast of the next 24 hours. Tickets of the range's channel only, when it has one.
 */
export interface DashboardForecast {
  /** The hours compared (UTC, as the volume chart's hourly buckets), oldest first. */
  hours: string[];
  forecast: number[];
  actual: number[];
  /**
   * Mean absolute percentage error of `forecast` against `actual`, in %, over the hours that had
   * tickets (forecast.ts's measure); null when none had any.
   */
  mape: number | null;
  /** The next 24 hours from the running one, when the range reaches it; else empty. */
  ahead: { hours: string[]; forecast: number[]; agentsNeeded: number[] };
  /** The history before the range was cut at DASHBOARD_FORECAST_MAX_TICKETS (oldest left out). */
  truncated: boolean;
  /**
   * Tickets so far in the running hour (not compared until it is complete), when the range reaches
   * it: so "no tickets in the compared hours" never reads as "no tickets at all".
   */
  runningHourActual: number;
}

/** What the forecast chart needs: its hours and how far back the history goes. */
export interface ForecastWindow {
  /** First and past-the-last compared hour, in hours since the epoch (equal: none). */
  startHour: number;
  endHour: number;
  /** The next 24 hours are forecast too (the range reaches the running hour). */
  ahead: boolean;
  /** Earliest ticket any of these forecasts reads; undefined: no forecast to make. */
  historyFrom: Date | undefined;
}

/**
 * The hours the forecast chart compares: the complete hours of the range (the running hour is
 * incomplete), the last 24 of them; the next 24 when the range reaches the running hour (a range
 * that ends "now" or later, as the API's default and the console's "to today" do).
 */
export function forecastWindow(
  range: { from: Date; to: Date },
  now: Date,
  settings: ForecastSettings,
): ForecastWindow {
  const nowHour = Math.floor(now.getTime() / HOUR_MS);
  const endHour = Math.max(
    Math.ceil(range.from.getTime() / HOUR_MS),
    Math.min(Math.floor(range.to.getTime() / HOUR_MS), nowHour),
  );
  const startHour = Math.max(endHour - 24, Math.ceil(range.from.getTime() / HOUR_MS));
  const ahead =
    range.from.getTime() <= now.getTime() && Math.floor(range.to.getTime() / HOUR_MS) >= nowHour;
  const first = startHour < endHour ? startHour : ahead ? nowHour : undefined;
  return {
    startHour,
    endHour,
    ahead,
    historyFrom:
      first === undefined
        ? undefined
        : new Date(first * HOUR_MS - settings.historyWeeks * 7 * 86_400_000),
  };
}

/** Index of the first item of `sorted` (ascending by time) at or after `time`. */
function firstAtOrAfter(sorted: ReadonlyArray<{ at: Date }>, time: number): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if ((sorted[mid]?.at.getTime() ?? Infinity) < time) low = mid + 1;
    else high = mid;
  }
  return low;
}

/**
 * The forecast chart from the tickets (pure; tested on its own). `history` holds the tickets the
 * window needs (from `historyFrom` on, of the range's channel). Each hour's forecast is
 * forecastDemand's first hour with "now" at that hour and the history dispatch would have read
 * then (`historyWeeks` back), so the chart shows what dispatch actually predicted.
 */
export function forecastAgainstActual(
  history: ReadonlyArray<{ at: Date; channel: string }>,
  range: { from: Date; to: Date },
  now: Date,
  settings: ForecastSettings,
  truncated = false,
): DashboardForecast {
  const span = forecastWindow(range, now, settings);
  const sorted = [...history].sort((a, b) => a.at.getTime() - b.at.getTime());
  const lookBack = settings.historyWeeks * 7 * 86_400_000;
  const forecastAt = (time: number) =>
    forecastDemand(
      sorted.slice(firstAtOrAfter(sorted, time - lookBack), firstAtOrAfter(sorted, time)),
      new Date(time),
      settings,
    );
  const hours: string[] = [];
  const forecast: number[] = [];
  const actual: number[] = [];
  for (let hour = span.startHour; hour < span.endHour; hour += 1) {
    const time = hour * HOUR_MS;
    hours.push(bucketKey(new Date(time), 'hour'));
    forecast.push(forecastAt(time).hours[0]?.total ?? 0);
    actual.push(firstAtOrAfter(sorted, time + HOUR_MS) - firstAtOrAfter(sorted, time));
  }
  const next = span.ahead ? forecastAt(now.getTime()).hours : [];
  const runningHourActual = span.ahead
    ? sorted.length - firstAtOrAfter(sorted, span.endHour * HOUR_MS)
    : 0;
  return {
    runningHourActual,
    hours,
    forecast,
    actual,
    mape: actual.some((n) => n > 0)
      ? Math.round(meanAbsolutePercentageError(actual, forecast) * 10) / 10
      : null,
    ahead: {
      hours: next.map((h) => bucketKey(h.hour, 'hour')),
      forecast: next.map((h) => h.total),
      agentsNeeded: next.map((h) => h.agentsNeeded),
    },
    truncated,
  };
}

/** The forecast chart of a range with no hour to compare or forecast. */
export const NO_FORECAST: DashboardForecast = {
  hours: [],
  forecast: [],
  actual: [],
  mape: null,
  ahead: { hours: [], forecast: [], agentsNeeded: [] },
  truncated: false,
  runningHourActual: 0,
};
