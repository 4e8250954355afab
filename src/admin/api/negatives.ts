/**
 * The review queue of questions the knowledge base does not cover (src/nlu/negatives.ts), of both
 * kinds (`unhelpful`, `agent-answered`): list,
 * keep (trained as "hand over" examples), drop, or convert into an article or an extra question
 * of one. Every decision is audited and retrains the question's locale.
 */
import { Router } from 'express';
import { z } from 'zod';
import { SwitchboardError } from '../../domain/errors.ts';
import {
  listNegatives,
  NEGATIVE_SOURCES,
  NEGATIVE_STATUSES,
  registerNegatives,
  reviewNegative,
  type NegativeDoc,
} from '../../nlu/negatives.ts';
import { requestRetraining } from '../../nlu/publish.ts';
import { recordAudit } from '../../pool/audit.ts';
import { principalOf } from '../auth.ts';
import type { KnowledgeCuration } from '../curation.ts';
import type { AdminDeps } from '../deps.ts';
import { ApproveSchema } from './learning.ts';
import { pathParams } from './params.ts';
import { Negative } from '../openapi/schemas.ts';
import { json, routes, type AdminOperation } from '../routes.ts';
import { getArticle } from '../../knowledge/articles.ts';

/** `GET /learning/negatives?status=&locale=&limit=`. */
export const NegativesQuery = z.object({
  status: z.enum(NEGATIVE_STATUSES).default('pending'),
  source: z.enum(NEGATIVE_SOURCES).optional(),
  locale: z
    .string()
    .regex(/^[a-z]{2}$/)
    .optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

/** `:id` of a queued question. */
export const NegativeParams = z.object({ id: z.string().regex(/^[a-z]{2}\.[0-9a-f]{32}$/) });

/** `POST /learning/negatives/:id/convert`: the same two forms as approving a suggestion. */
export const ConvertNegativeSchema = ApproveSchema;

function negativeView(n: NegativeDoc) {
  return {
    id: n._id,
    locale: n.locale,
    text: n.text,
    source: n.source,
    articleId: n.articleId ?? null,
    agentAnswer: n.agentAnswer
      ? {
          text: n.agentAnswer.text,
          agentName: n.agentAnswer.agentName ?? null,
          ticketId: String(n.agentAnswer.ticketId),
          at: n.agentAnswer.at,
        }
      : null,
    ticketId: String(n.ticketId),
    status: n.status,
    count: n.count,
    reviewedBy: n.reviewedBy ?? null,
    reviewedAt: n.reviewedAt ?? null,
    articleKey: n.articleKey ?? null,
  };
}

/**
 * The review queue of uncovered questions: what negativesRouter mounts and the OpenAPI document
 * describes.
 */
const NEGATIVES = {
  list: {
    method: 'get',
    path: '/learning/negatives',
    tag: 'learning',
    summary: 'Review queue of uncovered questions',
    description:
      "Questions the knowledge base does not cover: whose answer the customer said did not help, or that the bot handed over and an agent answered with something the knowledge base does not contain (with the agent's answer). Kept ones are trained as examples the bot hands over.",
    permission: 'learning.read',
    query: NegativesQuery,
    response: json(z.object({ negatives: z.array(Negative) }), 'The questions, newest first.'),
  },
  keep: {
    method: 'post',
    path: '/learning/negatives/:id/keep',
    tag: 'learning',
    summary: 'Keep a question as uncovered',
    description: 'Audited; retrains the locale.',
    permission: 'learning.write',
    params: NegativeParams,
    response: json(z.object({ negative: Negative }), 'The reviewed question.'),
  },
  drop: {
    method: 'post',
    path: '/learning/negatives/:id/drop',
    tag: 'learning',
    summary: 'Drop a question',
    description: 'Audited; retrains the locale.',
    permission: 'learning.write',
    params: NegativeParams,
    response: json(z.object({ negative: Negative }), 'The reviewed question.'),
  },
  convert: {
    method: 'post',
    path: '/learning/negatives/:id/convert',
    tag: 'learning',
    summary: 'Turn a question into an extra question of an article, or a new article',
    permission: 'learning.write',
    params: NegativeParams,
    body: ConvertNegativeSchema,
    response: json(z.object({ negative: Negative }), 'The reviewed question.'),
    also: [409],
  },
} satisfies Record<string, AdminOperation>;

/** The review queue's operations, in the document's order. */
export const NEGATIVE_OPERATIONS: readonly AdminOperation[] = Object.values(NEGATIVES);

export function negativesRouter(deps: AdminDeps, curation: KnowledgeCuration): Router {
  const router = Router();
  const route = routes(router);
  const negatives = registerNegatives(deps.models.Ticket.db);

  route(NEGATIVES.list, async (req, res) => {
    const query = NegativesQuery.parse(req.query);
    res.json({ negatives: (await listNegatives(negatives, query)).map(negativeView) });
  });

  const decide = async (
    id: string,
    status: 'kept' | 'dropped' | 'converted',
    actor: string,
    articleKey?: string,
  ): Promise<NegativeDoc> => {
    const before = await negatives.findById(id).lean<NegativeDoc>();
    if (!before) throw new SwitchboardError('SB_ERR_NOT_FOUND', 'no such question in the queue');
    const after = await reviewNegative(negatives, id, status, actor, articleKey);
    await recordAudit(deps.models, {
      actor,
      action: `learning.negative.${status}`,
      subject: `negative:${id}`,
      before: { status: before.status },
      after: { status, ...(articleKey ? { articleKey } : {}) },
    });
    // Kept questions are trained; a changed decision changes the locale's knowledge hash.
    await requestRetraining(deps.knowledge, after.locale);
    return after;
  };

  for (const [op, status] of [
    [NEGATIVES.keep, 'kept'],
    [NEGATIVES.drop, 'dropped'],
  ] as const) {
    route(op, async (req, res) => {
      const { id } = pathParams(NegativeParams, req.params, 'question');
      const decided = await decide(id, status, principalOf(res).actor);
      res.json({ negative: negativeView(decided) });
    });
  }

  route(NEGATIVES.convert, async (req, res) => {
    const { id } = pathParams(NegativeParams, req.params, 'question');
    const body = ConvertNegativeSchema.parse(req.body);
    const by = principalOf(res).actor;
    const negative = await negatives.findById(id).lean<NegativeDoc>();
    if (!negative) throw new SwitchboardError('SB_ERR_NOT_FOUND', 'no such question in the queue');
    let key: string;
    if (body.kind === 'variant') {
      const article = await getArticle(deps.pool.models, body.articleKey);
      if (!article || article.content.locale !== negative.locale) {
        throw new SwitchboardError(
          'SB_ERR_VALIDATION',
          `articleKey: no ${negative.locale} article ${body.articleKey}`,
          { field: 'articleKey' },
        );
      }
      const { title, tags, questions, answer } = article.content;
      await curation.edit(
        body.articleKey,
        { title, tags, answer, questions: [...new Set([...questions, body.question])] },
        by,
        { action: 'negative', note: 'question from the review queue of uncovered questions' },
      );
      key = body.articleKey;
    } else {
      key = `${body.id}.${negative.locale}`;
      await curation.create(
        {
          id: body.id,
          locale: negative.locale,
          title: body.title,
          tags: body.tags,
          questions: body.questions,
          answer: body.answer,
        },
        by,
      );
      await curation.setStatus(key, 'published', by);
    }
    const decided = await decide(id, 'converted', by, key);
    res.json({ negative: negativeView(decided) });
  });

  return router;
}
