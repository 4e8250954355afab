/**
 * One locale's knowledge as a process serves it: the trained model, the published articles it was
 * trained on (answers by intent) and their search index. Immutable, and swapped in as a whole.
 */
import type { Logger } from 'pino';
import { z } from 'zod';
import type { ArticleContent } from '../domain/article.ts';
import {
  loadIntentModel,
  type IntentModel,
  type SerializedIntentModel,
} from '../../intents/index.ts';
import { KnowledgeSearch } from '../../knowledge/search.ts';
import { latestIntentModelRecord } from '../knowledge/article-versions.ts';
import type { TicketPool } from '../pool/pool.ts';
import type { RetrainReporter } from './retrain-report.ts';
import type { Trainer } from './trainer.ts';
import {
  buildTrainingSet,
  localeKnowledgeHash,
  resolveCorpus,
  type TrainingSources,
} from './training-set.ts';
import {
  getIntentModelRecord,
  listArticles,
  saveIntentModelRecord,
} from '../knowledge/articles.ts';

/** A locale's model with the articles it names. */
export interface LocaleKnowledge {
  locale: string;
  /** Hash of the published articles (and corpus) the model was trained on. */
  hash: string;
  model: IntentModel;
  articles: ReadonlyMap<string, ArticleContent>;
  search: KnowledgeSearch;
}

/**
 * How a locale's knowledge is (re)built. `corpusDir`: folder of the conversational intents and
 * out-of-scope examples (default the shipped one); `negatives`: the collected negatives;
 * `targetPrecision`: the calibration's target answer precision.
 */
export interface KnowledgeBuildOptions extends TrainingSources {
  trainer: Trainer;
  logger?: Logger | undefined;
  /** Stores the learning report of each training (src/nlu/retrain-report.ts). */
  reportRetrain?: RetrainReporter | undefined;
}

/** The cache record's _id: `<locale>.<hash>`. */
export function modelRecordId(locale: string, hash: string): string {
  return `${locale}.${hash}`;
}

const ArticlesSchema = z.array(
  z.object({
    id: z.string(),
    locale: z.string(),
    title: z.string(),
    tags: z.array(z.string()),
    questions: z.array(z.string()),
    answer: z.string(),
  }),
);

/** Builds the in-memory form from a model and the articles it was trained on. */
export function assembleLocaleKnowledge(
  locale: string,
  hash: string,
  model: IntentModel,
  articles: readonly ArticleContent[],
): LocaleKnowledge {
  return {
    locale,
    hash,
    model,
    articles: new Map(articles.map((a) => [a.id, a])),
    search: new KnowledgeSearch(locale, articles),
  };
}

/** Loads a cached model by its _id; null when there is none for this hash. */
export async function loadLocaleKnowledge(
  pool: TicketPool,
  locale: string,
  hash: string,
): Promise<LocaleKnowledge | null> {
  const record = await getIntentModelRecord(pool.models, modelRecordId(locale, hash));
  if (!record) return null;
  const model = loadIntentModel(JSON.parse(record.model) as SerializedIntentModel);
  const articles = ArticlesSchema.parse(JSON.parse(record.articles));
  return assembleLocaleKnowledge(locale, hash, model, articles);
}

/**
 * The knowledge for the locale's currently published articles: the cached model when one was
 * trained on exactly these, else a new one (trained off the event loop, then cached). Returns null
 * when the locale has no published article and `whenEmpty` is 'skip'.
 */
export async function ensureLocaleKnowledge(
  pool: TicketPool,
  locale: string,
  options: KnowledgeBuildOptions & { whenEmpty: 'skip' | 'train' },
): Promise<LocaleKnowledge | null> {
  const articles = (await listArticles(pool.models, { locale, status: 'published' })).map(
    (a) => a.content,
  );
  if (articles.length === 0 && options.whenEmpty === 'skip') return null;
  const corpus = await resolveCorpus(locale, options);
  const hash = localeKnowledgeHash(locale, articles, corpus);
  const cached = await loadLocaleKnowledge(pool, locale, hash);
  if (cached) return cached;
  // The model this training replaces, for the learning report's "before".
  const previous = options.reportRetrain
    ? await latestIntentModelRecord(pool.models, locale)
    : null;
  const train = buildTrainingSet(locale, articles, corpus);
  const started = Date.now();
  const json = await options.trainer({
    locale,
    train,
    corpusDir: options.corpusDir,
    ...(corpus.negatives === undefined ? {} : { negatives: corpus.negatives }),
    ...(corpus.targetPrecision === undefined ? {} : { targetPrecision: corpus.targetPrecision }),
  });
  const trainSeconds = (Date.now() - started) / 1000;
  const trainedAt = new Date();
  await saveIntentModelRecord(pool.models, {
    _id: modelRecordId(locale, hash),
    locale,
    knowledgeHash: hash,
    model: JSON.stringify(json),
    articles: JSON.stringify(articles),
    trainedAt,
    trainSeconds,
    expectedPrecision: json.calibration.expectedPrecision,
    answerRate: json.calibration.answerRate,
    negatives: json.calibration.negativeExamples,
  });
  options.logger?.info(
    { locale, hash, articles: articles.length, trainSeconds },
    'intent model trained',
  );
  const model = loadIntentModel(json);
  if (options.reportRetrain) {
    try {
      await options.reportRetrain({
        locale,
        hash,
        trainedAt,
        trainSeconds,
        articleIds: articles.map((a) => a.id),
        trainTexts: [...train.map((u) => u.text), ...(corpus.negatives ?? [])],
        negatives: json.calibration.negativeExamples,
        model,
        previous: previousModel(previous, options.logger),
      });
    } catch (error) {
      // The model is trained and stored: a report that fails is logged, never a failed training.
      options.logger?.warn({ locale, hash, err: error }, 'learning report not stored');
    }
  }
  return assembleLocaleKnowledge(locale, hash, model, articles);
}

/** The previous model of a locale as stored, or null when there is none or it no longer loads. */
function previousModel(
  record: { knowledgeHash: string; model: string } | null,
  logger: Logger | undefined,
): { hash: string; model: IntentModel } | null {
  if (!record) return null;
  try {
    const model = loadIntentModel(JSON.parse(record.model) as SerializedIntentModel);
    return { hash: record.knowledgeHash, model };
  } catch (error) {
    // An older recipe's format: the report has no "before".
    logger?.info({ hash: record.knowledgeHash, err: error }, 'previous intent model not loadable');
    return null;
  }
}
