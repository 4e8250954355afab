/**
 * Revisions of knowledge-base articles: every change made through the console is stored as a full
 * snapshot with who, when and what, so any two can be diffed and any one restored. Articles
 * changed elsewhere (the `kb` CLI, the seed) get a baseline revision the first time the console
 * touches them.
 */
import type { ArticleContent, ArticleStatus } from '../domain/article.ts';
import { knowledgeModels, type ArticleRevisionDoc, type IntentModelDoc } from './models.ts';
import type { StoredArticle } from './articles.ts';
import type { PoolModels } from '../pool/models.ts';

/** One revision as the API shows it. */
export interface ArticleRevision {
  revision: number;
  action: string;
  version: number;
  status: ArticleStatus;
  content: ArticleContent;
  by: string;
  at: Date;
  note: string | null;
}

function toRevision(doc: ArticleRevisionDoc): ArticleRevision {
  const [id = '', locale = ''] = splitKey(doc.articleKey);
  return {
    revision: doc.revision,
    action: doc.action,
    version: doc.version,
    status: doc.status as ArticleStatus,
    content: {
      id,
      locale,
      title: doc.title,
      tags: [...doc.tags],
      questions: [...doc.questions],
      answer: doc.answer,
    },
    by: doc.by,
    at: doc.at,
    note: doc.note ?? null,
  };
}

/** `order-status.en` → [`order-status`, `en`] (ids have no '.'). */
export function splitKey(key: string): [string, string] {
  const dot = key.lastIndexOf('.');
  return [key.slice(0, dot), key.slice(dot + 1)];
}

/** The newest revision of an article, or null. */
export async function latestRevision(
  models: PoolModels,
  key: string,
): Promise<ArticleRevision | null> {
  const doc = (await knowledgeModels(models)
    .ArticleRevision.findOne({ articleKey: key })
    .sort({ revision: -1 })
    .lean()) as ArticleRevisionDoc | null;
  return doc ? toRevision(doc) : null;
}

/** Every revision of an article, newest first. */
export async function listRevisions(models: PoolModels, key: string): Promise<ArticleRevision[]> {
  const docs = (await knowledgeModels(models)
    .ArticleRevision.find({ articleKey: key })
    .sort({ revision: -1 })
    .lean()) as ArticleRevisionDoc[];
  return docs.map(toRevision);
}

export async function getRevision(
  models: PoolModels,
  key: string,
  revision: number,
): Promise<ArticleRevision | null> {
  const doc = (await knowledgeModels(models)
    .ArticleRevision.findById(`${key}#${revision}`)
    .lean()) as ArticleRevisionDoc | null;
  return doc ? toRevision(doc) : null;
}

/**
 * Appends a revision after `previous` (insert-only: its _id is unique, so a concurrent writer that
 * took the same number makes this throw E11000 instead of overwriting). Callers hold the
 * article's revision lock.
 */
export async function appendRevision(
  models: PoolModels,
  input: {
    key: string;
    previous: number;
    action: string;
    article: StoredArticle;
    by: string;
    at?: Date;
    note?: string | undefined;
  },
): Promise<ArticleRevision> {
  const revision = input.previous + 1;
  const { content } = input.article;
  const doc = await knowledgeModels(models).ArticleRevision.create({
    _id: `${input.key}#${revision}`,
    articleKey: input.key,
    revision,
    action: input.action,
    version: input.article.version,
    status: input.article.status,
    title: content.title,
    tags: content.tags,
    questions: content.questions,
    answer: content.answer,
    by: input.by,
    at: input.at ?? new Date(),
    ...(input.note === undefined ? {} : { note: input.note }),
  });
  return toRevision(doc.toObject() as ArticleRevisionDoc);
}

/** The newest trained model of a locale (whatever knowledge it was trained on), or null. */
export async function latestIntentModelRecord(
  models: PoolModels,
  locale: string,
): Promise<IntentModelDoc | null> {
  return (await knowledgeModels(models)
    .IntentModelRecord.findOne({ locale })
    .sort({ trainedAt: -1 })
    .lean()) as IntentModelDoc | null;
}

/** What the console shows of a stored model (see the schema's fields). */
export interface IntentModelSummary {
  trainedAt: Date;
  expectedPrecision: number | null;
  answerRate: number | null;
  negatives: number;
}

/** The summary of the model of `<locale>.<hash>`, or null when it is not trained yet. */
export async function modelSummary(
  models: PoolModels,
  id: string,
): Promise<IntentModelSummary | null> {
  const doc = (await knowledgeModels(models)
    .IntentModelRecord.findById(id, {
      trainedAt: 1,
      expectedPrecision: 1,
      answerRate: 1,
      negatives: 1,
    })
    .lean()) as {
    trainedAt: Date;
    expectedPrecision?: number | null;
    answerRate?: number | null;
    negatives?: number | null;
  } | null;
  if (!doc) return null;
  return {
    trainedAt: doc.trainedAt,
    expectedPrecision: doc.expectedPrecision ?? null,
    answerRate: doc.answerRate ?? null,
    negatives: doc.negatives ?? 0,
  };
}
