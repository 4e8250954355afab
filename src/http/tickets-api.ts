import express, { Router } from 'express';
import { z } from 'zod';
import { ObjectIdText, pathParams } from '../admin/api/params.ts';
import { SwitchboardError } from '../domain/errors.ts';
import type { TicketPool } from '../pool/pool.ts';
import type { TicketDoc } from '../pool/models.ts';
import type { DemandForecast } from '../dispatch/forecast.ts';
import { explainUrgency } from '../dispatch/urgency.ts';

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
  forecast?: () => Promise<DemandForecast>;
}): Router {
  const router = Router();
  router.get('/forecast', async (_req, res) => {
    if (!deps.forecast) throw new SwitchboardError('SB_ERR_NOT_FOUND', 'no forecast here');
    res.json(await deps.forecast());
  });
  router.get('/:id', async (req, res) => {
    const { id } = pathParams(TicketIdParams, req.params, 'ticket');
    const ticket = await deps.pool.getTicket(id);
    if (!ticket) throw new SwitchboardError('SB_ERR_NOT_FOUND', 'no such ticket');
    const messages = await deps.pool.listMessages(id);
    res.json({ ticket, dispatch: dispatchView(ticket), messages });
  });
  router.post('/:id/replies', express.json({ limit: REPLY_BODY_LIMIT }), async (req, res) => {
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
