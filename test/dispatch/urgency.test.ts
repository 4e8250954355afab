import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_DISPATCH_SETTINGS,
  loadDispatchConfig,
  parseDispatchSettings,
} from '../../src/dispatch/config.ts';
import { classifyTier } from '../../src/dispatch/tiers.ts';
import {
  explainUrgency,
  scoreUrgency,
  type UrgencyClock,
  type UrgencyFacts,
} from '../../src/dispatch/urgency.ts';
import type { SwitchboardError } from '../../src/domain/errors.ts';

const weights = DEFAULT_DISPATCH_SETTINGS.urgency;
const calm: UrgencyClock = { waitedMinutes: 0, slaFractionLeft: undefined };

function facts(overrides: Partial<UrgencyFacts>): UrgencyFacts {
  return {
    texts: [],
    sentiment: undefined,
    intent: undefined,
    channel: 'email',
    customerTier: undefined,
    repeatContacts: 0,
    ...overrides,
  };
}

const partsOf = (f: UrgencyFacts, clock = calm, w = weights) =>
  Object.fromEntries(scoreUrgency(f, clock, w).parts.map((p) => [p.reason, p.points]));

describe('urgency score', () => {
  describe('when an English customer was charged twice and wants a refund now', () => {
    const f = facts({
      texts: ['You charged me twice!! I want a refund now, this is unacceptable'],
      sentiment: -0.9,
      intent: 'charged-twice',
      channel: 'sms',
      repeatContacts: 2,
    });

    it('lists each part with its points, largest first', () => {
      const score = scoreUrgency(f, calm, weights);
      expect(partsOf(f)).toEqual({
        'negative sentiment': 18,
        'double charge': 14,
        'refund demand': 12,
        anger: 8,
        'intent charged-twice': 18,
        'sms channel': 6,
        'repeat contact ×2': 10,
      });
      const points = score.parts.map((p) => p.points);
      expect(points).toEqual([...points].sort((a, b) => b - a));
      expect(score.score).toBe(86);
      expect(explainUrgency(score.parts)).toContain('negative sentiment +18');
    });
  });

  describe('when a Chinese customer complains and demands it at once', () => {
    it('finds the Chinese cues and marks the complaint critical', () => {
      const f = facts({ texts: ['我要投诉！马上退款'], sentiment: -1, channel: 'webchat' });
      const score = scoreUrgency(f, calm, weights);
      expect(partsOf(f)).toEqual({
        'negative sentiment': 20,
        'complaint or legal threat': 20,
        'refund demand': 12,
        immediacy: 3,
        'webchat channel': 5,
      });
      expect(score.criticalCues).toEqual(['complaint or legal threat']);
      expect(score.score).toBe(60);
    });
  });

  describe('when the question is about opening hours', () => {
    it('scores low and weighs far less than a failed payment', () => {
      const hours = scoreUrgency(
        facts({ texts: ['when do you open?'], intent: 'opening-hours' }),
        calm,
        weights,
      );
      const payment = scoreUrgency(
        facts({ texts: ['my payment failed'], intent: 'failed-payment' }),
        calm,
        weights,
      );
      expect(hours.score).toBe(0);
      expect(payment.score).toBeGreaterThan(hours.score);
    });
  });

  describe('when time passes', () => {
    it('adds the time waited and the SLA pressure', () => {
      const f = facts({ customerTier: 'vip' });
      expect(partsOf(f, { waitedMinutes: 90, slaFractionLeft: 0.1 })).toEqual({
        'vip customer': 15,
        'time waited': 9,
        'SLA nearly due': 8,
      });
      expect(partsOf(f, { waitedMinutes: 600, slaFractionLeft: 0 })).toMatchObject({
        'time waited': 15,
        'SLA breached': 15,
      });
    });
  });

  describe('when the weights come from a configuration file', () => {
    it('changes the score accordingly', () => {
      const settings = parseDispatchSettings({
        urgency: { intents: { 'opening-hours': 40 }, channels: { email: 10 } },
      });
      const f = facts({ intent: 'opening-hours' });
      expect(scoreUrgency(f, calm, weights).score).toBe(0);
      expect(scoreUrgency(f, calm, settings.urgency).score).toBe(50);
    });
  });
});

describe('tiers', () => {
  const tiers = DEFAULT_DISPATCH_SETTINGS.tiers;
  it('makes a high score critical and a mid score urgent', () => {
    expect(classifyTier({ score: 85, criticalCues: [] }, undefined, tiers).tier).toBe('critical');
    expect(classifyTier({ score: 60, criticalCues: [] }, undefined, tiers)).toMatchObject({
      tier: 'urgent',
      priority: 'urgent',
    });
  });
  it('makes listed intents urgent and an explicit complaint critical whatever the score', () => {
    expect(classifyTier({ score: 5, criticalCues: [] }, 'failed-payment', tiers).tier).toBe(
      'urgent',
    );
    expect(classifyTier({ score: 5, criticalCues: [] }, 'complaints', tiers).tier).toBe('critical');
    expect(classifyTier({ score: 5, criticalCues: ['legal'] }, undefined, tiers).tier).toBe(
      'critical',
    );
  });
  it('gives standard tickets a priority by score', () => {
    expect(classifyTier({ score: 40, criticalCues: [] }, undefined, tiers).priority).toBe('high');
    expect(classifyTier({ score: 20, criticalCues: [] }, undefined, tiers).priority).toBe('normal');
    expect(classifyTier({ score: 2, criticalCues: [] }, undefined, tiers).priority).toBe('low');
  });
});

describe('dispatch configuration', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sb-dispatch-config-'));
  const file = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };

  it('reads a YAML file over the defaults', () => {
    const config = loadDispatchConfig({
      DISPATCH_CONFIG_FILE: file(
        'ok.yaml',
        'tiers:\n  urgentScore: 40\nsla:\n  timezone: Asia/Shanghai\n',
      ),
      DISPATCH_POLICY: 'least-busy',
    });
    expect(config.settings.tiers.urgentScore).toBe(40);
    expect(config.settings.tiers.criticalScore).toBe(80);
    expect(config.settings.sla.timezone).toBe('Asia/Shanghai');
    expect(config.DISPATCH_POLICY).toBe('least-busy');
  });

  it('refuses a bad field with SB_ERR_CONFIG naming it', () => {
    const path = file('bad.yaml', 'urgency:\n  repeatContact:\n    pointsEach: lots\n');
    expect(() => loadDispatchConfig({ DISPATCH_CONFIG_FILE: path })).toThrowError(
      expect.objectContaining({
        code: 'SB_ERR_CONFIG',
        field: 'urgency.repeatContact.pointsEach',
      }) as SwitchboardError,
    );
  });

  it('refuses an unknown time zone, a missing file and a bad policy', () => {
    const zone = file('zone.yaml', 'sla:\n  timezone: Mars/Olympus\n');
    expect(() => loadDispatchConfig({ DISPATCH_CONFIG_FILE: zone })).toThrow(/sla\.timezone/);
    expect(() => loadDispatchConfig({ DISPATCH_CONFIG_FILE: join(dir, 'nope.yaml') })).toThrow(
      /DISPATCH_CONFIG_FILE/,
    );
    expect(() => loadDispatchConfig({ DISPATCH_POLICY: 'random' })).toThrow(/DISPATCH_POLICY/);
  });
});
