import express, { Router } from 'express';
import { z } from 'zod';
import { ObjectIdText, pathParams } from '../admin/api/params.ts';
import { SwitchboardError } from '../domain/errors.ts';
import type { TicketPool } from '../pool/pool.ts';
import type { TicketDoc } from '../pool/models.ts';
import type { DemandForecast as Forecast } from '../dispatch/forecast.ts';
import { explainUrgency } from '../dispatch/urgency.ts';
import {
  StoredTicket,
  StoredMessage,
  DispatchView,
  DemandForecast,
} from '../admin/openapi/schemas.ts';
import { json, routes, type TicketsApiOperation } from '../admin/routes.ts';

/** Where the router is mounted (src/app.ts), behind the operator's `ADMIN_TOKEN`. */
export const TICKETS_API_PATH = '/api/v1/tickets';

/** `:id` of a ticket: 24 hex digits; any other id names nothing (404 `no such ticket`). */
export const TicketIdParams = z.object({ id: ObjectIdText });

/** The most a reply's JSON body may weigh (413 beyond). */
export const REPLY_BODY_LIMIT = '64kb';

/** `POST /:id/replies`. */
export const ReplyBodySchema = z
  .object({
    replyId: z.string().min(1).max(200).meta({
      description: "The caller's id for this reply: sending it again sends nothing twice.",
    }),
    agent: z.object({ id: z.string().min(1).max(200), name: z.string().min(1).max(200) }).strict(),
    text: z
      .string()
      .trim()
      .min(1)
      .max(20_000)
      .meta({ description: 'The reply, trimmed: 1 to 20,000 characters.' }),
  })
  .strict();

/** Dispatch's view of a ticket: the score with its parts, the tier and the service level. */
function dispatchView(ticket: TicketDoc) {
  return {
    urgency: ticket.urgency,
    urgencyParts: ticket.urgencyParts,
    urgencyExplained: explainUrgency(
      ticket.urgencyParts.map((p) => ({ reason: p.reason ?? '', points: p.points ?? 0 })),
    ),
    tier: ticket.tier ?? null,
    priority: ticket.priority,
    requiredSkills: ticket.requiredSkills,
    sla: {
      policy: ticket.slaPolicy ?? null,
      state: ticket.slaState ?? null,
      firstResponseDueAt: ticket.firstResponseDueAt ?? null,
      nextResponseDueAt: ticket.nextResponseDueAt ?? null,
      resolutionDueAt: ticket.resolutionDueAt ?? null,
      firstResponseAt: ticket.firstResponseAt ?? null,
      agentRespondedAt: ticket.agentRespondedAt ?? null,
    },
  };
}

/** The operator's tickets API: what ticketsApiRouter mounts and the OpenAPI document describes. */
const TICKETS_API = {
  forecast: {
    method: 'get',
    path: '/forecast',
    summary: 'Demand forecast',
    description:
      "Dispatch's forecast of the next 24 hours: tickets per channel and hour, and the agents needed. 404 where no forecast is wired.",
    response: json(DemandForecast, 'The forecast.'),
    also: [404],
  },
  read: {
    method: 'get',
    path: '/:id',
    summary: 'Read a ticket with its transcript',
    description: "The stored ticket, dispatch's view of it (urgency, tier, SLA) and its messages.",
    params: TicketIdParams,
    response: json(
      z.object({ ticket: StoredTicket, dispatch: DispatchView, messages: z.array(StoredMessage) }),
      'The ticket.',
    ),
  },
  reply: {
    method: 'post',
    path: '/:id/replies',
    summary: "Send an agent's reply",
    description: `Stores the reply and queues it to the customer on the ticket's own channel. Sending the same \`replyId\` again sends nothing twice. A closed ticket is 409. Bodies are JSON of at most ${REPLY_BODY_LIMIT.replace('kb', ' kB')}.`,
    params: TicketIdParams,
    body: ReplyBodySchema,
    response: json(
      z.object({ status: z.literal('queued'), messageId: z.string() }),
      'Queued for delivery.',
      202,
    ),
    also: [409],
  },
} satisfies Record<string, TicketsApiOperation>;

/** Every endpoint of the operator's tickets API, under TICKETS_API_PATH. */
export const TICKETS_API_OPERATIONS: readonly TicketsApiOperation[] = Object.values(TICKETS_API);

/**
 * The operator's ticket endpoints, mounted at /api/v1/tickets behind `ADMIN_TOKEN` (src/http/admin-auth.ts): read a
 * ticket with its transcript, and post an agent's reply, which goes back on the customer's own channel. Described in the
 * OpenAPI document (src/admin/openapi.ts) from the schemas above, which the routes parse with.
 */
export function ticketsApiRouter(deps: {
  pool: TicketPool;
  sendAgentReply(input: {
    ticketId: string;
    key: string;
    agentId: string;
    agentName: string;
    text: string;
  }): Promise<{ _id: unknown }>;
  /** Dispatch's 24-hour demand forecast (GET /forecast); absent: 404. */
  forecast?: () => Promise<Forecast>;
}): Router {
  const router = Router();
  const route = routes(router);
  route(TICKETS_API.forecast, async (_req, res) => {
    if (!deps.forecast) throw new SwitchboardError('SB_ERR_NOT_FOUND', 'no forecast here');
    res.json(await deps.forecast());
  });
  route(TICKETS_API.read, async (req, res) => {
    const { id } = pathParams(TicketIdParams, req.params, 'ticket');
    const ticket = await deps.pool.getTicket(id);
    if (!ticket) throw new SwitchboardError('SB_ERR_NOT_FOUND', 'no such ticket');
    const messages = await deps.pool.listMessages(id);
    res.json({ ticket, dispatch: dispatchView(ticket), messages });
  });
  route(TICKETS_API.reply, express.json({ limit: REPLY_BODY_LIMIT }), async (req, res) => {
    const { id } = pathParams(TicketIdParams, req.params, 'ticket');
    const body = ReplyBodySchema.parse(req.body);
    const message = await deps.sendAgentReply({
      ticketId: id,
      key: body.replyId,
      agentId: body.agent.id,
      agentName: body.agent.name,
      text: body.text,
    });
    res.status(202).json({ status: 'queued', messageId: String(message._id) });
  });
  return router;
}
