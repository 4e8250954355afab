/**
 * The learning report per retrain (src/nlu/retrain-report.ts): one record per trained model, with
 * how it and the model it replaced do on the held-out slice, newest first.
 */
import { Router } from 'express';
import { z } from 'zod';
import {
  listRetrainReports,
  registerRetrainReports,
  type RetrainReportDoc,
} from '../../nlu/retrain-report.ts';
import type { AdminDeps } from '../deps.ts';
import { Retrain } from '../openapi/schemas.ts';
import { json, routes, type AdminOperation } from '../routes.ts';

/** `GET /learning/retrains?locale=&limit=`. */
export const RetrainsQuery = z.object({
  locale: z
    .string()
    .regex(/^[a-z]{2}$/)
    .optional(),
  limit: z.coerce.number().int().min(1).max(500).default(52),
});

export function retrainView(r: RetrainReportDoc) {
  return {
    id: r._id,
    locale: r.locale,
    hash: r.hash,
    previousHash: r.previousHash ?? null,
    trainedAt: r.trainedAt,
    trainSeconds: r.trainSeconds,
    articles: r.articles,
    negatives: r.negatives,
    threshold: r.threshold,
    expectedPrecision: r.expectedPrecision ?? null,
    answerRate: r.answerRate ?? null,
    heldOut: r.heldOut,
    before: r.before ?? null,
    after: r.after,
  };
}

/** The retrain reports API: what retrainsRouter mounts and the OpenAPI document describes. */
const RETRAINS = {
  list: {
    method: 'get',
    path: '/learning/retrains',
    tag: 'learning',
    summary: 'Learning report per retrain',
    description:
      'One record per trained model, newest first: what it was trained with (articles, collected negatives), the precision it expects at its threshold, and answer precision and self-service on a held-out slice of real questions no model was trained on (questions customers confirmed an article answers; pending questions agents answered with what the knowledge base lacks), for it (`after`) and for the model it replaced (`before`).',
    permission: 'learning.read',
    query: RetrainsQuery,
    response: json(z.object({ retrains: z.array(Retrain) }), 'The reports, newest first.'),
  },
} satisfies Record<string, AdminOperation>;

/** The retrain reports API's operations. */
export const RETRAIN_OPERATIONS: readonly AdminOperation[] = Object.values(RETRAINS);

export function retrainsRouter(deps: AdminDeps): Router {
  const router = Router();
  const route = routes(router);
  const reports = registerRetrainReports(deps.models.Ticket.db);
  route(RETRAINS.list, async (req, res) => {
    const query = RetrainsQuery.parse(req.query);
    res.json({ retrains: (await listRetrainReports(reports, query)).map(retrainView) });
  });
  return router;
}
