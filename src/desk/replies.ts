/**
 * Messages agents write in a card's thread. A reply reaches the customer only when it is meant to:
 * from the ticket's assignee, or (DESK_THREAD_REPLY=take-if-free) from an agent whose reply takes
 * the waiting ticket. A `//` note, and every reply that may not be sent, is stored on the ticket as
 * an internal note (shown in the console too); the author of a reply that was not sent is told why.
 * Files shared with a reply go with it (reply-files.ts), or the reply does not go at all.
 */
import { mrkdwnToPlain } from '../../channels/slack/mrkdwn.ts';
import { sendAgentReply } from '../pipeline/replies.ts';
import { Types } from 'mongoose';
import { claimTicket } from '../pool/claim.ts';
import type { OutboundFile } from '../pool/messages.ts';
import type { AgentDoc, TicketDoc } from '../pool/models.ts';
import { addNote } from '../pool/notes.ts';
import { whyNot } from './actions.ts';
import { postReply } from './changes.ts';
import type { DeskTools } from './context.ts';
import type { DeskJobData } from './jobs.ts';
import { keepSharedFiles, MAX_SHARED_FILES, type SharedFile } from './reply-files.ts';

type ReplyJob = Extract<DeskJobData, { kind: 'reply' }>;

/** What an agent's thread message did: sent to the customer, or kept as a note (and why). */
export type ReplyOutcome = 'sent' | 'note' | 'noted' | 'empty' | 'not-a-card-thread';

export async function replyInThread(
  tools: DeskTools,
  job: ReplyJob,
  lastTry = true,
): Promise<ReplyOutcome> {
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
  const shared = job.files ?? [];
  const fileCount = typeof shared === 'number' ? shared : shared.length;
  if (!trimmed && fileCount === 0) return 'empty';
  // Slack sends mrkdwn (&amp; entities, <url|label> links): the customer gets plain text.
  const text = mrkdwnToPlain(job.text);
  // A retried job whose first run kept this reply as a note: it stays one.
  if (await pool.models.TicketNote.exists({ _id: key })) return 'noted';
  // One read of the ticket serves the checks.
  const ticket = await pool.getTicket(ticketId);
  // Whether the files may be read at all, then who may answer: files are downloaded only for a
  // reply that may go, and a refused one leaves the reply unsent (not sent without its file).
  let refusal =
    filesRefused(shared) ?? (await whyNotSent(tools, ticket, agent, `slack:${job.user}`));
  let files: OutboundFile[] = [];
  if (refusal === undefined && typeof shared !== 'number' && shared.length > 0) {
    const kept = await keepSharedFiles(
      { db: pool.models.Ticket.db, download: tools.deps.download },
      { ticketId, key, files: shared, lastTry },
    );
    if ('refused' in kept) refusal = `${kept.refused}, so nothing was sent.`;
    else files = kept.files;
  }
  if (refusal === undefined) {
    const message = await sendAgentReply(
      { pool, outbound: tools.deps.outbound },
      {
        ticketId,
        key,
        agentId: String(agent._id),
        agentName: agent.displayName,
        text,
        ...(files.length === 0 ? {} : { files }),
      },
    );
    // The thread shows what the customer got: each file behind a signed link.
    if (files.length > 0) await postReply(tools, ticketId, String(message._id), 'slack');
    return 'sent';
  }
  await note(tools, {
    key,
    ticketId: new Types.ObjectId(ticketId),
    agent,
    // Files shared without words: the note still says what the agent tried to send.
    text: text || filesNamed(shared),
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
 * Files that cannot be fetched at all (before anything is downloaded): too many for one answer, or
 * a job from before their details were carried. A message that says "here is your invoice"
 * without the invoice must not go.
 */
function filesRefused(shared: readonly SharedFile[] | number): string | undefined {
  if (typeof shared === 'number')
    return shared === 0
      ? undefined
      : 'Your files could not be read, so nothing was sent: share them again.';
  if (shared.length > MAX_SHARED_FILES)
    return `An answer carries at most ${MAX_SHARED_FILES} files, so nothing was sent.`;
  return undefined;
}

function filesNamed(shared: readonly SharedFile[] | number): string {
  if (typeof shared === 'number') return `Files: ${shared}`;
  return `Files: ${shared.map((f) => f.name).join(', ')}`;
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
