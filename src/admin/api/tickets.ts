/**
 * Ticket endpoints of the console: search and filter, the ticket view (transcript with intents and
 * scores, urgency parts), reassign, tag, resolve (the agents to assign to are in agents.ts). The
 * agent's own answers, files and notes are in ticket-answers.ts.
 */
import { Router } from 'express';
import { markdownToSafeHtml } from '../../../knowledge/format.ts';
import { askSatisfaction } from '../../desk/satisfaction.ts';
import { listNotes } from '../../pool/notes.ts';
import { z } from 'zod';
import { CHANNEL_IDS } from '../../domain/message.ts';
import { SwitchboardError } from '../../domain/errors.ts';
import { PRIORITIES, TICKET_STATUSES } from '../../domain/ticket.ts';
import { objectIdOr404 } from '../../accounts/accounts.ts';
import {
  reassignTicket,
  reopenTicket,
  resolveTicket,
  setTicketPriority,
  searchTickets,
  tagTicket,
  ticketView,
} from '../ticket-store.ts';
import { principalOf } from '../auth.ts';
import { replyChannelsOf } from '../../pool/reply-channels.ts';
import { agentIdOf, releaseFromConsole, takeFromConsole } from '../ticket-work.ts';
import type { AdminDeps } from '../deps.ts';
import { TICKET_ANSWER_OPERATIONS, ticketAnswerRoutes } from './ticket-answers.ts';
import { transcriptFiles } from './ticket-files.ts';
import { ObjectIdParams, ObjectIdText, pathParams } from './params.ts';
import { TicketSummary, TicketResult, TicketView } from '../openapi/schemas.ts';
import { json, routes, type AdminOperation } from '../routes.ts';

/** Filters of `GET /tickets`. */
export const TicketSearchQuery = z.object({
  status: z.enum(TICKET_STATUSES).optional(),
  channel: z.enum(CHANNEL_IDS).optional(),
  urgencyMin: z.coerce.number().min(0).max(1000).optional(),
  priority: z.enum(PRIORITIES).optional(),
  assignee: z.union([z.literal('none'), ObjectIdText]).optional(),
  /** `me`: the tickets offered to the signed-in agent now (the console's "Offered to you"). */
  offeredTo: z.union([z.literal('me'), ObjectIdText]).optional(),
  slaState: z.enum(['active', 'paused', 'met', 'breached']).optional(),
  tag: z.string().max(50).optional(),
  text: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(25),
  offset: z.coerce.number().int().min(0).max(100_000).default(0),
});

const Tag = z.string().trim().min(1).max(50);

/** `:id` of a ticket. */
export const TicketParams = ObjectIdParams;

/** `POST /tickets/:id/assign`. */
export const AssignSchema = z.object({ agentId: ObjectIdText }).strict();

/** `POST /tickets/:id/tags`. */
export const TagsSchema = z
  .object({ add: z.array(Tag).max(20).default([]), remove: z.array(Tag).max(20).default([]) })
  .strict();

/** `POST /tickets/:id/priority`: a priority, or `null` to give it back to dispatch's score. */
export const PrioritySchema = z.object({ priority: z.enum(PRIORITIES).nullable() }).strict();

/** `POST /tickets/:id/resolve` (the body may be left out). */
export const ResolveSchema = z
  .object({ reason: z.string().trim().min(1).max(500).optional() })
  .strict();

/** `POST /tickets/:id/reopen` (the body may be left out). */
export const ReopenSchema = ResolveSchema;

/** The tickets API of the console: what ticketsRouter mounts and the OpenAPI document describes. */
const TICKETS = {
  search: {
    method: 'get',
    path: '/tickets',
    tag: 'tickets',
    summary: 'Search tickets',
    description: 'Newest first. `text` matches the number, the subject or any message text.',
    permission: 'tickets.read',
    query: TicketSearchQuery,
    response: json(
      z.object({ total: z.number().int(), tickets: z.array(TicketSummary) }),
      'One page of matching tickets.',
    ),
  },
  read: {
    method: 'get',
    path: '/tickets/:id',
    tag: 'tickets',
    summary: 'Open a ticket',
    description:
      'The ticket, its contact and assignee, and the transcript with intents and scores.',
    permission: 'tickets.read',
    params: TicketParams,
    response: json(TicketView, 'The ticket view.'),
  },
  assign: {
    method: 'post',
    path: '/tickets/:id/assign',
    tag: 'tickets',
    summary: 'Reassign a ticket',
    description:
      "Queued tickets become assigned, assigned ones change hands; the agents' slots move.",
    permission: 'tickets.assign',
    params: TicketParams,
    body: AssignSchema,
    response: json(TicketResult, 'The ticket after the change.'),
    also: [409],
  },
  tags: {
    method: 'post',
    path: '/tickets/:id/tags',
    tag: 'tickets',
    summary: 'Tag a ticket',
    permission: 'tickets.write',
    params: TicketParams,
    body: TagsSchema,
    response: json(TicketResult, 'The ticket after the change.'),
    also: [409],
  },
  resolve: {
    method: 'post',
    path: '/tickets/:id/resolve',
    tag: 'tickets',
    summary: 'Resolve a ticket',
    permission: 'tickets.write',
    params: TicketParams,
    body: ResolveSchema,
    bodyOptional: true,
    description:
      'Resolving a resolved ticket is 409. The customer is asked for a rating once per resolution, and the Slack card is updated.',
    response: json(TicketResult, 'The resolved ticket.'),
    also: [409],
  },
  reopen: {
    method: 'post',
    path: '/tickets/:id/reopen',
    tag: 'tickets',
    summary: 'Reopen a resolved ticket',
    description:
      'Back to its assignee (their slot taken again), or to the queue without one. Closed tickets stay closed: 409.',
    permission: 'tickets.write',
    params: TicketParams,
    body: ReopenSchema,
    bodyOptional: true,
    response: json(TicketResult, 'The reopened ticket.'),
    also: [409],
  },
  priority: {
    method: 'post',
    path: '/tickets/:id/priority',
    tag: 'tickets',
    summary: "Set a ticket's priority by hand",
    description:
      "Dispatch's scoring keeps a priority set here; `null` gives the ticket back to the score. The SLA targets follow at the next rescore.",
    permission: 'tickets.write',
    params: TicketParams,
    body: PrioritySchema,
    response: json(TicketResult, 'The ticket after the change.'),
  },
  take: {
    method: 'post',
    path: '/tickets/:id/take',
    tag: 'tickets',
    summary: 'Take a waiting ticket',
    description:
      "As the signed-in account's agent, with Slack's rules: a slot (409 at capacity), and exactly one of several agents wins (409 for the others).",
    permission: 'tickets.write',
    params: TicketParams,
    response: json(TicketResult, 'The ticket after the change.'),
    also: [409],
  },
  release: {
    method: 'post',
    path: '/tickets/:id/release',
    tag: 'tickets',
    summary: 'Give a ticket back to the queue',
    description: 'Only its assignee releases a ticket (409 otherwise).',
    permission: 'tickets.write',
    params: TicketParams,
    response: json(TicketResult, 'The ticket after the change.'),
    also: [409],
  },
} satisfies Record<string, AdminOperation>;

/** The tickets API's operations, in the document's order. */
export const TICKET_OPERATIONS: readonly AdminOperation[] = [
  ...Object.values(TICKETS),
  ...TICKET_ANSWER_OPERATIONS,
];

export function ticketsRouter(deps: AdminDeps): Router {
  const router = Router();
  const route = routes(router);

  route(TICKETS.search, async (req, res) => {
    const query = TicketSearchQuery.parse(req.query);
    if (query.offeredTo === 'me') {
      // Read only: a principal who never worked as an agent has no offers (and gets no record).
      const me = await agentIdOf(deps, principalOf(res));
      if (!me) {
        res.json({ total: 0, tickets: [] });
        return;
      }
      query.offeredTo = me;
    }
    const { tickets, total } = await searchTickets(deps.models, query);
    res.json({
      total,
      tickets: tickets.map((t) => ({
        id: String(t._id),
        number: t.number,
        channel: t.channel,
        status: t.status,
        subject: t.subject ?? null,
        preview: t.preview ?? null,
        urgency: t.urgency,
        priority: t.priority,
        assigneeId: t.assigneeId ? String(t.assigneeId) : null,
        slaState: t.slaState ?? null,
        tags: t.tags,
        lastIntent: t.lastIntent ?? null,
        escalationReason: t.escalationReason ?? null,
        language: t.language ?? null,
        requiredSkills: t.requiredSkills ?? [],
        queuedAt: t.queuedAt ?? null,
        offeredTo: t.offer?.agentId ? String(t.offer.agentId) : null,
        createdAt: (t as { createdAt?: Date }).createdAt ?? null,
      })),
    });
  });

  route(TICKETS.read, async (req, res) => {
    const { id } = pathParams(TicketParams, req.params, 'ticket');
    const view = await ticketView(deps.models, id);
    if (!view) throw new SwitchboardError('SB_ERR_NOT_FOUND', 'no such ticket');
    const { ticket, messages, contact, assignee } = view;
    const [notes, earlier, files] = await Promise.all([
      listNotes(deps.models.TicketNote, id),
      deps.models.Ticket.find(
        { contactId: ticket.contactId, _id: { $ne: ticket._id } },
        { number: 1, status: 1, channel: 1, subject: 1, createdAt: 1 },
      )
        .sort({ createdAt: -1 })
        .limit(10)
        .lean(),
      transcriptFiles(deps, messages),
    ]);
    res.json({
      ticket,
      earlierTickets: earlier.map((t) => ({
        id: String(t._id),
        number: t.number,
        status: t.status,
        channel: t.channel,
        subject: t.subject ?? null,
        createdAt: (t as { createdAt?: Date }).createdAt ?? null,
      })),
      notes: notes.map((n) => ({
        id: n._id,
        at: n.createdAt ?? null,
        authorName: n.authorName,
        source: n.source,
        text: n.text,
        notSentBecause: n.notSentBecause ?? null,
      })),
      replyChannels: replyChannelsOf(ticket, contact?.identities ?? [], deps.sendsTo ?? new Set()),
      contact: contact && {
        id: String(contact._id),
        name: contact.name ?? null,
        identities: contact.identities,
        attributes: (contact.attributes ?? {}) as Record<string, unknown>,
      },
      assignee: assignee && {
        id: String(assignee._id),
        displayName: assignee.displayName,
        identity: assignee.identity,
      },
      transcript: messages.map((m) => ({
        id: m._id,
        at: m.receivedAt ?? (m as { createdAt?: Date }).createdAt ?? null,
        channel: m.channel,
        direction: m.direction,
        authorKind: m.authorKind,
        authorName: m.authorName ?? null,
        text: m.text,
        // The bot's answers are markdown: rendered and sanitized here, never the customer's HTML.
        html: m.direction === 'out' && m.markdown ? markdownToSafeHtml(m.markdown) : null,
        subject: m.subject ?? null,
        intent: m.intent ?? null,
        score: m.score ?? null,
        language: m.language ?? null,
        sentiment: m.sentiment ?? null,
        deliveryStatus: m.deliveryStatus,
        // The agent sees why an answer did not reach the customer (e.g. an address our mail
        // server cannot send to).
        deliveryError: m.deliveryStatus === 'failed' ? (m.deliveryError ?? null) : null,
        // The customer's files, each with a short-lived signed link (or why it was not kept).
        attachments: files.get(String(m._id)) ?? [],
      })),
    });
  });

  route(TICKETS.assign, async (req, res) => {
    const { id } = pathParams(TicketParams, req.params, 'ticket');
    const body = AssignSchema.parse(req.body);
    const principal = principalOf(res);
    const before = await deps.pool.getTicket(String(id));
    const ticket = await reassignTicket(
      deps.models,
      deps.locks,
      id,
      objectIdOr404(body.agentId, 'agent'),
      principal.actor,
    );
    await deps.activity?.changed({
      kind: 'assigned',
      ticketId: String(id),
      agentId: body.agentId,
      previousAgentId: before?.assigneeId ? String(before.assigneeId) : undefined,
      by: principal.name,
      at: new Date(),
    });
    res.json({ ticket });
  });

  route(TICKETS.tags, async (req, res) => {
    const { id } = pathParams(TicketParams, req.params, 'ticket');
    const body = TagsSchema.parse(req.body);
    const ticket = await tagTicket(deps.models, deps.locks, id, body, principalOf(res).actor);
    res.json({ ticket });
  });

  route(TICKETS.resolve, async (req, res) => {
    const { id } = pathParams(TicketParams, req.params, 'ticket');
    const body = ResolveSchema.parse(req.body ?? {});
    const principal = principalOf(res);
    const ticket = await resolveTicket(deps.models, deps.locks, id, principal.actor, body.reason);
    // Whoever resolves, the customer is asked once per resolution (keyed by resolvedAt).
    if (deps.outbound) await askSatisfaction({ pool: deps.pool, outbound: deps.outbound }, ticket);
    await deps.activity?.changed({
      kind: 'resolved',
      ticketId: String(id),
      by: principal.name,
      at: ticket.resolvedAt ?? new Date(),
    });
    res.json({ ticket });
  });

  route(TICKETS.reopen, async (req, res) => {
    const { id } = pathParams(TicketParams, req.params, 'ticket');
    const body = ReopenSchema.parse(req.body ?? {});
    const principal = principalOf(res);
    const ticket = await reopenTicket(deps.models, deps.locks, id, principal.actor, body.reason);
    await deps.activity?.changed({
      kind: 'reopened',
      ticketId: String(id),
      by: principal.name,
      at: ticket.reopenedAt ?? new Date(),
    });
    res.json({ ticket });
  });

  route(TICKETS.priority, async (req, res) => {
    const { id } = pathParams(TicketParams, req.params, 'ticket');
    const body = PrioritySchema.parse(req.body);
    const principal = principalOf(res);
    const ticket = await setTicketPriority(
      deps.models,
      deps.locks,
      id,
      body.priority,
      principal.actor,
    );
    await deps.activity?.changed({
      kind: 'priority',
      ticketId: String(id),
      by: principal.name,
      at: new Date(),
    });
    res.json({ ticket });
  });

  route(TICKETS.take, async (req, res) => {
    const { id } = pathParams(TicketParams, req.params, 'ticket');
    res.json({ ticket: await takeFromConsole(deps, String(id), principalOf(res)) });
  });

  route(TICKETS.release, async (req, res) => {
    const { id } = pathParams(TicketParams, req.params, 'ticket');
    res.json({ ticket: await releaseFromConsole(deps, String(id), principalOf(res)) });
  });

  ticketAnswerRoutes(route, deps);
  return router;
}
