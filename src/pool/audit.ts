import type { PoolModels } from './models.ts';

/** Appends an audit event: who did what to which subject, with the state before and after. */
export async function recordAudit(
  models: PoolModels,
  event: { actor: string; action: string; subject: string; before?: unknown; after?: unknown },
): Promise<void> {
  await models.AuditEvent.create({ ...event, at: new Date() });
}
