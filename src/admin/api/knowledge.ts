/**
 * Knowledge-base curation endpoints: list and search, create, edit, publish, unpublish, revisions
 * with diffs, rollback, markdown preview, the model status and "try the bot".
 */
import type { ArticleDraftDoc } from '../../knowledge/article-drafts.ts';
import { Router } from 'express';
import { z } from 'zod';
import { markdownToSafeHtml, shapeForChannel } from '../../../knowledge/format.ts';
import { searchTerms } from '../../../knowledge/search.ts';
import { ARTICLE_STATUSES } from '../../domain/article.ts';
import { SwitchboardError } from '../../domain/errors.ts';
import { principalOf } from '../auth.ts';
import type { KnowledgeCuration } from '../curation.ts';
import type { AdminDeps } from '../deps.ts';
import { pathParams } from './params.ts';
import {
  Timestamp,
  ArticleView,
  Revision,
  RevisionChange,
  BotAnswer,
  ArticleDraftOut,
} from '../openapi/schemas.ts';
import { json, routes, type AdminOperation } from '../routes.ts';
import { getArticle, listArticles } from '../../knowledge/articles.ts';

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

/** The knowledge base API: what knowledgeRouter mounts and the OpenAPI document describes. */
const KNOWLEDGE = {
  list: {
    method: 'get',
    path: '/articles',
    tag: 'knowledge',
    summary: 'List and search articles',
    description: '`q` matches when every meaningful word of it appears in the article.',
    permission: 'kb.read',
    query: ArticleListQuery,
    response: json(
      z.object({ articles: z.array(ArticleView), tags: z.array(z.string()) }),
      'The matching articles and their tags.',
    ),
  },
  create: {
    method: 'post',
    path: '/articles',
    tag: 'knowledge',
    summary: 'Create an article',
    description: 'Stored as a draft.',
    permission: 'kb.write',
    body: CreateArticleSchema,
    response: json(z.object({ key: z.string(), revision: Revision }), 'Created.', 201),
    also: [409],
  },
  preview: {
    method: 'post',
    path: '/articles/preview',
    tag: 'knowledge',
    summary: 'Preview markdown',
    description: 'Rendered and sanitized as email customers see it, and the SMS text.',
    permission: 'kb.read',
    body: PreviewSchema,
    response: json(z.object({ html: z.string(), plain: z.string() }), 'The rendered answer.'),
  },
  read: {
    method: 'get',
    path: '/articles/:key',
    tag: 'knowledge',
    summary: 'Read an article',
    permission: 'kb.read',
    params: ArticleParams,
    response: json(
      ArticleView.extend({
        revision: z.number().int().nullable(),
        answerHtml: z.string(),
        draft: ArticleDraftOut.nullable(),
      }),
      'The article with its newest revision number, rendered answer and draft, if any.',
    ),
  },
  saveDraft: {
    method: 'put',
    path: '/articles/:key/draft',
    tag: 'knowledge',
    summary: 'Save a draft of a published article',
    description:
      'Nothing goes live and nothing retrains: the bot and the help centre keep the published text until the draft is published. Replaces an earlier draft. 409 for an article that is not published (edit it directly) or, with `baseRevision`, that changed since. Audited.',
    permission: 'kb.write',
    params: ArticleParams,
    body: DraftArticleSchema,
    response: json(z.object({ draft: ArticleDraftOut }), 'The draft, rendered.'),
    also: [409],
  },
  publishDraft: {
    method: 'post',
    path: '/articles/:key/draft/publish',
    tag: 'knowledge',
    summary: "Publish an article's draft",
    description:
      'The draft becomes the article (a new revision; the locale retrains) and is dropped. 409 when the article changed after the draft was started.',
    permission: 'kb.write',
    params: ArticleParams,
    response: json(RevisionChange, 'The new revision.'),
    also: [409],
  },
  discardDraft: {
    method: 'delete',
    path: '/articles/:key/draft',
    tag: 'knowledge',
    summary: "Discard an article's draft",
    description: 'The published article is untouched. Audited.',
    permission: 'kb.write',
    params: ArticleParams,
    response: json(z.object({ status: z.literal('discarded') }), 'Discarded.'),
  },
  edit: {
    method: 'put',
    path: '/articles/:key',
    tag: 'knowledge',
    summary: 'Edit an article',
    description:
      'Keeps the status; a published article goes live at once and retrains (the console saves a draft instead: PUT /articles/{key}/draft). With `baseRevision`, 409 when someone changed the article since.',
    permission: 'kb.write',
    params: ArticleParams,
    body: EditArticleSchema,
    response: json(RevisionChange, 'The new revision (`changed: false` when nothing changed).'),
    also: [409],
  },
  publish: {
    method: 'post',
    path: '/articles/:key/publish',
    tag: 'knowledge',
    summary: 'Publish an article',
    description: 'Queues retraining of the locale.',
    permission: 'kb.write',
    params: ArticleParams,
    response: json(RevisionChange, 'Published.'),
  },
  unpublish: {
    method: 'post',
    path: '/articles/:key/unpublish',
    tag: 'knowledge',
    summary: 'Unpublish an article',
    description: 'Back to draft; queues retraining of the locale.',
    permission: 'kb.write',
    params: ArticleParams,
    response: json(RevisionChange, 'Unpublished.'),
  },
  revisions: {
    method: 'get',
    path: '/articles/:key/revisions',
    tag: 'knowledge',
    summary: 'List revisions',
    permission: 'kb.read',
    params: ArticleParams,
    response: json(z.object({ revisions: z.array(Revision) }), 'Every revision, newest first.'),
  },
  revision: {
    method: 'get',
    path: '/articles/:key/revisions/:revision',
    tag: 'knowledge',
    summary: 'Read a revision with its diff',
    description: 'The diff against the revision before, as a unified patch and as line changes.',
    permission: 'kb.read',
    params: RevisionParams,
    response: json(
      z.object({
        revision: Revision,
        diff: z.object({
          from: z.number().int().nullable(),
          to: z.number().int(),
          patch: z.string(),
          changes: z.array(
            z.object({ kind: z.enum(['added', 'removed', 'same']), text: z.string() }),
          ),
        }),
      }),
      'The revision and its diff.',
    ),
  },
  rollback: {
    method: 'post',
    path: '/articles/:key/rollback',
    tag: 'knowledge',
    summary: 'Roll back to a revision',
    description: "A new revision with that revision's content.",
    permission: 'kb.write',
    params: ArticleParams,
    body: RollbackSchema,
    response: json(RevisionChange, 'The new revision.'),
    also: [409],
  },
  model: {
    method: 'get',
    path: '/model',
    tag: 'knowledge',
    summary: "The models' status per locale",
    permission: 'kb.read',
    response: json(
      z.object({
        locales: z.array(
          z.object({
            locale: z.string(),
            publishedHash: z.string(),
            publishedArticles: z.number().int(),
            live: z.boolean(),
            trainedAt: Timestamp.nullable(),
            expectedPrecision: z.number().nullable().meta({
              description:
                'Answer precision the model expects at its threshold (held-out calibration).',
            }),
            answerRate: z
              .number()
              .nullable()
              .meta({ description: 'Share of questions it expects to answer directly.' }),
            negatives: z
              .number()
              .int()
              .meta({ description: 'Collected negatives trained as oos.' }),
            training: z.string().nullable().meta({ description: 'The BullMQ job state.' }),
          }),
        ),
      }),
      'One entry per locale.',
    ),
  },
  tryBot: {
    method: 'post',
    path: '/bot/try',
    tag: 'knowledge',
    summary: 'Try the bot',
    description: 'What the bot would do now with the stored model.',
    permission: 'kb.read',
    body: TryBotSchema,
    response: json(BotAnswer, "The bot's answer."),
  },
} satisfies Record<string, AdminOperation>;

/** The knowledge base API's operations, in the document's order. */
export const KNOWLEDGE_OPERATIONS: readonly AdminOperation[] = Object.values(KNOWLEDGE);

export function knowledgeRouter(deps: AdminDeps, curation: KnowledgeCuration): Router {
  const router = Router();
  const route = routes(router);

  route(KNOWLEDGE.list, async (req, res) => {
    const query = ArticleListQuery.parse(req.query);
    let articles = await listArticles(deps.pool.models, {
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

  route(KNOWLEDGE.create, async (req, res) => {
    const body = CreateArticleSchema.parse(req.body);
    const revision = await curation.create(body, principalOf(res).actor);
    res.status(201).json({ key: `${body.id}.${body.locale}`, revision });
  });

  route(KNOWLEDGE.preview, (req, res) => {
    const body = PreviewSchema.parse(req.body);
    res.json({
      html: markdownToSafeHtml(body.answer),
      plain: shapeForChannel(body.answer, 'plain').text,
    });
  });

  route(KNOWLEDGE.read, async (req, res) => {
    const key = keyParam(req.params);
    const article = await getArticle(deps.pool.models, key);
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

  route(KNOWLEDGE.saveDraft, async (req, res) => {
    const key = keyParam(req.params);
    const { baseRevision, ...content } = DraftArticleSchema.parse(req.body);
    const draft = await curation.saveDraft(key, content, principalOf(res).actor, { baseRevision });
    res.json({ draft: draftView(draft) });
  });

  route(KNOWLEDGE.publishDraft, async (req, res) => {
    const key = keyParam(req.params);
    res.json(await curation.publishDraft(key, principalOf(res).actor));
  });

  route(KNOWLEDGE.discardDraft, async (req, res) => {
    const key = keyParam(req.params);
    await curation.discardDraft(key, principalOf(res).actor);
    res.json({ status: 'discarded' });
  });

  route(KNOWLEDGE.edit, async (req, res) => {
    const key = keyParam(req.params);
    const body = EditArticleSchema.parse(req.body);
    const { baseRevision, ...content } = body;
    const result = await curation.edit(key, content, principalOf(res).actor, { baseRevision });
    res.json(result);
  });

  route(KNOWLEDGE.publish, async (req, res) => {
    const key = keyParam(req.params);
    res.json(await curation.setStatus(key, 'published', principalOf(res).actor));
  });

  route(KNOWLEDGE.unpublish, async (req, res) => {
    const key = keyParam(req.params);
    res.json(await curation.setStatus(key, 'draft', principalOf(res).actor));
  });

  route(KNOWLEDGE.revisions, async (req, res) => {
    const key = keyParam(req.params);
    res.json({ revisions: await curation.revisions(key) });
  });

  route(KNOWLEDGE.revision, async (req, res) => {
    const key = keyParam(req.params);
    // The key names the article (404 otherwise); a revision that is no number is bad input (400).
    const { revision } = RevisionParams.parse(req.params);
    res.json(await curation.revision(key, revision));
  });

  route(KNOWLEDGE.rollback, async (req, res) => {
    const key = keyParam(req.params);
    const body = RollbackSchema.parse(req.body);
    res.json(await curation.rollback(key, body.revision, principalOf(res).actor));
  });

  route(KNOWLEDGE.model, async (_req, res) => {
    res.json({ locales: await deps.bot.status() });
  });

  route(KNOWLEDGE.tryBot, async (req, res) => {
    const body = TryBotSchema.parse(req.body);
    res.json(await deps.bot.ask(body.text));
  });
  return router;
}
