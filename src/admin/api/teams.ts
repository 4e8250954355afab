/**
 * Teams (issue 16 item 1): list, create or change (`PUT /teams/:key`), remove. Members are set on
 * the agent (`PATCH /agents/:id` with `teams`). Every change is audited (src/accounts/teams.ts).
 */
import { Router } from 'express';
import { z } from 'zod';
import { SwitchboardError } from '../../domain/errors.ts';
import {
  listTeams,
  removeTeam,
  saveTeam,
  TEAM_KEY,
  TeamSettingsSchema,
  type TeamDoc,
} from '../../accounts/teams.ts';
import { principalOf } from '../auth.ts';
import type { AdminDeps } from '../deps.ts';
import { pathParams } from './params.ts';
import { TeamOut } from '../openapi/schemas.ts';
import { json, routes, type AdminOperation } from '../routes.ts';

export const TeamParams = z.object({ key: z.string().regex(TEAM_KEY, 'a team key') });

/** A team as the API shows it. */
export function teamOut(team: TeamDoc) {
  return {
    key: team._id,
    name: team.name,
    skills: team.skills ?? [],
    slackChannel: team.slackChannel ?? null,
  };
}

/** The teams API: what teamsRouter mounts and the OpenAPI document describes. */
const TEAMS = {
  list: {
    method: 'get',
    path: '/teams',
    tag: 'tickets',
    summary: 'List teams',
    permission: 'tickets.read',
    response: json(z.object({ teams: z.array(TeamOut) }), 'Every team, by key.'),
  },
  put: {
    method: 'put',
    path: '/teams/:key',
    tag: 'tickets',
    summary: 'Create or change a team',
    description:
      "A ticket whose needed skills a team has belongs to it: its members (set with PATCH /agents/:id, `teams`) have the team's skills and are offered its tickets first, and its card goes to the team's Slack channel when it has one. Audited.",
    permission: 'agents.manage',
    params: TeamParams,
    body: TeamSettingsSchema,
    response: json(z.object({ team: TeamOut }), 'The team after the change.'),
  },
  remove: {
    method: 'delete',
    path: '/teams/:key',
    tag: 'tickets',
    summary: 'Remove a team',
    description: 'Its members leave it; their own skills stay. Audited.',
    permission: 'agents.manage',
    params: TeamParams,
    response: json(z.object({ status: z.literal('removed') }), 'Removed.'),
  },
} satisfies Record<string, AdminOperation>;

/** The teams API's operations, in the document's order. */
export const TEAM_OPERATIONS: readonly AdminOperation[] = Object.values(TEAMS);

export function teamsRouter(deps: AdminDeps): Router {
  const router = Router();
  const route = routes(router);

  route(TEAMS.list, async (_req, res) => {
    res.json({ teams: (await listTeams(deps.models)).map(teamOut) });
  });

  route(TEAMS.put, async (req, res) => {
    const { key } = pathParams(TeamParams, req.params, 'team');
    const change = TeamSettingsSchema.parse(req.body);
    const team = await saveTeam(deps.models, key, change, principalOf(res).actor);
    res.json({ team: teamOut(team) });
  });

  route(TEAMS.remove, async (req, res) => {
    const { key } = pathParams(TeamParams, req.params, 'team');
    if (!(await removeTeam(deps.models, key, principalOf(res).actor)))
      throw new SwitchboardError('SB_ERR_NOT_FOUND', 'no such team');
    res.json({ status: 'removed' });
  });
  return router;
}
