/**
 * Full-text search over one locale's articles (title, questions, tags, answer), in memory with
 * MiniSearch: the responder's "did you mean" list. Chinese has no spaces between words, so it is
 * cut with ICU's word segmenter; English gets light stop-wording and plural folding.
 */
import MiniSearch from 'minisearch';
import type { ArticleContent } from '../src/domain/article.ts';

/** One search hit. */
export interface SearchHit {
  id: string;
  title: string;
  score: number;
  /** Distinct query terms that matched something in the article. */
  matchedTerms: number;
}

/** What a search found, with how many meaningful terms the query had. */
export interface SearchResult {
  hits: SearchHit[];
  queryTerms: number;
}

// Words that say nothing about the topic; matching only these is not a plausible hit.
const EN_STOP_WORDS = new Set(
  (
    'a an the and or but if of to in on at by for from with about as into over after before is are was were be been ' +
    'being am do does did doing have has had i me my mine we our us you your yours he she it its they them their ' +
    'this that these those what which who whom whose when where why how can could will would shall should may might ' +
    'must not no yes please hi hello thanks thank just so too very there here any some all get got need want ' +
    'know tell let make like one also than then up out'
  ).split(/\s+/),
);
const ZH_STOP_WORDS = new Set(
  '的 了 吗 呢 吧 啊 呀 我 你 您 他 她 它 我们 你们 是 在 有 和 与 就 也 都 还 要 想 能 可以 怎么 什么 如何 请问 请 一下 这个 那个 这 那 个 么 么样 怎样 会 不'.split(
    /\s+/,
  ),
);

const segmenters = new Map<string, Intl.Segmenter>();

function segment(text: string, locale: string): string[] {
  let segmenter = segmenters.get(locale);
  if (segmenter === undefined) {
    segmenter = new Intl.Segmenter(locale, { granularity: 'word' });
    segmenters.set(locale, segmenter);
  }
  return [...segmenter.segment(text)].filter((s) => s.isWordLike === true).map((s) => s.segment);
}

/** Folds the common English plural/verb endings so "refunds" finds "refund". */
function foldEnglish(term: string): string {
  if (term.length > 4 && term.endsWith('ies')) return `${term.slice(0, -3)}y`;
  if (term.length > 3 && term.endsWith('s') && !term.endsWith('ss')) return term.slice(0, -1);
  return term;
}

/** The meaningful terms of `text` in `locale` (lower-cased, stop words removed). */
export function searchTerms(text: string, locale: string): string[] {
  const lower = text.normalize('NFKC').toLowerCase();
  if (locale === 'zh') return segment(lower, 'zh').filter((t) => !ZH_STOP_WORDS.has(t));
  return segment(lower, locale)
    .map((t) => t.replace(/'s$/, ''))
    .filter((t) => t.length > 1 && !EN_STOP_WORDS.has(t))
    .map(foldEnglish);
}

/** The longest query text searched (see KnowledgeSearch.search). */
export const MAX_QUERY_CHARS = 1000;

interface Indexed {
  id: string;
  title: string;
  questions: string;
  tags: string;
  answer: string;
}

/** An immutable search index over one locale's articles. */
export class KnowledgeSearch {
  private readonly index: MiniSearch<Indexed>;

  constructor(
    readonly locale: string,
    articles: readonly ArticleContent[],
  ) {
    this.index = new MiniSearch<Indexed>({
      fields: ['title', 'questions', 'tags', 'answer'],
      storeFields: ['title'],
      tokenize: (text) => searchTerms(text, locale),
      // Terms are already processed by the tokenizer (lower-cased, stop words out).
      processTerm: (term) => term,
      searchOptions: {
        boost: { title: 3, questions: 2, tags: 1.5 },
        // Typos in Latin script; Chinese words are short, where fuzziness only adds noise.
        fuzzy: locale === 'zh' ? false : 0.2,
        prefix: locale !== 'zh',
        combineWith: 'OR',
      },
    });
    this.index.addAll(
      articles
        .filter((a) => a.locale === locale)
        .map((a) => ({
          id: a.id,
          title: a.title,
          questions: a.questions.join('\n'),
          tags: a.tags.join(' '),
          answer: a.answer,
        })),
    );
  }

  /**
   * Articles matching `text`, best first. Only the first MAX_QUERY_CHARS characters are read: a
   * question is short, and word segmentation of long runs of punctuation grows faster than
   * linearly (seconds for a 32 KB customer mail).
   */
  search(query: string, limit = 3): SearchResult {
    const text = query.slice(0, MAX_QUERY_CHARS);
    const queryTerms = new Set(searchTerms(text, this.locale)).size;
    if (queryTerms === 0) return { hits: [], queryTerms };
    const hits = this.index
      .search(text)
      .slice(0, limit)
      .map((r) => ({
        id: String(r.id),
        title: String(r['title']),
        score: r.score,
        matchedTerms: r.queryTerms.length,
      }));
    return { hits, queryTerms };
  }
}
