import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SEED_ARTICLES_DIR } from '../../knowledge/folder.ts';
import {
  ArticleFormatError,
  parseArticleMarkdown,
  serializeArticleMarkdown,
} from '../../knowledge/markdown.ts';

const GOOD = `---
id: gift-wrap
locale: en
title: Can you gift-wrap my order?
tags: [gifts, packaging]
questions:
  - do you do gift wrapping
  - "wrap it as a present: possible?"
---
Yes: tick **Gift wrap** at checkout (£3).
`;

function parseError(text: string, file = 'broken.en.md'): ArticleFormatError {
  try {
    parseArticleMarkdown(text, file);
  } catch (error) {
    if (error instanceof ArticleFormatError) return error;
    throw error;
  }
  throw new Error('expected an ArticleFormatError');
}

describe('article markdown', () => {
  describe('when the file is well formed', () => {
    it('reads the front matter and the answer', () => {
      expect(parseArticleMarkdown(GOOD, 'gift-wrap.en.md')).toEqual({
        id: 'gift-wrap',
        locale: 'en',
        title: 'Can you gift-wrap my order?',
        tags: ['gifts', 'packaging'],
        questions: ['do you do gift wrapping', 'wrap it as a present: possible?'],
        answer: 'Yes: tick **Gift wrap** at checkout (£3).',
      });
    });

    it('writes back what it read, for every seed article (en and zh)', () => {
      const files = readdirSync(SEED_ARTICLES_DIR).filter((f) => f.endsWith('.md'));
      expect(files.length).toBe(88);
      for (const file of files) {
        const article = parseArticleMarkdown(
          readFileSync(join(SEED_ARTICLES_DIR, file), 'utf8'),
          file,
        );
        expect(parseArticleMarkdown(serializeArticleMarkdown(article), file)).toEqual(article);
      }
    });

    it('writes tags inline and questions as a list, like the seed files', () => {
      const text = serializeArticleMarkdown(parseArticleMarkdown(GOOD, 'gift-wrap.en.md'));
      expect(text).toContain('tags: [gifts, packaging]\n');
      expect(text).toContain('questions:\n  - do you do gift wrapping\n');
    });
  });

  describe('when the file is malformed', () => {
    it('names the file and the missing id', () => {
      const error = parseError(GOOD.replace('id: gift-wrap\n', ''));
      expect(error.message).toBe('broken.en.md: missing id');
      expect(error.file).toBe('broken.en.md');
    });

    it('names the file when the front matter is not YAML', () => {
      expect(
        parseError(GOOD.replace('tags: [gifts, packaging]', 'tags: [gifts, packaging')).message,
      ).toMatch(/^broken\.en\.md: front matter is not valid YAML/);
    });

    it('refuses a file without front matter, an empty answer, an id with a dot and a misnamed file', () => {
      expect(parseError('Just an answer.').message).toMatch(/no front matter/);
      expect(
        parseError(GOOD.replace('Yes: tick **Gift wrap** at checkout (£3).\n', '')).message,
      ).toMatch(/answer .* is empty/);
      expect(parseError(GOOD.replace('id: gift-wrap', 'id: gift.wrap'), 'x.md').message).toMatch(
        /^x\.md: id:/,
      );
      expect(parseError(GOOD, 'other.en.md').message).toMatch(
        /file name says other\.en but the front matter says gift-wrap\.en/,
      );
    });

    it('refuses unknown front-matter fields rather than ignoring a typo', () => {
      expect(parseError(GOOD.replace('tags:', 'tgas:'), 'gift-wrap.en.md').message).toMatch(
        /gift-wrap\.en\.md: /,
      );
    });
  });
});
