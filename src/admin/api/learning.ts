/**
 * Learning-loop endpoints: the unanswered inbox, suggested answers (approve / dismiss) and the
 * report on last week's escalations.
 */
import { Router } from 'express';
import { z } from 'zod';
import { SwitchboardError } from '../../domain/errors.ts';
import { decideSuggestion, getSuggestion, listSuggestions } from '../../knowledge/suggestions.ts';
import { principalOf } from '../auth.ts';
import type { KnowledgeCuration } from '../curation.ts';
import type { AdminDeps } from '../deps.ts';
import { LearningLoop, suggestionView } from '../learning.ts';
import { pathParams } from './params.ts';
import { Timestamp, BotAnswer, Suggestion } from '../openapi/schemas.ts';
import { json, routes, type AdminOperation } from '../routes.ts';
import { getArticle } from '../../knowledge/articles.ts';

const DaysQuery = (fallback: number) =>
  z.object({ days: z.coerce.number().int().min(1).max(92).default(fallback) });

/** `GET /learning/unanswered?days=`. */
export const UnansweredQuery = DaysQuery(30);

/** `GET /learning/report?days=`. */
export const ReportQuery = DaysQuery(7);

/** `GET /learning/suggestions?status=&days=`. */
export const SuggestionsQuery = z.object({
  status: z.enum(['pending', 'approved', 'dismissed']).default('pending'),
  days: z.coerce.number().int().min(1).max(92).default(30),
});

/** `:id` of a suggestion: `ticket.<ticket id>`. */
export const SuggestionParams = z.object({ id: z.string().min(1).max(100) });

/** `POST /learning/suggestions/:id/approve`: add the question to an article, or a new article. */
export const ApproveSchema = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('variant'),
      articleKey: z
        .string()
        .regex(/^[a-z0-9][a-z0-9-]{0,99}\.[a-z]{2}$/, 'an article key <id>.<locale>'),
      question: z.string().trim().min(1).max(500),
    })
    .strict(),
  z
    .object({
      kind: z.literal('article'),
      id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,99}$/, 'lower-case letters, digits and dashes'),
      title: z.string().trim().min(1).max(200),
      tags: z.array(z.string().trim().min(1).max(50)).max(20).default([]),
      questions: z.array(z.string().trim().min(1).max(500)).min(1).max(200),
      answer: z.string().trim().min(1).max(20_000),
    })
    .strict(),
]);

/** The learning loop API: what learningRouter mounts and the OpenAPI document describes. */
const LEARNING = {
  unanswered: {
    method: 'get',
    path: '/learning/unanswered',
    tag: 'learning',
    summary: 'Unanswered questions',
    description:
      'Customer questions the bot handled without an intent before it escalated, grouped by word overlap, largest group first.',
    permission: 'learning.read',
    query: UnansweredQuery,
    response: json(
      z.object({
        days: z.number().int(),
        total: z.number().int(),
        clusters: z.array(
          z.looseObject({
            count: z.number().int(),
            newest: Timestamp,
            examples: z.array(z.unknown()),
            terms: z.array(z.string()),
          }),
        ),
      }),
      'The groups.',
    ),
  },
  suggestions: {
    method: 'get',
    path: '/learning/suggestions',
    tag: 'learning',
    summary: 'Suggested answers',
    description:
      "Listing `pending` first proposes, once per ticket, the resolved tickets of the last `days`: the customer's question and the agent's first answer.",
    permission: 'learning.read',
    query: SuggestionsQuery,
    response: json(z.object({ suggestions: z.array(Suggestion) }), 'The suggestions.'),
  },
  suggestion: {
    method: 'get',
    path: '/learning/suggestions/:id',
    tag: 'learning',
    summary: 'Read a suggestion',
    description: 'With what the bot answers to its question now.',
    permission: 'learning.read',
    params: SuggestionParams,
    response: json(z.object({ suggestion: Suggestion, bot: BotAnswer }), 'The suggestion.'),
  },
  approve: {
    method: 'post',
    path: '/learning/suggestions/:id/approve',
    tag: 'learning',
    summary: 'Approve a suggestion',
    description:
      "Adds the question to an article (`variant`) or creates and publishes an article in the suggestion's locale (`article`). Both retrain. 409 when already decided.",
    permission: 'learning.write',
    params: SuggestionParams,
    body: ApproveSchema,
    response: json(z.object({ suggestion: Suggestion }), 'The decided suggestion.'),
    also: [409],
  },
  dismiss: {
    method: 'post',
    path: '/learning/suggestions/:id/dismiss',
    tag: 'learning',
    summary: 'Dismiss a suggestion',
    permission: 'learning.write',
    params: SuggestionParams,
    response: json(z.object({ suggestion: Suggestion }), 'The decided suggestion.'),
    also: [409],
  },
  report: {
    method: 'get',
    path: '/learning/report',
    tag: 'learning',
    summary: 'Learning report',
    description:
      'How many of the questions escalated in the period the bot answers now, and how many thanks to approved suggestions.',
    permission: 'learning.read',
    query: ReportQuery,
    response: json(
      z.looseObject({
        escalations: z.number().int(),
        nowAnswered: z.number().int(),
        answeredByApprovedSuggestions: z.number().int(),
        share: z.number().nullable(),
        examples: z.array(z.unknown()),
      }),
      'The report.',
    ),
  },
} satisfies Record<string, AdminOperation>;

/** The learning loop API's operations, in the document's order. */
export const LEARNING_OPERATIONS: readonly AdminOperation[] = Object.values(LEARNING);

export function learningRouter(deps: AdminDeps, curation: KnowledgeCuration): Router {
  const router = Router();
  const route = routes(router);
  const loop = new LearningLoop(deps);

  route(LEARNING.unanswered, async (req, res) => {
    const { days } = UnansweredQuery.parse(req.query);
    res.json({ days, ...(await loop.unanswered(days)) });
  });

  route(LEARNING.suggestions, async (req, res) => {
    const query = SuggestionsQuery.parse(req.query);
    if (query.status === 'pending') await loop.refreshSuggestions(query.days);
    const suggestions = await listSuggestions(deps.models, query.status);
    res.json({ suggestions: suggestions.map(suggestionView) });
  });

  route(LEARNING.suggestion, async (req, res) => {
    const { id } = pathParams(SuggestionParams, req.params, 'suggestion');
    const suggestion = await getSuggestion(deps.models, id);
    if (!suggestion) throw new SwitchboardError('SB_ERR_NOT_FOUND', 'no such suggestion');
    // What the bot answers to the question now: after approval, once the model is live, the new
    // article (or the extended one).
    res.json({
      suggestion: suggestionView(suggestion),
      bot: await deps.bot.ask(suggestion.question),
    });
  });

  route(LEARNING.approve, async (req, res) => {
    const { id } = pathParams(SuggestionParams, req.params, 'suggestion');
    const body = ApproveSchema.parse(req.body);
    const by = principalOf(res).actor;
    const decided = await decideSuggestion(
      deps.models,
      deps.locks,
      id,
      'approved',
      by,
      async (s) => {
        if (body.kind === 'variant') {
          const article = await getArticle(deps.pool.models, body.articleKey);
          if (!article) {
            throw new SwitchboardError(
              'SB_ERR_VALIDATION',
              `articleKey: no article ${body.articleKey}`,
              { field: 'articleKey' },
            );
          }
          const { title, tags, questions, answer } = article.content;
          await curation.edit(
            body.articleKey,
            { title, tags, answer, questions: [...new Set([...questions, body.question])] },
            by,
            {
              action: 'suggestion',
              note: `question variant from ticket #${s.ticketNumber ?? '?'}`,
            },
          );
          return body.articleKey;
        }
        const key = `${body.id}.${s.locale}`;
        await curation.create(
          {
            id: body.id,
            locale: s.locale,
            title: body.title,
            tags: body.tags,
            questions: body.questions,
            answer: body.answer,
          },
          by,
        );
        await curation.setStatus(key, 'published', by);
        return key;
      },
    );
    res.json({ suggestion: suggestionView(decided) });
  });

  route(LEARNING.dismiss, async (req, res) => {
    const { id } = pathParams(SuggestionParams, req.params, 'suggestion');
    const decided = await decideSuggestion(
      deps.models,
      deps.locks,
      id,
      'dismissed',
      principalOf(res).actor,
    );
    res.json({ suggestion: suggestionView(decided) });
  });

  route(LEARNING.report, async (req, res) => {
    const { days } = ReportQuery.parse(req.query);
    res.json(await loop.report(days));
  });
  return router;
}
