/**
 * First start: an empty knowledge base gets the seed articles, published. Only when empty, so an
 * admin's later edits of a seed article are never overwritten by a restart.
 */
import type { Logger } from 'pino';
import { readArticleFolder } from '../../knowledge/folder.ts';
import { importArticles, type ImportReport, type KnowledgeDeps } from './publish.ts';
import { hasArticles } from '../knowledge/articles.ts';

/** Imports `dir` when the store has no article; returns the report, or null when it was not empty. */
export async function seedKnowledgeIfEmpty(
  deps: KnowledgeDeps,
  dir: string,
  logger?: Logger,
): Promise<ImportReport | null> {
  if (await hasArticles(deps.pool.models)) return null;
  const folder = readArticleFolder(dir);
  const report = await importArticles(deps, folder.articles, 'system:seed', folder.errors);
  for (const error of report.rejected) logger?.warn({ file: error.file }, error.message);
  logger?.info(
    { dir, created: report.created, rejected: report.rejected.length },
    'knowledge base seeded',
  );
  return report;
}
