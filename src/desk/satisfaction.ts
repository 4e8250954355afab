import type { Queue } from 'bullmq';
import type { InboundMessage } from '../domain/message.ts';
import { queueBotMessage } from '../pipeline/ingest.ts';
import type { OutboundJobData } from '../pipeline/queues.ts';
import { resolveContactId } from '../pool/contacts.ts';
import type { DocumentLocks } from '../pool/locks.ts';
import { appendInbound, inboundMessageKey } from '../pool/messages.ts';
import type { TicketDoc } from '../pool/models.ts';
import type { TicketPool } from '../pool/pool.ts';
import { updateTicket } from '../pool/tickets.ts';
import { parseRating, type Rating } from './rating.ts';

/** The intent recorded on a customer message that was taken as a rating. */
export const CSAT_INTENT = 'csat';

const QUESTION = {
  en: 'How did we do? Reply with a number from 1 (poor) to 5 (great), and a comment if you like.',
  zh: '您对本次服务满意吗？请回复 1（很差）到 5（很好）之间的数字，也欢迎留下您的意见。',
};
const THANKS = {
  en: 'Thank you for your feedback!',
  zh: '感谢您的反馈！',
};

function inLanguage<T>(texts: { en: T; zh: T }, language: string | null | undefined): T {
  return language?.toLowerCase().startsWith('zh') ? texts.zh : texts.en;
}

/** One question per resolution: a repeated Resolve (same resolvedAt) asks nothing new. */
export function satisfactionKey(ticket: Pick<TicketDoc, '_id' | 'resolvedAt'>): string {
  return `csat.${String(ticket._id)}.${ticket.resolvedAt?.getTime() ?? 0}`;
}

/** Asks the customer, on their own channel through the outbound queue, how we did. */
export async function askSatisfaction(
  deps: { pool: TicketPool; outbound: Queue<OutboundJobData> },
  ticket: TicketDoc,
): Promise<void> {
  if (ticket.status !== 'resolved' || !ticket.resolvedAt) return;
  await queueBotMessage(deps, ticket, {
    key: satisfactionKey(ticket),
    text: inLanguage(QUESTION, ticket.language),
  });
}

export interface SatisfactionDeps {
  pool: TicketPool;
  locks: DocumentLocks;
  outbound: Queue<OutboundJobData>;
}

/**
 * The CSAT listener's beforeIngest (src/pipeline/listeners.ts): a reply to the satisfaction question on a resolved ticket that looks
 * like a rating is stored on that ticket as its CSAT — without reopening it — and the pipeline
 * stops there ('consumed'). Anything else goes on as usual ('continue'). Runs before the message
 * is stored, because storing a customer message reopens a resolved ticket.
 */
export function satisfactionHook(
  deps: SatisfactionDeps,
): (message: InboundMessage) => Promise<'consumed' | 'continue'> {
  return async (inbound) => {
    const { pool } = deps;
    // Most messages are no rating: they go on without a read (issue 21: one operation less on
    // every message).
    const rating = parseRating(inbound.newText ?? inbound.text);
    if (!rating) return 'continue';
    const key = inboundMessageKey(inbound.channel, inbound.channelMessageId);
    const stored = await pool.getMessage(key);
    if (stored?.handled) {
      // A retried job: a rating stays consumed (and its record is made sure of).
      if (stored.intent !== CSAT_INTENT) return 'continue';
      const ticket = await pool.getTicket(stored.ticketId);
      if (ticket) await record(deps, ticket, rating, inbound.receivedAt);
      return 'consumed';
    }
    const ticket = await awaitingRating(pool, inbound);
    if (!ticket) return 'continue';
    const contactId = await resolveContactId(pool.models, inbound.from);
    const { message } = await appendInbound(pool.models, { ticket, contactId, message: inbound });
    await pool.markHandled(message._id, { intent: CSAT_INTENT });
    await record(deps, ticket, rating, inbound.receivedAt);
    return 'consumed';
  };
}

/** The thread's ticket when it is resolved, was asked the question, and has no rating since. */
async function awaitingRating(
  pool: TicketPool,
  inbound: InboundMessage,
): Promise<TicketDoc | undefined> {
  const thread = await pool.models.Thread.findById(
    `${inbound.channel}.${inbound.threadKey}`,
  ).lean();
  if (!thread) return undefined;
  const ticket = await pool.getTicket(thread.ticketId);
  if (ticket?.status !== 'resolved' || !ticket.resolvedAt) return undefined;
  if (ticket.csatAt && ticket.csatAt >= ticket.resolvedAt) return undefined;
  const asked = await pool.getMessage(`sb.${satisfactionKey(ticket)}`);
  return asked ? ticket : undefined;
}

async function record(
  deps: SatisfactionDeps,
  ticket: TicketDoc,
  rating: Rating,
  at: Date,
): Promise<void> {
  await updateTicket(deps.pool.models, deps.locks, ticket._id, {
    $set: {
      csatScore: rating.score,
      csatAt: at,
      ...(rating.comment === undefined ? {} : { csatComment: rating.comment }),
    },
  });
  await queueBotMessage(deps, ticket, {
    key: `${satisfactionKey(ticket)}.thanks`,
    text: inLanguage(THANKS, ticket.language),
  });
}
