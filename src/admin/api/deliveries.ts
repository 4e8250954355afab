/**
 * Failed deliveries: the outbound messages that did not reach their customer (a refused
 * callback, a channel that answered 4xx, a job out of attempts), and sending one again.
 */
import type { Queue } from 'bullmq';
import { Router } from 'express';
import { z } from 'zod';
import { SwitchboardError } from '../../domain/errors.ts';
import { listFailedDeliveries, resendDelivery, type ResendDeps } from '../../pipeline/resend.ts';
import type { OutboundJobData } from '../../pipeline/queues.ts';
import { principalOf } from '../auth.ts';
import type { AdminDeps } from '../deps.ts';
import { pathParams } from './params.ts';
import { FailedDeliveryView } from '../openapi/schemas.ts';
import { json, routes, type AdminOperation } from '../routes.ts';

/**
 * `:messageId` of an outbound message: `sb.<key>`, percent-encoded in the path (keys of API
 * messages hold the integration's `/`).
 */
export const DeliveryParams = z.object({
  messageId: z
    .string()
    .max(400)
    .regex(/^sb\.\S+$/, 'an outbound message id (sb.…)'),
});

/** The failed deliveries API: what deliveriesRouter mounts and the OpenAPI document describes. */
const DELIVERIES = {
  failed: {
    method: 'get',
    path: '/deliveries/failed',
    tag: 'deliveries',
    summary: 'List failed deliveries',
    description:
      'Outbound messages that did not reach their customer and that nothing will try again: refused for good (`failed`), or left by a delivery job out of attempts. Newest first, at most 500; no message text.',
    permission: 'deliveries.resend',
    response: json(z.object({ deliveries: z.array(FailedDeliveryView) }), 'The failed deliveries.'),
  },
  resend: {
    method: 'post',
    path: '/deliveries/:messageId/resend',
    tag: 'deliveries',
    summary: 'Send a failed delivery again',
    description:
      "Queues the message again with a full set of attempts, under the same message id (the API callback's `X-Switchboard-Delivery`). The id is percent-encoded in the path. 409 when it was sent or is still being delivered. Audited as `delivery.resend`.",
    permission: 'deliveries.resend',
    params: DeliveryParams,
    response: json(z.object({ delivery: FailedDeliveryView }), 'Queued again.', 202),
    also: [409],
  },
} satisfies Record<string, AdminOperation>;

/** The failed deliveries API's operations, in the document's order. */
export const DELIVERY_OPERATIONS: readonly AdminOperation[] = Object.values(DELIVERIES);

export function deliveriesRouter(
  deps: AdminDeps,
  outbound: Queue<OutboundJobData> | undefined,
): Router {
  const router = Router();
  const route = routes(router);
  const resendDeps = (): ResendDeps => {
    if (!outbound) throw new SwitchboardError('SB_ERR_UNAVAILABLE', 'no outbound queue here');
    return { models: deps.models, outbound };
  };

  route(DELIVERIES.failed, async (_req, res) => {
    res.json({ deliveries: await listFailedDeliveries(resendDeps()) });
  });

  route(DELIVERIES.resend, async (req, res) => {
    const { messageId } = pathParams(DeliveryParams, req.params, 'outbound message');
    const delivery = await resendDelivery(resendDeps(), {
      messageId,
      by: principalOf(res).actor,
    });
    res.status(202).json({ delivery });
  });
  return router;
}
