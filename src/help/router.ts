import { Router, type Request, type Response } from 'express';
import type { ArticleContent } from '../domain/article.ts';
import { setPageHeaders, type PagePolicy } from '../http/page-headers.ts';
import { HelpArticles, type HelpArticle } from './articles.ts';
import { articlePage, indexPage, notFoundPage, type HelpBrand, type PageFrame } from './pages.ts';
import { helpStylesheet } from './style.ts';

/**
 * The pages' policy: no script at all, styles from our own stylesheet only, the search form posts
 * (GET) to ourselves, and nobody frames them.
 */
const HELP_PAGE: PagePolicy = {
  csp: [
    "default-src 'none'",
    "style-src 'self'",
    "img-src 'self' data:",
    "base-uri 'none'",
    "form-action 'self'",
  ],
};

/** Longest search query taken (longer ones are cut): a query is a few words. */
const MAX_QUERY_LENGTH = 200;
const MAX_RESULTS = 20;
/** A search result is shown when it scores at least this share of the best one. */
const MIN_SCORE_SHARE = 0.3;
const ARTICLE_ID = /^[a-z0-9][a-z0-9-]{0,99}$/;

export interface HelpCentreDeps {
  /** The published articles of one locale. */
  published: (locale: string) => Promise<readonly ArticleContent[]>;
  /** The knowledge base's locales; the first is the default. */
  locales: readonly string[];
  brand: HelpBrand;
  /** Where "chat with us" links; unset when the web chat is off. */
  chatPath?: string | undefined;
  /** How long published articles are served from memory before they are read again. */
  cacheMs?: number;
}

/**
 * Mounted at HELP_PATH: a page per published article (`/help/<id>?lang=<locale>`) and a
 * searchable index (`/help?q=…`), server-rendered from the knowledge base so every answer has an address (a cut
 * SMS answer links here). Public and read-only: it shows what the bot already tells anyone.
 */
export function helpCentreRouter(deps: HelpCentreDeps): Router {
  const shelves = new HelpArticles(deps.published, deps.cacheMs);
  const stylesheet = helpStylesheet(deps.brand.color);
  const defaultLocale = deps.locales[0] ?? 'en';

  const localeOf = (req: Request): string => {
    const asked = req.query['lang'];
    if (typeof asked === 'string' && deps.locales.includes(asked)) return asked;
    const accepted = req.acceptsLanguages(...deps.locales);
    return typeof accepted === 'string' ? accepted : defaultLocale;
  };
  const frameOf = (locale: string): PageFrame => ({
    brand: deps.brand,
    locale,
    chatPath: deps.chatPath,
  });
  const html = (res: Response, status: number, body: string) => {
    res.status(status);
    setPageHeaders(res, HELP_PAGE);
    res.setHeader('cache-control', 'public, max-age=60');
    res.setHeader('vary', 'Accept-Language');
    res.type('html').send(body);
  };

  const router = Router();
  router.get('/help.css', (_req, res) => {
    res.setHeader('cache-control', 'public, max-age=3600');
    res.type('css').send(stylesheet);
  });
  router.get('/', async (req, res) => {
    const locale = localeOf(req);
    const shelf = await shelves.shelf(locale);
    const raw = req.query['q'];
    const query = (typeof raw === 'string' ? raw : '').trim().slice(0, MAX_QUERY_LENGTH);
    const hits = query === '' ? [] : shelf.search.search(query, MAX_RESULTS).hits;
    // The search is fuzzy and matches any word: far weaker hits than the best are noise here.
    const best = hits[0]?.score ?? 0;
    const articles =
      query === ''
        ? shelf.byTitle
        : hits
            .filter((hit) => hit.score >= best * MIN_SCORE_SHARE)
            .map((hit) => shelf.articles.get(hit.id))
            .filter((a): a is HelpArticle => a !== undefined);
    html(res, 200, indexPage(frameOf(locale), { query, articles }));
  });
  router.get('/:id', async (req, res) => {
    const id = req.params['id'] ?? '';
    const locale = localeOf(req);
    const found = ARTICLE_ID.test(id) ? await findArticle(id, locale) : undefined;
    if (found === undefined) {
      html(res, 404, notFoundPage(frameOf(locale)));
      return;
    }
    html(res, 200, articlePage(frameOf(found.locale), found.article, found.otherLocales));
  });

  /**
   * The article in the asked locale, else in the first locale that has it (an old link whose
   * locale lost the article still finds it).
   */
  async function findArticle(id: string, locale: string) {
    const all = await Promise.all(
      deps.locales.map(async (l) => [l, await shelves.shelf(l)] as const),
    );
    const holders = all.filter(([, shelf]) => shelf.articles.has(id)).map(([l]) => l);
    const chosen = holders.includes(locale) ? locale : holders[0];
    if (chosen === undefined) return undefined;
    const article = all.find(([l]) => l === chosen)?.[1].articles.get(id);
    if (article === undefined) return undefined;
    return { locale: chosen, article, otherLocales: holders.filter((l) => l !== chosen) };
  }
  return router;
}
