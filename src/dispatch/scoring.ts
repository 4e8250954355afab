import { analyzeSentiment, detectLanguage } from '../../intents/index.ts';
import type { Priority } from '../domain/ticket.ts';
import type { MessageDoc, TicketDoc } from '../pool/models.ts';
import type { TicketPool } from '../pool/pool.ts';
import type { DispatchSettings } from './config.ts';
import { fractionLeft } from './sla.ts';
import { classifyTier, higherTier, type Tier } from './tiers.ts';
import { scoreUrgency, type UrgencyFacts, type UrgencyScore } from './urgency.ts';

/** How many of the customer's last messages the score reads. */
const RECENT_MESSAGES = 3;
const HOUR = 3_600_000;

/**
 * What a caller knows without reading it: the ticket's messages (a ticket opened for the message
 * being escalated holds that one), the contact's other tickets (none, for a contact made for it).
 */
export interface KnownFacts {
  messages?: MessageDoc[] | undefined;
  otherTickets?: number | undefined;
}

/**
 * Reads what the score needs from the pool: the customer's recent messages and their sentiment
 * (node-nlp's analyzer where it has a lexicon, the intent layer's Chinese fallback for zh — see
 * intents/sentiment.ts), the contact's tier, other tickets of the contact in the repeat window.
 */
export async function gatherFacts(
  pool: TicketPool,
  ticket: TicketDoc,
  settings: DispatchSettings,
  now: Date,
  hint: {
    intent?: string | undefined;
    sentiment?: number | undefined;
    distress?: string | undefined;
  } = {},
  known: KnownFacts = {},
): Promise<UrgencyFacts> {
  const windowStart = new Date(now.getTime() - settings.urgency.repeatContact.windowHours * HOUR);
  const [messages, contact, repeatContacts] = await Promise.all([
    known.messages ?? pool.listMessages(ticket._id),
    pool.models.Contact.findById(ticket.contactId).lean(),
    known.otherTickets ??
      pool.models.Ticket.countDocuments({
        contactId: ticket.contactId,
        createdAt: { $gte: windowStart },
        _id: { $ne: ticket._id },
      }),
  ]);
  const recent = messages
    .filter((m) => m.direction === 'in' && m.authorKind === 'customer')
    .slice(-RECENT_MESSAGES);
  const texts = recent.map((m) => m.newText ?? m.text).filter((t) => t.length > 0);
  const sentiments = await Promise.all(
    texts.map(async (text) => {
      const locale = ticket.language ?? detectLanguage(text, ['en', 'zh'], 'en');
      return (await analyzeSentiment(text, locale)).score;
    }),
  );
  if (hint.sentiment !== undefined) sentiments.push(hint.sentiment);
  const attributes = (contact?.attributes ?? {}) as Record<string, unknown>;
  const tier = attributes['tier'];
  return {
    texts,
    sentiment: sentiments.length > 0 ? Math.min(...sentiments) : undefined,
    intent: hint.intent ?? ticket.lastIntent ?? undefined,
    channel: ticket.channel,
    customerTier: typeof tier === 'string' ? tier : undefined,
    repeatContacts,
    ...(hint.distress ? { distress: hint.distress } : {}),
  };
}

export interface Assessment {
  urgency: UrgencyScore;
  tier: Tier;
  priority: Priority;
  tierReason: string;
  requiredSkills: string[];
}

/** Score, tier, priority and needed skills from stored facts and the clock (pure). */
export function assess(
  ticket: Pick<
    TicketDoc,
    | 'queuedAt'
    | 'tier'
    | 'slaPolicy'
    | 'slaPausedAt'
    | 'priority'
    | 'priorityOverride'
    | 'agentRespondedAt'
    | 'firstResponseDueAt'
    | 'nextResponseDueAt'
    | 'resolutionDueAt'
  >,
  facts: UrgencyFacts,
  settings: DispatchSettings,
  now: Date,
): Assessment {
  const waitedMinutes = ticket.queuedAt
    ? Math.max(0, (now.getTime() - ticket.queuedAt.getTime()) / 60_000)
    : 0;
  const urgency = scoreUrgency(
    facts,
    { waitedMinutes, slaFractionLeft: fractionLeft(ticket, now, settings.sla) },
    settings.urgency,
  );
  const scoredTier = classifyTier(urgency, facts.intent, settings.tiers);
  // The bot handed over because the customer is upset, threatens or asks for a manager: urgent
  // at least (the tier then only rises while the ticket waits).
  const decided =
    facts.distress !== undefined && scoredTier.tier === 'standard'
      ? {
          tier: 'urgent' as const,
          priority: 'urgent' as const,
          reason: `distress: ${facts.distress}`,
        }
      : scoredTier;
  const previous = ticket.tier ?? 'standard';
  const tier = higherTier(decided.tier, previous);
  // Only rises too: the SLA promised at escalation is not relaxed by a later, calmer score.
  const scored = tier === 'standard' ? maxPriority(decided.priority, ticket.slaPolicy) : 'urgent';
  // A person's choice (the console) wins over the score, lower or higher.
  const priority = ticket.priorityOverride ?? scored;
  return {
    urgency,
    tier,
    priority,
    tierReason: tier === decided.tier ? decided.reason : `kept ${tier}`,
    requiredSkills:
      facts.intent === undefined ? [] : [...(settings.routing.intentSkills[facts.intent] ?? [])],
  };
}

const PRIORITY_RANK: Record<Priority, number> = { low: 0, normal: 1, high: 2, urgent: 3 };

function maxPriority(a: Priority, b: string | null | undefined): Priority {
  if (b === null || b === undefined || !(b in PRIORITY_RANK)) return a;
  return PRIORITY_RANK[a] >= PRIORITY_RANK[b as Priority] ? a : (b as Priority);
}

/** The ticket fields an assessment sets (one $set, under the ticket's lock). */
export function assessmentFields(assessment: Assessment, facts: UrgencyFacts) {
  return {
    urgency: assessment.urgency.score,
    urgencyParts: assessment.urgency.parts,
    tier: assessment.tier,
    priority: assessment.priority,
    requiredSkills: assessment.requiredSkills,
    urgencyFacts: facts,
  };
}
