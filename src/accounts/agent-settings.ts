/**
 * What admins and supervisors set on an agent (issue 16 item 1): the languages, skills and teams
 * routing prefers, capacity, role and status. One audited update, whoever calls it (admin API, CLI).
 */
import { z } from 'zod';
import { SwitchboardError } from '../domain/errors.ts';
import { recordAudit } from '../pool/audit.ts';
import { requireTeams } from './teams.ts';
import type { AgentDoc, PoolModels } from '../pool/models.ts';

/** A change to an agent; omitted fields stay as they are. */
export const AgentSettingsSchema = z
  .object({
    languages: z
      .array(z.string().regex(/^[a-z]{2}$/, 'two-letter language codes'))
      .max(20)
      .optional(),
    skills: z
      .array(
        z
          .string()
          .trim()
          .regex(/^[a-z0-9][a-z0-9-]{0,49}$/, 'lower-case letters, digits and dashes'),
      )
      .max(50)
      .optional(),
    teams: z
      .array(
        z
          .string()
          .trim()
          .regex(/^[a-z0-9][a-z0-9-]{0,39}$/, 'team keys'),
      )
      .max(20)
      .optional(),
    capacity: z.number().int().min(0).max(100).optional(),
    role: z.enum(['agent', 'supervisor']).optional(),
    status: z.enum(['available', 'away', 'offline']).optional(),
    displayName: z.string().trim().min(1).max(100).optional(),
  })
  .strict();
export type AgentSettings = z.infer<typeof AgentSettingsSchema>;

const FIELDS = [
  'languages',
  'skills',
  'teams',
  'capacity',
  'role',
  'status',
  'displayName',
] as const;

/** Applies `change` to the agent (by id or identity such as `slack:U0123`); 404 when unknown. */
export async function updateAgentSettings(
  models: PoolModels,
  ref: { id: string } | { identity: string },
  change: AgentSettings,
  by: string,
): Promise<AgentDoc> {
  const before = (await (
    'id' in ref ? models.Agent.findById(ref.id) : models.Agent.findOne({ identity: ref.identity })
  ).lean()) as AgentDoc | null;
  if (!before) throw new SwitchboardError('SB_ERR_NOT_FOUND', 'no such agent');
  const set: Record<string, unknown> = {};
  for (const field of FIELDS) if (change[field] !== undefined) set[field] = change[field];
  if (set['languages']) set['languages'] = [...new Set(set['languages'] as string[])];
  if (set['skills']) set['skills'] = [...new Set(set['skills'] as string[])];
  if (set['teams']) {
    set['teams'] = [...new Set(set['teams'] as string[])];
    await requireTeams(models, set['teams'] as string[]);
  }
  const after = (await models.Agent.findOneAndUpdate(
    { _id: before._id },
    { $set: set },
    { returnDocument: 'after' },
  ).lean()) as AgentDoc | null;
  if (!after) throw new SwitchboardError('SB_ERR_NOT_FOUND', 'no such agent');
  await recordAudit(models, {
    actor: by,
    action: 'agent.updated',
    subject: after.identity,
    before: Object.fromEntries(FIELDS.filter((f) => f in set).map((f) => [f, before[f] ?? null])),
    after: Object.fromEntries(FIELDS.filter((f) => f in set).map((f) => [f, after[f] ?? null])),
  });
  return after;
}
