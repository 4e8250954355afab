import type { Queue } from 'bullmq';
import { SwitchboardError } from '../domain/errors.ts';
import { recordAudit } from '../pool/audit.ts';
import type { MessageDoc, PoolModels } from '../pool/models.ts';
import type { OutboundJobData } from './queues.ts';

/** A delivery that gave up, as the CLI and the admin API list it. No message text. */
export interface FailedDelivery {
  messageId: string;
  ticketId: string;
  channel: string;
  authorKind: string;
  /** `failed` (refused for good) or the state a job that ran out of attempts left it in. */
  status: string;
  error: string | null;
  attempts: number;
  createdAt: Date;
}

/** Job states in which a delivery is still under way: resending then would race it. */
const UNDER_WAY = new Set(['waiting', 'active', 'delayed', 'prioritized', 'waiting-children']);

/** How many failed deliveries one listing (and one `resend --all`) covers at most. */
export const FAILED_DELIVERIES_LIMIT = 500;

export interface ResendDeps {
  models: PoolModels;
  outbound: Queue<OutboundJobData>;
}

function jobIdOf(messageId: string): string {
  return `out.${messageId}`;
}

async function jobState(outbound: Queue<OutboundJobData>, messageId: string): Promise<string> {
  const job = await outbound.getJob(jobIdOf(messageId));
  return job ? await job.getState() : 'missing';
}

function toFailedDelivery(message: MessageDoc): FailedDelivery {
  return {
    messageId: String(message._id),
    ticketId: String(message.ticketId),
    channel: message.channel,
    authorKind: message.authorKind,
    status: message.deliveryStatus,
    error: message.deliveryError ?? null,
    attempts: message.deliveryAttempts ?? 0,
    createdAt: message.createdAt,
  };
}

/**
 * Outbound messages that did not reach their customer and that nothing will try again: refused
 * for good (`failed`: a 4xx, a refused callback address), or left by a delivery job that ran out
 * of attempts. Newest first.
 */
export async function listFailedDeliveries(deps: ResendDeps): Promise<FailedDelivery[]> {
  const candidates = (await deps.models.Message.find({
    direction: 'out',
    deliveryStatus: { $in: ['failed', 'pending', 'sending'] },
  })
    .sort({ createdAt: -1 })
    .limit(FAILED_DELIVERIES_LIMIT)
    .lean()) as MessageDoc[];
  const failed: FailedDelivery[] = [];
  for (const message of candidates) {
    if (message.deliveryStatus !== 'failed') {
      // Pending or sending: failed only once its job gave up (or is gone).
      const state = await jobState(deps.outbound, String(message._id));
      if (UNDER_WAY.has(state)) continue;
    }
    failed.push(toFailedDelivery(message));
  }
  return failed;
}

/**
 * Sends a failed delivery again: the message goes back to `pending` (one left `sending` stays so,
 * and its channel is asked first whether the lost attempt went out), and its delivery job runs
 * again with a full set of attempts. The channel receives the same message id, so a receiver
 * that de-duplicates (X-Switchboard-Delivery) never shows it twice. Audited. Refused for a
 * message already sent or whose delivery is still under way.
 */
export async function resendDelivery(
  deps: ResendDeps,
  input: { messageId: string; by: string },
): Promise<FailedDelivery> {
  const message = (await deps.models.Message.findById(input.messageId).lean()) as MessageDoc | null;
  if (!message || message.direction !== 'out') {
    throw new SwitchboardError('SB_ERR_NOT_FOUND', `no outbound message ${input.messageId}`);
  }
  const status = message.deliveryStatus;
  if (status === 'sent' || status === 'delivered') {
    throw new SwitchboardError('SB_ERR_CONFLICT', `message ${input.messageId} was ${status}`);
  }
  const job = await deps.outbound.getJob(jobIdOf(input.messageId));
  const state = job ? await job.getState() : 'missing';
  if (UNDER_WAY.has(state)) {
    throw new SwitchboardError(
      'SB_ERR_CONFLICT',
      `message ${input.messageId} is being delivered (its job is ${state})`,
    );
  }
  const next = status === 'sending' ? 'sending' : 'pending';
  // Conditional on the state read above: a concurrent resend or status callback wins.
  const reset = await deps.models.Message.updateOne(
    { _id: input.messageId, deliveryStatus: status },
    { $set: { deliveryStatus: next }, $unset: { deliveryError: 1 } },
  );
  if (reset.matchedCount === 0) {
    throw new SwitchboardError('SB_ERR_CONFLICT', `message ${input.messageId} changed meanwhile`);
  }
  if (job && state === 'failed') {
    await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
  } else {
    // Gone (failed jobs are kept KEEP_FAILED_JOBS_DAYS) or finished: a new job, same id.
    await job?.remove();
    await deps.outbound.add(
      'deliver',
      { messageId: input.messageId },
      { jobId: jobIdOf(input.messageId) },
    );
  }
  await recordAudit(deps.models, {
    actor: input.by,
    action: 'delivery.resend',
    subject: `message:${input.messageId}`,
    before: { status, error: message.deliveryError ?? null },
    after: { status: next },
  });
  return toFailedDelivery({ ...message, deliveryStatus: next });
}
