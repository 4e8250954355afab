import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { parseEnvironment } from '../domain/environment.ts';
import { SwitchboardError } from '../domain/errors.ts';
import { CHANNEL_URGENCY } from '../domain/message.ts';

/**
 * Dispatch settings. The few process-level switches are environment variables (documented in the
 * "Dispatch" table of docs/configuration.md); the weights, cue lists, tiers, SLA policies and business calendar are
 * a structured document: a typed default below, replaced part by part by the YAML file named in
 * DISPATCH_CONFIG_FILE. Weights live here, never in the scorer's code.
 */
export const DispatchEnvSchema = z.object({
  /** YAML file overriding parts of the default dispatch settings (weights, tiers, SLA, calendar). */
  DISPATCH_CONFIG_FILE: z.string().optional(),
  /** Routing policy: best-fit (skills, language, urgency, load), round-robin or least-busy. */
  DISPATCH_POLICY: z.enum(['best-fit', 'round-robin', 'least-busy']).default('best-fit'),
  /** Seconds an agent has to take an offered ticket before it goes to the next agent. */
  DISPATCH_OFFER_SECONDS: z.coerce.number().int().min(5).max(3600).default(120),
  /** Seconds between dispatch ticks (rescoring waiting tickets, offering to free agents). */
  DISPATCH_TICK_SECONDS: z.coerce.number().int().min(1).max(3600).default(30),
  /** Dispatch jobs (passes, offer expiries, SLA timers) one worker process runs at once. */
  DISPATCH_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(2),
});
export type DispatchEnv = z.infer<typeof DispatchEnvSchema>;

const points = z.number().min(0).max(100);
const phrase = z.string().min(1);
const clock = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$|^24:00$/, 'a time such as 09:00');
const minutes = z.number().positive();

const CueGroupSchema = z.object({
  /** Shown in the score's parts ("refund demand +12"). */
  label: z.string().min(1),
  points,
  /** Matched case-insensitively as substrings, so Chinese needs no word segmentation. */
  phrases: z.array(phrase).min(1),
  /** A match makes the ticket critical (an explicit complaint, a lawyer). */
  critical: z.boolean().default(false),
});

const UrgencyWeightsSchema = z.object({
  /** Points at sentiment -1 (scaled linearly; positive sentiment adds nothing). */
  negativeSentiment: points,
  /** Cue groups: each group counts once, their sum capped at `cuesMax`. */
  cues: z.array(CueGroupSchema),
  cuesMax: points,
  /** Points by the ticket's last intent (knowledge-base article id or conversational intent). */
  intents: z.record(z.string(), points),
  /** Points by the contact's `attributes.tier` (e.g. vip, gold). */
  customerTiers: z.record(z.string(), points),
  /** Points by channel (a phone-like channel waits less patiently than email). */
  channels: z.record(z.string(), points),
  repeatContact: z.object({ pointsEach: points, max: points, windowHours: z.number().positive() }),
  waited: z.object({ pointsPerHour: points, max: points }),
  /** Points as the nearest SLA target comes close: `nearFraction` of the target left, or passed. */
  slaLeft: z.object({ near: points, breached: points, nearFraction: z.number().gt(0).lt(1) }),
});

const TierSchema = z.object({
  urgentScore: points,
  criticalScore: points,
  /** Intents that make a ticket urgent whatever its score (failed payment, abnormal order). */
  urgentIntents: z.array(z.string()),
  /** Intents that make it critical (an explicit complaint). */
  criticalIntents: z.array(z.string()),
  /** Score from which a standard ticket is `high` rather than `normal`; below `lowBelow`, `low`. */
  highScore: points,
  lowBelow: points,
});

const SlaPolicySchema = z.object({
  firstResponseMinutes: minutes,
  nextResponseMinutes: minutes,
  resolutionMinutes: minutes,
  /** `business`: the clock runs only in business hours; `calendar`: around the clock. */
  clock: z.enum(['business', 'calendar']).default('business'),
});

const DaySchema = z.array(z.tuple([clock, clock])).default([]);

const SlaSchema = z.object({
  /** IANA time zone of the business calendar, e.g. Europe/Berlin or Asia/Shanghai. */
  timezone: z.string().refine(isValidZone, 'an IANA time zone such as Europe/Berlin'),
  /** Opening hours per weekday, as [from, to] pairs; an empty day is closed. */
  hours: z.object({
    mon: DaySchema,
    tue: DaySchema,
    wed: DaySchema,
    thu: DaySchema,
    fri: DaySchema,
    sat: DaySchema,
    sun: DaySchema,
  }),
  /** Closed dates (YYYY-MM-DD in the calendar's zone). */
  holidays: z.array(z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date such as 2026-12-25')),
  /** Share of a target after which the assignee is warned. */
  warnAt: z.number().gt(0).lt(1),
  policies: z.object({
    urgent: SlaPolicySchema,
    high: SlaPolicySchema,
    normal: SlaPolicySchema,
    low: SlaPolicySchema,
  }),
});

const RoutingSchema = z.object({
  /** Skill needed per intent (e.g. failed-payment → billing); tickets without one need none. */
  intentSkills: z.record(z.string(), z.array(z.string())),
  /** Minutes a ticket waits for a skilled agent before any free agent may get it. */
  unskilledAfterMinutes: z.number().min(0),
  /** The same for urgent and critical tickets, whose first response is due much sooner. */
  urgentUnskilledAfterMinutes: z.number().min(0),
});

const ForecastSchema = z.object({
  /** Smoothing of the hour-of-week level (0..1: higher follows recent weeks more). */
  alpha: z.number().gt(0).max(1),
  /** Tickets one agent answers per hour, for the staffing estimate. */
  ticketsPerAgentHour: z.number().positive(),
  /** Staffing goal: this share of tickets answered within `targetMinutes` (Erlang C). */
  serviceLevel: z.number().gt(0).lt(1),
  targetMinutes: z.number().positive(),
  /** Weeks of ticket history the forecast reads. */
  historyWeeks: z.number().int().min(1).max(52),
});

export const DispatchSettingsSchema = z.object({
  urgency: UrgencyWeightsSchema,
  tiers: TierSchema,
  sla: SlaSchema,
  routing: RoutingSchema,
  forecast: ForecastSchema,
});
export type DispatchSettings = z.infer<typeof DispatchSettingsSchema>;
export type UrgencyWeights = DispatchSettings['urgency'];
export type TierSettings = DispatchSettings['tiers'];
export type SlaSettings = DispatchSettings['sla'];
export type SlaPolicySettings = SlaSettings['policies']['urgent'];
export type RoutingSettings = DispatchSettings['routing'];
export type ForecastSettings = DispatchSettings['forecast'];

function isValidZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

const workday: Array<[string, string]> = [['09:00', '18:00']];

/** The shipped defaults: a reasonable start, meant to be tuned in the YAML file. */
export const DEFAULT_DISPATCH_SETTINGS: DispatchSettings = {
  urgency: {
    negativeSentiment: 20,
    cues: [
      {
        label: 'refund demand',
        points: 12,
        phrases: ['refund now', 'money back', 'want my money', '马上退款', '立即退款', '退钱'],
        critical: false,
      },
      {
        label: 'double charge',
        points: 14,
        phrases: ['charged twice', 'double charged', 'charged me twice', '扣了两次', '重复扣款'],
        critical: false,
      },
      {
        label: 'immediacy',
        points: 8,
        phrases: ['urgent', 'asap', 'immediately', 'right now', '马上', '立刻', '赶紧', '急'],
        critical: false,
      },
      {
        label: 'anger',
        points: 8,
        phrases: ['unacceptable', 'ridiculous', 'worst', 'furious', '气死', '太差', '垃圾'],
        critical: false,
      },
      {
        label: 'complaint or legal threat',
        points: 20,
        phrases: ['lawyer', 'legal action', 'sue you', 'formal complaint', '律师', '投诉', '起诉'],
        critical: true,
      },
    ],
    cuesMax: 35,
    intents: {
      'failed-payment': 18,
      'charged-twice': 18,
      'login-problems': 15,
      'lost-parcel': 12,
      'wrong-item': 10,
      'missing-items': 10,
      'damaged-parcel': 10,
      complaints: 15,
      'refund-timing': 6,
      'order-status': 4,
      'opening-hours': 0,
    },
    customerTiers: { vip: 15, gold: 10, silver: 5 },
    // Chat channels first: the customer is waiting on the other end (each registry line says).
    channels: { ...CHANNEL_URGENCY },
    repeatContact: { pointsEach: 5, max: 15, windowHours: 24 },
    waited: { pointsPerHour: 6, max: 15 },
    slaLeft: { near: 8, breached: 15, nearFraction: 0.25 },
  },
  tiers: {
    urgentScore: 55,
    criticalScore: 80,
    urgentIntents: [
      'failed-payment',
      'charged-twice',
      'wrong-item',
      'missing-items',
      'lost-parcel',
    ],
    criticalIntents: ['complaints'],
    highScore: 35,
    lowBelow: 10,
  },
  sla: {
    timezone: 'UTC',
    hours: {
      mon: workday,
      tue: workday,
      wed: workday,
      thu: workday,
      fri: workday,
      sat: [],
      sun: [],
    },
    holidays: [],
    warnAt: 0.8,
    policies: {
      urgent: {
        firstResponseMinutes: 20,
        nextResponseMinutes: 60,
        resolutionMinutes: 8 * 60,
        clock: 'business',
      },
      high: {
        firstResponseMinutes: 60,
        nextResponseMinutes: 4 * 60,
        resolutionMinutes: 2 * 9 * 60,
        clock: 'business',
      },
      normal: {
        firstResponseMinutes: 4 * 60,
        nextResponseMinutes: 9 * 60,
        resolutionMinutes: 5 * 9 * 60,
        clock: 'business',
      },
      low: {
        firstResponseMinutes: 9 * 60,
        nextResponseMinutes: 2 * 9 * 60,
        resolutionMinutes: 10 * 9 * 60,
        clock: 'business',
      },
    },
  },
  routing: {
    intentSkills: {
      'failed-payment': ['billing'],
      'charged-twice': ['billing'],
      'refund-timing': ['billing'],
      'refund-method': ['billing'],
      'pay-later': ['billing'],
      'login-problems': ['accounts'],
      'password-reset': ['accounts'],
      'delete-account': ['accounts'],
      'lost-parcel': ['logistics'],
      'damaged-parcel': ['logistics'],
      'missing-items': ['logistics'],
      'wrong-item': ['logistics'],
    },
    unskilledAfterMinutes: 30,
    urgentUnskilledAfterMinutes: 5,
  },
  forecast: {
    alpha: 0.5,
    ticketsPerAgentHour: 6,
    serviceLevel: 0.8,
    targetMinutes: 20,
    historyWeeks: 8,
  },
};

/** Deep-merges a YAML override over the defaults: objects merge, arrays and scalars replace. */
function mergeOver(base: unknown, override: unknown): unknown {
  if (
    base !== null &&
    typeof base === 'object' &&
    !Array.isArray(base) &&
    override !== null &&
    typeof override === 'object' &&
    !Array.isArray(override)
  ) {
    const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
    for (const [key, value] of Object.entries(override as Record<string, unknown>)) {
      out[key] = key in out ? mergeOver(out[key], value) : value;
    }
    return out;
  }
  return override === undefined ? base : override;
}

function configError(
  field: string,
  message: string,
  cause?: unknown,
  source?: string,
): SwitchboardError {
  return new SwitchboardError(
    'SB_ERR_CONFIG',
    `${source ? `${source}: ` : ''}${field}: ${message}`,
    {
      field,
      ...(cause === undefined ? {} : { cause }),
    },
  );
}

/**
 * Validates settings given as an object (the parsed YAML): merged over the defaults, then checked
 * with zod; the first problem throws SB_ERR_CONFIG naming the field (`sla.policies.urgent...`).
 */
export function parseDispatchSettings(override: unknown, source = 'dispatch settings') {
  if (override !== null && override !== undefined && typeof override !== 'object') {
    throw configError('(top level)', 'expected a mapping', undefined, source);
  }
  const parsed = DispatchSettingsSchema.safeParse(
    mergeOver(DEFAULT_DISPATCH_SETTINGS, override ?? {}),
  );
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.join('.') ?? 'unknown';
    throw configError(field, issue?.message ?? 'invalid', undefined, source);
  }
  const { tiers } = parsed.data;
  if (tiers.criticalScore < tiers.urgentScore)
    throw configError(
      'tiers.criticalScore',
      'must not be below tiers.urgentScore',
      undefined,
      source,
    );
  if (Object.values(parsed.data.sla.hours).every((day) => day.length === 0))
    throw configError('sla.hours', 'at least one weekday needs opening hours', undefined, source);
  return parsed.data;
}

export interface DispatchConfig extends DispatchEnv {
  settings: DispatchSettings;
}

/** Reads DISPATCH_* and the optional YAML file; any problem is SB_ERR_CONFIG naming the field. */
export function loadDispatchConfig(env: NodeJS.ProcessEnv = process.env): DispatchConfig {
  const parsedEnv = parseEnvironment(DispatchEnvSchema, env);
  const file = parsedEnv.DISPATCH_CONFIG_FILE;
  let override: unknown = undefined;
  if (file !== undefined) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      throw configError('DISPATCH_CONFIG_FILE', `cannot read ${file}`, error);
    }
    try {
      override = parseYaml(text);
    } catch (error) {
      throw configError('DISPATCH_CONFIG_FILE', `${file} is not valid YAML`, error);
    }
  }
  return {
    ...parsedEnv,
    settings: parseDispatchSettings(override, `DISPATCH_CONFIG_FILE${file ? ` (${file})` : ''}`),
  };
}
