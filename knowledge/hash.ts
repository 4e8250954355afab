/**
 * Content hashes of articles: what "unchanged" means on import, and the key a trained model is
 * cached under (the published articles of one locale).
 */
import { createHash } from 'node:crypto';
import type { ArticleContent } from '../src/domain/article.ts';

/** The article's fields in a fixed order, text normalized so line endings do not count as edits. */
export function canonicalArticle(article: ArticleContent): ArticleContent {
  const clean = (s: string) => s.replace(/\r\n?/g, '\n').trim();
  return {
    id: article.id,
    locale: article.locale,
    title: clean(article.title),
    tags: article.tags.map(clean),
    questions: article.questions.map(clean),
    answer: clean(article.answer),
  };
}

/** SHA-256 of the canonical article. */
export function articleContentHash(article: ArticleContent): string {
  return createHash('sha256')
    .update(JSON.stringify(canonicalArticle(article)))
    .digest('hex');
}

/**
 * Hash of a set of articles (order-independent) plus `salt` (e.g. the training corpus and
 * format version), shortened: it is a cache key, not a signature.
 */
export function knowledgeHash(articles: readonly ArticleContent[], salt = ''): string {
  const hashes = articles.map(articleContentHash).sort();
  return createHash('sha256')
    .update(salt)
    .update('\n')
    .update(hashes.join('\n'))
    .digest('hex')
    .slice(0, 32);
}
