import { DateTime } from 'luxon';
import type { SlaSettings } from './config.ts';

/**
 * Business-time arithmetic for SLA targets: opening hours per weekday in the calendar's time zone,
 * minus holidays. Luxon does the zone work (daylight-saving days are 23 or 25 hours long; an
 * opening hour is a wall-clock time), so every day's intervals are built in the zone and compared
 * as instants.
 */
export interface BusinessCalendar {
  /** Business milliseconds elapsed between two instants (0 when `to` is not after `from`). */
  elapsed(from: Date, to: Date): number;
  /** The instant at which `ms` business milliseconds have elapsed after `from`. */
  add(from: Date, ms: number): Date;
  /** The instant `ms` business milliseconds before `to` (for the 80 % warning of a target). */
  subtract(to: Date, ms: number): Date;
}

const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
/** Far enough for any target (a year of closed days would be a configuration error). */
const MAX_DAYS = 800;

type Hours = Pick<SlaSettings, 'timezone' | 'hours' | 'holidays'>;

/** Around the clock: plain arithmetic (a policy with `clock: calendar`). */
export const calendarClock: BusinessCalendar = {
  elapsed: (from, to) => Math.max(0, to.getTime() - from.getTime()),
  add: (from, ms) => new Date(from.getTime() + ms),
  subtract: (to, ms) => new Date(to.getTime() - ms),
};

function atClock(day: DateTime, value: string): DateTime {
  if (value === '24:00') return day.plus({ days: 1 }).startOf('day');
  const [hour, minute] = value.split(':').map(Number);
  return day.set({ hour: hour ?? 0, minute: minute ?? 0, second: 0, millisecond: 0 });
}

export function businessCalendar(settings: Hours): BusinessCalendar {
  const holidays = new Set(settings.holidays);
  const open = WEEKDAYS.some((day) => settings.hours[day].length > 0);

  /** The day's open intervals as epoch ms, in order. */
  const intervals = (day: DateTime): Array<[number, number]> => {
    if (holidays.has(day.toISODate() ?? '')) return [];
    const name = WEEKDAYS[day.weekday - 1] ?? 'mon';
    return settings.hours[name]
      .map(
        ([from, to]) =>
          [atClock(day, from).toMillis(), atClock(day, to).toMillis()] as [number, number],
      )
      .filter(([from, to]) => to > from)
      .sort((a, b) => a[0] - b[0]);
  };

  const startDay = (at: Date) =>
    DateTime.fromJSDate(at, { zone: settings.timezone }).startOf('day');

  return {
    elapsed(from, to) {
      if (!open || to <= from) return 0;
      const [a, b] = [from.getTime(), to.getTime()];
      let total = 0;
      let day = startDay(from);
      for (let i = 0; i < MAX_DAYS && day.toMillis() < b; i += 1) {
        for (const [start, end] of intervals(day)) {
          total += Math.max(0, Math.min(end, b) - Math.max(start, a));
        }
        day = day.plus({ days: 1 });
      }
      return total;
    },
    add(from, ms) {
      if (!open) throw new Error('the business calendar has no opening hours');
      let left = Math.max(0, ms);
      const a = from.getTime();
      let day = startDay(from);
      for (let i = 0; i < MAX_DAYS; i += 1) {
        for (const [start, end] of intervals(day)) {
          const begin = Math.max(start, a);
          if (end <= begin) continue;
          if (left === 0) return new Date(begin);
          if (end - begin >= left) return new Date(begin + left);
          left -= end - begin;
        }
        day = day.plus({ days: 1 });
      }
      throw new Error(`no business time within ${MAX_DAYS} days of ${from.toISOString()}`);
    },
    subtract(to, ms) {
      if (!open) throw new Error('the business calendar has no opening hours');
      let left = Math.max(0, ms);
      const b = to.getTime();
      let day = startDay(to);
      for (let i = 0; i < MAX_DAYS; i += 1) {
        for (const [start, end] of [...intervals(day)].reverse()) {
          const finish = Math.min(end, b);
          if (finish <= start) continue;
          if (finish - start >= left) return new Date(finish - left);
          left -= finish - start;
        }
        day = day.minus({ days: 1 });
      }
      throw new Error(`no business time within ${MAX_DAYS} days before ${to.toISOString()}`);
    },
  };
}
