import type { AuditEventDoc, PoolModels } from '../../pool/models.ts';

/** Audit events, newest first, filtered by subject/actor/action prefix and time. */
export async function listAuditEvents(
  models: PoolModels,
  filter: {
    subject?: string | undefined;
    actor?: string | undefined;
    action?: string | undefined;
    from?: Date | undefined;
    to?: Date | undefined;
    limit: number;
  },
): Promise<AuditEventDoc[]> {
  const query: Record<string, unknown> = {};
  if (filter.subject) query['subject'] = filter.subject;
  if (filter.actor) query['actor'] = filter.actor;
  if (filter.action) query['action'] = filter.action;
  if (filter.from || filter.to) {
    query['at'] = {
      ...(filter.from ? { $gte: filter.from } : {}),
      ...(filter.to ? { $lt: filter.to } : {}),
    };
  }
  return models.AuditEvent.find(query).sort({ at: -1 }).limit(filter.limit).lean();
}
