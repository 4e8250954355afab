/**
 * Messages agents write in a card's thread. A reply reaches the customer only when it is meant to:
 * from the ticket's assignee, or (DESK_THREAD_REPLY=take-if-free) from an agent whose reply takes
 * the waiting ticket. A `//` note, and every reply that may not be sent, is stored on the ticket as
 * an internal note (shown in the console too); the author of a reply that was not sent is told why.
 */
import { mrkdwnToPlain } from '../../channels/slack/mrkdwn.ts';
import { sendAgentReply } from '../pipeline/replies.ts';
import { Types } from 'mongoose';
import { claimTicket } from '../pool/claim.ts';
import type { AgentDoc, TicketDoc } from '../pool/models.ts';
import { addNote } from '../pool/notes.ts';
import { whyNot } from './actions.ts';
import type { DeskTools } from './context.ts';
import type { DeskJobData } from './jobs.ts';

type ReplyJob = Extract<DeskJobData, { kind: 'reply' }>;

/** What an agent's thread message did: sent to the customer, or kept as a note (and why). */
export type ReplyOutcome = 'sent' | 'note' | 'noted' | 'empty' | 'not-a-card-thread';

export async function replyInThread(tools: DeskTools, job: ReplyJob): Promise<ReplyOutcome> {
  const { models, pool, config } = tools.deps;
  const thread = await models.DeskThread.findById(`${job.channel}.${job.threadTs}`).lean();
  if (!thread) return 'not-a-card-thread';
  // Only agents answer or note; anyone else in the channel is refused (NotEnrolledError).
  const agent = await tools.agentFor({ id: job.user });
  const ticketId = String(thread.ticketId);
  // The Slack message ts (unique per channel): a retried event or job acts once.
  const key = `slack.${job.channel}.${job.ts}`;
  const trimmed = job.text.trim();
  if (trimmed.startsWith(config.DESK_NOTE_PREFIX)) {
    const text = mrkdwnToPlain(trimmed.slice(config.DESK_NOTE_PREFIX.length).trim());
    if (!text) return 'empty';
    await note(tools, { key, ticketId: new Types.ObjectId(ticketId), agent, text });
    return 'note';
  }
  if (!trimmed && !job.files) return 'empty';
  // Slack sends mrkdwn (&amp; entities, <url|label> links): the customer gets plain text.
  const text = mrkdwnToPlain(job.text);
  // A retried job whose first run kept this reply as a note: it stays one.
  if (await pool.models.TicketNote.exists({ _id: key })) return 'noted';
  // One read of the ticket serves both checks.
  const ticket = await pool.getTicket(ticketId);
  const refusal =
    filesRefused(tools, ticket, job.files ?? 0) ??
    (await whyNotSent(tools, ticket, agent, `slack:${job.user}`));
  if (refusal === undefined) {
    await sendAgentReply(
      { pool, outbound: tools.deps.outbound },
      { ticketId, key, agentId: String(agent._id), agentName: agent.displayName, text },
    );
    return 'sent';
  }
  await note(tools, {
    key,
    ticketId: new Types.ObjectId(ticketId),
    agent,
    text,
    notSentBecause: refusal,
  });
  await tools.tell(
    job.channel,
    job.user,
    `${refusal} Your message was kept as an internal note: the customer did not get it.`,
  );
  return 'noted';
}

/**
 * Files shared in Slack reach no customer yet (only the console's uploads are carried, by
 * sendAgentReply's `files`), and a message that says "here is your invoice" without the invoice
 * must not go either.
 */
function filesRefused(
  tools: DeskTools,
  ticket: TicketDoc | null,
  files: number,
): string | undefined {
  if (files === 0) return undefined;
  if (!ticket) return 'This ticket no longer exists.';
  if (tools.deps.capabilitiesOf?.(ticket.channel)?.attachments.outbound)
    return `Files shared in Slack are not sent to customers yet, so nothing was sent: attach the file to an answer in the console instead.`;
  return `Files cannot be sent to ${ticket.channel} customers yet, so nothing was sent: share a link to the file instead.`;
}

/**
 * Undefined when the agent's reply may go to the customer (taking the waiting ticket first when
 * the setting allows); otherwise why not, in words for the agent.
 */
async function whyNotSent(
  tools: DeskTools,
  ticket: TicketDoc | null,
  agent: AgentDoc,
  by: string,
): Promise<string | undefined> {
  const { pool, config } = tools.deps;
  if (!ticket) return 'This ticket no longer exists.';
  const ticketId = String(ticket._id);
  const assignee = ticket.assigneeId ? String(ticket.assigneeId) : undefined;
  // The assignee answers an open ticket, and may follow up on one they resolved.
  if (
    assignee === String(agent._id) &&
    (ticket.status === 'assigned' || ticket.status === 'resolved')
  ) {
    return undefined;
  }
  if (ticket.status === 'queued') {
    if (config.DESK_THREAD_REPLY === 'assignee-only') {
      return `Ticket #${ticket.number} is waiting for an agent: take it before answering the customer.`;
    }
    const outcome = await claimTicket(pool, ticketId, agent, by, 'taken by replying in Slack');
    if (outcome.result === 'taken') {
      await tools.syncCard(ticketId);
      return undefined;
    }
    if (outcome.result === 'at-capacity') {
      return `You are at capacity (${agent.capacity} open tickets), so your reply did not take ticket #${ticket.number}.`;
    }
    return whyNot(tools, outcome.ticket, 'take');
  }
  // "Ticket #n is already taken by X."
  if (ticket.status === 'assigned') return whyNot(tools, ticket, 'take');
  return `Ticket #${ticket.number} is ${ticket.status}: only its assignee answers the customer.`;
}

async function note(
  tools: DeskTools,
  input: {
    key: string;
    ticketId: Types.ObjectId;
    agent: AgentDoc;
    text: string;
    notSentBecause?: string;
  },
): Promise<void> {
  await addNote(tools.deps.pool.models.TicketNote, {
    _id: input.key,
    ticketId: input.ticketId,
    authorId: String(input.agent._id),
    authorName: input.agent.displayName,
    source: 'slack',
    text: input.text,
    ...(input.notSentBecause ? { notSentBecause: input.notSentBecause } : {}),
  });
}
