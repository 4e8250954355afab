/**
 * Who is an agent. A Slack member becomes one only when an admin or supervisor enrols them (the
 * console's account link, the CLI) or when they belong to an allowed Slack user group: using the
 * desk's command or buttons does not make anyone an agent. Dispatch offers tickets only to
 * enrolled agents.
 */
import type { PoolModels, AgentDoc } from '../pool/models.ts';
import { recordAudit } from '../pool/audit.ts';

/** How an agent was enrolled: by a person with the right (console, CLI), or by group membership. */
export type EnrolledVia = 'admin' | 'slack-group';

/** The filter of agents dispatch may offer tickets to. */
export const ENROLLED_AGENTS = { enrolledVia: { $in: ['admin', 'slack-group'] } } as const;

/** Enrols the Slack user `slackUserId` as an agent (creating the record when new); audited. */
export async function enrolSlackAgent(
  models: PoolModels,
  input: { slackUserId: string; displayName: string; role?: 'agent' | 'supervisor'; by: string },
): Promise<AgentDoc> {
  const identity = `slack:${input.slackUserId}`;
  const before = (await models.Agent.findOne({ identity }).lean()) as AgentDoc | null;
  try {
    await models.Agent.updateOne(
      { identity },
      {
        $setOnInsert: { identity, displayName: input.displayName, status: 'available' },
        $set: { enrolledVia: 'admin', ...(input.role ? { role: input.role } : {}) },
      },
      { upsert: true },
    );
  } catch (error) {
    if ((error as { code?: unknown }).code !== 11000) throw error;
    await models.Agent.updateOne(
      { identity },
      { $set: { enrolledVia: 'admin', ...(input.role ? { role: input.role } : {}) } },
    );
  }
  const agent = (await models.Agent.findOne({ identity }).lean()) as AgentDoc;
  await recordAudit(models, {
    actor: input.by,
    action: 'agent.enrol',
    subject: identity,
    before: before ? { enrolledVia: before.enrolledVia ?? null, role: before.role } : null,
    after: { enrolledVia: agent.enrolledVia ?? null, role: agent.role },
  });
  return agent;
}

/** Ends a Slack user's enrolment: no more offers, and the desk refuses their actions; audited. */
export async function unenrolSlackAgent(
  models: PoolModels,
  input: { slackUserId: string; by: string },
): Promise<boolean> {
  const identity = `slack:${input.slackUserId}`;
  const result = await models.Agent.updateOne(
    { identity },
    { $unset: { enrolledVia: '' }, $set: { status: 'away' } },
  );
  await recordAudit(models, {
    actor: input.by,
    action: 'agent.unenrol',
    subject: identity,
    after: { enrolledVia: null },
  });
  return result.matchedCount > 0;
}
