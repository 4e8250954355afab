/**
 * Teams (issue 16 item 1): a name, the skills its members bring to routing, and the Slack channel
 * where its tickets' cards go. Kept by key (`billing`), so a lookup is by _id. Created, changed and
 * removed by admins and supervisors (console, admin API, `switchboard team`), audited.
 */
import { Schema, type Connection, type Model } from 'mongoose';
import { z } from 'zod';
import { SwitchboardError } from '../domain/errors.ts';
import type { TeamView } from '../domain/team.ts';
import { recordAudit } from '../pool/audit.ts';
import type { PoolModels } from '../pool/models.ts';

export interface TeamDoc {
  /** The team's key: lower-case letters, digits and dashes. */
  _id: string;
  name: string;
  skills: string[];
  /** A Slack channel id; unset: the agents channel. */
  slackChannel?: string | null;
  createdAt?: Date;
  updatedAt?: Date;
}

const teamSchema = new Schema<TeamDoc>(
  {
    _id: String,
    name: { type: String, required: true },
    skills: { type: [String], default: [] },
    slackChannel: { type: String },
  },
  { timestamps: true },
);

/** Registers (once per connection) the teams collection. */
export function registerTeamModel(connection: Connection): Model<TeamDoc> {
  return (
    (connection.models['Team'] as Model<TeamDoc> | undefined) ??
    connection.model<TeamDoc>('Team', teamSchema, 'teams')
  );
}

/** The teams collection on the pool's database. */
export function teamModel(pool: PoolModels): Model<TeamDoc> {
  return registerTeamModel(pool.Ticket.db);
}

export const TEAM_KEY = /^[a-z0-9][a-z0-9-]{0,39}$/;
const SKILL = z
  .string()
  .trim()
  .regex(/^[a-z0-9][a-z0-9-]{0,49}$/, 'lower-case letters, digits and dashes');

/** A team as admins write it; `slackChannel: null` moves its cards back to the agents channel. */
export const TeamSettingsSchema = z
  .object({
    name: z.string().trim().min(1).max(100).optional(),
    skills: z.array(SKILL).max(50).optional(),
    slackChannel: z
      .string()
      .regex(/^[CG][A-Z0-9]{2,}$/, 'a channel id such as C0123ABCD')
      .nullable()
      .optional(),
  })
  .strict();
export type TeamSettings = z.infer<typeof TeamSettingsSchema>;

export function teamKey(raw: string): string {
  const key = raw.trim().toLowerCase();
  if (!TEAM_KEY.test(key))
    throw new SwitchboardError(
      'SB_ERR_VALIDATION',
      'a team key is lower-case letters, digits and dashes (up to 40), e.g. billing',
    );
  return key;
}

export async function listTeams(models: PoolModels): Promise<TeamDoc[]> {
  return await teamModel(models).find({}).sort({ _id: 1 }).lean();
}

export function teamView(team: TeamDoc): TeamView {
  return { key: team._id, skills: team.skills ?? [], slackChannel: team.slackChannel ?? undefined };
}

/** Creates the team `key` or changes it (omitted fields stay); audited. */
export async function saveTeam(
  models: PoolModels,
  key: string,
  change: TeamSettings,
  by: string,
): Promise<TeamDoc> {
  const before = (await teamModel(models).findById(key).lean()) as TeamDoc | null;
  const set: Record<string, unknown> = {};
  const unset: Record<string, 1> = {};
  if (change.name !== undefined) set['name'] = change.name;
  if (change.skills !== undefined) set['skills'] = [...new Set(change.skills)];
  if (change.slackChannel === null) unset['slackChannel'] = 1;
  else if (change.slackChannel !== undefined) set['slackChannel'] = change.slackChannel;
  if (!before && set['name'] === undefined) set['name'] = key;
  const after = (await teamModel(models)
    .findOneAndUpdate(
      { _id: key },
      {
        ...(Object.keys(set).length ? { $set: set } : {}),
        ...(Object.keys(unset).length ? { $unset: unset } : {}),
      },
      { upsert: true, returnDocument: 'after' },
    )
    .lean()) as TeamDoc;
  await recordAudit(models, {
    actor: by,
    action: before ? 'team.updated' : 'team.created',
    subject: `team:${key}`,
    before: before ? pick(before) : null,
    after: pick(after),
  });
  return after;
}

/** Removes the team and takes it off its members (their own skills stay); audited. */
export async function removeTeam(models: PoolModels, key: string, by: string): Promise<boolean> {
  const before = (await teamModel(models).findById(key).lean()) as TeamDoc | null;
  if (!before) return false;
  await models.Agent.updateMany({ teams: key }, { $pull: { teams: key } });
  await teamModel(models).deleteOne({ _id: key });
  await recordAudit(models, {
    actor: by,
    action: 'team.removed',
    subject: `team:${key}`,
    before: pick(before),
  });
  return true;
}

/** Refuses keys of teams that do not exist (an agent is put only in real teams). */
export async function requireTeams(models: PoolModels, keys: readonly string[]): Promise<void> {
  if (keys.length === 0) return;
  const found = new Set(
    (
      (await teamModel(models)
        .find({ _id: { $in: [...keys] } }, { _id: 1 })
        .lean()) as TeamDoc[]
    ).map((t) => t._id),
  );
  const missing = keys.filter((k) => !found.has(k));
  if (missing.length > 0)
    throw new SwitchboardError('SB_ERR_VALIDATION', `no such team: ${missing.join(', ')}`);
}

function pick(team: TeamDoc) {
  return { name: team.name, skills: team.skills ?? [], slackChannel: team.slackChannel ?? null };
}
