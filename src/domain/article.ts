/**
 * A knowledge-base article as authored: what the markdown files hold and what the store keeps,
 * without storage bookkeeping (status, version, who and when).
 */
export interface ArticleContent {
  /** Stable id shared by the language versions of one article (`order-status`); no '.'. */
  id: string;
  /** Two-letter locale (`en`, `zh`). */
  locale: string;
  title: string;
  tags: string[];
  /** Ways customers ask for this article: the intent model's training utterances. */
  questions: string[];
  /** The answer as markdown. */
  answer: string;
}

export const ARTICLE_STATUSES = ['draft', 'published'] as const;
export type ArticleStatus = (typeof ARTICLE_STATUSES)[number];

/** The store's key of one language version: `<id>.<locale>`. */
export function articleKey(article: Pick<ArticleContent, 'id' | 'locale'>): string {
  return `${article.id}.${article.locale}`;
}
