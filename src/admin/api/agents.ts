/**
 * The agents of the console: list them (to assign tickets to), set one's languages, skills, teams,
 * capacity, role or status, and an agent's own status from the console.
 */
import { Router } from 'express';
import { z } from 'zod';
import { AgentSettingsSchema, updateAgentSettings } from '../../accounts/agent-settings.ts';
import { listAgents } from '../ticket-store.ts';
import type { AgentDoc } from '../../pool/models.ts';
import { principalOf } from '../auth.ts';
import type { AdminDeps } from '../deps.ts';
import { agentOfPrincipal } from '../ticket-work.ts';
import { ObjectIdParams, pathParams } from './params.ts';
import { AgentOut } from '../openapi/schemas.ts';
import { json, routes, type AdminOperation } from '../routes.ts';

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

/** The agents API: what agentsRouter mounts and the OpenAPI document describes. */
const AGENTS = {
  list: {
    method: 'get',
    path: '/agents',
    tag: 'tickets',
    summary: 'List agents',
    permission: 'tickets.read',
    response: json(z.object({ agents: z.array(AgentOut) }), 'Every agent.'),
  },
  update: {
    method: 'patch',
    path: '/agents/:id',
    tag: 'tickets',
    summary: "Set an agent's languages, skills, teams, capacity, role or status",
    description:
      "Routing prefers agents with the ticket's language and skills (an agent with no languages speaks AGENT_DEFAULT_LANGUAGES). Audited.",
    permission: 'agents.manage',
    params: ObjectIdParams,
    body: AgentSettingsSchema,
    response: json(z.object({ agent: AgentOut }), 'The agent after the change.'),
  },
  myStatus: {
    method: 'post',
    path: '/agents/me/status',
    tag: 'tickets',
    summary: 'Set your own status as an agent',
    description:
      'A signed-in account working from the console: `available` gets offers (listed with GET /tickets?offeredTo=me), `away` and `offline` none. Audited.',
    permission: 'tickets.write',
    body: MyStatusSchema,
    response: json(z.object({ agent: AgentOut }), 'Your agent record.'),
    also: [409],
  },
} satisfies Record<string, AdminOperation>;

/** The agents API's operations, in the document's order. */
export const AGENT_OPERATIONS: readonly AdminOperation[] = Object.values(AGENTS);

export function agentsRouter(deps: AdminDeps): Router {
  const router = Router();
  const route = routes(router);

  route(AGENTS.list, async (_req, res) => {
    const agents = await listAgents(deps.models);
    res.json({ agents: agents.map(agentView) });
  });

  // An agent working from the console says whether dispatch may offer them tickets (Slack agents
  // say it with /switchboard available|away). Registered before /agents/:id.
  route(AGENTS.myStatus, async (req, res) => {
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

  route(AGENTS.update, async (req, res) => {
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
