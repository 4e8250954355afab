/**
 * The learning loop's reads and writes: the customer questions the bot escalated, and suggested
 * answers drawn from tickets agents resolved. Reads are bounded (a window and a cap), since
 * FerretDB 1.x scans for most filters.
 */
import type { Types } from 'mongoose';
import { SwitchboardError } from '../domain/errors.ts';
import { knowledgeModels, type SuggestionDoc } from './models.ts';
import { recordAudit } from '../pool/audit.ts';
import type { DocumentLocks } from '../pool/locks.ts';
import type { MessageDoc, PoolModels, TicketDoc } from '../pool/models.ts';

/** Most escalated tickets one inbox read looks at. */
export const LEARNING_MAX_TICKETS = 2000;

/** A customer question the bot did not answer before handing the ticket over. */
export interface EscalatedQuestion {
  ticketId: string;
  ticketNumber: number;
  text: string;
  language: string | null;
  at: Date;
  reason: string | null;
}

function createdAt(doc: unknown): Date {
  return (doc as { createdAt: Date }).createdAt;
}

/**
 * The questions of tickets escalated since `since`: inbound customer messages the bot handled
 * without an intent (out of scope, a second miss), received before the ticket was queued.
 */
export async function escalatedQuestions(
  models: PoolModels,
  since: Date,
  until: Date = new Date(),
): Promise<EscalatedQuestion[]> {
  const tickets = (await models.Ticket.find(
    { queuedAt: { $gte: since, $lt: until } },
    { number: 1, queuedAt: 1, escalationReason: 1, language: 1 },
  )
    .sort({ queuedAt: -1 })
    .limit(LEARNING_MAX_TICKETS)
    .lean()) as TicketDoc[];
  const escalated = tickets.filter((t) => t.escalationReason);
  if (escalated.length === 0) return [];
  const byId = new Map(escalated.map((t) => [String(t._id), t]));
  const messages = (await models.Message.find(
    { ticketId: { $in: escalated.map((t) => t._id) }, direction: 'in' },
    {
      ticketId: 1,
      text: 1,
      newText: 1,
      intent: 1,
      language: 1,
      authorKind: 1,
      createdAt: 1,
      receivedAt: 1,
    },
  ).lean()) as MessageDoc[];
  const out: EscalatedQuestion[] = [];
  for (const m of messages) {
    const ticket = byId.get(String(m.ticketId));
    const text = (m.newText ?? m.text).trim();
    if (!ticket?.queuedAt || m.authorKind !== 'customer' || text.length === 0) continue;
    if (m.intent) continue;
    if (createdAt(m).getTime() > ticket.queuedAt.getTime()) continue;
    out.push({
      ticketId: String(ticket._id),
      ticketNumber: ticket.number,
      text,
      language: m.language ?? ticket.language ?? null,
      at: m.receivedAt ?? createdAt(m),
      reason: ticket.escalationReason ?? null,
    });
  }
  return out.sort((a, b) => b.at.getTime() - a.at.getTime());
}

/** A resolved ticket's question and the agent's answer to it, not yet proposed. */
export interface ResolvedExchange {
  ticketId: Types.ObjectId;
  ticketNumber: number;
  question: string;
  answer: string;
  agentName: string | null;
  language: string | null;
  resolvedAt: Date | null;
}

/**
 * Tickets resolved since `since` by an agent, not yet turned into a suggestion: the customer's
 * first unanswered question and the first agent reply after it.
 */
export async function unproposedExchanges(
  models: PoolModels,
  since: Date,
  limit = 500,
): Promise<ResolvedExchange[]> {
  const tickets = (await models.Ticket.find(
    { resolvedAt: { $gte: since } },
    { number: 1, resolvedAt: 1, language: 1, assigneeId: 1, queuedAt: 1 },
  )
    .sort({ resolvedAt: -1 })
    .limit(limit)
    .lean()) as TicketDoc[];
  const candidates = tickets.filter((t) => t.queuedAt);
  if (candidates.length === 0) return [];
  const known = new Set(
    (
      (await knowledgeModels(models)
        .Suggestion.find(
          { _id: { $in: candidates.map((t) => `ticket.${String(t._id)}`) } },
          { _id: 1 },
        )
        .lean()) as Array<{ _id: string }>
    ).map((s) => s._id),
  );
  const fresh = candidates.filter((t) => !known.has(`ticket.${String(t._id)}`));
  if (fresh.length === 0) return [];
  const messages = (await models.Message.find(
    { ticketId: { $in: fresh.map((t) => t._id) } },
    {
      ticketId: 1,
      text: 1,
      newText: 1,
      intent: 1,
      language: 1,
      authorKind: 1,
      authorName: 1,
      direction: 1,
      createdAt: 1,
    },
  ).lean()) as MessageDoc[];
  const byTicket = new Map<string, MessageDoc[]>();
  for (const m of messages) {
    const list = byTicket.get(String(m.ticketId)) ?? [];
    list.push(m);
    byTicket.set(String(m.ticketId), list);
  }
  const out: ResolvedExchange[] = [];
  for (const t of fresh) {
    const list = (byTicket.get(String(t._id)) ?? []).sort(
      (a, b) => createdAt(a).getTime() - createdAt(b).getTime(),
    );
    const question = list.find(
      (m) =>
        m.direction === 'in' &&
        m.authorKind === 'customer' &&
        !m.intent &&
        (m.newText ?? m.text).trim(),
    );
    if (!question) continue;
    const reply = list.find(
      (m) =>
        m.authorKind === 'agent' &&
        m.direction === 'out' &&
        createdAt(m).getTime() >= createdAt(question).getTime() &&
        m.text.trim(),
    );
    if (!reply) continue;
    out.push({
      ticketId: t._id,
      ticketNumber: t.number,
      question: (question.newText ?? question.text).trim(),
      answer: reply.text.trim(),
      agentName: reply.authorName ?? null,
      language: question.language ?? t.language ?? null,
      resolvedAt: t.resolvedAt ?? null,
    });
  }
  return out;
}

/** Stores a suggestion once per ticket (a repeat is dropped by the unique _id). */
export async function insertSuggestion(
  models: PoolModels,
  input: {
    ticketId: Types.ObjectId;
    ticketNumber: number;
    locale: string;
    question: string;
    answer: string;
    agentName: string | null;
    kind: 'variant' | 'article';
    articleKey: string | undefined;
    resolvedAt: Date | null;
  },
): Promise<void> {
  try {
    await knowledgeModels(models).Suggestion.create({
      _id: `ticket.${String(input.ticketId)}`,
      ticketId: input.ticketId,
      ticketNumber: input.ticketNumber,
      locale: input.locale,
      question: input.question,
      answer: input.answer,
      kind: input.kind,
      status: 'pending',
      ...(input.agentName === null ? {} : { agentName: input.agentName }),
      ...(input.articleKey === undefined ? {} : { articleKey: input.articleKey }),
      ...(input.resolvedAt === null ? {} : { resolvedAt: input.resolvedAt }),
    });
  } catch (error) {
    if ((error as { code?: unknown }).code !== 11000) throw error;
  }
}

export async function listSuggestions(
  models: PoolModels,
  status: 'pending' | 'approved' | 'dismissed',
  limit = 100,
): Promise<SuggestionDoc[]> {
  return (await knowledgeModels(models)
    .Suggestion.find({ status })
    .sort({ createdAt: -1 })
    .limit(limit)
    .lean()) as SuggestionDoc[];
}

export async function getSuggestion(models: PoolModels, id: string): Promise<SuggestionDoc | null> {
  return (await knowledgeModels(models).Suggestion.findById(id).lean()) as SuggestionDoc | null;
}

/**
 * Decides a pending suggestion under its lock: `apply` runs first (the knowledge-base change) and
 * returns the article key it touched; a suggestion decided meanwhile is a 409.
 */
export async function decideSuggestion(
  models: PoolModels,
  locks: DocumentLocks,
  id: string,
  decision: 'approved' | 'dismissed',
  by: string,
  apply?: (suggestion: SuggestionDoc) => Promise<string>,
): Promise<SuggestionDoc> {
  return locks.withLock(`suggestion.${id}`, async () => {
    const current = await getSuggestion(models, id);
    if (!current) throw new SwitchboardError('SB_ERR_NOT_FOUND', `no suggestion ${id}`);
    if (current.status !== 'pending') {
      throw new SwitchboardError(
        'SB_ERR_CONFLICT',
        `suggestion ${id} is already ${current.status}`,
      );
    }
    const resultKey = apply ? await apply(current) : undefined;
    const set = {
      status: decision,
      decidedBy: by,
      decidedAt: new Date(),
      ...(resultKey ? { resultKey } : {}),
    };
    await knowledgeModels(models).Suggestion.updateOne({ _id: id }, { $set: set });
    await recordAudit(models, {
      actor: by,
      action: `suggestion.${decision}`,
      subject: `suggestion:${id}`,
      before: { status: current.status },
      after: { status: decision, ...(resultKey ? { resultKey } : {}) },
    });
    return { ...current, ...set };
  });
}

/** Article keys that approved suggestions created or extended. */
export async function approvedResultKeys(models: PoolModels): Promise<string[]> {
  const docs = (await knowledgeModels(models)
    .Suggestion.find({ status: 'approved' }, { resultKey: 1 })
    .lean()) as Array<{
    resultKey?: string | null;
  }>;
  return [
    ...new Set(docs.map((d) => d.resultKey).filter((k): k is string => typeof k === 'string')),
  ];
}
