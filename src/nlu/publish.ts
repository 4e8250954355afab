/**
 * Knowledge-base changes that reach the bot: store the article, then queue retraining of its
 * locale. Nothing here trains: the worker role does, in the background, and announces the model.
 */
import type { Queue } from 'bullmq';
import { articleKey, type ArticleContent } from '../domain/article.ts';
import { articleContentHash, canonicalArticle } from '../../knowledge/hash.ts';
import type { ArticleFormatError } from '../../knowledge/markdown.ts';
import type { ImportOutcome, StoredArticle } from '../knowledge/articles.ts';
import type { TicketPool } from '../pool/pool.ts';
import { enqueueTraining, type TrainingJobData } from './training-queue.ts';
import { localeKnowledgeHash, resolveCorpus, type TrainingSources } from './training-set.ts';
import { importArticle, listArticles, setArticleStatus } from '../knowledge/articles.ts';

/**
 * What publishing and importing need. `training` unset: store only (nothing retrains). The
 * training sources must be the ones the workers train with, so the hashes agree.
 */
export interface KnowledgeDeps extends TrainingSources {
  pool: TicketPool;
  training?: Queue<TrainingJobData> | undefined;
}

/** Queues retraining of `locale` for its currently published articles; returns the knowledge hash. */
export async function requestRetraining(deps: KnowledgeDeps, locale: string): Promise<string> {
  const published = (await listArticles(deps.pool.models, { locale, status: 'published' })).map(
    (a) => a.content,
  );
  const hash = localeKnowledgeHash(locale, published, await resolveCorpus(locale, deps));
  if (deps.training) await enqueueTraining(deps.training, { locale, hash });
  return hash;
}

/**
 * Stores `content` as the published version of its article (a new version when the content
 * changed; publishing a draft whose content is unchanged) and queues retraining.
 */
export async function publishArticle(
  deps: KnowledgeDeps,
  content: ArticleContent,
  by: string,
): Promise<{ outcome: ImportOutcome; article: StoredArticle; hash: string }> {
  const clean = canonicalArticle(content);
  const stored = await importArticle(deps.pool.models, deps.pool.locks, {
    content: clean,
    contentHash: articleContentHash(clean),
    by,
    status: 'published',
  });
  let { article } = stored;
  if (article.status !== 'published') {
    article = (
      await setArticleStatus(deps.pool.models, deps.pool.locks, articleKey(clean), 'published', by)
    ).article;
  }
  const hash = await requestRetraining(deps, clean.locale);
  return { outcome: stored.outcome, article, hash };
}

/** Takes an article out of the bot's answers and queues retraining. */
export async function unpublishArticle(
  deps: KnowledgeDeps,
  id: string,
  by: string,
): Promise<StoredArticle> {
  const { article } = await setArticleStatus(deps.pool.models, deps.pool.locks, id, 'draft', by);
  await requestRetraining(deps, article.content.locale);
  return article;
}

/** Counts of a folder import, and the files that were rejected. */
export interface ImportReport {
  created: number;
  updated: number;
  unchanged: number;
  rejected: ArticleFormatError[];
}

/**
 * Imports parsed articles as published (unchanged ones are left as they are, status included) and
 * queues retraining of every locale that changed.
 */
export async function importArticles(
  deps: KnowledgeDeps,
  articles: readonly ArticleContent[],
  by: string,
  rejected: ArticleFormatError[] = [],
): Promise<ImportReport> {
  const report: ImportReport = { created: 0, updated: 0, unchanged: 0, rejected };
  const changedLocales = new Set<string>();
  for (const content of articles) {
    const clean = canonicalArticle(content);
    const { outcome } = await importArticle(deps.pool.models, deps.pool.locks, {
      content: clean,
      contentHash: articleContentHash(clean),
      by,
      status: 'published',
    });
    report[outcome] += 1;
    if (outcome !== 'unchanged') changedLocales.add(clean.locale);
  }
  for (const locale of [...changedLocales].sort()) await requestRetraining(deps, locale);
  return report;
}
