import { createHash } from 'node:crypto';
import { KnowledgeSearch } from '../../knowledge/search.ts';
import { markdownToSafeHtml } from '../../knowledge/format.ts';
import type { ArticleContent } from '../domain/article.ts';

/** One published article as the help centre shows it: its content and its answer as safe HTML. */
export interface HelpArticle {
  content: ArticleContent;
  html: string;
}

/** One locale's published articles, their search index and a tag that changes with any of them. */
export interface HelpShelf {
  locale: string;
  articles: ReadonlyMap<string, HelpArticle>;
  /** Ordered by title, for the index page. */
  byTitle: readonly HelpArticle[];
  search: KnowledgeSearch;
  etag: string;
}

/**
 * The published articles per locale, read from the store at most once per `ttlMs` per process
 * (pages are served from memory; an edit shows within the TTL). Concurrent requests for a stale
 * locale share one read.
 */
export class HelpArticles {
  private readonly shelves = new Map<string, { at: number; shelf: Promise<HelpShelf> }>();

  constructor(
    private readonly load: (locale: string) => Promise<readonly ArticleContent[]>,
    private readonly ttlMs = 30_000,
    private readonly now: () => number = Date.now,
  ) {}

  shelf(locale: string): Promise<HelpShelf> {
    const cached = this.shelves.get(locale);
    if (cached !== undefined && this.now() - cached.at < this.ttlMs) return cached.shelf;
    const shelf = this.build(locale);
    this.shelves.set(locale, { at: this.now(), shelf });
    // A failed read is not kept: the next request tries again.
    shelf.catch(() => this.shelves.delete(locale));
    return shelf;
  }

  private async build(locale: string): Promise<HelpShelf> {
    const contents = (await this.load(locale)).filter((a) => a.locale === locale);
    const hash = createHash('sha256');
    const articles = new Map<string, HelpArticle>();
    for (const content of contents) {
      hash.update(`${content.id}\0${content.title}\0${content.answer}\0`);
      articles.set(content.id, { content, html: markdownToSafeHtml(content.answer) });
    }
    const byTitle = [...articles.values()].sort((a, b) =>
      a.content.title.localeCompare(b.content.title, locale),
    );
    return {
      locale,
      articles,
      byTitle,
      search: new KnowledgeSearch(locale, contents),
      etag: `"${hash.digest('base64url').slice(0, 22)}"`,
    };
  }
}
