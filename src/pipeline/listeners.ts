import type { InboundMessage } from '../domain/message.ts';
import type { ResponderDecision } from '../domain/ports.ts';
import type { MessageDoc, TicketDoc } from '../pool/models.ts';

/** What the customer said about an article the bot gave (src/nlu/dialogue-decisions.ts). */
export interface ArticleFeedback {
  articleId: string;
  /** The stored customer message the article answered. */
  questionId: string;
  locale: string | undefined;
}

/**
 * A feature that takes part in the ingest step (botbuilder's middleware is the model): dispatch,
 * the desk, the learning loop, CSAT. The pipeline calls each listener that has the event, in the
 * order they were given, and awaits it; every handler must be idempotent, because a retried job
 * calls it again.
 */
/**
 * What the ingest step knows of an escalated ticket without reading it (issue 21): a ticket this
 * try opened for the message holds no other customer message, and a contact made for it has no
 * other ticket — so scoring need not read either. Absent on a retry, where both are read.
 */
export interface EscalationFacts {
  ticketOpenedForMessage: boolean;
  contactIsNew: boolean;
}

export interface PipelineListener {
  /** For logs: who took part. */
  readonly name: string;
  /**
   * Before the message is stored. 'consumed': this listener stored it itself (a CSAT rating),
   * and the message goes no further (later listeners do not see it either).
   */
  beforeIngest?(message: InboundMessage): Promise<'consumed' | 'continue'>;
  /**
   * The message is stored on the contact `contactId` and its answer, if any, queued (so nothing
   * here delays it); called on every try until the message is handled. What its sender claimed
   * can be followed up here (an email confirmation).
   */
  stored?(message: InboundMessage, contactId: string): Promise<void>;
  /**
   * The ticket was just queued for agents: score it, set its priority and SLA. Returns the ticket
   * as stored, so the next listener (and the card) sees the score.
   */
  escalating?(
    ticket: TicketDoc,
    message: MessageDoc,
    decision: ResponderDecision,
    known?: EscalationFacts,
  ): Promise<TicketDoc | undefined>;
  /** The ticket is queued and scored: post its card. */
  escalated?(ticket: TicketDoc): Promise<void>;
  /** A customer message on a ticket a human holds or awaits (queued, assigned). */
  customerMessage?(ticket: TicketDoc, message: MessageDoc): Promise<void>;
  /** The customer said the bot's answer did not help: a question the knowledge base lacks. */
  unhelpfulAnswer?(ticket: TicketDoc, feedback: ArticleFeedback): Promise<void>;
  /** The customer confirmed an article answers their question (yes, or a "did you mean" pick). */
  confirmedAnswer?(ticket: TicketDoc, feedback: ArticleFeedback): Promise<void>;
}

/** Calls `event` on each listener that has it, in order. */
export async function notifyListeners<E extends Exclude<keyof PipelineListener, 'name'>>(
  listeners: readonly PipelineListener[],
  event: E,
  ...args: Parameters<NonNullable<PipelineListener[E]>>
): Promise<void> {
  for (const listener of listeners) {
    const handler = listener[event] as ((...a: typeof args) => Promise<unknown>) | undefined;
    await handler?.apply(listener, args);
  }
}
