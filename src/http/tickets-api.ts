import express, { Router } from 'express';
import { z } from 'zod';
import { SwitchboardError } from '../domain/errors.ts';
import type { TicketPool } from '../pool/pool.ts';

const ReplyBodySchema = z
  .object({
    /** The caller's id for this reply: sending it again sends nothing twice. */
    replyId: z.string().min(1).max(200),
    agent: z.object({ id: z.string().min(1).max(200), name: z.string().min(1).max(200) }).strict(),
    text: z.string().trim().min(1).max(20_000),
  })
  .strict();

function objectIdParam(value: unknown): string {
  if (typeof value !== 'string' || !/^[0-9a-f]{24}$/i.test(value)) {
    throw new SwitchboardError('SB_ERR_NOT_FOUND', 'no such ticket');
  }
  return value;
}

/**
 * The admin API's ticket endpoints, mounted at /api/v1/tickets behind admin auth: read a ticket with its transcript, and post
 * an agent's reply, which goes back on the customer's own channel.
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
}): Router {
  const router = Router();
  router.get('/:id', async (req, res) => {
    const id = objectIdParam(req.params['id']);
    const ticket = await deps.pool.getTicket(id);
    if (!ticket) throw new SwitchboardError('SB_ERR_NOT_FOUND', 'no such ticket');
    const messages = await deps.pool.listMessages(id);
    res.json({ ticket, messages });
  });
  router.post('/:id/replies', express.json({ limit: '64kb' }), async (req, res) => {
    const id = objectIdParam(req.params['id']);
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
