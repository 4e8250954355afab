/**
 * The second kind of uncovered question (issue 17 item 2): the bot handed the customer over because
 * nothing in the knowledge base matched (out of scope, a second miss, none of the "did you mean"
 * articles fit, or the answers did not help), and an agent answered with something the knowledge
 * base does not contain. The question goes to the review queue (src/nlu/negatives.ts) as
 * `agent-answered`, with the agent's answer attached so an admin can turn it into an article.
 *
 * Runs after each agent reply went out (every reply path: the Slack thread, the console, the
 * tickets API), reads the ticket's transcript and is idempotent: a repeat recomputes the same
 * record.
 */
import type { Model, Types } from 'mongoose';
import { searchTerms } from '../../knowledge/search.ts';
import type { ArticleContent } from '../domain/article.ts';
import type { MessageDoc } from '../pool/models.ts';
import type { TicketPool } from '../pool/pool.ts';
import { collectAgentAnswered, MAX_AGENT_ANSWER_CHARS, type NegativeDoc } from './negatives.ts';
import { listArticles } from '../knowledge/articles.ts';

/**
 * The agent's answer is the knowledge base's own when at least this share of its meaningful words
 * are in one published article (title and answer): an agent who pasted or paraphrased an article.
 */
export const COVERED_OVERLAP = 0.6;

/** An answer with fewer meaningful words ("ok", "one moment") is no answer to learn from. */
export const MIN_ANSWER_TERMS = 3;

/** What an agent answered to a question the knowledge base did not cover. */
export interface AgentAnsweredQuestion {
  ticketId: Types.ObjectId;
  locale: string;
  question: string;
  /** The agents' replies since the hand-over, up to this one, in order. */
  answer: string;
  agentName: string | undefined;
  at: Date;
}

function createdAt(m: MessageDoc): number {
  return (m as { createdAt?: Date }).createdAt?.getTime() ?? 0;
}

function uncoveredOf(m: MessageDoc): { questionId: string; language?: string } | undefined {
  if (m.authorKind !== 'bot') return undefined;
  const decision = m.decision as
    { uncovered?: { questionId?: unknown }; language?: unknown } | undefined;
  const questionId = decision?.uncovered?.questionId;
  if (typeof questionId !== 'string') return undefined;
  return {
    questionId,
    ...(typeof decision?.language === 'string' ? { language: decision.language } : {}),
  };
}

/**
 * From a ticket's transcript (oldest first): the question of the bot's last hand-over before the
 * agent message `replyId` when it was for an uncovered question, with the agents' answers to it.
 */
export function agentAnsweredQuestion(
  messages: readonly MessageDoc[],
  replyId: string,
  fallbackLocale: string,
): AgentAnsweredQuestion | undefined {
  const reply = messages.find((m) => m._id === replyId);
  if (!reply || reply.authorKind !== 'agent' || reply.direction !== 'out') return undefined;
  const until = createdAt(reply);
  const handover = messages.filter((m) => createdAt(m) <= until && uncoveredOf(m)).at(-1);
  const uncovered = handover && uncoveredOf(handover);
  if (!handover || !uncovered) return undefined;
  const question = messages.find((m) => m._id === uncovered.questionId);
  const questionText = question && (question.newText ?? question.text).trim();
  if (!questionText) return undefined;
  const from = createdAt(handover);
  const answer = messages
    .filter(
      (m) =>
        m.authorKind === 'agent' &&
        m.direction === 'out' &&
        createdAt(m) >= from &&
        createdAt(m) <= until &&
        m.text.trim(),
    )
    .map((m) => m.text.trim())
    .join('\n\n')
    .slice(0, MAX_AGENT_ANSWER_CHARS);
  return {
    ticketId: reply.ticketId,
    locale: uncovered.language ?? question.language ?? fallbackLocale,
    question: questionText,
    answer,
    agentName: reply.authorName ?? undefined,
    at: new Date(until || Date.now()),
  };
}

/**
 * The published article whose title and answer hold the largest share of the answer's meaningful
 * words, with that share (0 when there is none).
 */
export function closestArticle(
  answer: string,
  locale: string,
  articles: readonly Pick<ArticleContent, 'id' | 'title' | 'answer'>[],
): { id: string | undefined; overlap: number; terms: number } {
  const terms = new Set(searchTerms(answer, locale));
  let best: { id: string | undefined; overlap: number } = { id: undefined, overlap: 0 };
  if (terms.size === 0) return { ...best, terms: 0 };
  for (const article of articles) {
    const own = new Set(searchTerms(`${article.title}\n${article.answer}`, locale));
    let shared = 0;
    for (const t of terms) if (own.has(t)) shared += 1;
    const overlap = shared / terms.size;
    if (overlap > best.overlap) best = { id: article.id, overlap };
  }
  return { ...best, terms: terms.size };
}

export type AgentAnswerOutcome = 'collected' | 'not-uncovered' | 'in-knowledge-base' | 'no-answer';

/**
 * After the agent message `messageId` went out on `ticketId`: collects its question as an
 * `agent-answered` negative when the bot had handed it over as uncovered and the answer is not a
 * published article's.
 */
export async function collectAgentAnswer(
  deps: { pool: TicketPool; negatives: Model<NegativeDoc>; fallbackLocale: string },
  ticketId: string,
  messageId: string,
): Promise<AgentAnswerOutcome> {
  const messages = await deps.pool.listMessages(ticketId);
  const found = agentAnsweredQuestion(messages, messageId, deps.fallbackLocale);
  if (!found) return 'not-uncovered';
  const published = await listArticles(deps.pool.models, {
    locale: found.locale,
    status: 'published',
  });
  const closest = closestArticle(
    found.answer,
    found.locale,
    published.map((a) => a.content),
  );
  if (closest.terms < MIN_ANSWER_TERMS) return 'no-answer';
  if (closest.overlap >= COVERED_OVERLAP) return 'in-knowledge-base';
  await collectAgentAnswered(deps.negatives, {
    locale: found.locale,
    text: found.question,
    ticketId: found.ticketId,
    answer: found.answer,
    agentName: found.agentName,
    at: found.at,
  });
  return 'collected';
}
