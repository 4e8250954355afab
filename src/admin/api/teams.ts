/**
 * Teams (issue 16 item 1): list, create or change (`PUT /teams/:key`), remove. Members are set on
 * the agent (`PATCH /agents/:id` with `teams`). Every change is audited (src/pool/teams.ts).
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
} from '../../pool/teams.ts';
import { principalOf, requirePermission } from '../auth.ts';
import type { AdminDeps } from '../deps.ts';
import { pathParams } from './params.ts';

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

export function teamsRouter(deps: AdminDeps): Router {
  const router = Router();
  const manage = requirePermission('agents.manage');

  router.get('/teams', requirePermission('tickets.read'), async (_req, res) => {
    res.json({ teams: (await listTeams(deps.models)).map(teamOut) });
  });

  router.put('/teams/:key', manage, async (req, res) => {
    const { key } = pathParams(TeamParams, req.params, 'team');
    const change = TeamSettingsSchema.parse(req.body);
    const team = await saveTeam(deps.models, key, change, principalOf(res).actor);
    res.json({ team: teamOut(team) });
  });

  router.delete('/teams/:key', manage, async (req, res) => {
    const { key } = pathParams(TeamParams, req.params, 'team');
    if (!(await removeTeam(deps.models, key, principalOf(res).actor)))
      throw new SwitchboardError('SB_ERR_NOT_FOUND', 'no such team');
    res.json({ status: 'removed' });
  });
  return router;
}
