/**
 * The one catalogue of Switchboard errors. Each has a stable code (documented in docs/errors.md; a
 * test checks), the HTTP status it maps to, and whether retrying could help — the worker boundary
 * turns non-retryable errors into BullMQ UnrecoverableError so they are not retried in vain.
 */
export const ERROR_CATALOGUE = {
  SB_ERR_VALIDATION: {
    httpStatus: 400,
    retryable: false,
    description: 'The request body or a field in it is invalid; `field` names it.',
  },
  SB_ERR_MALFORMED_JSON: {
    httpStatus: 400,
    retryable: false,
    description: 'The body is not valid JSON.',
  },
  SB_ERR_UNSUPPORTED_MEDIA_TYPE: {
    httpStatus: 415,
    retryable: false,
    description: 'The body is not of the content type the endpoint takes.',
  },
  SB_ERR_PAYLOAD_TOO_LARGE: {
    httpStatus: 413,
    retryable: false,
    description: 'The body exceeds the configured size limit.',
  },
  SB_ERR_UNAUTHENTICATED: {
    httpStatus: 401,
    retryable: false,
    description: 'No credentials, or credentials that match nothing.',
  },
  SB_ERR_FORBIDDEN: {
    httpStatus: 403,
    retryable: false,
    description: 'Valid credentials without the right to do this.',
  },
  SB_ERR_IDENTITY_INVALID: {
    httpStatus: 401,
    retryable: false,
    description:
      "The web chat's signed user (user hash or JWT) is invalid, expired, or missing where the site requires one.",
  },
  SB_ERR_TOKEN_EXPIRED: {
    httpStatus: 403,
    retryable: false,
    description: 'The web chat (Direct Line) token has expired; start or refresh a conversation.',
  },
  SB_ERR_CONFIRMATION_INVALID: {
    httpStatus: 400,
    retryable: false,
    description:
      'An email confirmation link that was altered, has expired, or was used already; the message says which.',
  },
  SB_ERR_RATE_LIMITED: {
    httpStatus: 429,
    retryable: true,
    description:
      'Too many requests from this visitor, address or API key; retry after `Retry-After` seconds.',
  },
  SB_ERR_NOT_FOUND: {
    httpStatus: 404,
    retryable: false,
    description: 'The resource does not exist.',
  },
  SB_ERR_INVALID_TRANSITION: {
    httpStatus: 409,
    retryable: false,
    description: 'The ticket lifecycle does not allow this status change from the current status.',
  },
  SB_ERR_CONFLICT: {
    httpStatus: 409,
    retryable: true,
    description: 'A concurrent change won; read again and retry.',
  },
  SB_ERR_UNAVAILABLE: {
    httpStatus: 503,
    retryable: true,
    description: 'Redis or the database is unreachable; nothing was accepted, retry later.',
  },
  SB_ERR_DELIVERY_FAILED: {
    httpStatus: 502,
    retryable: true,
    description: 'A channel refused or failed to take an outbound message; it will be retried.',
  },
  SB_ERR_DELIVERY_REJECTED: {
    httpStatus: 502,
    retryable: false,
    description:
      'A channel rejected an outbound message for good (e.g. 4xx from the receiver); not retried.',
  },
  SB_ERR_UNKNOWN_CHANNEL: {
    httpStatus: 500,
    retryable: false,
    description: 'An outbound message names a channel this process has no adapter for.',
  },
  SB_ERR_ATTACHMENT_NOT_STORED: {
    httpStatus: 404,
    retryable: false,
    description:
      'The attachment is known (its metadata is kept) but its content was not stored, e.g. over the size limit.',
  },
  SB_ERR_INTENT_MODEL_FORMAT: {
    httpStatus: 500,
    retryable: false,
    description:
      'A stored intent model was written by a version this one cannot read; it is trained again.',
  },
  SB_ERR_INTENT_MODEL_MISSING: {
    httpStatus: 500,
    retryable: false,
    description: 'The intent layer has no model for the locale asked (a wrong setup).',
  },
  SB_ERR_CONFIG: {
    httpStatus: 500,
    retryable: false,
    description: 'The configuration is invalid; the message names the variable.',
  },
  SB_ERR_INTERNAL: {
    httpStatus: 500,
    retryable: true,
    description: 'An unexpected error; details are in the log.',
  },
} as const satisfies Record<
  string,
  { httpStatus: number; retryable: boolean; description: string }
>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

export class SwitchboardError extends Error {
  readonly code: ErrorCode;
  readonly httpStatus: number;
  readonly retryable: boolean;
  /** The request field at fault, for validation errors. */
  readonly field: string | undefined;
  /**
   * For a failed delivery: the provider may have taken the message anyway (a timeout, a connection
   * lost after the request went out), so the next attempt asks the channel before sending again.
   */
  readonly deliveryUncertain: boolean;

  constructor(
    code: ErrorCode,
    message: string,
    options: { cause?: unknown; field?: string; deliveryUncertain?: boolean } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SwitchboardError';
    this.code = code;
    this.httpStatus = ERROR_CATALOGUE[code].httpStatus;
    this.retryable = ERROR_CATALOGUE[code].retryable;
    this.field = options.field;
    this.deliveryUncertain = options.deliveryUncertain ?? false;
  }

  toJSON(): { code: ErrorCode; message: string; field?: string } {
    return this.field === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, field: this.field };
  }
}

export function isSwitchboardError(error: unknown): error is SwitchboardError {
  return error instanceof SwitchboardError;
}
