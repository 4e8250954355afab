import type { ErrorRequestHandler } from 'express';
import type { Logger } from 'pino';
import { ZodError } from 'zod';
import { SwitchboardError, isSwitchboardError } from '../domain/errors.ts';
import { isStoreUnreachable } from '../unreachable.ts';
import { RateLimitedError } from './rate-limit.ts';

/** Errors body-parser raises carry a `type`; map them onto our catalogue. */
function fromBodyParser(error: {
  type?: unknown;
  message?: unknown;
}): SwitchboardError | undefined {
  switch (error.type) {
    case 'entity.too.large':
      return new SwitchboardError('SB_ERR_PAYLOAD_TOO_LARGE', 'the body exceeds the size limit');
    case 'entity.parse.failed':
      return new SwitchboardError(
        'SB_ERR_MALFORMED_JSON',
        `the body is not valid JSON: ${String(error.message)}`,
      );
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new SwitchboardError('SB_ERR_UNSUPPORTED_MEDIA_TYPE', String(error.message));
    case 'request.aborted':
      return new SwitchboardError(
        'SB_ERR_VALIDATION',
        'the request was aborted before its body arrived',
      );
    default:
      return undefined;
  }
}

/**
 * The database or Redis is unreachable (driver errors by name): 503, so the caller retries later
 * instead of treating its message as refused.
 */
function fromUnreachableStore(error: unknown): SwitchboardError | undefined {
  return isStoreUnreachable(error)
    ? new SwitchboardError(
        'SB_ERR_UNAVAILABLE',
        'a backing store is unreachable; nothing was accepted, retry later',
      )
    : undefined;
}

/** The first zod issue as a validation error naming its field (`from.email`, `text`, ...). */
export function fromZod(error: ZodError): SwitchboardError {
  const issue = error.issues[0];
  const field = issue?.path.map(String).join('.') || '(body)';
  return new SwitchboardError('SB_ERR_VALIDATION', `${field}: ${issue?.message ?? 'invalid'}`, {
    field,
  });
}

/** Every error leaves as `{ error: { code, message, field? } }` with the catalogue's status. */
export function errorHandler(logger?: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, _next) => {
    const known = isSwitchboardError(error)
      ? error
      : error instanceof ZodError
        ? fromZod(error)
        : typeof error === 'object' && error !== null
          ? (fromBodyParser(error) ?? fromUnreachableStore(error))
          : undefined;
    const final =
      known ?? new SwitchboardError('SB_ERR_INTERNAL', 'internal error', { cause: error });
    if (final.httpStatus >= 500) logger?.error({ err: error, path: req.path }, 'request failed');
    else logger?.info({ code: final.code, path: req.path }, 'request refused');
    if (res.headersSent) return;
    if (final.httpStatus === 503) res.setHeader('retry-after', '5');
    if (final instanceof RateLimitedError)
      res.setHeader('retry-after', String(final.retryAfterSeconds));
    res.status(final.httpStatus).json({ error: final.toJSON() });
  };
}
