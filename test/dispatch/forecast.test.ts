import { describe, expect, it } from 'vitest';
import { DEFAULT_DISPATCH_SETTINGS } from '../../src/dispatch/config.ts';
import {
  agentsNeeded,
  forecastDemand,
  meanAbsolutePercentageError,
  serviceLevelWith,
} from '../../src/dispatch/forecast.ts';

const settings = DEFAULT_DISPATCH_SETTINGS.forecast;
const HOUR = 3_600_000;
const start = Date.UTC(2026, 10, 2); // a Monday

/** Three weeks: 2 emails an hour, 10 chats at noon on weekdays, 1 at noon on weekends. */
function history() {
  const rows: Array<{ at: Date; channel: string }> = [];
  for (let h = 0; h < 21 * 24; h += 1) {
    const at = new Date(start + h * HOUR);
    for (let i = 0; i < 2; i += 1) rows.push({ at, channel: 'email' });
    const weekend = at.getUTCDay() === 0 || at.getUTCDay() === 6;
    if (at.getUTCHours() === 12)
      for (let i = 0; i < (weekend ? 1 : 10); i += 1) rows.push({ at, channel: 'webchat' });
  }
  return rows;
}

describe('demand forecast', () => {
  describe('when the history has daily peaks and quiet weekends', () => {
    it('forecasts the weekday peak per channel and staffs it', () => {
      const monday = new Date(start + 21 * 24 * HOUR);
      const forecast = forecastDemand(history(), monday, settings);
      expect(forecast.hours).toHaveLength(24);
      const noon = forecast.hours[12];
      expect(noon?.byChannel).toEqual({ email: 2, webchat: 10 });
      expect(forecast.hours[3]?.byChannel).toEqual({ email: 2, webchat: 0 });
      expect(noon?.agentsNeeded).toBeGreaterThan(forecast.hours[3]?.agentsNeeded ?? Infinity);
    });

    it('knows the weekend from the weekly cycle', () => {
      const saturday = new Date(start + 19 * 24 * HOUR);
      const forecast = forecastDemand(
        history().filter((r) => r.at.getTime() < saturday.getTime()),
        saturday,
        settings,
      );
      expect(forecast.hours[12]?.byChannel['webchat']).toBe(1);
    });
  });

  it('needs more agents for more tickets and a stricter target (Erlang C)', () => {
    expect(agentsNeeded(0, settings)).toBe(0);
    expect(agentsNeeded(30, settings)).toBeGreaterThan(agentsNeeded(10, settings));
    expect(agentsNeeded(30, { ...settings, targetMinutes: 1 })).toBeGreaterThanOrEqual(
      agentsNeeded(30, settings),
    );
    // Textbook case: 10 calls/h of 6 min = 1 erlang; 2 agents answer ~80 % within 3 min.
    expect(serviceLevelWith(2, 1, 0.05, 0.1)).toBeCloseTo(0.8, 1);
  });

  it('measures the error as MAPE over hours with demand', () => {
    expect(meanAbsolutePercentageError([10, 0, 20], [5, 3, 20])).toBeCloseTo(25);
  });
});
