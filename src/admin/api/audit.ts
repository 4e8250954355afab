/**
 * The audit log, for admins: list with filters, and export as CSV.
 */
import { Router } from 'express';
import { z } from 'zod';
import { listAuditEvents } from '../reports/audit-log.ts';
import { toCsv } from '../reports/csv.ts';
import { requirePermission } from '../auth.ts';
import type { AdminDeps } from '../deps.ts';

/** Filters of `GET /audit` and `GET /audit.csv`. */
export const AuditQuery = z.object({
  subject: z.string().max(200).optional(),
  actor: z.string().max(200).optional(),
  action: z.string().max(100).optional(),
  from: z.coerce.date().optional(),
  to: z.coerce.date().optional(),
  limit: z.coerce.number().int().min(1).max(10_000).default(200),
});

export function auditRouter(deps: AdminDeps): Router {
  const router = Router();
  const read = requirePermission('audit.read');

  router.get('/audit', read, async (req, res) => {
    const events = await listAuditEvents(deps.models, AuditQuery.parse(req.query));
    res.json({ events });
  });

  router.get('/audit.csv', read, async (req, res) => {
    const events = await listAuditEvents(deps.models, AuditQuery.parse(req.query));
    res.setHeader('content-type', 'text/csv; charset=utf-8');
    res.setHeader('content-disposition', 'attachment; filename="audit.csv"');
    res.send(
      toCsv([
        ['at', 'actor', 'action', 'subject', 'before', 'after'],
        ...events.map((e) => [
          e.at.toISOString(),
          e.actor,
          e.action,
          e.subject,
          e.before === undefined ? '' : JSON.stringify(e.before),
          e.after === undefined ? '' : JSON.stringify(e.after),
        ]),
      ]),
    );
  });
  return router;
}
