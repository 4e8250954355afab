/**
 * The agents of the console: list them (to assign tickets to), set one's languages, skills, teams,
 * capacity, role or status, and an agent's own status from the console.
 */
import { Router } from 'express';
import { z } from 'zod';
import { AgentSettingsSchema, updateAgentSettings } from '../../pool/agent-settings.ts';
import { listAgents } from '../../pool/admin-tickets.ts';
import type { AgentDoc } from '../../pool/models.ts';
import { principalOf, requirePermission } from '../auth.ts';
import type { AdminDeps } from '../deps.ts';
import { agentOfPrincipal } from '../ticket-work.ts';
import { ObjectIdParams, pathParams } from './params.ts';

/** `POST /agents/me/status`: the signed-in agent's own status (offers only while `available`). */
export const MyStatusSchema = z
  .object({ status: z.enum(['available', 'away', 'offline']) })
  .strict();

/** An agent as the console shows it (no slot list). */
function agentView(a: AgentDoc) {
  return {
    id: String(a._id),
    identity: a.identity,
    displayName: a.displayName,
    role: a.role,
    status: a.status,
    capacity: a.capacity,
    activeTickets: a.activeTickets,
    languages: a.languages ?? [],
    skills: a.skills ?? [],
    teams: a.teams ?? [],
    enrolled: a.enrolledVia ?? null,
  };
}

export function agentsRouter(deps: AdminDeps): Router {
  const router = Router();
  const read = requirePermission('tickets.read');
  const write = requirePermission('tickets.write');

  router.get('/agents', read, async (_req, res) => {
    const agents = await listAgents(deps.models);
    res.json({ agents: agents.map(agentView) });
  });

  // An agent working from the console says whether dispatch may offer them tickets (Slack agents
  // say it with /switchboard available|away). Registered before /agents/:id.
  router.post('/agents/me/status', write, async (req, res) => {
    const { status } = MyStatusSchema.parse(req.body);
    const principal = principalOf(res);
    const me = await agentOfPrincipal(deps, principal);
    const agent = await updateAgentSettings(
      deps.models,
      { id: String(me._id) },
      { status },
      principal.actor,
    );
    if (me.status !== status) await deps.onAgentStatus?.(String(agent._id), status);
    res.json({ agent: agentView(agent) });
  });

  router.patch('/agents/:id', requirePermission('agents.manage'), async (req, res) => {
    const { id } = pathParams(ObjectIdParams, req.params, 'agent');
    const change = AgentSettingsSchema.parse(req.body);
    const before = (await deps.models.Agent.findById(id, { status: 1 }).lean()) as {
      status?: string;
    } | null;
    const agent = await updateAgentSettings(
      deps.models,
      { id: String(id) },
      change,
      principalOf(res).actor,
    );
    // Away: its offers go to others now; back, or with more room: a pass offers it tickets.
    if (change.status !== undefined && before?.status !== change.status)
      await deps.onAgentStatus?.(String(agent._id), change.status);
    else if (change.capacity !== undefined || change.languages || change.skills || change.teams)
      await deps.onAgentStatus?.(String(agent._id), agent.status);
    res.json({ agent: agentView(agent) });
  });
  return router;
}
