/**
 * Knowledge-base operations of the pool: idempotent import, publish/unpublish, reads, and the
 * cache of trained intent models. Every read-modify-write of an article runs under its document
 * lock (FerretDB 1.x updates are not atomic, see locks.ts) and leaves an audit event.
 */
import { articleKey, type ArticleContent, type ArticleStatus } from '../domain/article.ts';
import { SwitchboardError } from '../domain/errors.ts';
import { recordAudit } from '../pool/audit.ts';
import { knowledgeModels, type ArticleDoc, type IntentModelDoc } from './models.ts';
import type { DocumentLocks } from '../pool/locks.ts';
import type { PoolModels } from '../pool/models.ts';

/** What an import did to one article. */
export type ImportOutcome = 'created' | 'updated' | 'unchanged';

/** Input of `importArticle`: the content, its hash (the caller's canonical form) and who. */
export interface ArticleImport {
  content: ArticleContent;
  contentHash: string;
  by: string;
  /** Status of a created or changed article. An unchanged article keeps its status. */
  status: ArticleStatus;
}

/** An article as stored, with its content in the authored shape. */
export interface StoredArticle {
  content: ArticleContent;
  status: ArticleStatus;
  version: number;
  contentHash: string;
  updatedBy: string;
  updatedAt: Date;
}

/** The stored document -> the authored shape plus bookkeeping. */
export function toStoredArticle(doc: ArticleDoc): StoredArticle {
  return {
    content: {
      id: doc.articleId,
      locale: doc.locale,
      title: doc.title,
      tags: [...doc.tags],
      questions: [...doc.questions],
      answer: doc.answer,
    },
    status: doc.status,
    version: doc.version,
    contentHash: doc.contentHash,
    updatedBy: doc.updatedBy,
    updatedAt: doc.updatedAt,
  };
}

function contentFields(content: ArticleContent) {
  return {
    articleId: content.id,
    locale: content.locale,
    title: content.title,
    questions: content.questions,
    answer: content.answer,
    tags: content.tags,
  };
}

const lockKey = (id: string) => `article.${id}`;

/**
 * Stores an article: new → created (version 1); same content hash → untouched; else the content
 * is replaced, the version goes up by one and the status becomes `status`.
 */
export async function importArticle(
  models: PoolModels,
  locks: DocumentLocks,
  input: ArticleImport,
): Promise<{ outcome: ImportOutcome; article: StoredArticle }> {
  const id = articleKey(input.content);
  return locks.withLock(lockKey(id), async () => {
    const existing = (await knowledgeModels(models)
      .Article.findById(id)
      .lean()) as ArticleDoc | null;
    if (existing && existing.contentHash === input.contentHash) {
      return { outcome: 'unchanged' as const, article: toStoredArticle(existing) };
    }
    const fields = {
      ...contentFields(input.content),
      contentHash: input.contentHash,
      status: input.status,
      updatedBy: input.by,
      version: existing ? existing.version + 1 : 1,
    };
    if (existing) {
      await knowledgeModels(models).Article.updateOne({ _id: id }, { $set: fields });
    } else {
      await knowledgeModels(models).Article.create({ _id: id, ...fields });
    }
    const stored = (await knowledgeModels(models).Article.findById(id).lean()) as ArticleDoc | null;
    if (!stored)
      throw new SwitchboardError('SB_ERR_INTERNAL', `article ${id} vanished after it was written`);
    const after = toStoredArticle(stored);
    await recordAudit(models, {
      actor: input.by,
      action: existing ? 'article.updated' : 'article.created',
      subject: `article:${id}`,
      ...(existing
        ? {
            before: {
              version: existing.version,
              status: existing.status,
              contentHash: existing.contentHash,
            },
          }
        : {}),
      after: { version: after.version, status: after.status, contentHash: after.contentHash },
    });
    return { outcome: existing ? ('updated' as const) : ('created' as const), article: after };
  });
}

/** Publishes or unpublishes an article; a no-op (and no audit event) when it already has `status`. */
export async function setArticleStatus(
  models: PoolModels,
  locks: DocumentLocks,
  id: string,
  status: ArticleStatus,
  by: string,
): Promise<{ changed: boolean; article: StoredArticle }> {
  return locks.withLock(lockKey(id), async () => {
    const existing = (await knowledgeModels(models)
      .Article.findById(id)
      .lean()) as ArticleDoc | null;
    if (!existing) throw new SwitchboardError('SB_ERR_NOT_FOUND', `article ${id} not found`);
    if (existing.status === status) return { changed: false, article: toStoredArticle(existing) };
    await knowledgeModels(models).Article.updateOne(
      { _id: id },
      { $set: { status, updatedBy: by } },
    );
    await recordAudit(models, {
      actor: by,
      action: status === 'published' ? 'article.published' : 'article.unpublished',
      subject: `article:${id}`,
      before: { status: existing.status, version: existing.version },
      after: { status, version: existing.version },
    });
    return { changed: true, article: { ...toStoredArticle(existing), status, updatedBy: by } };
  });
}

/** One article by `<id>.<locale>`. */
export async function getArticle(models: PoolModels, id: string): Promise<StoredArticle | null> {
  const doc = (await knowledgeModels(models).Article.findById(id).lean()) as ArticleDoc | null;
  return doc ? toStoredArticle(doc) : null;
}

/** Articles, optionally of one locale and/or status, ordered by id (not a hot path: training, export). */
export async function listArticles(
  models: PoolModels,
  filter: { locale?: string; status?: ArticleStatus } = {},
): Promise<StoredArticle[]> {
  const docs = (await knowledgeModels(models)
    .Article.find(filter)
    .sort({ _id: 1 })
    .lean()) as ArticleDoc[];
  return docs.map(toStoredArticle);
}

/** Is there any article at all (the start-up seeding check)? */
export async function hasArticles(models: PoolModels): Promise<boolean> {
  return (await knowledgeModels(models).Article.findOne({}, { _id: 1 }).lean()) !== null;
}

/** A cached intent model by `<locale>.<knowledge hash>`. */
export async function getIntentModelRecord(
  models: PoolModels,
  id: string,
): Promise<IntentModelDoc | null> {
  return (await knowledgeModels(models)
    .IntentModelRecord.findById(id)
    .lean()) as IntentModelDoc | null;
}

/**
 * Stores a trained model under its _id. Insert-only: two processes that trained the same
 * knowledge produce equivalent models, so the first one stays and the second write is dropped.
 */
export async function saveIntentModelRecord(
  models: PoolModels,
  record: IntentModelDoc,
): Promise<void> {
  try {
    await knowledgeModels(models).IntentModelRecord.create(record);
  } catch (error) {
    if ((error as { code?: unknown }).code !== 11000) throw error;
  }
}
