/**
 * Changes made to a ticket in the console, brought to Slack: the card shows the new state, a new
 * assignee is told by DM, a console note appears in the card's thread, and a freed slot lets
 * dispatch route the next ticket. Each post has its own key (desk_posts), so a retried job posts
 * nothing twice.
 */
import { sentFilesOf } from '../pool/messages.ts';
import type { TicketDoc } from '../pool/models.ts';
import type { TicketNoteDoc } from '../pool/notes.ts';
import { escapeMrkdwn } from './blocks.ts';
import type { DeskTools } from './context.ts';
import { fileLines } from './files.ts';
import type { ChangeJobData } from './jobs.ts';
import { notifyAgent } from './notices.ts';

export async function applyChange(tools: DeskTools, change: ChangeJobData): Promise<string> {
  const { pool, callbacks } = tools.deps;
  const ticket = await pool.getTicket(change.ticketId);
  if (!ticket) return 'no-ticket';
  await tools.syncCard(change.ticketId);
  const by = escapeMrkdwn(change.by);
  switch (change.kind) {
    case 'assigned': {
      await notifyAgent(
        tools,
        change.agentId,
        `Ticket #${ticket.number} was assigned to you by ${by}.`,
        `assigned.${change.ticketId}.${change.agentId}.${change.at}`,
      );
      if (change.previousAgentId && change.previousAgentId !== change.agentId) {
        await notifyAgent(
          tools,
          change.previousAgentId,
          `Ticket #${ticket.number} was reassigned to someone else by ${by}.`,
          `unassigned.${change.ticketId}.${change.previousAgentId}.${change.at}`,
        );
        // The previous holder's slot is free: dispatch may route them the next ticket.
        await callbacks.onTicketReleased?.(change.ticketId);
      }
      break;
    }
    case 'note':
      await postNote(tools, change.ticketId, change.noteId);
      break;
    case 'replied':
      await postReply(tools, change.ticketId, change.messageId);
      break;
    case 'resolved':
    case 'released':
      await tellAssignee(tools, ticket, change, change.kind);
      await callbacks.onTicketReleased?.(change.ticketId);
      break;
    case 'reopened':
    case 'priority':
      await tellAssignee(
        tools,
        ticket,
        change,
        change.kind === 'reopened' ? 'reopened' : `set to priority ${ticket.priority}`,
      );
      break;
    default:
      break;
  }
  return change.kind;
}

/** The note in the card's thread, once (keyed by the note). No card: nothing to post into. */
async function postNote(tools: DeskTools, ticketId: string, noteId: string): Promise<void> {
  const note = await tools.deps.pool.models.TicketNote.findById(noteId).lean<TicketNoteDoc>();
  if (!note) return;
  await postInThread(
    tools,
    ticketId,
    `note.${noteId}`,
    `:memo: *Note by ${escapeMrkdwn(note.authorName)}* (console): ${escapeMrkdwn(note.text)}`,
  );
}

/**
 * An agent's answer, shown in the card's thread as sent with each of its files behind a signed
 * link (files.ts). From the console: the answer itself, which Slack has not seen. From Slack: the
 * agent's message is already there, so only the files the customer got, once they had files.
 */
export async function postReply(
  tools: DeskTools,
  ticketId: string,
  messageId: string,
  from: 'console' | 'slack' = 'console',
): Promise<void> {
  const message = await tools.deps.pool.getMessage(messageId);
  if (!message) return;
  const files = (await tools.deps.files?.sentFiles(sentFilesOf(message.attachments))) ?? [];
  const name = escapeMrkdwn(message.authorName ?? 'Agent');
  const head =
    from === 'console'
      ? `*${name}* (console, sent to the customer): ${escapeMrkdwn(message.text)}`
      : `*${name}*'s answer went to the customer with these files:`;
  await postInThread(tools, ticketId, `reply.${messageId}`, [head, ...fileLines(files)].join('\n'));
}

async function postInThread(
  tools: DeskTools,
  ticketId: string,
  key: string,
  text: string,
): Promise<void> {
  const { models, posts, client, locks } = tools.deps;
  const card = await models.DeskCard.findById(ticketId).lean();
  if (!card) return;
  await locks.withLock(`desk.post.${key}`, async () => {
    if (await posts.exists({ _id: key })) return;
    const posted = await client.chat.postMessage({
      channel: card.channel,
      thread_ts: card.ts,
      unfurl_links: false,
      text,
    });
    if (!posted.ts) throw new Error('chat.postMessage answered without a ts');
    await posts.updateOne(
      { _id: key },
      { $set: { channel: card.channel, ts: posted.ts, state: 'open' } },
      { upsert: true },
    );
  });
}

/** The ticket's assignee (if any) is told what someone else did to it, once per change. */
async function tellAssignee(
  tools: DeskTools,
  ticket: TicketDoc,
  change: ChangeJobData,
  what: string,
): Promise<void> {
  if (!ticket.assigneeId) return;
  const agentId = String(ticket.assigneeId);
  await notifyAgent(
    tools,
    agentId,
    `Ticket #${ticket.number} was ${what} by ${escapeMrkdwn(change.by)}.`,
    `${change.kind}.${change.ticketId}.${agentId}.${change.at}`,
  );
}
