import type { Priority } from '../domain/ticket.ts';
import type { TierSettings } from './config.ts';
import type { UrgencyScore } from './urgency.ts';

/**
 * The three tiers of issue 8: the bot answers what the knowledge base covers (tickets never reach
 * dispatch then); `urgent` tickets get the urgent SLA policy; `critical` ones go to a supervisor at
 * once and the supervisors are alerted. `standard` is everything else that reaches a person.
 */
export type Tier = 'standard' | 'urgent' | 'critical';

export interface TierDecision {
  tier: Tier;
  priority: Priority;
  /** Why this tier (shown with the score): "score 83 ≥ 80", "intent complaints". */
  reason: string;
}

/** Decides the tier and SLA priority from the score, the intent and critical cues. */
export function classifyTier(
  urgency: Pick<UrgencyScore, 'score' | 'criticalCues'>,
  intent: string | undefined,
  tiers: TierSettings,
): TierDecision {
  const { score } = urgency;
  if (score >= tiers.criticalScore)
    return {
      tier: 'critical',
      priority: 'urgent',
      reason: `score ${score} ≥ ${tiers.criticalScore}`,
    };
  if (intent !== undefined && tiers.criticalIntents.includes(intent))
    return { tier: 'critical', priority: 'urgent', reason: `intent ${intent}` };
  const cue = urgency.criticalCues[0];
  if (cue !== undefined) return { tier: 'critical', priority: 'urgent', reason: cue };
  if (score >= tiers.urgentScore)
    return { tier: 'urgent', priority: 'urgent', reason: `score ${score} ≥ ${tiers.urgentScore}` };
  if (intent !== undefined && tiers.urgentIntents.includes(intent))
    return { tier: 'urgent', priority: 'urgent', reason: `intent ${intent}` };
  if (score >= tiers.highScore)
    return { tier: 'standard', priority: 'high', reason: `score ${score} ≥ ${tiers.highScore}` };
  if (score < tiers.lowBelow)
    return { tier: 'standard', priority: 'low', reason: `score ${score} < ${tiers.lowBelow}` };
  return { tier: 'standard', priority: 'normal', reason: `score ${score}` };
}

const RANK: Record<Tier, number> = { standard: 0, urgent: 1, critical: 2 };

/**
 * A ticket's tier only rises while it waits: a rescore on the tick (an older message weighing less)
 * must not take a supervisor's ticket away or relax an SLA already promised.
 */
export function higherTier(a: Tier, b: Tier): Tier {
  return RANK[a] >= RANK[b] ? a : b;
}
