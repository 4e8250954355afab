import type { AgentDoc, TicketDoc } from '../pool/models.ts';
import type { DeskService } from './service.ts';
import { NOT_ENROLLED_TEXT, isNotEnrolled } from './enrolment.ts';
import { recordAudit } from '../pool/audit.ts';
import type { TicketPool } from '../pool/pool.ts';
import type { DocumentLocks } from '../pool/locks.ts';

/** What `/switchboard help` and an unknown subcommand answer. */
export const USAGE =
  'Usage: `/switchboard available` · `away` · `mine` · `queue` · `skills add|remove <skill>`';

const LIST_LIMIT = 20;

function line(ticket: TicketDoc): string {
  const reason = ticket.escalationReason ? ` — ${ticket.escalationReason}` : '';
  return `• #${ticket.number} (${ticket.channel}, urgency ${ticket.urgency})${reason}`;
}

/**
 * `/switchboard …`: small reads and single-field writes, answered within Slack's 3 s as an
 * ephemeral message. The agent's record is linked on first use.
 */
export async function runSlashCommand(
  deps: {
    pool: TicketPool;
    locks: DocumentLocks;
    service: DeskService;
    onAgentStatus?: ((agentId: string, status: 'available' | 'away') => Promise<void>) | undefined;
  },
  input: { userId: string; userName: string; text: string },
): Promise<string> {
  const [sub = 'help', ...rest] = input.text.trim().split(/\s+/).filter(Boolean);
  const { Agent, Ticket } = deps.pool.models;
  let agent: AgentDoc;
  try {
    agent = await deps.service.agentFor({ id: input.userId, name: input.userName });
  } catch (error) {
    if (!isNotEnrolled(error)) throw error;
    await recordAudit(deps.pool.models, {
      actor: `slack:${input.userId}`,
      action: 'desk.command.refused',
      subject: `command:${sub.toLowerCase().slice(0, 40)}`,
      after: { reason: 'not an enrolled agent' },
    });
    return NOT_ENROLLED_TEXT;
  }
  switch (sub.toLowerCase()) {
    case 'available':
    case 'away': {
      const status = sub.toLowerCase() as 'available' | 'away';
      await Agent.updateOne({ _id: agent._id }, { $set: { status } });
      // Dispatch may route the next ticket now (or stop offering this agent any).
      await deps.onAgentStatus?.(String(agent._id), status);
      return status === 'available'
        ? 'You are *available*: new tickets may be routed to you.'
        : 'You are *away*.';
    }
    case 'mine': {
      const tickets = await Ticket.find({ assigneeId: agent._id, status: 'assigned' })
        .sort({ assignedAt: 1 })
        .limit(LIST_LIMIT)
        .lean<TicketDoc[]>();
      return tickets.length
        ? `Your open tickets:\n${tickets.map(line).join('\n')}`
        : 'You have no open tickets.';
    }
    case 'queue': {
      const tickets = await Ticket.find({ status: 'queued' })
        .sort({ urgency: -1, queuedAt: 1 })
        .limit(LIST_LIMIT)
        .lean<TicketDoc[]>();
      return tickets.length
        ? `Waiting tickets, most urgent first:\n${tickets.map(line).join('\n')}`
        : 'No tickets are waiting.';
    }
    case 'skills': {
      const [op, ...skillWords] = rest;
      const skill = skillWords.join(' ').trim().toLowerCase();
      if ((op !== 'add' && op !== 'remove') || !skill) return USAGE;
      // Read-modify-write under the agent's lock: FerretDB's updates are not atomic.
      const skills = await deps.locks.withLock(`agent.${String(agent._id)}`, async () => {
        const current = (await Agent.findById(agent._id).lean()) as AgentDoc | null;
        const set = new Set(current?.skills ?? []);
        if (op === 'add') set.add(skill);
        else set.delete(skill);
        const next = [...set].sort();
        await Agent.updateOne({ _id: agent._id }, { $set: { skills: next } });
        return next;
      });
      return `Your skills: ${skills.length ? skills.join(', ') : 'none'}.`;
    }
    default:
      return USAGE;
  }
}
