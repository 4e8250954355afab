/**
 * Every function that reads customer text outside email (whose parser has its own test) does work
 * linear in it, or reads a bounded prefix: SMS keywords and segments, Slack mrkdwn, the intent
 * tokenizer and the knowledge-base search behind "did you mean". Shapes that make backtracking
 * regexes or word segmentation blow up, at 8× the length: ~8× the time is linear, ~64× quadratic.
 */
import { describe, expect, it } from 'vitest';
import { complianceKeyword } from '../../channels/sms/compliance.ts';
import { countSegments } from '../../channels/sms/text.ts';
import { escapeMrkdwn, mrkdwnToPlain } from '../../channels/slack/mrkdwn.ts';
import { normalizeText, words } from '../../intents/tokenize.ts';
import { KnowledgeSearch } from '../../knowledge/search.ts';

const SHAPES: Record<string, (n: number) => string> = {
  spaces: (n) => `${' '.repeat(n)}x`,
  stars: (n) => `${'*'.repeat(n)}x`,
  angles: (n) => '<'.repeat(n),
  links: (n) => '<a|'.repeat(n / 3),
  brackets: (n) => `${'['.repeat(n)}x`,
  emphasis: (n) => '*a '.repeat(n / 3),
  entities: (n) => '&amp'.repeat(n / 4),
  digits: (n) => `${'1 '.repeat(n / 2)}x`,
  han: (n) => `${'退货'.repeat(n / 2)}!`,
};

const search = (locale: string) =>
  new KnowledgeSearch(locale, [
    {
      id: 'returns',
      locale,
      title: locale === 'zh' ? '怎么退货？' : 'How do I return an item?',
      tags: ['returns'],
      questions: ['return policy'],
      answer: 'Within 30 days.',
    },
  ]);
const en = search('en');
const zh = search('zh');

const READERS: Record<string, (text: string) => unknown> = {
  'SMS keywords': complianceKeyword,
  'SMS segments': countSegments,
  'Slack mrkdwn to plain text': mrkdwnToPlain,
  'Slack mrkdwn escaping': escapeMrkdwn,
  'intent tokenizer': (text) => words(normalizeText(text)),
  'knowledge search (en)': (text) => en.search(text),
  'knowledge search (zh)': (text) => zh.search(text),
};

/** The fastest of three runs, in ms. */
function fastest(work: () => unknown): number {
  let best = Infinity;
  for (let i = 0; i < 3; i += 1) {
    const started = performance.now();
    work();
    best = Math.min(best, performance.now() - started);
  }
  return best;
}

describe('customer text readers', () => {
  for (const [reader, read] of Object.entries(READERS)) {
    it(`${reader}: linear in every hostile shape`, () => {
      for (const [shape, make] of Object.entries(SHAPES)) {
        const small = make(4000);
        const large = make(32_000);
        read(small); // warm up
        const ratio =
          fastest(() => read(large)) /
          Math.max(
            2,
            fastest(() => read(small)),
          );
        expect(ratio, `${reader} on ${shape}`).toBeLessThan(24);
      }
    });
  }
});
