import { UnrecoverableError } from 'bullmq';
import { ZodError } from 'zod';
import { isSwitchboardError } from '../domain/errors.ts';

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
