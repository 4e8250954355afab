import { describe, expect, it } from 'vitest';
import { businessCalendar } from '../../src/dispatch/calendar.ts';
import { parseDispatchSettings } from '../../src/dispatch/config.ts';
import { dueAt, fractionLeft, resumedDue, warningAt } from '../../src/dispatch/sla.ts';

// Shanghai has no daylight saving: 09:00 local = 01:00Z. 2026-11-27 is a Friday.
const settings = parseDispatchSettings({
  sla: {
    timezone: 'Asia/Shanghai',
    holidays: ['2026-11-30'],
    policies: { normal: { firstResponseMinutes: 120, clock: 'business' } },
  },
}).sla;
const calendar = businessCalendar(settings);
const at = (iso: string) => new Date(iso);
const MIN = 60_000;

describe('business calendar', () => {
  describe('when a target runs over the weekend and a holiday', () => {
    it('resumes on the next open day', () => {
      // Friday 17:00 local + 2 h: one hour on Friday, Saturday and Sunday closed, Monday a
      // holiday, so the second hour is Tuesday 09:00–10:00 local.
      const due = calendar.add(at('2026-11-27T09:00:00Z'), 120 * MIN);
      expect(due.toISOString()).toBe('2026-12-01T02:00:00.000Z');
      expect(calendar.elapsed(at('2026-11-27T09:00:00Z'), due)).toBe(120 * MIN);
    });
  });

  describe('when a ticket arrives at night', () => {
    it('starts the clock at opening time', () => {
      const due = calendar.add(at('2026-11-25T14:00:00Z'), 30 * MIN); // 22:00 local Wednesday
      expect(due.toISOString()).toBe('2026-11-26T01:30:00.000Z');
    });
  });

  it('steps back over closed time for the warning', () => {
    expect(calendar.subtract(at('2026-12-01T02:00:00Z'), 90 * MIN).toISOString()).toBe(
      '2026-11-27T09:30:00.000Z',
    );
  });
});

describe('SLA due times', () => {
  it('puts the first response due and its 80 % warning in business time', () => {
    const due = dueAt('firstResponse', at('2026-11-27T09:00:00Z'), 'normal', settings);
    expect(due.toISOString()).toBe('2026-12-01T02:00:00.000Z');
    // 80 % of 120 min = 96 min used: 60 on Friday, 36 on Tuesday.
    expect(warningAt('firstResponse', due, 'normal', settings).toISOString()).toBe(
      '2026-12-01T01:36:00.000Z',
    );
  });

  it('does not count time pending on the customer', () => {
    // Due Wednesday 12:00 local; paused Wednesday 10:00 local (2 business hours left), resumed
    // Thursday 17:00 local: one hour left that day, the second on Friday 09:00–10:00.
    const due = at('2026-11-25T04:00:00Z');
    const resumed = resumedDue(
      due,
      at('2026-11-25T02:00:00Z'),
      at('2026-11-26T09:00:00Z'),
      'normal',
      settings,
    );
    expect(resumed.toISOString()).toBe('2026-11-27T02:00:00.000Z');
  });

  it('reports the share of the nearest target left, none while paused', () => {
    const ticket = {
      slaPolicy: 'normal',
      firstResponseDueAt: at('2026-11-25T03:00:00Z'),
      resolutionDueAt: at('2026-12-10T03:00:00Z'),
    };
    expect(fractionLeft(ticket, at('2026-11-25T01:30:00Z'), settings)).toBeCloseTo(0.75);
    expect(fractionLeft(ticket, at('2026-11-25T04:00:00Z'), settings)).toBe(0);
    expect(
      fractionLeft(
        { ...ticket, slaPausedAt: at('2026-11-25T01:30:00Z') },
        at('2026-11-25T01:30:00Z'),
        settings,
      ),
    ).toBeUndefined();
  });
});
