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
import { requirePermission } from '../auth.ts';
import type { AdminDeps } from '../deps.ts';

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

export function retrainsRouter(deps: AdminDeps): Router {
  const router = Router();
  const reports = registerRetrainReports(deps.models.Ticket.db);
  router.get('/learning/retrains', requirePermission('learning.read'), async (req, res) => {
    const query = RetrainsQuery.parse(req.query);
    res.json({ retrains: (await listRetrainReports(reports, query)).map(retrainView) });
  });
  return router;
}
