/**
 * Ticket operations of the admin console: search, the full view, reassign, tag, resolve. Writes
 * go under the ticket's (and agents') locks like every other ticket write (locks.ts) and leave an
 * audit event with the state before and after.
 */
import { Types } from 'mongoose';
import type { ChannelId } from '../domain/message.ts';
import { SwitchboardError } from '../domain/errors.ts';
import { escapeRegex } from '../domain/regex.ts';
import type { Priority, TicketStatus } from '../domain/ticket.ts';
import { releaseAgentSlot, reserveAgentSlot } from '../pool/agent-load.ts';
import { recordAudit } from '../pool/audit.ts';
import type { DocumentLocks } from '../pool/locks.ts';
import type { AgentDoc, ContactDoc, MessageDoc, PoolModels, TicketDoc } from '../pool/models.ts';
import { transitionTicket } from '../pool/tickets.ts';

export interface TicketSearch {
  status?: TicketStatus | undefined;
  channel?: ChannelId | undefined;
  /** Tickets whose urgency score is at least this. */
  urgencyMin?: number | undefined;
  priority?: string | undefined;
  /** An agent id, or `none` for unassigned tickets. */
  assignee?: string | undefined;
  /** Waiting tickets offered to this agent now (an agent id). */
  offeredTo?: string | undefined;
  slaState?: string | undefined;
  tag?: string | undefined;
  /** Matches the ticket number, its subject, or the text of one of its messages. */
  text?: string | undefined;
  limit: number;
  offset: number;
}

/** Tickets matching every given filter, newest first, with the total count. */
export async function searchTickets(
  models: PoolModels,
  search: TicketSearch,
): Promise<{ tickets: TicketDoc[]; total: number }> {
  const filter: Record<string, unknown> = {};
  if (search.status) filter['status'] = search.status;
  if (search.channel) filter['channel'] = search.channel;
  if (search.urgencyMin !== undefined) filter['urgency'] = { $gte: search.urgencyMin };
  if (search.priority) filter['priority'] = search.priority;
  if (search.slaState) filter['slaState'] = search.slaState;
  if (search.tag) filter['tags'] = search.tag;
  if (search.assignee === 'none') filter['assigneeId'] = { $exists: false };
  else if (search.assignee) filter['assigneeId'] = new Types.ObjectId(search.assignee);
  if (search.offeredTo) filter['offer.agentId'] = new Types.ObjectId(search.offeredTo);
  const text = search.text?.trim();
  if (text) {
    const pattern = { $regex: escapeRegex(text), $options: 'i' };
    // Bounded: the text of at most 500 matching messages narrows the tickets.
    const messages = (await models.Message.find({ text: pattern }, { ticketId: 1 })
      .limit(500)
      .lean()) as Array<{ ticketId: Types.ObjectId }>;
    const or: Record<string, unknown>[] = [
      { subject: pattern },
      { preview: pattern },
      {
        _id: {
          $in: [...new Set(messages.map((m) => String(m.ticketId)))].map(
            (id) => new Types.ObjectId(id),
          ),
        },
      },
    ];
    if (/^#?\d+$/.test(text)) or.push({ number: Number(text.replace('#', '')) });
    filter['$or'] = or;
  }
  const [tickets, total] = await Promise.all([
    models.Ticket.find(filter, { statusHistory: 0, channelData: 0 })
      .sort({ createdAt: -1 })
      .skip(search.offset)
      .limit(search.limit)
      .lean()
      .then((docs) => docs as unknown as TicketDoc[]),
    models.Ticket.countDocuments(filter),
  ]);
  return { tickets, total };
}

/** A ticket with its transcript, contact and assignee. */
export async function ticketView(
  models: PoolModels,
  id: Types.ObjectId,
): Promise<{
  ticket: TicketDoc;
  messages: MessageDoc[];
  contact: ContactDoc | null;
  assignee: AgentDoc | null;
} | null> {
  const ticket = (await models.Ticket.findById(id).lean()) as TicketDoc | null;
  if (!ticket) return null;
  const [messages, contact, assignee] = await Promise.all([
    models.Message.find({ ticketId: id }).sort({ createdAt: 1 }).lean() as Promise<MessageDoc[]>,
    models.Contact.findById(ticket.contactId).lean() as Promise<ContactDoc | null>,
    ticket.assigneeId
      ? (models.Agent.findById(ticket.assigneeId).lean() as Promise<AgentDoc | null>)
      : Promise.resolve(null),
  ]);
  return { ticket, messages, contact, assignee };
}

export async function listAgents(models: PoolModels): Promise<AgentDoc[]> {
  return (await models.Agent.find({}, { activeTicketIds: 0 })
    .sort({ displayName: 1 })
    .lean()) as unknown as AgentDoc[];
}

async function mustTicket(models: PoolModels, id: Types.ObjectId): Promise<TicketDoc> {
  const ticket = (await models.Ticket.findById(id).lean()) as TicketDoc | null;
  if (!ticket) throw new SwitchboardError('SB_ERR_NOT_FOUND', 'no such ticket');
  return ticket;
}

/**
 * Gives the ticket to another agent: a queued (or resolved) ticket becomes assigned; an assigned
 * one changes hands, the old agent's slot freed. The new agent's slot is taken even over capacity
 * (a supervisor's decision).
 */
export async function reassignTicket(
  models: PoolModels,
  locks: DocumentLocks,
  id: Types.ObjectId,
  agentId: Types.ObjectId,
  by: string,
): Promise<TicketDoc> {
  const agent = (await models.Agent.findById(agentId).lean()) as AgentDoc | null;
  if (!agent) {
    throw new SwitchboardError('SB_ERR_VALIDATION', 'agentId: no such agent', { field: 'agentId' });
  }
  const before = await mustTicket(models, id);
  if (before.status === 'closed' || before.status === 'bot') {
    throw new SwitchboardError(
      'SB_ERR_INVALID_TRANSITION',
      `ticket #${before.number} is ${before.status}: only queued, assigned or resolved tickets can be assigned`,
    );
  }
  if (before.assigneeId && String(before.assigneeId) === String(agentId)) return before;
  await reserveAgentSlot(models, locks, agentId, id, { overCapacity: true });
  let after: TicketDoc;
  if (before.status === 'assigned') {
    after = await locks.withLock(`ticket.${String(id)}`, async () => {
      await models.Ticket.updateOne(
        { _id: id },
        {
          $set: { assigneeId: agentId, assignedAt: new Date() },
          $push: {
            statusHistory: {
              from: 'assigned',
              to: 'assigned',
              at: new Date(),
              by,
              reason: `reassigned to ${agent.displayName}`,
            },
          },
        },
      );
      return mustTicket(models, id);
    });
  } else {
    after = await transitionTicket(models, locks, id, 'assigned', {
      by,
      reason: `assigned to ${agent.displayName}`,
      set: { assigneeId: agentId, assignedAt: new Date() },
    });
  }
  if (before.assigneeId) await releaseAgentSlot(models, locks, before.assigneeId, id);
  await recordAudit(models, {
    actor: by,
    action: 'ticket.reassigned',
    subject: `ticket:${String(id)}`,
    before: {
      status: before.status,
      assigneeId: before.assigneeId ? String(before.assigneeId) : null,
    },
    after: { status: after.status, assigneeId: String(agentId) },
  });
  return after;
}

/** Adds and removes tags (read-modify-write under the ticket's lock). */
export async function tagTicket(
  models: PoolModels,
  locks: DocumentLocks,
  id: Types.ObjectId,
  change: { add: string[]; remove: string[] },
  by: string,
): Promise<TicketDoc> {
  return locks.withLock(`ticket.${String(id)}`, async () => {
    const before = await mustTicket(models, id);
    const tags = [...new Set([...before.tags, ...change.add])].filter(
      (t) => !change.remove.includes(t),
    );
    await models.Ticket.updateOne({ _id: id }, { $set: { tags } });
    await recordAudit(models, {
      actor: by,
      action: 'ticket.tagged',
      subject: `ticket:${String(id)}`,
      before: { tags: before.tags },
      after: { tags },
    });
    return { ...before, tags };
  });
}

/** Resolves the ticket and frees its agent's slot. */
export async function resolveTicket(
  models: PoolModels,
  locks: DocumentLocks,
  id: Types.ObjectId,
  by: string,
  reason: string | undefined,
): Promise<TicketDoc> {
  const before = await mustTicket(models, id);
  const after = await transitionTicket(models, locks, id, 'resolved', {
    by,
    reason: reason ?? 'resolved in the admin console',
  });
  if (before.assigneeId) await releaseAgentSlot(models, locks, before.assigneeId, id);
  await recordAudit(models, {
    actor: by,
    action: 'ticket.resolved',
    subject: `ticket:${String(id)}`,
    before: { status: before.status },
    after: { status: after.status },
  });
  return after;
}

/**
 * A person reopens a resolved ticket: back to its assignee (their slot taken again, even over
 * capacity) or, without one, to the queue. Closed tickets stay closed (the customer's next message
 * opens a linked ticket).
 */
export async function reopenTicket(
  models: PoolModels,
  locks: DocumentLocks,
  id: Types.ObjectId,
  by: string,
  reason: string | undefined,
): Promise<TicketDoc> {
  const before = await mustTicket(models, id);
  const to = before.assigneeId ? 'assigned' : 'queued';
  if (before.status === 'resolved' && before.assigneeId) {
    await reserveAgentSlot(models, locks, before.assigneeId, id, { overCapacity: true });
  }
  const now = new Date();
  const after = await transitionTicket(models, locks, id, to, {
    by,
    reason: reason ?? 'reopened in the admin console',
    expectedFrom: 'resolved',
    set: { reopenedAt: now, ...(to === 'queued' ? { escalationReason: 'reopened' } : {}) },
  });
  await recordAudit(models, {
    actor: by,
    action: 'ticket.reopened',
    subject: `ticket:${String(id)}`,
    before: { status: before.status },
    after: { status: after.status },
  });
  return after;
}

/**
 * Sets the ticket's priority by hand (dispatch's scoring keeps it: `priorityOverride`), or with
 * `null` gives it back to the score. The SLA targets follow at dispatch's next rescore.
 */
export async function setTicketPriority(
  models: PoolModels,
  locks: DocumentLocks,
  id: Types.ObjectId,
  priority: Priority | null,
  by: string,
): Promise<TicketDoc> {
  return locks.withLock(`ticket.${String(id)}`, async () => {
    const before = await mustTicket(models, id);
    const update =
      priority === null
        ? { $unset: { priorityOverride: 1 } }
        : { $set: { priority, priorityOverride: priority } };
    const after = (await models.Ticket.findOneAndUpdate({ _id: id }, update, {
      returnDocument: 'after',
    }).lean()) as TicketDoc | null;
    if (!after) throw new SwitchboardError('SB_ERR_NOT_FOUND', 'no such ticket');
    await recordAudit(models, {
      actor: by,
      action: 'ticket.priority',
      subject: `ticket:${String(id)}`,
      before: { priority: before.priority, override: before.priorityOverride ?? null },
      after: { priority: after.priority, override: after.priorityOverride ?? null },
    });
    return after;
  });
}
