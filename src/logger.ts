import { pino, type Logger } from 'pino';

export type { Logger };

/** The longest string a log line carries: a request's path or body beyond this is cut. */
export const MAX_LOGGED_STRING = 4096;
const LOCAL_CHAR = /[A-Za-z0-9._%+-]/;
const DOMAIN_CHAR = /[A-Za-z0-9.-]/;
const DOMAIN = /^[A-Za-z0-9.-]*\.[A-Za-z]{2,}$/;
// E.164 and common local formats: a + or digit, then 7+ digits with optional separators. Not
// inside a run of letters and digits, so ids logged instead of values (ObjectIds, provider ids
// such as Twilio's SM…) stay readable.
const PHONE = /(?<![A-Za-z0-9])\+?\d[\d\s().-]{6,}\d(?![A-Za-z0-9])/g;
// Credentials with a recognizable shape, wherever they appear in a text (a library's debug line,
// an error message quoting a header or a URL).
const CREDENTIALS: Array<[RegExp, string]> = [
  // Authorization header values.
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi, '$1 [redacted]'],
  // Slack tokens (https://api.slack.com/authentication/token-types).
  [/\bx(?:ox[abposr]|app)-[A-Za-z0-9-]{6,}/g, '[slack-token]'],
  // Our integration keys and console API tokens: the key id stays, the secret part goes.
  [/\b(sb[kt]_[0-9a-f]{12}_)[A-Za-z0-9_-]+/g, '$1[redacted]'],
  // Credentials in query strings (Direct Line's stream URL carries its token as `t`).
  [
    /([?&](?:t|token|access_token|key|api_key|apikey|sig|signature|code|password)=)[^&\s"'#]+/gi,
    '$1[redacted]',
  ],
];
/** Keys whose values are credentials, whatever they hold. */
const SECRET_KEY =
  /secret|token|password|passwd|^pass$|authorization|cookie|csrf|signature|credential|private.?key|api.?key|session.?id|^sid$/i;

/**
 * Email addresses replaced by `[email]`, found from each `@` outwards. A regex starting
 * `[A-Za-z0-9._%+-]+@` tried every position and scanned to the end from each: quadratic, so an
 * unauthenticated request with a 16 KB path cost 0.14 s of CPU to log. This is linear: the scan
 * left of an `@` stops at the previous one (an `@` is no local-part character).
 */
function redactEmails(text: string): string {
  let out = '';
  let copied = 0;
  let at = text.indexOf('@');
  while (at >= 0) {
    let start = at;
    while (start > copied && LOCAL_CHAR.test(text.charAt(start - 1))) start -= 1;
    let end = at + 1;
    while (end < text.length && DOMAIN_CHAR.test(text.charAt(end))) end += 1;
    // The domain ends at its last letter run of a TLD (a trailing dot is punctuation).
    let domainEnd = end;
    while (domainEnd > at + 1 && !/[A-Za-z]/.test(text.charAt(domainEnd - 1))) domainEnd -= 1;
    if (start < at && DOMAIN.test(text.slice(at + 1, domainEnd))) {
      out += `${text.slice(copied, start)}[email]`;
      copied = domainEnd;
    }
    at = text.indexOf('@', Math.max(at + 1, copied));
  }
  return out + text.slice(copied);
}

/**
 * Replaces emails, phone numbers and credential-shaped values in a string with placeholders;
 * strings longer than MAX_LOGGED_STRING are cut first, so a log line's cost is bounded.
 */
export function redactText(text: string): string {
  let out =
    text.length > MAX_LOGGED_STRING
      ? `${text.slice(0, MAX_LOGGED_STRING)}…[${text.length - MAX_LOGGED_STRING} more characters]`
      : text;
  for (const [pattern, replacement] of CREDENTIALS) out = out.replace(pattern, replacement);
  return redactEmails(out).replace(PHONE, (match) =>
    match.replace(/\D/g, '').length >= 7 ? '[phone]' : match,
  );
}

/** Deep copy with every string redacted; secrets are removed by key. */
export function redactValue(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redactText(value);
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (value instanceof Error) {
    // Only what helps and holds no payload: an error's other fields (a client's request config,
    // a response body) stay out.
    const code = (value as { code?: unknown }).code;
    return {
      type: value.name,
      message: redactText(value.message),
      ...(typeof code === 'string' || typeof code === 'number' ? { code } : {}),
      stack: value.stack && redactText(value.stack),
      ...(value.cause === undefined ? {} : { cause: redactValue(value.cause, depth + 1) }),
    };
  }
  if (Array.isArray(value)) return value.map((item) => redactValue(item, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    out[key] = SECRET_KEY.test(key) ? '[redacted]' : redactValue(inner, depth + 1);
  }
  return out;
}

/** pino JSON logs with personal data and secrets redacted from every field and message. */
export function createLogger(options: {
  level: string;
  destination?: NodeJS.WritableStream;
}): Logger {
  const logger = pino(
    {
      level: options.level,
      formatters: {
        log: (object) => redactValue(object) as Record<string, unknown>,
      },
      // `err` is already redacted (above); pino's own serializer would fold it into a new object.
      serializers: { err: (value: unknown) => value },
      hooks: {
        logMethod(args, method) {
          const redacted: unknown[] = args.map((arg) =>
            typeof arg === 'string' ? redactText(arg) : arg,
          );
          // pino takes the message of an error logged without one from the error itself, after
          // this hook: give it the redacted message instead.
          const [first, second] = redacted;
          const error =
            first instanceof Error
              ? first
              : typeof first === 'object' && first !== null
                ? (first as { err?: unknown }).err
                : undefined;
          if (typeof second !== 'string' && error instanceof Error) {
            const fields = first instanceof Error ? { err: first } : first;
            redacted.splice(0, 1, fields, redactText(error.message));
          }
          method.apply(this, redacted as Parameters<typeof method>);
        },
      },
    },
    options.destination ?? process.stdout,
  );
  // A child's bindings skip formatters.log (and pino resets formatters.bindings for children):
  // redact them on the way in. Children inherit this method, so grandchildren are covered too.
  // eslint-disable-next-line @typescript-eslint/unbound-method -- called with each logger's own `this`
  const child = logger.child;
  logger.child = function (this: Logger, bindings, childOptions) {
    return child.call(this, redactValue(bindings) as typeof bindings, childOptions);
  } as typeof logger.child;
  return logger;
}
