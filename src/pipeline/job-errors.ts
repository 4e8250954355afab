import { DelayedError, UnrecoverableError, type Job } from 'bullmq';
import { ZodError } from 'zod';
import { isSwitchboardError } from '../domain/errors.ts';
import { isStoreUnreachable } from '../unreachable.ts';

/**
 * The error a worker throws to BullMQ for what its work threw: errors a retry cannot fix (a
 * non-retryable SwitchboardError, job data that fails its schema) become UnrecoverableError, so
 * BullMQ fails the job at once and keeps it in the failed list; anything else is returned as it is
 * and retried with the queue's backoff.
 */
export function toJobError(error: unknown): unknown {
  if (error instanceof UnrecoverableError) return error;
  if (error instanceof ZodError)
    return new UnrecoverableError(`invalid job data: ${error.message}`);
  if (isSwitchboardError(error) && !error.retryable)
    return new UnrecoverableError(`${error.code}: ${error.message}`);
  return error;
}

/** Runs a job's work, throwing what it throws as {@link toJobError} steers it. */
export async function steerRetries<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw toJobError(error);
  }
}

/** How long a job waits for the store to come back before it tries again. */
export const OUTAGE_PAUSE_MS = 5_000;
/** After this long since it was queued, an outage uses up attempts like any other failure. */
const OUTAGE_PATIENCE_MS = 24 * 3600 * 1000;

function isOutage(error: unknown): boolean {
  return (
    isStoreUnreachable(error) || (isSwitchboardError(error) && error.code === 'SB_ERR_UNAVAILABLE')
  );
}

/**
 * Runs a job's work; when it failed because MongoDB or Redis is unreachable, the job is put back,
 * delayed by `pauseMs`, without using up one of its attempts (BullMQ's DelayedError). An outage
 * longer than the backoff of the queue's attempts (about four minutes for inbound) would otherwise
 * fail every message taken meanwhile for good: a worker whose store connection stays broken
 * after a restart of the store burned through 108 messages that way in a fault drill. Another
 * worker takes the job when its delay is over.
 */
export async function waitOutStoreOutage<T>(
  job: Job,
  token: string | undefined,
  work: () => Promise<T>,
  pauseMs = OUTAGE_PAUSE_MS,
): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (token === undefined || !isOutage(error) || Date.now() - job.timestamp > OUTAGE_PATIENCE_MS)
      throw error;
    await job.moveToDelayed(Date.now() + pauseMs, token);
    throw new DelayedError();
  }
}
