import type { Model } from 'mongoose';
import type { ArticleFeedback, PipelineListener } from '../pipeline/listeners.ts';
import type { TicketDoc } from '../pool/models.ts';
import type { TicketPool } from '../pool/pool.ts';
import { collectConfirmed, type ConfirmedDoc } from './confirmed.ts';
import { collectNegative, type NegativeDoc } from './negatives.ts';

/**
 * The learning loop's part in each message: a question the customer said the answer did not help
 * with goes to the review queue of uncovered questions; one they confirmed is kept as a labelled
 * real question for the learning report.
 */
export function learningListener(deps: {
  pool: TicketPool;
  negatives: Model<NegativeDoc>;
  confirmed: Model<ConfirmedDoc>;
  fallbackLocale: string;
}): PipelineListener {
  /** The customer's question the feedback is about, in their own words, and its locale. */
  const questionOf = async (ticket: TicketDoc, feedback: ArticleFeedback) => {
    const question = await deps.pool.getMessage(feedback.questionId);
    if (!question) return undefined;
    return {
      locale: feedback.locale ?? ticket.language ?? deps.fallbackLocale,
      text: question.newText ?? question.text,
      articleId: feedback.articleId,
      ticketId: ticket._id,
    };
  };
  return {
    name: 'learning',
    async unhelpfulAnswer(ticket, feedback) {
      const question = await questionOf(ticket, feedback);
      if (question) await collectNegative(deps.negatives, question);
    },
    async confirmedAnswer(ticket, feedback) {
      const question = await questionOf(ticket, feedback);
      if (question) await collectConfirmed(deps.confirmed, question);
    },
  };
}
