import type { ReceiverProcessEventErrorHandlerArgs } from '@slack/bolt';
import { isSwitchboardError } from '../domain/errors.ts';
import { isStoreUnreachable } from '../unreachable.ts';

/** The errors behind Bolt's wrappers (UnknownError.original, MultipleListenerError.originals). */
function causes(error: unknown): unknown[] {
  const { original, originals } = (error ?? {}) as { original?: unknown; originals?: unknown };
  if (Array.isArray(originals)) return originals.flatMap(causes);
  if (original !== undefined) return causes(original);
  return [error];
}

/**
 * How a signed Slack request whose processing failed is answered (Bolt's default is a bare 500
 * for everything):
 * - a store is unreachable (our listeners could not queue the event): 503, so Slack retries it —
 *   the same answer every other webhook gives during an outage;
 * - one of our errors: its status;
 * - a TypeError: Bolt itself could not read the envelope (it reads `.id` of a null `event.user`,
 *   `'id' in` a numeric `event.channel`, fields of a null authorization — shapes Slack never
 *   sends, found by test/properties/slack.property.test.ts): 400 with the reason; nothing was
 *   queued, nothing else is affected;
 * - anything else: 500.
 * The signature was verified before any of this runs, so only Slack (or a holder of the signing
 * secret) reaches it.
 */
export async function answerBoltFailure(
  args: ReceiverProcessEventErrorHandlerArgs,
): Promise<boolean> {
  const { error, response, logger } = args;
  if (response.headersSent) {
    logger.error('a Slack event failed after it was acknowledged');
    return Promise.resolve(false);
  }
  const found = causes(error);
  const ours = found.find(isSwitchboardError);
  const status = found.some(isStoreUnreachable)
    ? 503
    : ours
      ? ours.httpStatus
      : found.every((cause) => cause instanceof TypeError)
        ? 400
        : 500;
  const reason =
    status === 400
      ? `the Slack event could not be read: ${(found[0] as Error).message}`
      : status === 503
        ? 'a store is unreachable; retry later'
        : (ours?.message ?? 'the Slack event could not be processed');
  if (status >= 500) logger.error(`Slack event refused (${status}): ${reason}`);
  else logger.warn(`Slack event refused (${status}): ${reason}`);
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(
    JSON.stringify({
      error: {
        code:
          status === 400
            ? 'SB_ERR_VALIDATION'
            : status === 503
              ? 'SB_ERR_UNAVAILABLE'
              : (ours?.code ?? 'SB_ERR_INTERNAL'),
        message: reason,
      },
    }),
  );
  return Promise.resolve(false);
}
