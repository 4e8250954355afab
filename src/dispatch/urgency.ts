import type { UrgencyWeights } from './config.ts';

/**
 * What the urgency score is computed from. Gathered once per customer message (facts.ts) and
 * stored on the ticket, so the dispatch tick can recompute the time-dependent parts (time waited,
 * SLA time left) without reading the transcript again.
 */
export interface UrgencyFacts {
  /** The customer's recent messages (cues are looked for here). */
  texts: string[];
  /** -1..1, the most negative of the recent messages; undefined when unknown. */
  sentiment: number | undefined;
  intent: string | undefined;
  channel: string;
  /** The contact's `attributes.tier`, if any. */
  customerTier: string | undefined;
  /** Other tickets of the same contact opened within the repeat window. */
  repeatContacts: number;
  /** Why the bot handed over at once (src/nlu/distress.ts), if it did. */
  distress?: string | undefined;
}

export interface UrgencyClock {
  /** Minutes since the ticket was queued (0 before). */
  waitedMinutes: number;
  /** Share of the nearest SLA target still left (1 = all, 0 or below = breached); undefined: none. */
  slaFractionLeft: number | undefined;
}

export interface UrgencyPart {
  reason: string;
  points: number;
}

export interface UrgencyScore {
  /** 0..100, the rounded sum of the parts, capped. */
  score: number;
  /** Every non-zero contribution, largest first: the explanation shown to agents. */
  parts: UrgencyPart[];
  /** Labels of the cue groups that matched and are marked critical (an explicit complaint). */
  criticalCues: string[];
}

const round1 = (n: number) => Math.round(n * 10) / 10;

/** The cue groups found in the texts (each counted once, whatever the number of hits). */
export function matchCues(texts: readonly string[], weights: UrgencyWeights) {
  const haystack = texts.join('\n').toLocaleLowerCase();
  return weights.cues.filter((group) =>
    group.phrases.some((phrase) => haystack.includes(phrase.toLocaleLowerCase())),
  );
}

/**
 * The explainable urgency score: each factor adds points given by the configuration, and the parts
 * are kept so an agent sees why ("negative sentiment +18, repeat contact +10"). Pure: the same
 * facts, clock and weights always give the same score.
 */
export function scoreUrgency(
  facts: UrgencyFacts,
  clock: UrgencyClock,
  weights: UrgencyWeights,
): UrgencyScore {
  const parts: UrgencyPart[] = [];
  const add = (reason: string, points: number) => {
    const rounded = round1(points);
    if (rounded > 0) parts.push({ reason, points: rounded });
  };

  if (facts.sentiment !== undefined && facts.sentiment < 0)
    add('negative sentiment', -facts.sentiment * weights.negativeSentiment);

  const cues = matchCues(facts.texts, weights);
  let cueBudget = weights.cuesMax;
  for (const group of [...cues].sort((a, b) => b.points - a.points)) {
    const points = Math.min(group.points, cueBudget);
    cueBudget -= points;
    add(group.label, points);
  }

  if (facts.intent !== undefined) add(`intent ${facts.intent}`, weights.intents[facts.intent] ?? 0);
  if (facts.customerTier !== undefined)
    add(`${facts.customerTier} customer`, weights.customerTiers[facts.customerTier] ?? 0);
  add(`${facts.channel} channel`, weights.channels[facts.channel] ?? 0);

  const repeat = weights.repeatContact;
  if (facts.repeatContacts > 0)
    add(
      `repeat contact ×${facts.repeatContacts}`,
      Math.min(repeat.max, facts.repeatContacts * repeat.pointsEach),
    );

  if (clock.waitedMinutes > 0)
    add(
      'time waited',
      Math.min(weights.waited.max, (clock.waitedMinutes / 60) * weights.waited.pointsPerHour),
    );

  const left = clock.slaFractionLeft;
  if (left !== undefined) {
    if (left <= 0) add('SLA breached', weights.slaLeft.breached);
    else if (left <= weights.slaLeft.nearFraction) add('SLA nearly due', weights.slaLeft.near);
  }

  parts.sort((a, b) => b.points - a.points);
  const total = parts.reduce((sum, part) => sum + part.points, 0);
  return {
    score: Math.max(0, Math.min(100, Math.round(total))),
    parts,
    criticalCues: cues.filter((group) => group.critical).map((group) => group.label),
  };
}

/** "negative sentiment +18, repeat contact ×2 +10": the parts as one line for cards and logs. */
export function explainUrgency(parts: readonly UrgencyPart[]): string {
  return parts.map((part) => `${part.reason} +${part.points}`).join(', ');
}
