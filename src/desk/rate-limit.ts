import { webApi } from '@slack/bolt';

/**
 * A Slack Web API call refused with 429: the job is retried after Slack's Retry-After, not after
 * the usual backoff (https://api.slack.com/apis/rate-limits).
 */
export class RetryAfterError extends Error {
  constructor(
    readonly retryAfterMs: number,
    options?: { cause?: unknown },
  ) {
    super(`Slack rate limit: retry after ${retryAfterMs} ms`, options);
    this.name = 'RetryAfterError';
  }
}

/** Turns the Web API client's rate-limit error into a RetryAfterError; other errors pass as they are. */
export function steerRateLimit(error: unknown): unknown {
  if (
    error instanceof Error &&
    (error as { code?: unknown }).code === webApi.ErrorCode.RateLimitedError
  ) {
    const seconds = (error as { retryAfter?: unknown }).retryAfter;
    const ms = typeof seconds === 'number' && seconds > 0 ? seconds * 1000 : 1000;
    return new RetryAfterError(ms, { cause: error });
  }
  return error;
}

/** BullMQ backoff for desk jobs: Slack's Retry-After when given, else exponential from 1 s. */
export function deskBackoff(attemptsMade: number, _type?: string, error?: Error): number {
  if (error instanceof RetryAfterError) return error.retryAfterMs;
  return Math.min(60_000, 1000 * 2 ** Math.max(0, attemptsMade - 1));
}
