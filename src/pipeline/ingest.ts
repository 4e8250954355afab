import type { Queue } from 'bullmq';
import { isSwitchboardError } from '../domain/errors.ts';
import type { Logger } from 'pino';
import { InboundMessageSchema, type InboundMessage } from '../domain/message.ts';
import type { ChannelCapabilities, Responder, ResponderDecision } from '../domain/ports.ts';
import { readPrompt } from '../domain/dialogue.ts';
import { answerVia, type OutboundVia } from '../pool/messages.ts';
import type { MessageDoc, TicketDoc } from '../pool/models.ts';
import type { TicketPool } from '../pool/pool.ts';
import type { Metrics } from '../metrics.ts';
import { botMessageKey, decisionRecord, earlierDecision } from './earlier-decision.ts';
import { notifyListeners, type EscalationFacts, type PipelineListener } from './listeners.ts';
import type { OutboundJobData } from './queues.ts';

export interface IngestDeps {
  pool: TicketPool;
  responder: Responder;
  outbound: Queue<OutboundJobData>;
  capabilitiesOf(channel: InboundMessage['channel']): ChannelCapabilities;
  metrics?: Metrics;
  logger?: Logger;
  /** The features taking part in each message (dispatch, desk, learning, CSAT), in order. */
  listeners?: readonly PipelineListener[];
}

/** How far back a contact's other tickets make a negative message a repeat complaint. */
const REPEAT_WINDOW_MS = 14 * 24 * 3600 * 1000;

export type IngestOutcome =
  'duplicate' | 'answered' | 'escalated' | 'waiting-for-agent' | 'consumed';

/**
 * The ingest step, one named step after another: persist → (if the bot holds the ticket) decide →
 * carry out the decision → mark handled. Each step is idempotent, so a job retried after a crash at
 * any point finishes the work without doing any of it twice.
 */
export async function ingestInbound(raw: unknown, deps: IngestDeps): Promise<IngestOutcome> {
  const inbound = InboundMessageSchema.parse(raw);
  const listeners = deps.listeners ?? [];
  for (const listener of listeners)
    if ((await listener.beforeIngest?.(inbound)) === 'consumed') return 'consumed';
  const { contactId, ticket, message, created, opened, contactIsNew } =
    await deps.pool.ingest(inbound);
  if (created) deps.metrics?.messages.inc({ channel: inbound.channel, direction: 'in' });
  if (message.handled) return 'duplicate';
  // Before the message is marked handled (a retry runs it again), after any answer is queued.
  const stored = () => notifyListeners(listeners, 'stored', inbound, String(contactId));
  if (ticket.status !== 'bot') {
    // A human holds or awaits the ticket: the bot stays out of it (the desk relays the message).
    if (ticket.status === 'queued' || ticket.status === 'assigned') {
      await notifyListeners(listeners, 'customerMessage', ticket, message);
    }
    await stored();
    await deps.pool.markHandled(message._id, {});
    return 'waiting-for-agent';
  }
  // A retried job (the message was stored by an earlier run) finishes the earlier decision.
  const earlier = created ? undefined : await earlierDecision(deps.pool, String(message._id));
  const decision =
    earlier ??
    (await deps.responder.respond({
      ticket: {
        id: String(ticket._id),
        channel: ticket.channel,
        status: ticket.status,
        language: ticket.language ?? undefined,
        lastIntent: ticket.lastIntent ?? undefined,
        botMisses: ticket.botMisses,
        prompt: readPrompt(ticket.prompt),
      },
      message: {
        id: String(message._id),
        text: message.text,
        newText: message.newText ?? undefined,
      },
      capabilities: deps.capabilitiesOf(ticket.channel),
      // Read only for a negative message that may be a repeat complaint.
      earlierTickets: () =>
        deps.pool.models.Ticket.countDocuments({
          contactId: ticket.contactId,
          _id: { $ne: ticket._id },
          createdAt: { $gte: new Date(Date.now() - REPEAT_WINDOW_MS) },
        }),
    }));
  // Answers go back by the channel and thread the message came by (a conversation may go on
  // on several).
  const known = { ticketOpenedForMessage: opened, contactIsNew };
  const outcome = await carryOut(
    decision,
    ticket,
    message,
    deps,
    answerVia(inbound, ticket),
    known,
  );
  await stored();
  await deps.pool.markHandled(message._id, {
    intent: decision.intent,
    score: decision.score,
    language: decision.language,
    sentiment: decision.sentiment,
  });
  return outcome;
}

async function carryOut(
  decision: ResponderDecision,
  ticket: TicketDoc,
  message: MessageDoc,
  deps: IngestDeps,
  via: OutboundVia | null,
  known: EscalationFacts,
): Promise<IngestOutcome> {
  const listeners = deps.listeners ?? [];
  if (decision.unhelpful) {
    const feedback = { ...decision.unhelpful, locale: decision.language };
    await notifyListeners(listeners, 'unhelpfulAnswer', ticket, feedback);
  }
  if (decision.confirmed) {
    const feedback = { ...decision.confirmed, locale: decision.language };
    await notifyListeners(listeners, 'confirmedAnswer', ticket, feedback);
  }
  const text = decision.text;
  // The bot's answer to a ticket not yet answered is its first response: stamped with the bot's
  // outcome below, and the message says so, so its delivery writes nothing more on the ticket.
  const respondedAt =
    decision.action === 'reply' && text !== undefined && !ticket.firstResponseAt
      ? new Date()
      : undefined;
  if (text !== undefined) {
    const view = respondedAt ? { ...ticket, firstResponseAt: respondedAt } : ticket;
    await queueBotMessage(deps, view, {
      key: botMessageKey(decision.action, String(message._id)),
      text,
      markdown: decision.action === 'reply' ? decision.markdown : undefined,
      html: decision.action === 'reply' ? decision.html : undefined,
      choices: decision.action === 'reply' ? decision.choices : undefined,
      intent: decision.intent,
      score: decision.score,
      decision: decisionRecord(decision),
      via,
    });
  }
  if (decision.action === 'reply') {
    await deps.pool.noteBotOutcome(ticket._id, {
      messageId: String(message._id),
      intent: decision.intent,
      language: decision.language,
      missed: decision.counted === 'miss',
      answered: decision.counted === 'answer',
      prompt: decision.prompt,
      respondedAt,
    });
    if (decision.settles === 'confirmed') await settle(deps, ticket);
    return 'answered';
  }
  const outcome = {
    messageId: String(message._id),
    intent: decision.intent,
    language: decision.language,
    missed: true as const,
  };
  // Usually one write: queued with the miss counted. A retry (the outcome counted already) or a
  // ticket no longer with the bot takes the two steps, which decide as they always did.
  const queued =
    (await deps.pool.queueWithBotOutcome(ticket._id, decision.reason, outcome)) ??
    (await deps.pool
      .noteBotOutcome(ticket._id, outcome)
      .then(() => escalate(deps, ticket, decision.reason)));
  if (queued) {
    // Dispatch scores the ticket whether or not a desk is told: a gateway without one still
    // sets priorities and SLAs and offers tickets to agents.
    let scored = queued;
    for (const listener of deps.listeners ?? [])
      scored = (await listener.escalating?.(scored, message, decision, known)) ?? scored;
    await notifyListeners(deps.listeners ?? [], 'escalated', scored);
  }
  deps.logger?.info({ ticket: ticket.number, reason: decision.reason }, 'ticket escalated');
  return 'escalated';
}

/** The customer said the bot's answer helped: the ticket is resolved (a retry finds it so). */
async function settle(deps: IngestDeps, ticket: TicketDoc): Promise<void> {
  try {
    await deps.pool.transition(ticket._id, 'resolved', {
      by: 'customer',
      reason: "customer confirmed the bot's answer",
      expectedFrom: 'bot',
    });
  } catch (error) {
    if (!(isSwitchboardError(error) && error.code === 'SB_ERR_INVALID_TRANSITION')) throw error;
  }
}

/**
 * Moves the ticket to the agents' queue; a retry that finds it already queued changes nothing.
 * Returns the ticket while it is queued (also on such a retry), so the escalation hook still runs.
 */
async function escalate(
  deps: IngestDeps,
  ticket: TicketDoc,
  reason: string,
): Promise<TicketDoc | undefined> {
  try {
    return await deps.pool.transition(ticket._id, 'queued', {
      by: 'bot',
      reason,
      expectedFrom: 'bot',
      set: { escalationReason: reason },
    });
  } catch (error) {
    // Already moved on (a retry of this job, or an agent took it): nothing left to do.
    if (isSwitchboardError(error) && error.code === 'SB_ERR_INVALID_TRANSITION') {
      const current = await deps.pool.getTicket(ticket._id);
      return current?.status === 'queued' ? current : undefined;
    }
    throw error;
  }
}

/** Stores a bot message as pending and queues its delivery; both keyed, so retries add nothing. */
export async function queueBotMessage(
  deps: Pick<IngestDeps, 'pool' | 'outbound'>,
  ticket: TicketDoc,
  draft: {
    key: string;
    text: string;
    markdown?: string | undefined;
    html?: string | undefined;
    choices?: string[] | undefined;
    intent?: string | undefined;
    score?: number | undefined;
    decision?: Record<string, unknown> | undefined;
    /** Unset: where the customer last wrote (messages.ts defaultVia). */
    via?: OutboundVia | null | undefined;
  },
): Promise<MessageDoc> {
  const stored = await deps.pool.createOutbound({
    ticket,
    authorKind: 'bot',
    authorName: 'Switchboard',
    ...draft,
  });
  await enqueueDelivery(deps.outbound, stored);
  return stored;
}

export async function enqueueDelivery(
  outbound: Queue<OutboundJobData>,
  message: MessageDoc,
): Promise<void> {
  const id = String(message._id);
  await outbound.add('deliver', { messageId: id }, { jobId: `out.${id}` });
}
