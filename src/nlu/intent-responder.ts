/**
 * The bot's decision on each customer message: classify with the IntentEngine, then by its band
 * answer with the matched article (at or above the model's precision threshold), ask "did you mean"
 * with its best articles (the middle band), or hand over to a person; conversational intents and
 * replies to the bot's own pending question come first. Answers are always an article's own text.
 */
import { detectLanguage, type Classification } from '../../intents/index.ts';
import type { Responder, ResponderDecision, ResponderInput } from '../domain/ports.ts';
import type { IntentRuntime } from './intent-runtime.ts';
import type { LocaleKnowledge } from './locale-knowledge.ts';
import { answerToPrompt, clarification, directAnswer } from './dialogue-decisions.ts';
import { detectDistress, DISTRESS_REASONS } from './distress.ts';
import { botTexts } from './texts.ts';
import { isConversational } from './training-set.ts';

/** The most characters of a customer message the bot classifies and searches. */
export const MAX_CLASSIFIED_CHARS = 2000;

/** Reasons recorded on escalated tickets. */
export const ESCALATION_REASONS = {
  requested: 'customer asked for a person',
  outOfScope: 'out of scope for the knowledge base',
  secondMiss: 'bot missed twice in a row',
  noText: 'message without text',
} as const;

/**
 * The Responder of worker processes. While the knowledge base has no model, `fallback` decides
 * (EscalateAllResponder: every conversation goes to a person).
 */
export class IntentResponder implements Responder {
  constructor(
    private readonly runtime: IntentRuntime,
    private readonly fallback: Responder,
  ) {}

  async respond(input: ResponderInput): Promise<ResponderDecision> {
    // One read of the state, and classify's own read of its models, in the same synchronous step:
    // the model and the articles used below come from the same training.
    const { engine, knowledge } = this.runtime.current();
    if (engine === undefined) return this.fallback.respond(input);
    // A question is short: the bot reads the first MAX_CLASSIFIED_CHARS characters (an email can
    // carry 100,000, and a long mail is for a person anyway), so one message costs bounded work.
    const text = (input.message.newText ?? input.message.text)
      .trim()
      .slice(0, MAX_CLASSIFIED_CHARS);
    const hint =
      input.ticket.language !== undefined && engine.locales.includes(input.ticket.language)
        ? input.ticket.language
        : engine.fallbackLocale;
    if (text.length === 0) {
      return {
        action: 'escalate',
        reason: ESCALATION_REASONS.noText,
        text: botTexts(hint).handoverNoAnswer,
        language: hint,
      };
    }
    // A bare "1" or "yes" answers the bot's pending question, in the language it was asked in.
    const prompt = input.ticket.prompt;
    const promptKnowledge = prompt && knowledge.get(prompt.locale);
    if (prompt && promptKnowledge) {
      const answered = answerToPrompt(prompt, text, promptKnowledge, input.capabilities.format, {});
      if (answered) return answered;
    }
    // The ticket's language decides only when the text itself cannot (digits, an emoji, "ok").
    const locale = detectLanguage(text, engine.locales, hint);
    const classification = await engine.classify(text, locale);
    const distressed = await this.distress(input, text, classification);
    if (distressed) return distressed;
    return this.decide(input, classification, knowledge.get(classification.locale));
  }

  /**
   * Feelings before articles: a legal threat, a request for a manager, fury or a repeat complaint
   * goes to a person now, whatever article scores best (kept as the intent: the agent's hint).
   */
  private async distress(
    input: ResponderInput,
    text: string,
    c: Classification,
  ): Promise<ResponderDecision | undefined> {
    let kind = detectDistress(text, c.locale, c.sentiment);
    if (kind === undefined && c.sentiment.label === 'negative' && input.earlierTickets) {
      kind = detectDistress(text, c.locale, c.sentiment, await input.earlierTickets());
    }
    if (kind === undefined) return undefined;
    const guess = c.intent ?? c.candidates[0]?.intent;
    return {
      score: c.score,
      language: c.locale,
      sentiment: c.sentiment.score,
      ...(guess !== undefined && !isConversational(guess) ? { intent: guess } : {}),
      action: 'escalate',
      reason: DISTRESS_REASONS[kind],
      text: botTexts(c.locale).handoverDistress,
      distress: kind,
    };
  }

  private decide(
    input: ResponderInput,
    c: Classification,
    knowledge: LocaleKnowledge | undefined,
  ): ResponderDecision {
    const facts = { score: c.score, language: c.locale, sentiment: c.sentiment.score };
    const texts = botTexts(c.locale);
    const format = input.capabilities.format;
    if (c.intent !== null && isConversational(c.intent)) {
      const intentFacts = { ...facts, intent: c.intent };
      switch (c.intent) {
        case 'human':
          return {
            ...intentFacts,
            action: 'escalate',
            reason: ESCALATION_REASONS.requested,
            text: texts.handoverRequested,
          };
        case 'greeting':
          return { ...intentFacts, action: 'reply', text: texts.greeting, counted: 'smalltalk' };
        case 'thanks':
          return { ...intentFacts, action: 'reply', text: texts.thanks, counted: 'smalltalk' };
        case 'goodbye':
          return { ...intentFacts, action: 'reply', text: texts.goodbye, counted: 'smalltalk' };
      }
    }
    const article = c.intent === null ? undefined : knowledge?.articles.get(c.intent);
    if (article !== undefined) {
      // The runners-up that are articles: what a "no, that did not help" offers next.
      const next = c.runnersUp
        .map((r) => r.intent)
        .filter((id) => id !== article.id && knowledge?.articles.has(id));
      return directAnswer(article, {
        locale: c.locale,
        format,
        questionId: input.message.id,
        next,
        facts,
      });
    }
    if (input.ticket.botMisses >= 1) {
      return {
        ...facts,
        action: 'escalate',
        reason: ESCALATION_REASONS.secondMiss,
        text: texts.handoverNoAnswer,
        uncovered: { questionId: input.message.id },
      };
    }
    // The middle band: the model's best few articles, for the customer to pick (numbers, titles).
    const candidates =
      c.band === 'clarify' && knowledge !== undefined
        ? c.candidates.flatMap((r) => {
            const candidate = knowledge.articles.get(r.intent);
            return candidate ? [{ id: candidate.id, title: candidate.title }] : [];
          })
        : [];
    if (candidates.length === 0) {
      return {
        ...facts,
        action: 'escalate',
        reason: ESCALATION_REASONS.outOfScope,
        text: texts.handoverNoAnswer,
        uncovered: { questionId: input.message.id },
      };
    }
    return clarification(candidates, {
      locale: c.locale,
      format,
      questionId: input.message.id,
      facts,
    });
  }
}
