/**
 * Knowledge-base curation endpoints: list and search, create, edit, publish, unpublish, revisions
 * with diffs, rollback, markdown preview, the model status and "try the bot".
 */
import type { ArticleDraftDoc } from '../../pool/article-drafts.ts';
import { Router } from 'express';
import { z } from 'zod';
import { markdownToSafeHtml, shapeForChannel } from '../../../knowledge/format.ts';
import { searchTerms } from '../../../knowledge/search.ts';
import { ARTICLE_STATUSES } from '../../domain/article.ts';
import { SwitchboardError } from '../../domain/errors.ts';
import { principalOf, requirePermission } from '../auth.ts';
import type { KnowledgeCuration } from '../curation.ts';
import type { AdminDeps } from '../deps.ts';
import { pathParams } from './params.ts';

const ArticleFields = {
  title: z.string().trim().min(1).max(200),
  tags: z.array(z.string().trim().min(1).max(50)).max(20).default([]),
  questions: z.array(z.string().trim().min(1).max(500)).max(200).default([]),
  answer: z.string().trim().min(1, 'the answer is empty').max(20_000),
};

/** `POST /articles`: stored as a draft. */
export const CreateArticleSchema = z
  .object({
    // No '.' in ids: the store's key is `<id>.<locale>`.
    id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,99}$/, 'lower-case letters, digits and dashes'),
    locale: z.string().regex(/^[a-z]{2}$/, 'a two-letter code such as en or zh'),
    ...ArticleFields,
  })
  .strict();

/** `PUT /articles/:key`. */
export const EditArticleSchema = z
  .object({
    ...ArticleFields,
    baseRevision: z
      .number()
      .int()
      .positive()
      .optional()
      .meta({ description: 'the revision the edit starts from: 409 when the article moved on' }),
  })
  .strict();

/** `PUT /articles/:key/draft`: an edit of a published article, kept aside until published. */
export const DraftArticleSchema = EditArticleSchema;

/** `POST /articles/preview`. */
export const PreviewSchema = z.object({ answer: z.string().max(20_000) }).strict();

/** `POST /articles/:key/rollback`. */
export const RollbackSchema = z.object({ revision: z.number().int().positive() }).strict();

/** `POST /bot/try`. */
export const TryBotSchema = z.object({ text: z.string().trim().min(1).max(2000) }).strict();

/** A draft as the API shows it: the content, rendered as customers would see it, and whose. */
function draftView(draft: ArticleDraftDoc | null) {
  if (!draft) return null;
  return {
    ...draft.content,
    answerHtml: markdownToSafeHtml(draft.content.answer),
    baseRevision: draft.baseRevision,
    by: draft.by,
    at: draft.at,
  };
}

/** Filters of `GET /articles`. */
export const ArticleListQuery = z.object({
  q: z.string().max(200).optional(),
  tag: z.string().max(50).optional(),
  locale: z
    .string()
    .regex(/^[a-z]{2}$/)
    .optional(),
  status: z.enum(ARTICLE_STATUSES).optional(),
});

/** `:key` of an article: `<id>.<locale>`; any other key names nothing (404). */
export const ArticleParams = z.object({
  key: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{0,99}\.[a-z]{2}$/)
    .meta({ description: 'the article key `<id>.<locale>`', example: 'order-status.en' }),
});

/** `:key` and `:revision` of `GET /articles/:key/revisions/:revision`. */
export const RevisionParams = ArticleParams.extend({
  revision: z.coerce
    .number('a positive integer')
    .int('a positive integer')
    .min(1, 'a positive integer'),
});

function keyParam(params: unknown): string {
  return pathParams(ArticleParams, params, 'article (keys read <id>.<locale>)').key;
}

export function knowledgeRouter(deps: AdminDeps, curation: KnowledgeCuration): Router {
  const router = Router();
  const read = requirePermission('kb.read');
  const write = requirePermission('kb.write');

  router.get('/articles', read, async (req, res) => {
    const query = ArticleListQuery.parse(req.query);
    let articles = await deps.pool.listArticles({
      ...(query.locale === undefined ? {} : { locale: query.locale }),
      ...(query.status === undefined ? {} : { status: query.status }),
    });
    if (query.tag !== undefined) {
      const tag = query.tag.toLowerCase();
      articles = articles.filter((a) => a.content.tags.some((t) => t.toLowerCase() === tag));
    }
    const q = query.q?.trim();
    if (q) {
      // Every meaningful word of the query must appear somewhere in the article (prefix match).
      articles = articles.filter((a) => {
        const haystack = [
          a.content.id,
          a.content.title,
          ...a.content.questions,
          a.content.answer,
          ...a.content.tags,
        ].join('\n');
        const words = new Set(searchTerms(haystack, a.content.locale));
        const terms = searchTerms(q, a.content.locale);
        const lower = haystack.toLowerCase();
        return terms.length === 0
          ? lower.includes(q.toLowerCase())
          : terms.every(
              (t) => words.has(t) || [...words].some((w) => w.startsWith(t)) || lower.includes(t),
            );
      });
    }
    const tags = [...new Set(articles.flatMap((a) => a.content.tags))].sort();
    res.json({
      articles: articles.map((a) => ({
        key: `${a.content.id}.${a.content.locale}`,
        ...a.content,
        status: a.status,
        version: a.version,
        updatedBy: a.updatedBy,
        updatedAt: a.updatedAt,
      })),
      tags,
    });
  });

  router.post('/articles', write, async (req, res) => {
    const body = CreateArticleSchema.parse(req.body);
    const revision = await curation.create(body, principalOf(res).actor);
    res.status(201).json({ key: `${body.id}.${body.locale}`, revision });
  });

  router.post('/articles/preview', read, (req, res) => {
    const body = PreviewSchema.parse(req.body);
    res.json({
      html: markdownToSafeHtml(body.answer),
      plain: shapeForChannel(body.answer, 'plain').text,
    });
  });

  router.get('/articles/:key', read, async (req, res) => {
    const key = keyParam(req.params);
    const article = await deps.pool.getArticle(key);
    if (!article) throw new SwitchboardError('SB_ERR_NOT_FOUND', `no article ${key}`);
    const revisions = await curation.revisions(key);
    res.json({
      key,
      ...article.content,
      status: article.status,
      version: article.version,
      updatedBy: article.updatedBy,
      updatedAt: article.updatedAt,
      revision: revisions[0]?.revision ?? null,
      answerHtml: markdownToSafeHtml(article.content.answer),
      draft: draftView(await curation.draft(key)),
    });
  });

  router.put('/articles/:key/draft', write, async (req, res) => {
    const key = keyParam(req.params);
    const { baseRevision, ...content } = DraftArticleSchema.parse(req.body);
    const draft = await curation.saveDraft(key, content, principalOf(res).actor, { baseRevision });
    res.json({ draft: draftView(draft) });
  });

  router.post('/articles/:key/draft/publish', write, async (req, res) => {
    const key = keyParam(req.params);
    res.json(await curation.publishDraft(key, principalOf(res).actor));
  });

  router.delete('/articles/:key/draft', write, async (req, res) => {
    const key = keyParam(req.params);
    await curation.discardDraft(key, principalOf(res).actor);
    res.json({ status: 'discarded' });
  });

  router.put('/articles/:key', write, async (req, res) => {
    const key = keyParam(req.params);
    const body = EditArticleSchema.parse(req.body);
    const { baseRevision, ...content } = body;
    const result = await curation.edit(key, content, principalOf(res).actor, { baseRevision });
    res.json(result);
  });

  router.post('/articles/:key/publish', write, async (req, res) => {
    const key = keyParam(req.params);
    res.json(await curation.setStatus(key, 'published', principalOf(res).actor));
  });

  router.post('/articles/:key/unpublish', write, async (req, res) => {
    const key = keyParam(req.params);
    res.json(await curation.setStatus(key, 'draft', principalOf(res).actor));
  });

  router.get('/articles/:key/revisions', read, async (req, res) => {
    const key = keyParam(req.params);
    res.json({ revisions: await curation.revisions(key) });
  });

  router.get('/articles/:key/revisions/:revision', read, async (req, res) => {
    const key = keyParam(req.params);
    // The key names the article (404 otherwise); a revision that is no number is bad input (400).
    const { revision } = RevisionParams.parse(req.params);
    res.json(await curation.revision(key, revision));
  });

  router.post('/articles/:key/rollback', write, async (req, res) => {
    const key = keyParam(req.params);
    const body = RollbackSchema.parse(req.body);
    res.json(await curation.rollback(key, body.revision, principalOf(res).actor));
  });

  router.get('/model', read, async (_req, res) => {
    res.json({ locales: await deps.bot.status() });
  });

  router.post('/bot/try', read, async (req, res) => {
    const body = TryBotSchema.parse(req.body);
    res.json(await deps.bot.ask(body.text));
  });
  return router;
}
