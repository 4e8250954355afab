/**
 * Agents working a ticket from the console: take, release and reply, with the rules the Slack desk
 * applies (src/pool/claim.ts: a slot, a conditional take; only the assignee answers, and a reply
 * on a waiting ticket takes it), each change told to Slack through the ticket activity. A console
 * account is an agent through its linked agent record; an account without one gets its own
 * (`local:<email>`), enrolled by the admin who made the account, and `away` so dispatch offers it
 * nothing until it says otherwise.
 */
import { randomUUID } from 'node:crypto';
import { SwitchboardError } from '../domain/errors.ts';
import { sendAgentReply } from '../pipeline/replies.ts';
import type { ChannelId } from '../domain/message.ts';
import { recordAudit } from '../pool/audit.ts';
import { linkViaThread, replyChannelsOf, viaThreadKey } from '../pool/reply-channels.ts';
import { defaultVia, type OutboundFile, type OutboundVia } from '../pool/messages.ts';
import { attachmentsOn } from '../http/file-views.ts';
import { claimTicket, holds } from '../pool/claim.ts';
import type { AgentDoc, TicketDoc } from '../pool/models.ts';
import { accountModels } from '../accounts/models.ts';
import type { Principal } from './auth.ts';
import type { AdminDeps } from './deps.ts';

/** The id of the agent record a console principal works as, if it has one (never creates it). */
export async function agentIdOf(
  deps: AdminDeps,
  principal: Principal,
): Promise<string | undefined> {
  if (principal.agentId) return String(principal.agentId);
  if (principal.kind !== 'account') return undefined;
  const agent = await deps.models.Agent.findOne(
    { identity: `local:${principal.id}` },
    { _id: 1 },
  ).lean();
  return agent ? String(agent._id) : undefined;
}

/** The agent record a console principal works as. */
export async function agentOfPrincipal(deps: AdminDeps, principal: Principal): Promise<AgentDoc> {
  const { models } = deps;
  if (principal.agentId) {
    const linked = (await models.Agent.findById(principal.agentId).lean()) as AgentDoc | null;
    if (linked) return linked;
  }
  if (principal.kind !== 'account') {
    // Allowed to, but not a person: 409 rather than 403 (the role is not what is missing).
    throw new SwitchboardError(
      'SB_ERR_CONFLICT',
      'only a signed-in account works tickets as an agent (not an API token or the operator)',
    );
  }
  const identity = `local:${principal.id}`;
  try {
    await models.Agent.updateOne(
      { identity },
      {
        $setOnInsert: {
          identity,
          displayName: principal.name,
          status: 'away',
          activeTickets: 0,
          activeTicketIds: [],
          enrolledVia: 'admin',
          role: principal.role === 'agent' ? 'agent' : 'supervisor',
        },
      },
      { upsert: true },
    );
  } catch (error) {
    if ((error as { code?: unknown }).code !== 11000) throw error;
  }
  const agent = (await models.Agent.findOne({ identity }).lean()) as AgentDoc | null;
  if (!agent) throw new SwitchboardError('SB_ERR_INTERNAL', `agent ${identity} vanished`);
  await accountModels(models).Account.updateOne(
    { _id: principal.id, agentId: { $exists: false } },
    { $set: { agentId: agent._id } },
  );
  return agent;
}

async function holderName(deps: AdminDeps, ticket: TicketDoc | null): Promise<string> {
  if (!ticket?.assigneeId) return 'another agent';
  const holder = (await deps.models.Agent.findById(ticket.assigneeId).lean()) as AgentDoc | null;
  return holder?.displayName ?? 'another agent';
}

/** Takes a waiting ticket (409 with the reason when it cannot). */
export async function takeFromConsole(
  deps: AdminDeps,
  ticketId: string,
  principal: Principal,
): Promise<TicketDoc> {
  const agent = await agentOfPrincipal(deps, principal);
  const outcome = await claimTicket(
    deps.pool,
    ticketId,
    agent,
    principal.actor,
    'taken in the console',
  );
  if (outcome.result === 'at-capacity') {
    throw new SwitchboardError(
      'SB_ERR_CONFLICT',
      `you are at capacity (${agent.capacity} open tickets): resolve or release one first`,
    );
  }
  if (outcome.result === 'lost' || !outcome.ticket) {
    const t = outcome.ticket;
    throw new SwitchboardError(
      'SB_ERR_CONFLICT',
      t?.status === 'assigned'
        ? `ticket #${t.number} is already taken by ${await holderName(deps, t)}`
        : `ticket #${t?.number ?? '?'} is ${t?.status ?? 'gone'}: nothing to take`,
    );
  }
  await recordAudit(deps.models, {
    actor: principal.actor,
    action: 'ticket.taken',
    subject: `ticket:${ticketId}`,
    after: { assigneeId: String(agent._id) },
  });
  await deps.activity?.changed({ kind: 'taken', ticketId, by: principal.name, at: new Date() });
  return outcome.ticket;
}

/** The assignee gives the ticket back to the queue; dispatch will not offer it to them again. */
export async function releaseFromConsole(
  deps: AdminDeps,
  ticketId: string,
  principal: Principal,
): Promise<TicketDoc> {
  const agent = await agentOfPrincipal(deps, principal);
  const ticket = await deps.pool.getTicket(ticketId);
  if (!holds(ticket, agent)) {
    throw new SwitchboardError('SB_ERR_CONFLICT', 'only the agent holding a ticket releases it');
  }
  const after = await deps.pool.transition(ticketId, 'queued', {
    by: principal.actor,
    reason: 'released in the console',
    expectedFrom: 'assigned',
    set: { assigneeId: null, offerDeclinedBy: [...(ticket?.offerDeclinedBy ?? []), agent._id] },
  });
  await deps.pool.releaseAgentSlot(agent._id, ticketId);
  await recordAudit(deps.models, {
    actor: principal.actor,
    action: 'ticket.released',
    subject: `ticket:${ticketId}`,
    before: { assigneeId: String(agent._id) },
  });
  await deps.activity?.changed({ kind: 'released', ticketId, by: principal.name, at: new Date() });
  return after;
}

/**
 * The address on `channel` when an agent chose a channel other than the ticket's: one of the
 * contact's reply channels (reply-channels.ts), else refused. The thread there is linked to the
 * ticket first, so the customer's answer on that channel continues it.
 */
async function chosenChannel(
  deps: AdminDeps,
  ticket: TicketDoc,
  channel: ChannelId | undefined,
): Promise<OutboundVia | null | undefined> {
  // None chosen: where the customer last wrote (messages.ts defaultVia); the own one: null.
  if (channel === undefined) return undefined;
  // The customer's latest thread on that channel, when they wrote there last.
  const last = defaultVia(ticket);
  if (last?.channel === channel) return last;
  if (channel === ticket.channel) return null;
  const contact = await deps.models.Contact.findById(ticket.contactId, { identities: 1 }).lean();
  const choice = replyChannelsOf(ticket, contact?.identities ?? [], deps.sendsTo ?? new Set()).find(
    (c) => c.channel === channel,
  );
  if (!choice)
    throw new SwitchboardError(
      'SB_ERR_VALIDATION',
      `this customer cannot be answered on ${channel} here (no such address, or the channel is off)`,
    );
  const threadKey = deps.threadKeyFor?.(choice.channel, choice.to) ?? viaThreadKey(ticket._id);
  await linkViaThread(deps.models, choice.channel, threadKey, ticket._id);
  return { channel: choice.channel, kind: choice.to.kind, value: choice.to.value, threadKey };
}

/**
 * The files `ids` an agent uploaded for a reply on this ticket (POST /tickets/:id/files); a file
 * that is not one of this ticket's uploads is refused (400), whoever's it is.
 */
async function uploadsFor(
  deps: AdminDeps,
  ticketId: string,
  ids: readonly string[],
): Promise<OutboundFile[]> {
  if (ids.length === 0) return [];
  const attachments = await attachmentsOn(deps.models.Ticket.db);
  const metas = await attachments.uploadsOf(ticketId, ids);
  if (metas === undefined)
    throw new SwitchboardError(
      'SB_ERR_VALIDATION',
      'files: each must be a file uploaded for this ticket (POST /tickets/:id/files)',
    );
  return metas.map((m) => ({
    fileId: m.id,
    name: m.name,
    contentType: m.contentType,
    size: m.size,
  }));
}

/**
 * An agent's answer from the console, on the customer's own channel: from the assignee, or it
 * takes the waiting ticket first; anyone else is refused (409) and may write a note instead.
 */
export async function replyFromConsole(
  deps: AdminDeps,
  ticketId: string,
  principal: Principal,
  text: string,
  options: { channel?: ChannelId; requestKey?: string; files?: readonly string[] } = {},
): Promise<{ messageId: string; ticket: TicketDoc }> {
  const requestKey = options.requestKey ?? randomUUID();
  if (!deps.outbound) throw new SwitchboardError('SB_ERR_UNAVAILABLE', 'no outbound queue here');
  const agent = await agentOfPrincipal(deps, principal);
  let ticket = await deps.pool.getTicket(ticketId);
  if (!ticket) throw new SwitchboardError('SB_ERR_NOT_FOUND', 'no such ticket');
  const files = await uploadsFor(deps, ticketId, options.files ?? []);
  const mine =
    String(ticket.assigneeId) === String(agent._id) &&
    (ticket.status === 'assigned' || ticket.status === 'resolved');
  if (!mine) {
    if (ticket.status !== 'queued') {
      throw new SwitchboardError(
        'SB_ERR_CONFLICT',
        ticket.status === 'assigned'
          ? `ticket #${ticket.number} is held by ${await holderName(deps, ticket)}: only they answer the customer (write a note instead)`
          : `ticket #${ticket.number} is ${ticket.status}: only its assignee answers the customer`,
      );
    }
    ticket = await takeFromConsole(deps, ticketId, principal);
  }
  const via = await chosenChannel(deps, ticket, options.channel);
  const message = await sendAgentReply(
    { pool: deps.pool, outbound: deps.outbound },
    {
      ticketId,
      key: `console.${requestKey}`,
      agentId: String(agent._id),
      agentName: agent.displayName,
      text,
      ...(files.length === 0 ? {} : { files }),
      ...(via === undefined ? {} : { via }),
    },
  );
  await deps.activity?.changed({
    kind: 'replied',
    ticketId,
    messageId: String(message._id),
    by: agent.displayName,
    at: new Date(),
  });
  return { messageId: String(message._id), ticket };
}
