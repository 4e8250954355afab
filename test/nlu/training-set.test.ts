import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ArticleContent } from '../../src/domain/article.ts';
import { MAX_NEGATIVES, localeKnowledgeHash, resolveCorpus } from '../../src/nlu/training-set.ts';

const articles: ArticleContent[] = [
  {
    id: 'gift-cards',
    locale: 'en',
    title: 'Gift cards',
    tags: [],
    questions: ['do you sell gift cards'],
    answer: 'Yes.',
  },
];

// An empty corpus folder: the hash then depends on the articles and the sources only.
const dir = mkdtempSync(join(tmpdir(), 'sb-corpus-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('training sources', () => {
  describe('when collected negatives change', () => {
    it('changes the knowledge hash, so the locale retrains', async () => {
      const none = await resolveCorpus('en', { corpusDir: dir });
      const some = await resolveCorpus('en', {
        corpusDir: dir,
        negatives: (locale) => Promise.resolve(locale === 'en' ? ['can I pay in bitcoin'] : []),
      });
      expect(some.negatives).toEqual(['can I pay in bitcoin']);
      expect(localeKnowledgeHash('en', articles, some)).not.toBe(
        localeKnowledgeHash('en', articles, none),
      );
      // The same negatives give the same hash (a cached model is reused).
      expect(localeKnowledgeHash('en', articles, some)).toBe(
        localeKnowledgeHash('en', articles, { ...some }),
      );
    });

    it('keeps at most MAX_NEGATIVES of them', async () => {
      const many = Array.from({ length: MAX_NEGATIVES + 10 }, (_, i) => `question ${i}`);
      const corpus = await resolveCorpus('en', { negatives: () => Promise.resolve(many) });
      expect(corpus.negatives).toHaveLength(MAX_NEGATIVES);
    });
  });

  describe('when the target precision changes', () => {
    it('changes the knowledge hash', async () => {
      const a = await resolveCorpus('en', { corpusDir: dir, targetPrecision: 0.95 });
      const b = await resolveCorpus('en', { corpusDir: dir, targetPrecision: 0.9 });
      expect(localeKnowledgeHash('en', articles, a)).not.toBe(
        localeKnowledgeHash('en', articles, b),
      );
    });
  });
});
