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
import { principalOf, requirePermission } from '../auth.ts';
import type { AdminDeps } from '../deps.ts';
import { pathParams } from './params.ts';

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

export function deliveriesRouter(
  deps: AdminDeps,
  outbound: Queue<OutboundJobData> | undefined,
): Router {
  const router = Router();
  const resend = requirePermission('deliveries.resend');
  const resendDeps = (): ResendDeps => {
    if (!outbound) throw new SwitchboardError('SB_ERR_UNAVAILABLE', 'no outbound queue here');
    return { models: deps.models, outbound };
  };

  router.get('/deliveries/failed', resend, async (_req, res) => {
    res.json({ deliveries: await listFailedDeliveries(resendDeps()) });
  });

  router.post('/deliveries/:messageId/resend', resend, async (req, res) => {
    const { messageId } = pathParams(DeliveryParams, req.params, 'outbound message');
    const delivery = await resendDelivery(resendDeps(), {
      messageId,
      by: principalOf(res).actor,
    });
    res.status(202).json({ delivery });
  });
  return router;
}
