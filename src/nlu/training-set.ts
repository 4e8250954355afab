/**
 * What a locale's intent model is trained on: every published article (intent = article id,
 * utterances = its title and questions) plus the built-in conversational intents. The knowledge
 * hash covers all of it, so a cached model is reused exactly when it would be trained the same.
 */
import { createHash } from 'node:crypto';
import type { ArticleContent } from '../domain/article.ts';
import {
  loadConversationalIntents,
  loadOutOfScope,
  type LabeledUtterance,
} from '../../intents/index.ts';
import { knowledgeHash } from '../../knowledge/hash.ts';

/** Intents that are not articles: the conversation itself. */
export const CONVERSATIONAL_INTENTS = ['greeting', 'thanks', 'goodbye', 'human'] as const;
export type ConversationalIntent = (typeof CONVERSATIONAL_INTENTS)[number];

/** Is `intent` one of the built-in conversational intents? */
export function isConversational(intent: string): intent is ConversationalIntent {
  return (CONVERSATIONAL_INTENTS as readonly string[]).includes(intent);
}

/** Bumped when the way models are built changes, so cached models of the old recipe are not reused. */
const TRAINING_RECIPE = 'kb-intents/2';

/**
 * Where the corpus comes from (tests may point at another folder), the collected negatives and
 * the target answer precision: everything besides the articles that changes what is trained.
 */
export interface CorpusSource {
  dir?: string;
  /** Collected negatives of the locale, trained as the `oos` class. */
  negatives?: readonly string[];
  /** Target answer precision of the calibration (NLU_TARGET_PRECISION); default 0.95. */
  targetPrecision?: number;
}

/**
 * The collected negatives of a locale: questions customers asked that the knowledge base does
 * not cover (kept in the review queue). Called once per training and per hash computation, so
 * it should read one small list (bounded: see MAX_NEGATIVES).
 */
export type NegativesSource = (locale: string) => Promise<readonly string[]>;

/** At most this many negatives are trained per locale (the newest first is the source's job). */
export const MAX_NEGATIVES = 5000;

/** What a gateway trains with besides the articles (see CorpusSource). */
export interface TrainingSources {
  corpusDir?: string | undefined;
  targetPrecision?: number | undefined;
  negatives?: NegativesSource | undefined;
}

/** The corpus of a locale as a TrainingSources resolves it now. */
export async function resolveCorpus(
  locale: string,
  sources: TrainingSources,
): Promise<CorpusSource> {
  const negatives = sources.negatives
    ? (await sources.negatives(locale)).slice(0, MAX_NEGATIVES)
    : [];
  return {
    ...(sources.corpusDir === undefined ? {} : { dir: sources.corpusDir }),
    ...(negatives.length > 0 ? { negatives } : {}),
    ...(sources.targetPrecision === undefined ? {} : { targetPrecision: sources.targetPrecision }),
  };
}

/** The labelled utterances of a locale. Article ids never collide with conversational intents. */
export function buildTrainingSet(
  locale: string,
  articles: readonly ArticleContent[],
  corpus: CorpusSource = {},
): LabeledUtterance[] {
  const fromArticles = articles
    .filter((a) => a.locale === locale && !isConversational(a.id))
    .flatMap((a) => [a.title, ...a.questions].map((text) => ({ text, intent: a.id })));
  const conversational = loadConversationalIntents(locale, corpus.dir).filter((u) =>
    isConversational(u.intent),
  );
  return [...fromArticles, ...conversational];
}

/** The cache key of a locale's model: its published articles, the corpus and the recipe. */
export function localeKnowledgeHash(
  locale: string,
  articles: readonly ArticleContent[],
  corpus: CorpusSource = {},
): string {
  const corpusHash = createHash('sha256')
    .update(
      JSON.stringify([
        loadConversationalIntents(locale, corpus.dir),
        loadOutOfScope(locale, corpus.dir),
        corpus.negatives ?? [],
        corpus.targetPrecision ?? null,
      ]),
    )
    .digest('hex');
  return knowledgeHash(
    articles.filter((a) => a.locale === locale),
    `${TRAINING_RECIPE}\n${locale}\n${corpusHash}`,
  );
}
