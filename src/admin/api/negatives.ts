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
import { principalOf, requirePermission } from '../auth.ts';
import type { KnowledgeCuration } from '../curation.ts';
import type { AdminDeps } from '../deps.ts';
import { ApproveSchema } from './learning.ts';
import { pathParams } from './params.ts';

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

export function negativesRouter(deps: AdminDeps, curation: KnowledgeCuration): Router {
  const router = Router();
  const read = requirePermission('learning.read');
  const write = requirePermission('learning.write');
  const negatives = registerNegatives(deps.models.Ticket.db);

  router.get('/learning/negatives', read, async (req, res) => {
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

  for (const [path, status] of [
    ['keep', 'kept'],
    ['drop', 'dropped'],
  ] as const) {
    router.post(`/learning/negatives/:id/${path}`, write, async (req, res) => {
      const { id } = pathParams(NegativeParams, req.params, 'question');
      const decided = await decide(id, status, principalOf(res).actor);
      res.json({ negative: negativeView(decided) });
    });
  }

  router.post('/learning/negatives/:id/convert', write, async (req, res) => {
    const { id } = pathParams(NegativeParams, req.params, 'question');
    const body = ConvertNegativeSchema.parse(req.body);
    const by = principalOf(res).actor;
    const negative = await negatives.findById(id).lean<NegativeDoc>();
    if (!negative) throw new SwitchboardError('SB_ERR_NOT_FOUND', 'no such question in the queue');
    let key: string;
    if (body.kind === 'variant') {
      const article = await deps.pool.getArticle(body.articleKey);
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
