import { escapeHtml } from '../http/html.ts';
import type { HelpArticle } from './articles.ts';
import { HELP_PATH, helpArticlePath } from './links.ts';

/** The help centre's look: the web chat's brand name and colour. */
export interface HelpBrand {
  name: string;
  color: string;
}

interface PageTexts {
  helpCentre: string;
  search: string;
  searchPlaceholder: string;
  allArticles: string;
  results: (query: string, count: number) => string;
  noResults: string;
  notFound: string;
  backToIndex: string;
  stillNeedHelp: string;
  chatWithUs: string;
  otherLanguage: string;
}

const TEXTS: Record<string, PageTexts> = {
  en: {
    helpCentre: 'Help centre',
    search: 'Search',
    searchPlaceholder: 'Search the help centre',
    allArticles: 'All articles',
    results: (query, count) => `${count} ${count === 1 ? 'article' : 'articles'} for “${query}”`,
    noResults: 'No article matches. Try other words, or ask us.',
    notFound: 'There is no such article.',
    backToIndex: 'All articles',
    stillNeedHelp: 'Still need help?',
    chatWithUs: 'Chat with us',
    otherLanguage: 'Also in',
  },
  zh: {
    helpCentre: '帮助中心',
    search: '搜索',
    searchPlaceholder: '搜索帮助中心',
    allArticles: '全部文章',
    results: (query, count) => `“${query}”的搜索结果：${count} 篇文章`,
    noResults: '没有找到相关文章。请换个说法，或直接联系我们。',
    notFound: '没有这篇文章。',
    backToIndex: '全部文章',
    stillNeedHelp: '仍需要帮助？',
    chatWithUs: '在线咨询',
    otherLanguage: '其他语言',
  },
};

const LANGUAGE_NAMES: Record<string, string> = { en: 'English', zh: '中文' };

function textsFor(locale: string): PageTexts {
  return TEXTS[locale] ?? (TEXTS['en'] as PageTexts);
}

/** What every page shares. */
export interface PageFrame {
  brand: HelpBrand;
  locale: string;
  /** Where "chat with us" goes; unset when the web chat is off. */
  chatPath: string | undefined;
}

function layout(frame: PageFrame, title: string, body: string, query = ''): string {
  const t = textsFor(frame.locale);
  const brand = escapeHtml(frame.brand.name);
  const chat =
    frame.chatPath === undefined
      ? ''
      : `<aside class="more"><span>${escapeHtml(t.stillNeedHelp)}</span> <a href="${escapeHtml(frame.chatPath)}">${escapeHtml(t.chatWithUs)}</a></aside>`;
  return `<!doctype html>
<html lang="${escapeHtml(frame.locale)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · ${brand}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${HELP_PATH}/help.css">
</head>
<body>
<header><a class="home" href="${HELP_PATH}?lang=${escapeHtml(frame.locale)}">${brand} · ${escapeHtml(t.helpCentre)}</a>
<form role="search" method="get" action="${HELP_PATH}"><input type="hidden" name="lang" value="${escapeHtml(frame.locale)}"><input type="search" name="q" value="${escapeHtml(query)}" maxlength="200" placeholder="${escapeHtml(t.searchPlaceholder)}" aria-label="${escapeHtml(t.search)}"><button type="submit">${escapeHtml(t.search)}</button></form>
</header>
<main>
${body}
</main>
${chat}
</body>
</html>
`;
}

function articleLink(article: HelpArticle): string {
  const { id, locale, title } = article.content;
  return `<li><a href="${escapeHtml(helpArticlePath(id, locale))}">${escapeHtml(title)}</a></li>`;
}

/** The index: every article by title, or the hits of a search. */
export function indexPage(
  frame: PageFrame,
  list: { query: string; articles: readonly HelpArticle[] },
): string {
  const t = textsFor(frame.locale);
  const heading = list.query === '' ? t.allArticles : t.results(list.query, list.articles.length);
  const items =
    list.articles.length === 0
      ? `<p class="empty">${escapeHtml(t.noResults)}</p>`
      : `<ul class="articles">${list.articles.map(articleLink).join('')}</ul>`;
  return layout(frame, t.helpCentre, `<h1>${escapeHtml(heading)}</h1>\n${items}`, list.query);
}

/** One article, with links to its versions in the other locales. */
export function articlePage(
  frame: PageFrame,
  article: HelpArticle,
  otherLocales: readonly string[],
): string {
  const t = textsFor(frame.locale);
  const others =
    otherLocales.length === 0
      ? ''
      : `<p class="languages">${escapeHtml(t.otherLanguage)}: ${otherLocales
          .map(
            (l) =>
              `<a hreflang="${escapeHtml(l)}" href="${escapeHtml(helpArticlePath(article.content.id, l))}">${escapeHtml(LANGUAGE_NAMES[l] ?? l)}</a>`,
          )
          .join(' · ')}</p>`;
  const body = `<nav><a href="${HELP_PATH}?lang=${escapeHtml(frame.locale)}">← ${escapeHtml(t.backToIndex)}</a></nav>
<article><h1>${escapeHtml(article.content.title)}</h1>
${article.html}
</article>
${others}`;
  return layout(frame, article.content.title, body);
}

/** No article by that id in that locale. */
export function notFoundPage(frame: PageFrame): string {
  const t = textsFor(frame.locale);
  const body = `<h1>${escapeHtml(t.notFound)}</h1>
<p><a href="${HELP_PATH}?lang=${escapeHtml(frame.locale)}">${escapeHtml(t.backToIndex)}</a></p>`;
  return layout(frame, t.notFound, body);
}
