import { z } from 'zod';
import { DialoguePromptSchema } from '../domain/dialogue.ts';
import type { ResponderDecision } from '../domain/ports.ts';
import type { MessageDoc } from '../pool/models.ts';
import type { TicketPool } from '../pool/pool.ts';

/**
 * A retried ingest job must carry out the decision its earlier run made, not decide again: the
 * second decision can differ (the first run already counted a miss on the ticket, or the knowledge
 * base changed in between) and the customer would get an answer *and* an escalation notice. The
 * decision is kept on the bot message the first run stored — its first effect — so it costs no
 * write of its own; a retry reads it back before asking the responder.
 */

const RecordSchema = z.object({
  counted: z.enum(['answer', 'miss', 'smalltalk']).nullish(),
  prompt: DialoguePromptSchema.nullish(),
  settles: z.literal('confirmed').nullish(),
  unhelpful: z.object({ articleId: z.string(), questionId: z.string() }).nullish(),
  confirmed: z.object({ articleId: z.string(), questionId: z.string() }).nullish(),
  reason: z.string().nullish(),
  uncovered: z.object({ questionId: z.string() }).nullish(),
  language: z.string().nullish(),
  sentiment: z.number().nullish(),
});

/** What of the decision is kept on the bot message (its text, intent and score are fields). */
export function decisionRecord(decision: ResponderDecision): Record<string, unknown> {
  const record = {
    ...(decision.action === 'reply'
      ? { counted: decision.counted, settles: decision.settles }
      : { reason: decision.reason, uncovered: decision.uncovered }),
    prompt: decision.prompt,
    unhelpful: decision.unhelpful,
    confirmed: decision.confirmed,
    language: decision.language,
    sentiment: decision.sentiment,
  };
  // No undefined values: the driver would store them as null, which the schema refuses.
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined));
}

/** The bot message keys a decision about an inbound message is stored under (see ingest.ts). */
export function botMessageKey(action: ResponderDecision['action'], inboundId: string): string {
  return `${action === 'reply' ? 'reply' : 'notice'}.${inboundId}`;
}

function rebuild(
  action: ResponderDecision['action'],
  doc: MessageDoc,
): ResponderDecision | undefined {
  const parsed = RecordSchema.safeParse(doc.decision);
  if (!parsed.success) return undefined; // stored before decisions were kept: decide again
  const facts = {
    ...(doc.intent ? { intent: doc.intent } : {}),
    ...(typeof doc.score === 'number' ? { score: doc.score } : {}),
    ...(parsed.data.language ? { language: parsed.data.language } : {}),
    ...(typeof parsed.data.sentiment === 'number' ? { sentiment: parsed.data.sentiment } : {}),
    ...(parsed.data.prompt ? { prompt: parsed.data.prompt } : {}),
    ...(parsed.data.unhelpful ? { unhelpful: parsed.data.unhelpful } : {}),
    ...(parsed.data.confirmed ? { confirmed: parsed.data.confirmed } : {}),
  };
  if (action === 'reply') {
    return {
      ...facts,
      action: 'reply',
      text: doc.text,
      ...(doc.markdown ? { markdown: doc.markdown } : {}),
      ...(doc.html ? { html: doc.html } : {}),
      ...(doc.choices && doc.choices.length > 0 ? { choices: doc.choices } : {}),
      counted: parsed.data.counted ?? 'answer',
      ...(parsed.data.settles ? { settles: parsed.data.settles } : {}),
    };
  }
  return {
    ...facts,
    action: 'escalate',
    reason: parsed.data.reason ?? 'unknown',
    text: doc.text,
    ...(parsed.data.uncovered ? { uncovered: parsed.data.uncovered } : {}),
  };
}

/** The decision an earlier run of this inbound message's job made, if it stored a bot message. */
export async function earlierDecision(
  pool: TicketPool,
  inboundId: string,
): Promise<ResponderDecision | undefined> {
  for (const action of ['reply', 'escalate'] as const) {
    const doc = await pool.getMessage(`sb.${botMessageKey(action, inboundId)}`);
    if (doc) return rebuild(action, doc);
  }
  return undefined;
}
