/**
 * Reading and writing a folder of article files. A bad file is collected as an error and the
 * others still load: one typo must not keep the rest of the knowledge base out.
 */
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ArticleContent } from '../src/domain/article.ts';
import {
  ArticleFormatError,
  articleFileName,
  parseArticleMarkdown,
  serializeArticleMarkdown,
} from './markdown.ts';

/** The seed articles shipped with Switchboard. */
export const SEED_ARTICLES_DIR = fileURLToPath(new URL('./articles/', import.meta.url));

/** What a folder held: the articles that parsed and an error per file that did not. */
export interface ArticleFolder {
  articles: ArticleContent[];
  errors: ArticleFormatError[];
}

/** Parses every `*.md` file of `dir` (sorted by name); duplicates of one id+locale are errors. */
export function readArticleFolder(dir: string): ArticleFolder {
  const articles: ArticleContent[] = [];
  const errors: ArticleFormatError[] = [];
  const seen = new Map<string, string>();
  const files = readdirSync(dir)
    .filter((name) => name.endsWith('.md'))
    .sort();
  for (const name of files) {
    try {
      const article = parseArticleMarkdown(readFileSync(join(dir, name), 'utf8'), name);
      const key = `${article.id}.${article.locale}`;
      const first = seen.get(key);
      if (first !== undefined)
        throw new ArticleFormatError(name, `${key} is already defined by ${first}`);
      seen.set(key, name);
      articles.push(article);
    } catch (error) {
      if (!(error instanceof ArticleFormatError)) throw error;
      errors.push(error);
    }
  }
  return { articles, errors };
}

/** Writes one `<id>.<locale>.md` per article into `dir` (created if missing); returns the paths. */
export function writeArticleFolder(dir: string, articles: readonly ArticleContent[]): string[] {
  mkdirSync(dir, { recursive: true });
  return articles.map((article) => {
    const path = join(dir, articleFileName(article));
    writeFileSync(path, serializeArticleMarkdown(article));
    return path;
  });
}
