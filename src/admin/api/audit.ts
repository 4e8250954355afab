/**
 * The audit log, for admins: list with filters, and export as CSV.
 */
import { Router } from 'express';
import { z } from 'zod';
import { listAuditEvents } from '../reports/audit-log.ts';
import { toCsv } from '../reports/csv.ts';
import type { AdminDeps } from '../deps.ts';
import { AuditEvent } from '../openapi/schemas.ts';
import { json, routes, type AdminOperation } from '../routes.ts';

/** Filters of `GET /audit` and `GET /audit.csv`. */
export const AuditQuery = z.object({
  subject: z.string().max(200).optional(),
  actor: z.string().max(200).optional(),
  action: z.string().max(100).optional(),
  from: z.coerce.date().optional(),
  to: z.coerce.date().optional(),
  limit: z.coerce.number().int().min(1).max(10_000).default(200),
});

/** The audit log API: what auditRouter mounts and the OpenAPI document describes. */
const AUDIT = {
  list: {
    method: 'get',
    path: '/audit',
    tag: 'audit',
    summary: 'The audit log',
    description: 'Newest first.',
    permission: 'audit.read',
    query: AuditQuery,
    response: json(z.object({ events: z.array(AuditEvent) }), 'The matching events.'),
  },
  csv: {
    method: 'get',
    path: '/audit.csv',
    tag: 'audit',
    summary: 'The audit log as CSV',
    permission: 'audit.read',
    query: AuditQuery,
    response: {
      description: 'The matching events as CSV.',
      csv: 'Columns at, actor, action, subject, before, after.',
    },
  },
} satisfies Record<string, AdminOperation>;

/** The audit log API's operations, in the document's order. */
export const AUDIT_OPERATIONS: readonly AdminOperation[] = Object.values(AUDIT);

export function auditRouter(deps: AdminDeps): Router {
  const router = Router();
  const route = routes(router);

  route(AUDIT.list, async (req, res) => {
    const events = await listAuditEvents(deps.models, AuditQuery.parse(req.query));
    res.json({ events });
  });

  route(AUDIT.csv, async (req, res) => {
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
