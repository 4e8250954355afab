/**
 * The article file format: YAML front matter (id, locale, title, tags, questions) between `---`
 * lines, then the answer as markdown. Parsing is strict and every error names the file, so one
 * bad file is reported, not guessed at.
 */
import { Document, YAMLParseError, parse as parseYaml } from 'yaml';
import type { YAMLSeq } from 'yaml';
import { z } from 'zod';
import type { ArticleContent } from '../src/domain/article.ts';
import { canonicalArticle } from './hash.ts';

/** A file that is not a valid article; `file` names it. */
export class ArticleFormatError extends Error {
  readonly code = 'SB_ERR_ARTICLE_FORMAT';
  constructor(
    readonly file: string,
    reason: string,
  ) {
    super(`${file}: ${reason}`);
    this.name = 'ArticleFormatError';
  }
}

const FrontMatterSchema = z.strictObject({
  // No '.' in ids: the store's key is `<id>.<locale>` and MongoDB-compatible keys refuse dots.
  id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,99}$/, 'lower-case letters, digits and dashes'),
  locale: z.string().regex(/^[a-z]{2}$/, 'a two-letter code such as en or zh'),
  title: z.string().trim().min(1),
  tags: z.array(z.string().trim().min(1)).default([]),
  questions: z.array(z.string().trim().min(1)).default([]),
});

const FENCE = /^---\r?\n([\s\S]*?)\r?\n---\r?\n?([\s\S]*)$/;

/**
 * Parses one article file. `file` is only used in error messages and, when it is named
 * `<id>.<locale>.md`, checked against the front matter so a copied file cannot shadow another.
 */
export function parseArticleMarkdown(text: string, file: string): ArticleContent {
  const match = FENCE.exec(text.replace(/^\uFEFF/, ''));
  if (!match)
    throw new ArticleFormatError(
      file,
      'no front matter (expected a block between --- lines at the top)',
    );
  let data: unknown;
  try {
    data = parseYaml(match[1] ?? '');
  } catch (error) {
    const reason = error instanceof YAMLParseError ? error.message.split('\n')[0] : String(error);
    throw new ArticleFormatError(file, `front matter is not valid YAML: ${reason ?? ''}`);
  }
  const parsed = FrontMatterSchema.safeParse(data ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.join('.') || 'front matter';
    const missing = issue?.code === 'invalid_type' && issue.input === undefined;
    throw new ArticleFormatError(
      file,
      missing ? `missing ${field}` : `${field}: ${issue?.message ?? 'invalid'}`,
    );
  }
  const answer = (match[2] ?? '').trim();
  if (answer.length === 0)
    throw new ArticleFormatError(file, 'the answer (the text after the front matter) is empty');
  const named = /(?:^|[\\/])([^\\/]+)\.([a-z]{2})\.md$/.exec(file);
  if (named && (named[1] !== parsed.data.id || named[2] !== parsed.data.locale)) {
    throw new ArticleFormatError(
      file,
      `file name says ${named[1] ?? ''}.${named[2] ?? ''} but the front matter says ${parsed.data.id}.${parsed.data.locale}`,
    );
  }
  return canonicalArticle({ ...parsed.data, answer });
}

/** Writes an article in the same format `parseArticleMarkdown` reads (tags inline, questions listed). */
export function serializeArticleMarkdown(article: ArticleContent): string {
  const clean = canonicalArticle(article);
  const doc = new Document({
    id: clean.id,
    locale: clean.locale,
    title: clean.title,
    tags: clean.tags,
    questions: clean.questions,
  });
  const tags = doc.get('tags', true) as YAMLSeq | undefined;
  if (tags) tags.flow = true;
  return `---\n${doc.toString({ lineWidth: 0, flowCollectionPadding: false })}---\n${clean.answer}\n`;
}

/** The file name an article is exported under. */
export function articleFileName(article: Pick<ArticleContent, 'id' | 'locale'>): string {
  return `${article.id}.${article.locale}.md`;
}
