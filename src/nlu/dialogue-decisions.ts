/**
 * The bot's side of its dialogue with the customer (issue 17 owns every customer-facing question):
 * a direct answer ends with "did that answer your question?" and waits for yes or no; "did you
 * mean" numbers its articles and waits for a number or a title. The pending question is stored on
 * the ticket (ResponderTicket.prompt), so a bare "1" or "yes" means exactly one thing.
 */
import type { ArticleContent } from '../domain/article.ts';
import { shapeForChannel } from '../../knowledge/format.ts';
import type { DialoguePrompt } from '../domain/dialogue.ts';
import { MAX_CHOICE_LENGTH, MAX_CHOICES } from '../domain/message.ts';
import type { ChannelCapabilities, ResponderDecision } from '../domain/ports.ts';
import { interpretReply } from './dialogue.ts';
import type { LocaleKnowledge } from './locale-knowledge.ts';
import { botTexts } from './texts.ts';

/** How many other articles a "no" may offer in turn before a person takes over. */
const MAX_NEXT = 2;

/** Facts every decision carries (score, language, sentiment). */
type Facts = { score?: number; language?: string; sentiment?: number };

/** Why the bot handed over inside its dialogue. */
export const DIALOGUE_REASONS = {
  noneFit: 'none of the suggested articles fit',
  unhelpful: "the bot's answers did not help",
} as const;

/**
 * A direct answer: the article, then the confirmation question (Yes/No buttons where the channel
 * shows them), waiting on it with the next best articles ready for a "no".
 */
export function directAnswer(
  article: ArticleContent,
  options: {
    locale: string;
    format: ChannelCapabilities['format'];
    questionId: string;
    next: readonly string[];
    facts: Facts;
    lead?: string;
    unhelpful?: { articleId: string; questionId: string };
  },
): ResponderDecision {
  const texts = botTexts(options.locale);
  const markdown = [options.lead, article.answer, texts.confirmQuestion]
    .filter((part): part is string => part !== undefined)
    .join('\n\n');
  const prompt: DialoguePrompt = {
    kind: 'confirm',
    locale: options.locale,
    articleId: article.id,
    next: options.next.slice(0, MAX_NEXT),
    questionId: options.questionId,
    at: new Date(),
  };
  return {
    ...options.facts,
    intent: article.id,
    action: 'reply',
    counted: 'answer',
    ...shapeForChannel(markdown, options.format),
    choices: [...texts.confirmChoices],
    prompt,
    ...(options.unhelpful ? { unhelpful: options.unhelpful } : {}),
  };
}

/** "Did you mean …?": the articles numbered, as buttons where they fit, waiting on a choice. */
export function clarification(
  articles: ReadonlyArray<{ id: string; title: string }>,
  options: {
    locale: string;
    format: ChannelCapabilities['format'];
    questionId: string;
    facts: Facts;
  },
): ResponderDecision {
  const texts = botTexts(options.locale);
  const markdown = [
    texts.didYouMean,
    articles.map((a, i) => `${i + 1}. ${a.title}`).join('\n'),
    texts.didYouMeanHint,
  ].join('\n\n');
  const choices = articles
    .map((a) => a.title)
    .filter((t) => t.length <= MAX_CHOICE_LENGTH)
    .slice(0, MAX_CHOICES);
  return {
    ...options.facts,
    action: 'reply',
    counted: 'miss',
    ...shapeForChannel(markdown, options.format),
    ...(choices.length > 0 ? { choices } : {}),
    prompt: {
      kind: 'clarify',
      locale: options.locale,
      options: articles.map((a) => a.id),
      questionId: options.questionId,
      at: new Date(),
    },
  };
}

/**
 * The decision when `text` answers the pending prompt, or undefined when it is a new question (it
 * is then classified as usual, and the prompt lapses).
 */
export function answerToPrompt(
  prompt: DialoguePrompt,
  text: string,
  knowledge: LocaleKnowledge,
  format: ChannelCapabilities['format'],
  facts: Facts,
): ResponderDecision | undefined {
  const ids = prompt.kind === 'clarify' ? prompt.options : [prompt.articleId, ...prompt.next];
  const titles = new Map<string, string>();
  for (const id of ids) {
    const article = knowledge.articles.get(id);
    if (article) titles.set(id, article.title);
  }
  const reply = interpretReply(prompt, text, titles);
  if (reply === undefined) return undefined;
  const texts = botTexts(prompt.locale);
  const localeFacts = { ...facts, language: prompt.locale };
  if (reply.kind === 'choice') {
    const article = knowledge.articles.get(reply.articleId);
    if (!article) return undefined;
    return {
      ...directAnswer(article, {
        locale: prompt.locale,
        format,
        questionId: prompt.questionId,
        next: ids.filter((id) => id !== reply.articleId && knowledge.articles.has(id)),
        facts: localeFacts,
      }),
      // Picking the article from the list is the customer's label for their question.
      ...(prompt.kind === 'clarify'
        ? { confirmed: { articleId: article.id, questionId: prompt.questionId } }
        : {}),
    };
  }
  if (prompt.kind === 'clarify') {
    // "None of these."
    return {
      ...localeFacts,
      action: 'escalate',
      reason: DIALOGUE_REASONS.noneFit,
      text: texts.handoverNoAnswer,
      uncovered: { questionId: prompt.questionId },
    };
  }
  if (reply.kind === 'yes') {
    return {
      ...localeFacts,
      intent: prompt.articleId,
      action: 'reply',
      counted: 'smalltalk',
      text: texts.gladItHelped,
      settles: 'confirmed',
      confirmed: { articleId: prompt.articleId, questionId: prompt.questionId },
    };
  }
  // "No": the next best article, or a person; either way the answer is recorded as unhelpful.
  // One alternative at most: a second "no" goes to a person (the support-day drill found
  // customers led through three articles in a row, which is worse than a hand-over).
  const unhelpful = { articleId: prompt.articleId, questionId: prompt.questionId };
  const [nextId] = prompt.next.filter((id) => knowledge.articles.has(id));
  const next = nextId === undefined ? undefined : knowledge.articles.get(nextId);
  if (next) {
    return directAnswer(next, {
      locale: prompt.locale,
      format,
      questionId: prompt.questionId,
      next: [],
      facts: localeFacts,
      lead: texts.nextArticle,
      unhelpful,
    });
  }
  return {
    ...localeFacts,
    action: 'escalate',
    reason: DIALOGUE_REASONS.unhelpful,
    text: texts.handoverUnhelpful,
    unhelpful,
    uncovered: { questionId: prompt.questionId },
  };
}
