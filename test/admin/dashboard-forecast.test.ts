import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Types } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../src/app.ts';
import { DEFAULT_DISPATCH_SETTINGS } from '../../src/dispatch/config.ts';
import { forecastDemand } from '../../src/dispatch/forecast.ts';
import { dashboardCsv } from '../../src/admin/reports/csv.ts';
import { computeDashboard } from '../../src/admin/reports/dashboard.ts';
import { forecastAgainstActual, forecastWindow } from '../../src/admin/reports/forecast.ts';
import { startTestGateway, testConfig } from '../support/gateway.ts';
import { API, dropDatabase, makeAccount, signIn, type Session } from './support.ts';

const settings = DEFAULT_DISPATCH_SETTINGS.forecast;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const start = Date.UTC(2026, 10, 2); // a Monday
const monday = start + 21 * DAY; // after three weeks of history

/**
 * Tickets as forecast.test.ts plants them: 2 emails an hour, 10 chats at noon on weekdays, 1 at
 * noon on weekends; `days` days from `start`, plus `extra` tickets at given times.
 */
function tickets(days: number, extra: number[] = []): Array<{ at: Date; channel: string }> {
  const rows: Array<{ at: Date; channel: string }> = [];
  for (let h = 0; h < days * 24; h += 1) {
    const at = new Date(start + h * HOUR + 5 * 60_000);
    for (let i = 0; i < 2; i += 1) rows.push({ at, channel: 'email' });
    const weekend = at.getUTCDay() === 0 || at.getUTCDay() === 6;
    if (at.getUTCHours() === 12)
      for (let i = 0; i < (weekend ? 1 : 10); i += 1) rows.push({ at, channel: 'webchat' });
  }
  for (const time of extra) rows.push({ at: new Date(time), channel: 'email' });
  return rows;
}

const key = (time: number) => `${new Date(time).toISOString().slice(0, 13)}:00Z`;

describe('dashboard forecast against actual', () => {
  it('counts the tickets of the running hour, so a quiet day with a busy last hour reads right', () => {
    // 40 tickets in the running hour, none in the 24 complete hours before.
    const now = monday + 10 * HOUR + 30 * 60_000;
    const burst = Array.from({ length: 40 }, (_, i) => ({
      at: new Date(monday + 10 * HOUR + i * 30_000),
      channel: 'webchat',
    }));
    const f = forecastAgainstActual(
      burst,
      { from: new Date(now - DAY), to: new Date(now) },
      new Date(now),
      settings,
    );
    expect(f.actual.reduce((a, b) => a + b, 0)).toBe(0);
    expect(f.mape).toBeNull();
    expect(f.runningHourActual).toBe(40);
  });

  describe('when the range ended before now', () => {
    // Monday as it came: the usual pattern, and a surge of 4 more emails at 15:00.
    const surge = Array.from({ length: 4 }, () => monday + 15 * HOUR + 60_000);
    const range = { from: new Date(monday), to: new Date(monday + DAY) };
    const later = new Date(monday + 9 * DAY);
    const f = forecastAgainstActual(tickets(22, surge), range, later, settings);

    it("compares each hour of the range's last 24 with what dispatch forecast for it", () => {
      expect(f.hours).toHaveLength(24);
      expect(f.hours[0]).toBe(key(monday));
      expect(f.hours[23]).toBe(key(monday + 23 * HOUR));
      expect(f.forecast).toEqual(Array.from({ length: 24 }, (_, h) => (h === 12 ? 12 : 2)));
      expect(f.actual).toEqual(
        Array.from({ length: 24 }, (_, h) => (h === 12 ? 12 : h === 15 ? 6 : 2)),
      );
    });

    it('gives each hour the forecast made from the history before it, as dispatch does', () => {
      const history = tickets(22, surge);
      const at = monday + 16 * HOUR;
      const made = forecastDemand(
        history.filter((t) => t.at.getTime() < at),
        new Date(at),
        settings,
      );
      expect(f.forecast[16]).toBe(made.hours[0]?.total);
    });

    it("sums the error up as forecast.ts's MAPE, over hours with tickets", () => {
      // One hour of 24 off by 4 of 6 tickets: 66.7 % / 24.
      expect(f.mape).toBeCloseTo(2.8, 5);
    });

    it('forecasts nothing ahead', () => {
      expect(f.ahead).toEqual({ hours: [], forecast: [], agentsNeeded: [] });
    });
  });

  describe('when the range reaches now', () => {
    const now = new Date(monday + 10 * HOUR + 30 * 60_000);
    const range = { from: new Date(monday - 2 * DAY), to: now };
    const f = forecastAgainstActual(tickets(22), range, now, settings);

    it('compares the last 24 complete hours, the running one left out', () => {
      expect(f.hours[0]).toBe(key(monday - 14 * HOUR));
      expect(f.hours.at(-1)).toBe(key(monday + 9 * HOUR));
      expect(f.actual.at(-1)).toBe(2);
    });

    it('adds the next 24 hours from the running one, staffed', () => {
      expect(f.ahead.hours).toHaveLength(24);
      expect(f.ahead.hours[0]).toBe(key(monday + 10 * HOUR));
      expect(f.ahead.forecast[2]).toBe(12); // noon
      expect(f.ahead.agentsNeeded[2]).toBeGreaterThan(f.ahead.agentsNeeded[0] ?? Infinity);
    });
  });

  describe('when the range is shorter than a day or has no tickets', () => {
    it('compares only the complete hours inside the range', () => {
      const range = { from: new Date(monday + 3.5 * HOUR), to: new Date(monday + 8 * HOUR) };
      const f = forecastAgainstActual(tickets(22), range, new Date(monday + 5 * DAY), settings);
      expect(f.hours).toEqual([4, 5, 6, 7].map((h) => key(monday + h * HOUR)));
    });

    it('has no error figure without tickets, and no hours for a range in the future', () => {
      const now = new Date(monday);
      const past = forecastAgainstActual(
        [],
        { from: new Date(monday - DAY), to: now },
        now,
        settings,
      );
      expect(past.mape).toBeNull();
      expect(past.forecast.every((n) => n === 0)).toBe(true);
      const future = forecastWindow(
        { from: new Date(monday + DAY), to: new Date(monday + 2 * DAY) },
        now,
        settings,
      );
      expect(future).toMatchObject({ ahead: false, historyFrom: undefined });
      expect(future.endHour - future.startHour).toBe(0);
    });

    it('reads history back as far as the first forecast looks', () => {
      const now = new Date(monday + 10 * HOUR + 30 * 60_000);
      const w = forecastWindow({ from: new Date(monday - 7 * DAY), to: now }, now, settings);
      expect(w.historyFrom?.getTime()).toBe(monday - 14 * HOUR - settings.historyWeeks * 7 * DAY);
    });
  });

  it('exports compared hours and the next 24 as CSV', () => {
    const now = new Date(monday + 10 * HOUR);
    const range = { from: new Date(monday - DAY), to: now };
    const forecast = forecastAgainstActual(tickets(22), range, now, settings);
    const rows = dashboardCsv(computeDashboard([], [], [], range, false, forecast), 'forecast');
    expect(rows?.[0]).toEqual(['hour', 'forecast', 'actual', 'error_percent', 'agents_needed']);
    expect(rows).toHaveLength(1 + 24 + 24);
    expect(rows?.[1]).toEqual([key(monday - 14 * HOUR), '2', '2', '0.0', '']);
    expect(rows?.[25]?.[0]).toBe(key(monday + 10 * HOUR));
    expect(rows?.[25]?.[2]).toBe('');
  });
});

describe('GET /dashboard forecast', () => {
  let gateway: Gateway;
  let supervisor: Session;
  const nowHour = Math.floor(Date.now() / HOUR);

  const config = testConfig({ KB_LOCALES: 'en' });

  beforeAll(async () => {
    gateway = await startTestGateway({ role: 'api', config });
    await makeAccount(gateway, 'supervisor');
    supervisor = await signIn(gateway, 'supervisor@example.test');
    // 15 days up to the running hour: one SMS an hour and three emails, as stored tickets.
    const docs: Array<Record<string, unknown>> = [];
    let n = 0;
    for (let hour = nowHour - 15 * 24; hour <= nowHour; hour += 1) {
      for (const channel of ['sms', 'email', 'email', 'email']) {
        n += 1;
        const createdAt = new Date(hour * HOUR + 1000);
        docs.push({
          number: n,
          channel,
          threadKey: `planted-${n}`,
          contactId: new Types.ObjectId(),
          status: 'resolved',
          replyTo: { kind: channel === 'sms' ? 'phone' : 'email', value: `planted-${n}` },
          createdAt,
          updatedAt: createdAt,
        });
      }
    }
    await gateway.pool.models.Ticket.collection.insertMany(docs);
  });

  afterAll(async () => {
    await dropDatabase(gateway);
    await gateway.stop();
  });

  // The last day only: the forecasts need the two weeks before it, read by one more query.
  const from = () => new Date((nowHour - 24) * HOUR).toISOString();

  it("returns the channel's forecast against actual, from history before the range", async () => {
    const res = await supervisor.agent
      .get(`${API}/dashboard`)
      .query({ from: from(), channel: 'sms' });
    expect(res.status).toBe(200);
    const f = res.body.forecast as {
      hours: string[];
      forecast: number[];
      actual: number[];
      mape: number | null;
      ahead: { hours: string[]; forecast: number[]; agentsNeeded: number[] };
      truncated: boolean;
    };
    expect(f.hours).toHaveLength(24);
    expect(f.actual).toEqual(Array.from({ length: 24 }, () => 1));
    expect(f.forecast).toEqual(Array.from({ length: 24 }, () => 1));
    expect(f.mape).toBe(0);
    expect(f.ahead.forecast).toEqual(Array.from({ length: 24 }, () => 1));
    expect(f.ahead.agentsNeeded.every((n) => n >= 1)).toBe(true);
    expect(f.truncated).toBe(false);
  });

  it('counts every channel without a channel filter', async () => {
    const res = await supervisor.agent.get(`${API}/dashboard`).query({ from: from() });
    const f = res.body.forecast as { forecast: number[]; actual: number[] };
    expect(f.actual).toEqual(Array.from({ length: 24 }, () => 4));
    expect(f.forecast).toEqual(Array.from({ length: 24 }, () => 4));
  });

  it('exports the chart as forecast.csv', async () => {
    const res = await supervisor.agent
      .get(`${API}/dashboard/forecast.csv`)
      .query({ from: from(), channel: 'sms' });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toContain('text/csv');
    const lines = res.text.trimEnd().split('\r\n');
    expect(lines[0]).toBe('hour,forecast,actual,error_percent,agents_needed');
    expect(lines).toHaveLength(1 + 24 + 24);
    expect(lines[1]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:00Z,1,1,0\.0,$/);
  });

  it("staffs the hours ahead with dispatch's own forecast settings (DISPATCH_CONFIG_FILE)", async () => {
    // An agent who handles a quarter of a ticket an hour: many more agents for the same demand.
    const dir = mkdtempSync(join(tmpdir(), 'sb-dispatch-'));
    const file = join(dir, 'dispatch.yml');
    writeFileSync(file, 'forecast:\n  ticketsPerAgentHour: 0.25\n');
    const configured = await startTestGateway({
      role: 'api',
      config,
      env: { DISPATCH_CONFIG_FILE: file },
    });
    try {
      const asSupervisor = await signIn(configured, 'supervisor@example.test');
      const ahead = async (session: Session) =>
        (
          (await session.agent.get(`${API}/dashboard`).query({ from: from(), channel: 'sms' })).body
            .forecast as { ahead: { forecast: number[]; agentsNeeded: number[] } }
        ).ahead;
      const byDefault = await ahead(supervisor);
      const byFile = await ahead(asSupervisor);
      expect(byFile.forecast).toEqual(byDefault.forecast);
      for (const [hour, agents] of byFile.agentsNeeded.entries())
        expect(agents).toBeGreaterThan(byDefault.agentsNeeded[hour] ?? Infinity);
    } finally {
      await configured.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
