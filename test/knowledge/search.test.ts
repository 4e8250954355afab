import { describe, expect, it } from 'vitest';
import { readArticleFolder, SEED_ARTICLES_DIR } from '../../knowledge/folder.ts';
import { KnowledgeSearch, searchTerms } from '../../knowledge/search.ts';

const { articles } = readArticleFolder(SEED_ARTICLES_DIR);

describe('KnowledgeSearch', () => {
  describe('when the text is Chinese', () => {
    it('cuts it into words with the word segmenter', () => {
      expect(searchTerms('我忘记密码了', 'zh')).toEqual(expect.arrayContaining(['忘记', '密码']));
    });

    it('finds the Chinese article on words it shares', () => {
      const search = new KnowledgeSearch('zh', articles);
      expect(search.search('礼品卡余额', 3).hits[0]?.id).toBe('gift-cards');
    });
  });

  describe('when the text is English', () => {
    it('folds plurals and drops stop words', () => {
      expect(searchTerms('Where are my Refunds?', 'en')).toEqual(['refund']);
    });

    it('ranks the matching article first and only searches its own locale', () => {
      const search = new KnowledgeSearch('en', articles);
      const result = search.search('reset password', 3);
      expect(result.hits[0]).toMatchObject({ id: 'password-reset', matchedTerms: 2 });
      expect(result.queryTerms).toBe(2);
      expect(result.hits.every((h) => !/[\u4e00-\u9fff]/.test(h.title))).toBe(true);
    });

    it('finds nothing for words the knowledge base does not use', () => {
      expect(new KnowledgeSearch('en', articles).search('zebra xylophone', 3).hits).toEqual([]);
    });
  });
});
