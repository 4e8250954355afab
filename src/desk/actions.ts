import { isSwitchboardError } from '../domain/errors.ts';
import type { AgentDoc, TicketDoc } from '../pool/models.ts';
import { claimTicket, holds } from '../pool/claim.ts';
import { updateTicket } from '../pool/tickets.ts';
import type { DeskTools } from './context.ts';
import type { SlackUserRef } from './jobs.ts';
import { supervisorAlert } from './notice-blocks.ts';
import { postOnce } from './notices.ts';
import { askSatisfaction } from './satisfaction.ts';
import { readCardView } from './view.ts';

function isInvalidTransition(error: unknown): boolean {
  return isSwitchboardError(error) && error.code === 'SB_ERR_INVALID_TRANSITION';
}

/** Why a button did nothing, for the clicking agent. */
export async function whyNot(
  tools: DeskTools,
  ticket: TicketDoc | null,
  what: 'take' | 'resolve' | 'release' | 'escalate',
): Promise<string> {
  if (!ticket) return 'This ticket no longer exists.';
  if (ticket.status === 'assigned' && ticket.assigneeId) {
    const holder = (await tools.deps.pool.models.Agent.findById(
      ticket.assigneeId,
    ).lean()) as AgentDoc | null;
    const name = holder?.displayName ?? 'another agent';
    return what === 'release'
      ? `Ticket #${ticket.number} is held by ${name}: only they can release it.`
      : `Ticket #${ticket.number} is already taken by ${name}.`;
  }
  return `Ticket #${ticket.number} is ${ticket.status}: nothing to ${what}.`;
}

/**
 * Take: reserves one of the agent's slots (refused at capacity), then assigns the ticket by a
 * transition conditional on `queued`, so of several agents clicking at once exactly one wins. The
 * losers are told who has it and keep no slot for it. 'already-held' is fine: dispatch reserved the
 * slot when it offered this agent the ticket.
 */
export async function take(
  tools: DeskTools,
  ticketId: string,
  user: SlackUserRef,
  channel: string,
): Promise<string> {
  const agent = await tools.agentFor(user);
  const outcome = await claimTicket(
    tools.deps.pool,
    ticketId,
    agent,
    `slack:${user.id}`,
    'taken in Slack',
  );
  if (outcome.result === 'at-capacity') {
    await tools.tell(
      channel,
      user.id,
      `You are at capacity (${agent.capacity} open tickets): resolve or release one before taking ticket #${outcome.ticket?.number}.`,
    );
    return 'at-capacity';
  }
  if (outcome.result === 'lost') {
    await tools.tell(channel, user.id, await whyNot(tools, outcome.ticket, 'take'));
    return 'lost';
  }
  await tools.syncCard(ticketId);
  return 'taken';
}

/** Resolve: closes the loop, frees the assignee's slot and asks the customer how we did. */
export async function resolve(
  tools: DeskTools,
  ticketId: string,
  user: SlackUserRef,
  channel: string,
): Promise<string> {
  const { pool, outbound, callbacks } = tools.deps;
  let ticket: TicketDoc | null;
  try {
    ticket = await pool.transition(ticketId, 'resolved', {
      by: `slack:${user.id}`,
      reason: 'resolved in Slack',
    });
  } catch (error) {
    if (!isInvalidTransition(error)) throw error;
    ticket = await pool.getTicket(ticketId);
    if (ticket?.status !== 'resolved') {
      await tools.tell(channel, user.id, await whyNot(tools, ticket, 'resolve'));
      return 'refused';
    }
  }
  // Every step below is idempotent, so a retried job (the ticket already resolved) completes it.
  if (ticket.assigneeId) await pool.releaseAgentSlot(ticket.assigneeId, ticketId);
  await askSatisfaction({ pool, outbound }, ticket);
  await tools.syncCard(ticketId);
  await callbacks.onTicketReleased?.(ticketId);
  return 'resolved';
}

/** The last status change was this user's release (so a retried job finishes it). */
function releasedBy(ticket: TicketDoc, by: string): boolean {
  const last = ticket.statusHistory.at(-1);
  return ticket.status === 'queued' && last?.from === 'assigned' && last.by === by;
}

/** Release: the assignee gives the ticket back to the queue; their slot is freed. */
export async function release(
  tools: DeskTools,
  ticketId: string,
  user: SlackUserRef,
  channel: string,
): Promise<string> {
  const { pool, callbacks } = tools.deps;
  const agent = await tools.agentFor(user);
  const by = `slack:${user.id}`;
  const ticket = await pool.getTicket(ticketId);
  if (!ticket || (!holds(ticket, agent) && !releasedBy(ticket, by))) {
    await tools.tell(channel, user.id, await whyNot(tools, ticket, 'release'));
    return 'refused';
  }
  if (ticket.status === 'assigned') {
    try {
      await pool.transition(ticketId, 'queued', {
        by,
        reason: 'released in Slack',
        expectedFrom: 'assigned',
        // Whoever gives a ticket back is not offered it again by dispatch.
        set: {
          assigneeId: null,
          offerDeclinedBy: [...(ticket.offerDeclinedBy ?? []), agent._id],
        },
      });
    } catch (error) {
      if (!isInvalidTransition(error)) throw error;
      await tools.tell(
        channel,
        user.id,
        await whyNot(tools, await pool.getTicket(ticketId), 'release'),
      );
      return 'refused';
    }
  }
  await pool.releaseAgentSlot(agent._id, ticketId);
  await tools.syncCard(ticketId);
  await callbacks.onTicketReleased?.(ticketId);
  return 'released';
}

/**
 * Escalate to supervisor: stamps supervisorEscalatedAt (once), posts the ticket's summary to the
 * supervisors channel (once per ticket, whoever clicks and however often) and updates the card.
 */
export async function escalate(
  tools: DeskTools,
  ticketId: string,
  user: SlackUserRef,
  channel: string,
): Promise<string> {
  const { pool, locks, config } = tools.deps;
  const agent = await tools.agentFor(user);
  const ticket = await pool.getTicket(ticketId);
  if (!ticket || (ticket.status !== 'queued' && ticket.status !== 'assigned')) {
    await tools.tell(channel, user.id, await whyNot(tools, ticket, 'escalate'));
    return 'refused';
  }
  const now = tools.now();
  await updateTicket(
    pool.models,
    locks,
    ticket._id,
    { $set: { supervisorEscalatedAt: now } },
    (current) => !current.supervisorEscalatedAt,
  );
  const supervisors = config.SLACK_SUPERVISORS_CHANNEL;
  if (supervisors) {
    const view = await readCardView(pool, ticketId, now);
    if (view) {
      const alert = supervisorAlert(view, `Escalated to supervisors by ${agent.displayName}`);
      await postOnce(tools, `escalate.${ticketId}`, supervisors, alert);
    }
  } else {
    await tools.tell(
      channel,
      user.id,
      `Ticket #${ticket.number} is marked as escalated, but no supervisors channel is configured (SLACK_SUPERVISORS_CHANNEL).`,
    );
  }
  await tools.syncCard(ticketId);
  return 'escalated';
}
