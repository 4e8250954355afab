import type { RoutingSettings } from './config.ts';
import type { Tier } from './tiers.ts';

/**
 * Who should be offered which waiting ticket: a pure planner over a snapshot of tickets and
 * agents, shared by the dispatcher (which then reserves and offers under locks, dispatcher.ts) and
 * by the routing benchmark (which replays a week on a simulated clock). The plan is only a wish:
 * the locks decide, so two dispatchers planning the same ticket cannot both get it.
 */
export type RoutingPolicy = 'best-fit' | 'round-robin' | 'least-busy';

export interface AgentView {
  id: string;
  /** The agent's own skills and their teams' (teams.ts). */
  skills: readonly string[];
  /** Keys of the agent's teams. */
  teams?: readonly string[];
  languages: readonly string[];
  capacity: number;
  /** Tickets held or offered (the reserved slots). */
  active: number;
  status: 'available' | 'away' | 'offline';
  role: 'agent' | 'supervisor';
}

export interface WaitingView {
  id: string;
  requiredSkills: readonly string[];
  /** The team whose skills cover the ticket (teams.ts), if any: its members come first. */
  team?: string | undefined;
  language: string | undefined;
  urgency: number;
  tier: Tier;
  queuedAt: Date;
  /** Agents whose offer of this ticket lapsed. */
  declinedBy: readonly string[];
}

export interface PlannedOffer {
  ticketId: string;
  agentId: string;
  /** The agent has every required skill and speaks the ticket's language. */
  skillMatch: boolean;
}

/** Round-robin's position, kept by whoever plans (one per dispatcher process or bench run). */
export interface RoutingState {
  cursor: number;
}

export function skillsMatch(ticket: WaitingView, agent: AgentView): boolean {
  return ticket.requiredSkills.every((skill) => agent.skills.includes(skill));
}

export function languageMatches(ticket: WaitingView, agent: AgentView): boolean {
  return ticket.language === undefined || agent.languages.includes(ticket.language);
}

/** 1 for a member of the ticket's team, else 0. */
const inTeam = (ticket: WaitingView, agent: AgentView) =>
  ticket.team !== undefined && (agent.teams ?? []).includes(ticket.team) ? 1 : 0;

const saturation = (agent: AgentView) => agent.active / Math.max(1, agent.capacity);

/** Least saturated first, then fewest tickets, then a stable order. */
function byLoad(a: AgentView, b: AgentView): number {
  return saturation(a) - saturation(b) || a.active - b.active || (a.id < b.id ? -1 : 1);
}

function hasRoom(agent: AgentView): boolean {
  return agent.status === 'available' && agent.active < agent.capacity;
}

/**
 * Best fit for one ticket: critical tickets go to a supervisor who reads the customer's language;
 * otherwise an agent with the skills and the language, the ticket's team first, then least
 * saturated. Preferences order
 * the candidates, they do not block the queue: the ticket waits for a better fit only while an
 * agent with the skills and the language is on duty but full (`available` at capacity), and then
 * only until `unskilledAfterMinutes` have passed (`urgentUnskilledAfterMinutes` for urgent and
 * critical ones); with no such agent it goes at once to the best partial match (language first).
 */
function bestFit(
  ticket: WaitingView,
  agents: AgentView[],
  now: Date,
  settings: RoutingSettings,
): AgentView | undefined {
  const open = agents.filter((a) => hasRoom(a) && !ticket.declinedBy.includes(a.id));
  if (ticket.tier === 'critical') {
    // A supervisor who reads the customer's language; else the best-fitting agent below.
    const supervisor = open
      .filter((a) => a.role === 'supervisor' && languageMatches(ticket, a))
      .sort(byLoad)[0];
    if (supervisor) return supervisor;
  }
  const staff = open.filter((a) => a.role === 'agent');
  const fits = (a: AgentView) => skillsMatch(ticket, a) && languageMatches(ticket, a);
  const full = staff.filter(fits);
  // The ticket's team first, then the least loaded.
  if (full.length > 0)
    return full.sort((a, b) => inTeam(ticket, b) - inTeam(ticket, a) || byLoad(a, b))[0];
  const betterIsBusy = agents.some(
    (a) =>
      a.role === 'agent' &&
      a.status === 'available' &&
      a.active >= a.capacity &&
      !ticket.declinedBy.includes(a.id) &&
      fits(a),
  );
  if (betterIsBusy) {
    const waitedMinutes = (now.getTime() - ticket.queuedAt.getTime()) / 60_000;
    const patience =
      ticket.tier === 'standard'
        ? settings.unskilledAfterMinutes
        : settings.urgentUnskilledAfterMinutes;
    if (waitedMinutes < patience) return undefined;
  }
  const fit = (a: AgentView) =>
    (languageMatches(ticket, a) ? 4 : 0) + (skillsMatch(ticket, a) ? 2 : 0) + inTeam(ticket, a);
  return staff.sort((a, b) => fit(b) - fit(a) || byLoad(a, b))[0];
}

/**
 * Plans offers for the waiting tickets (those without a live offer) over the agents' current
 * load. Best fit takes tickets by urgency then time waited; the baselines take them in arrival
 * order and ignore skills, as a queue without a router would.
 */
export function planOffers(
  tickets: readonly WaitingView[],
  agents: readonly AgentView[],
  policy: RoutingPolicy,
  now: Date,
  settings: RoutingSettings,
  state: RoutingState = { cursor: 0 },
): PlannedOffer[] {
  // Copies: the plan counts its own offers against capacity as it goes.
  const pool = agents.map((a) => ({ ...a })).sort((a, b) => (a.id < b.id ? -1 : 1));
  const order = [...tickets].sort(
    policy === 'best-fit'
      ? (a, b) => b.urgency - a.urgency || a.queuedAt.getTime() - b.queuedAt.getTime()
      : (a, b) => a.queuedAt.getTime() - b.queuedAt.getTime(),
  );
  const plan: PlannedOffer[] = [];
  const choose = (ticket: WaitingView): AgentView | undefined => {
    let chosen: AgentView | undefined;
    if (policy === 'best-fit') {
      chosen = bestFit(ticket, pool, now, settings);
    } else if (policy === 'least-busy') {
      chosen = pool
        .filter((a) => hasRoom(a) && a.role === 'agent' && !ticket.declinedBy.includes(a.id))
        .sort((a, b) => a.active - b.active || (a.id < b.id ? -1 : 1))[0];
    } else {
      for (let step = 0; step < pool.length; step += 1) {
        const candidate = pool[(state.cursor + step) % pool.length];
        if (
          candidate &&
          hasRoom(candidate) &&
          candidate.role === 'agent' &&
          !ticket.declinedBy.includes(candidate.id)
        ) {
          chosen = candidate;
          state.cursor = (state.cursor + step + 1) % pool.length;
          break;
        }
      }
    }
    return chosen;
  };
  for (const ticket of order) {
    if (!pool.some(hasRoom)) break;
    // An agent who let the offer lapse is asked again only when nobody else can take it, so a
    // small team never leaves a ticket stranded.
    const chosen =
      choose(ticket) ??
      (ticket.declinedBy.length > 0 ? choose({ ...ticket, declinedBy: [] }) : undefined);
    if (!chosen) continue;
    chosen.active += 1;
    plan.push({
      ticketId: ticket.id,
      agentId: chosen.id,
      skillMatch: skillsMatch(ticket, chosen) && languageMatches(ticket, chosen),
    });
  }
  return plan;
}
