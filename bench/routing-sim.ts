/**
 * The routing benchmark's replay: a seeded synthetic week of tickets (daily peaks, a sale-day
 * surge, skills, languages, urgencies) and agents (skills, languages, capacities, shifts, breaks),
 * run minute by minute on a simulated clock through the project's own dispatch code — the urgency
 * scorer and tiers, the SLA due times, the routing planner and the offer rules — once per policy.
 * The same seed gives the same week, the same handle times and the same accept delays to every
 * policy, so only the routing differs.
 */
import { analyzeSentiment } from '../intents/index.ts';
import { parseDispatchSettings, type DispatchSettings } from '../src/dispatch/config.ts';
import { dueAt } from '../src/dispatch/sla.ts';
import {
  languageMatches,
  planOffers,
  skillsMatch,
  type AgentView,
  type RoutingPolicy,
  type WaitingView,
} from '../src/dispatch/routing.ts';
import { classifyTier, higherTier, type Tier } from '../src/dispatch/tiers.ts';
import { scoreUrgency, type UrgencyFacts } from '../src/dispatch/urgency.ts';
import type { Priority } from '../src/domain/ticket.ts';
import { percentile } from './args.ts';

const MINUTE = 60_000;
const DAY_MINUTES = 1440;
/** How much longer an agent without the skill or language takes (an assumption of the model). */
export const DEFAULT_UNSKILLED_SLOWDOWN = 1.5;

/** mulberry32: a small, well-known seeded generator (deterministic across runs and machines). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Poisson draw (Knuth; rates here are a few per minute). */
function poisson(rate: number, random: () => number): number {
  const limit = Math.exp(-rate);
  let k = 0;
  let p = random();
  while (p > limit) {
    k += 1;
    p *= random();
  }
  return k;
}

const exponential = (mean: number, random: () => number) => -Math.log(1 - random()) * mean;

interface Template {
  intent: string | undefined;
  language: 'en' | 'zh';
  text: string;
  weight: number;
}

/** What customers write: a mix of intents and tones in both languages. */
const TEMPLATES: Template[] = [
  {
    intent: 'order-status',
    language: 'en',
    text: 'Where is my order? It was due yesterday',
    weight: 16,
  },
  {
    intent: 'opening-hours',
    language: 'en',
    text: 'What are your opening hours on Sunday?',
    weight: 6,
  },
  {
    intent: 'failed-payment',
    language: 'en',
    text: 'My card payment failed at checkout',
    weight: 4,
  },
  {
    intent: 'charged-twice',
    language: 'en',
    text: 'You charged me twice for one order! I want a refund now, this is unacceptable',
    weight: 4,
  },
  {
    intent: 'login-problems',
    language: 'en',
    text: 'My account is locked and I cannot log in',
    weight: 7,
  },
  {
    intent: 'lost-parcel',
    language: 'en',
    text: 'My parcel never arrived, tracking has not moved',
    weight: 4,
  },
  {
    intent: 'damaged-parcel',
    language: 'en',
    text: 'The box arrived broken and the lamp is damaged',
    weight: 4,
  },
  {
    intent: 'wrong-item',
    language: 'en',
    text: 'I received the wrong item, please fix this urgently',
    weight: 2,
  },
  {
    intent: 'complaints',
    language: 'en',
    text: 'Worst service ever. I want to file a formal complaint, my lawyer will hear about this',
    weight: 1,
  },
  { intent: undefined, language: 'en', text: 'Can you engrave a message on the watch?', weight: 8 },
  { intent: 'refund-timing', language: 'en', text: 'When will I get my refund?', weight: 5 },
  { intent: 'order-status', language: 'zh', text: '我的订单到哪里了？', weight: 6 },
  { intent: 'opening-hours', language: 'zh', text: '你们周末几点开门？', weight: 2 },
  { intent: 'failed-payment', language: 'zh', text: '付款失败了，怎么办', weight: 3 },
  { intent: 'charged-twice', language: 'zh', text: '你们重复扣款了，马上退款！', weight: 2 },
  { intent: 'login-problems', language: 'zh', text: '账户被锁了，登录不了', weight: 3 },
  { intent: 'lost-parcel', language: 'zh', text: '包裹一直没到，太差了', weight: 3 },
  { intent: 'complaints', language: 'zh', text: '我要投诉，服务太差了', weight: 1 },
  { intent: undefined, language: 'zh', text: '可以开增值税发票吗？', weight: 3 },
];

const CHANNELS: Array<[string, number]> = [
  ['email', 35],
  ['webchat', 30],
  ['sms', 15],
  ['api', 10],
  ['slack', 10],
];

function pick<T>(items: ReadonlyArray<[T, number]>, random: () => number): T {
  const total = items.reduce((sum, [, w]) => sum + w, 0);
  let r = random() * total;
  for (const [item, w] of items) {
    r -= w;
    if (r < 0) return item;
  }
  return items[items.length - 1]![0];
}

export interface SimTicket {
  index: number;
  arrival: number; // minutes from the start of the week
  template: Template;
  channel: string;
  customerTier: string | undefined;
  repeatContacts: number;
  /** Minutes of work once taken (longer for an agent without the skill or language). */
  handleMinutes: number;
  /** Seeded per ticket: how long the k-th offered agent takes to accept. */
  acceptDelay: (attempt: number) => number;
}

export interface SimAgent {
  id: string;
  skills: string[];
  languages: string[];
  capacity: number;
  role: 'agent' | 'supervisor';
  /** [start, end) minutes of the week the agent is at work and not on a break. */
  onDuty: Array<[number, number]>;
}

export interface Workload {
  tickets: SimTicket[];
  agents: SimAgent[];
  /** Arrivals of the weeks before the replay (for the forecast's training), minutes < 0. */
  history: Array<{ minute: number; channel: string }>;
  minutes: number;
  saleDay: number;
}

/** Arrivals per minute at `minute` of a week (per 30 agents): two daily peaks, quiet nights. */
function arrivalRate(minute: number, saleDay: number | undefined, agentScale: number): number {
  const day = Math.floor(minute / DAY_MINUTES);
  const hour = (minute % DAY_MINUTES) / 60;
  const peak = (center: number, width: number) =>
    Math.exp(-((hour - center) ** 2) / (2 * width ** 2));
  let rate = 0.07 + 0.7 * peak(11, 2) + 0.56 * peak(15.5, 2.2) + 0.32 * peak(20, 1.5);
  const weekday = day % 7;
  if (weekday === 5 || weekday === 6) rate *= 0.65;
  if (day === saleDay && hour >= 9 && hour < 23) rate *= 2;
  return rate * agentScale;
}

/** Generates the week (and four weeks of history before it) from the seed. */
export function generateWorkload(seed: number, agentCount: number, days = 7): Workload {
  const random = rng(seed);
  const scale = agentCount / 30;
  const saleDay = 4; // the week starts on a Monday: Friday is the sale
  const minutes = days * DAY_MINUTES;
  const history: Workload['history'] = [];
  for (let m = -28 * DAY_MINUTES; m < 0; m += 1) {
    const n = poisson(arrivalRate(m + 28 * DAY_MINUTES, undefined, scale), random);
    for (let i = 0; i < n; i += 1) history.push({ minute: m, channel: pick(CHANNELS, random) });
  }
  const templates = TEMPLATES.map((t) => [t, t.weight] as [Template, number]);
  const tickets: SimTicket[] = [];
  for (let m = 0; m < minutes; m += 1) {
    const n = poisson(arrivalRate(m, saleDay, scale), random);
    for (let i = 0; i < n; i += 1) {
      const index = tickets.length;
      const own = rng(seed * 7919 + index);
      const channel = pick(CHANNELS, random);
      history.push({ minute: m, channel });
      tickets.push({
        index,
        arrival: m + random(),
        template: pick(templates, random),
        channel,
        customerTier: random() < 0.06 ? 'vip' : random() < 0.1 ? 'gold' : undefined,
        repeatContacts: random() < 0.12 ? 1 + Math.floor(random() * 2) : 0,
        handleMinutes: 6 + exponential(16, own),
        // Most offers are taken within the offer time; about one in ten lapses.
        acceptDelay: (attempt) => 0.2 + rng(seed * 104729 + index * 31 + attempt)() * 2,
      });
    }
  }
  const skillSets = [
    ['billing'],
    ['accounts'],
    ['logistics'],
    ['billing', 'accounts'],
    ['logistics', 'billing'],
    [],
  ];
  const shifts: Array<[number, number]> = [
    [6 * 60, 14 * 60],
    [9 * 60, 17 * 60],
    [13 * 60, 21 * 60],
    [15 * 60, 23 * 60],
  ];
  const agents: SimAgent[] = [];
  for (let i = 0; i < agentCount; i += 1) {
    const supervisor = i % 10 === 9;
    const shift =
      i % 12 === 11 ? ([22 * 60, 30 * 60] as [number, number]) : shifts[i % shifts.length]!;
    const onDuty: Array<[number, number]> = [];
    for (let day = 0; day < days; day += 1) {
      // Five days on, two off, staggered so every day is staffed.
      if ((day + i) % 7 >= 5) continue;
      let from = day * DAY_MINUTES + shift[0];
      const end = day * DAY_MINUTES + shift[1];
      // Two or three breaks a shift: the agent goes away and comes back.
      const breaks = 2 + Math.floor(random() * 2);
      for (let b = 0; b < breaks; b += 1) {
        const at = from + 60 + random() * ((end - from) / breaks - 60);
        const length = 10 + random() * 25;
        if (at > from && at + length < end) {
          onDuty.push([from, at]);
          from = at + length;
        }
      }
      onDuty.push([from, end]);
    }
    agents.push({
      id: `agent-${String(i).padStart(2, '0')}`,
      skills: supervisor ? ['billing', 'accounts', 'logistics'] : skillSets[i % skillSets.length]!,
      languages: i % 5 < 2 ? ['en', 'zh'] : ['en'],
      capacity: 2 + (i % 3),
      role: supervisor ? 'supervisor' : 'agent',
      onDuty,
    });
  }
  return { tickets, agents, history, minutes, saleDay };
}

/** Settings for the replay: the shipped weights, with a staffed-around-the-clock calendar. */
export function replaySettings(): DispatchSettings {
  const allDay = [['00:00', '24:00']];
  return parseDispatchSettings({
    sla: {
      timezone: 'UTC',
      hours: {
        mon: allDay,
        tue: allDay,
        wed: allDay,
        thu: allDay,
        fri: allDay,
        sat: allDay,
        sun: allDay,
      },
      policies: {
        urgent: { clock: 'calendar' },
        high: { clock: 'calendar' },
        normal: { clock: 'calendar' },
        low: { clock: 'calendar' },
      },
    },
  });
}

export interface PolicyReport {
  tickets: number;
  answered: number;
  urgentTickets: number;
  urgentMeanWaitMin: number;
  urgentP90WaitMin: number;
  allMeanWaitMin: number;
  allP90WaitMin: number;
  slaBreachRate: number;
  skillMatchRate: number;
  /** Among offers made while some free agent had the skills and language: share that went to one. */
  skillMatchWhenAvailableRate: number;
  /** Standard deviation of the agents' utilisation (busy slot-minutes / on-duty slot-minutes). */
  utilisationSpread: number;
  lapsedOffers: number;
}

interface LiveTicket {
  sim: SimTicket;
  facts: UrgencyFacts;
  tier: Tier;
  priority: Priority;
  urgency: number;
  queuedAt: number;
  firstDue: number;
  declinedBy: string[];
  offer?: { agentId: string; acceptAt: number; expiresAt: number };
  answeredAt?: number;
  agentId?: string;
  attempts: number;
}

const round = (n: number, digits = 2) => Number(n.toFixed(digits));

/** Sentiment of each template, once (the intent layer's analyzer, as the dispatcher uses it). */
export async function templateSentiments(): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const t of TEMPLATES) out.set(t.text, (await analyzeSentiment(t.text, t.language)).score);
  return out;
}

/** Replays the week under one policy. */
export function replay(
  workload: Workload,
  policy: RoutingPolicy,
  settings: DispatchSettings,
  sentiments: Map<string, number>,
  offerMinutes: number,
  unskilledSlowdown = DEFAULT_UNSKILLED_SLOWDOWN,
): PolicyReport {
  const start = Date.UTC(2026, 10, 2); // a Monday
  const at = (minute: number) => new Date(start + minute * MINUTE);
  const state = { cursor: 0 };
  const waiting: LiveTicket[] = [];
  const done: LiveTicket[] = [];
  const held = new Map<string, Array<{ until: number }>>(); // agent → work in progress
  const offered = new Map<string, number>(); // agent → offers outstanding
  const busy = new Map<string, number>();
  const duty = new Map<string, number>();
  let skilledAvailable = 0;
  let skilledChosen = 0;
  let lapsed = 0;
  let next = 0;
  const onDuty = (agent: SimAgent, minute: number) =>
    agent.onDuty.some(([from, to]) => minute >= from && minute < to);

  for (let minute = 0; minute < workload.minutes; minute += 1) {
    // Arrivals: scored, tiered and given their SLA as the bot escalates them.
    while (
      next < workload.tickets.length &&
      (workload.tickets[next]?.arrival ?? Infinity) < minute + 1
    ) {
      const sim = workload.tickets[next]!;
      next += 1;
      const facts: UrgencyFacts = {
        texts: [sim.template.text],
        sentiment: sentiments.get(sim.template.text),
        intent: sim.template.intent,
        channel: sim.channel,
        customerTier: sim.customerTier,
        repeatContacts: sim.repeatContacts,
      };
      const score = scoreUrgency(
        facts,
        { waitedMinutes: 0, slaFractionLeft: undefined },
        settings.urgency,
      );
      const decided = classifyTier(score, facts.intent, settings.tiers);
      waiting.push({
        sim,
        facts,
        tier: decided.tier,
        priority: decided.priority,
        urgency: score.score,
        queuedAt: sim.arrival,
        firstDue:
          (dueAt('firstResponse', at(sim.arrival), decided.priority, settings.sla).getTime() -
            start) /
          MINUTE,
        declinedBy: [],
        attempts: 0,
      });
    }
    // Work finishes, offers are taken or lapse (an agent on a break does not take one).
    for (const [agentId, work] of held)
      held.set(
        agentId,
        work.filter((w) => w.until > minute),
      );
    for (let i = waiting.length - 1; i >= 0; i -= 1) {
      const ticket = waiting[i]!;
      const offer = ticket.offer;
      if (!offer) continue;
      const agent = workload.agents.find((a) => a.id === offer.agentId)!;
      if (
        offer.acceptAt <= minute + 1 &&
        offer.acceptAt < offer.expiresAt &&
        onDuty(agent, Math.floor(offer.acceptAt))
      ) {
        ticket.answeredAt = offer.acceptAt;
        ticket.agentId = offer.agentId;
        const matched =
          skillsMatch(view(ticket), agentView(agent)) &&
          languageMatches(view(ticket), agentView(agent));
        // Without the skill or the language a ticket takes longer (asking around, translating).
        const work = ticket.sim.handleMinutes * (matched ? 1 : unskilledSlowdown);
        held.set(agent.id, [...(held.get(agent.id) ?? []), { until: offer.acceptAt + work }]);
        offered.set(agent.id, (offered.get(agent.id) ?? 1) - 1);
        waiting.splice(i, 1);
        done.push(ticket);
      } else if (offer.expiresAt <= minute + 1) {
        lapsed += 1;
        ticket.declinedBy.push(offer.agentId);
        offered.set(agent.id, (offered.get(agent.id) ?? 1) - 1);
        delete ticket.offer;
      }
    }
    // The tick: waiting tickets rescored as they wait (the tier only rises).
    for (const ticket of waiting) {
      const waited = minute - ticket.queuedAt;
      const target =
        dueAt('firstResponse', at(ticket.queuedAt), ticket.priority, settings.sla).getTime() -
        at(ticket.queuedAt).getTime();
      const left = (ticket.firstDue - minute) / (target / MINUTE);
      const score = scoreUrgency(
        ticket.facts,
        { waitedMinutes: Math.max(0, waited), slaFractionLeft: left },
        settings.urgency,
      );
      ticket.urgency = score.score;
      ticket.tier = higherTier(
        classifyTier(score, ticket.facts.intent, settings.tiers).tier,
        ticket.tier,
      );
    }
    // The pass: the policy's plan over who is at work now.
    const views = workload.agents.map((agent) => {
      const active = (held.get(agent.id)?.length ?? 0) + (offered.get(agent.id) ?? 0);
      const here = onDuty(agent, minute);
      if (here) {
        duty.set(agent.id, (duty.get(agent.id) ?? 0) + agent.capacity);
        busy.set(
          agent.id,
          (busy.get(agent.id) ?? 0) + Math.min(agent.capacity, held.get(agent.id)?.length ?? 0),
        );
      }
      return {
        ...agentView(agent),
        active,
        status: here ? ('available' as const) : ('away' as const),
      };
    });
    const open = waiting.filter((t) => !t.offer);
    const plan = planOffers(open.map(view), views, policy, at(minute), settings.routing, state);
    const byId = new Map(open.map((t) => [String(t.sim.index), t]));
    const free = views.filter((a) => a.status === 'available' && a.active < a.capacity);
    for (const step of plan) {
      const ticket = byId.get(step.ticketId)!;
      const v = view(ticket);
      const skilledFree = free.some(
        (a) =>
          a.role === 'agent' &&
          !v.declinedBy.includes(a.id) &&
          skillsMatch(v, a) &&
          languageMatches(v, a) &&
          a.active < a.capacity,
      );
      if (skilledFree) {
        skilledAvailable += 1;
        if (step.skillMatch) skilledChosen += 1;
      }
      const agentState = free.find((a) => a.id === step.agentId);
      if (agentState) agentState.active += 1;
      ticket.attempts += 1;
      ticket.offer = {
        agentId: step.agentId,
        acceptAt: minute + ticket.sim.acceptDelay(ticket.attempts),
        expiresAt: minute + offerMinutes,
      };
      offered.set(step.agentId, (offered.get(step.agentId) ?? 0) + 1);
    }
  }

  const all = [...done, ...waiting];
  const end = workload.minutes;
  const waitOf = (t: LiveTicket) => (t.answeredAt ?? end) - t.queuedAt;
  const urgent = all.filter((t) => t.priority === 'urgent');
  const sortedWaits = (list: LiveTicket[]) => list.map(waitOf).sort((a, b) => a - b);
  const mean = (xs: number[]) => (xs.length === 0 ? 0 : xs.reduce((s, x) => s + x, 0) / xs.length);
  const breached = all.filter((t) => (t.answeredAt ?? end) > t.firstDue).length;
  const matched = done.filter((t) => {
    const agent = workload.agents.find((a) => a.id === t.agentId)!;
    return skillsMatch(view(t), agentView(agent)) && languageMatches(view(t), agentView(agent));
  }).length;
  const utilisation = workload.agents
    .filter((a) => (duty.get(a.id) ?? 0) > 0)
    .map((a) => (busy.get(a.id) ?? 0) / (duty.get(a.id) ?? 1));
  const u = mean(utilisation);
  return {
    tickets: all.length,
    answered: done.length,
    urgentTickets: urgent.length,
    urgentMeanWaitMin: round(mean(urgent.map(waitOf))),
    urgentP90WaitMin: round(percentile(sortedWaits(urgent), 90)),
    allMeanWaitMin: round(mean(all.map(waitOf))),
    allP90WaitMin: round(percentile(sortedWaits(all), 90)),
    slaBreachRate: round(breached / Math.max(1, all.length), 4),
    skillMatchRate: round(matched / Math.max(1, done.length), 4),
    skillMatchWhenAvailableRate: round(skilledChosen / Math.max(1, skilledAvailable), 4),
    utilisationSpread: round(Math.sqrt(mean(utilisation.map((x) => (x - u) ** 2))), 4),
    lapsedOffers: lapsed,
  };

  function view(ticket: LiveTicket): WaitingView {
    return {
      id: String(ticket.sim.index),
      requiredSkills: ticket.facts.intent
        ? (settings.routing.intentSkills[ticket.facts.intent] ?? [])
        : [],
      language: ticket.sim.template.language,
      urgency: ticket.urgency,
      tier: ticket.tier,
      queuedAt: at(ticket.queuedAt),
      declinedBy: ticket.declinedBy,
    };
  }
}

function agentView(agent: SimAgent): AgentView {
  return {
    id: agent.id,
    skills: agent.skills,
    languages: agent.languages,
    capacity: agent.capacity,
    active: 0,
    status: 'available',
    role: agent.role,
  };
}
