import { describe, expect, it } from 'vitest';
import { readArticleFolder, SEED_ARTICLES_DIR } from '../../knowledge/folder.ts';
import { markdownToSafeHtml } from '../../knowledge/format.ts';

/** Characters no URL written in an article contains: full-width punctuation and Han script. */
const NOT_IN_A_URL =
  /[\u3000-\u303f\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65\p{Script=Han}]/u;

function hrefs(html: string): string[] {
  return [...html.matchAll(/href="([^"]*)"/g)].map((m) => m[1] ?? '');
}

describe('bare URLs in article answers', () => {
  it('end at full-width punctuation, so the sentence after them stays text', () => {
    const html = markdownToSafeHtml(
      '访问 https://shop.example.com/returns，登录（或输入订单号）。',
    );
    expect(hrefs(html)).toEqual(['https://shop.example.com/returns']);
    expect(html).toContain('</a>，登录（或输入订单号）。');
  });

  it('end there too when written without a scheme, as GFM links www. addresses', () => {
    const html = markdownToSafeHtml('访问 www.example.com/returns，登录（或输入订单号）。');
    expect(hrefs(html)).toEqual(['http://www.example.com/returns']);
    expect(html).toContain('>www.example.com/returns</a>，登录（或输入订单号）。');
  });

  it('link only the URL in every seed article, in both locales', () => {
    const articles = readArticleFolder(SEED_ARTICLES_DIR).articles;
    expect(new Set(articles.map((a) => a.locale))).toEqual(new Set(['en', 'zh']));
    const bad = articles.flatMap((a) =>
      hrefs(markdownToSafeHtml(a.answer))
        .filter((href) => NOT_IN_A_URL.test(decodeURIComponent(href)))
        .map((href) => `${a.id}.${a.locale}: ${href}`),
    );
    expect(bad).toEqual([]);
  });
});
