import { z } from 'zod';
import { parseEnvironment } from './domain/environment.ts';

const int = (fallback: number) => z.coerce.number().int().nonnegative().default(fallback);

/**
 * Every setting, from environment variables, validated once at start. docs/configuration.md
 * lists the same variables (a test checks that each one here is documented there).
 */
export const ConfigSchema = z.object({
  PORT: int(3000),
  HOST: z.string().default('127.0.0.1'),
  /** Unset: start a local MongoDB-compatible server (FerretDB, or mongod when on PATH). */
  MONGODB_URI: z.string().url().optional(),
  MONGODB_DB: z.string().default('switchboard'),
  /** Unset: start a local redis-server. */
  REDIS_URL: z.string().url().optional(),
  DATA_DIR: z.string().default('./data'),
  /**
   * The gateway's public base URL as customers reach it (scheme, host, optional path prefix): the
   * help centre's links in answers that leave the gateway (a cut SMS), the web chat, file links.
   */
  PUBLIC_URL: z
    .string()
    .url()
    .transform((value) => value.replace(/\/+$/, ''))
    .optional(),
  /** Storage of the local FerretDB when MONGODB_URI is unset (see src/local/mongo-server.ts). */
  LOCAL_FERRETDB_BACKEND: z.enum(['postgresql', 'sqlite']).default('postgresql'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Prefix of every BullMQ key, so several deployments can share one Redis. */
  QUEUE_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/)
    .default('sb'),
  /**
   * Which proxies' X-Forwarded-For / X-Forwarded-Proto are believed, in Express's `trust proxy`
   * syntax: `loopback` (default: a proxy on this machine), a hop count (`1` behind one load
   * balancer), `true`/`false`, or a comma list of addresses and CIDRs. It decides the client
   * address rate limits count by and whether a request came over HTTPS (Secure cookies).
   */
  TRUST_PROXY: z
    .string()
    .trim()
    .min(1)
    .default('loopback')
    .transform((value): boolean | number | string =>
      value === 'true'
        ? true
        : value === 'false'
          ? false
          : /^\d+$/.test(value)
            ? Number(value)
            : value,
    ),
  /** Bearer token `/metrics` requires (≥ 16 chars); unset: open, as Prometheus scrapes expect. */
  METRICS_TOKEN: z.string().min(16).optional(),
  /** Admin bearer token / Basic password for the queue dashboard and admin API; unset disables them. */
  ADMIN_TOKEN: z.string().min(16).optional(),
  /** Signs console session cookies; unset: a random secret shared through Redis. */
  ADMIN_SESSION_SECRET: z.string().min(32).optional(),
  /** Idle lifetime of a console session (renewed by every request). */
  ADMIN_SESSION_TTL_SECONDS: z.coerce.number().int().positive().default(28_800),
  /** `auto`: Secure cookies on HTTPS requests (behind a proxy: X-Forwarded-Proto); `true`/`false` force it. */
  ADMIN_COOKIE_SECURE: z
    .enum(['auto', 'true', 'false'])
    .default('auto')
    .transform((v) => (v === 'auto' ? ('auto' as const) : v === 'true')),
  /** Failed sign-ins per email and address (ten times as many per address) within the window. */
  ADMIN_LOGIN_MAX_FAILURES: z.coerce.number().int().positive().default(5),
  ADMIN_LOGIN_WINDOW_SECONDS: z.coerce.number().int().positive().default(900),
  /** How long the link to a file sent to a customer lives (seconds; channels that send links). */
  OUTBOUND_FILE_LINK_SECONDS: z.coerce.number().int().positive().default(604_800),
  /**
   * How long the link that confirms a claimed email (the web chat's pre-chat form) lives, in
   * seconds (src/identity/confirmation-links.ts).
   */
  EMAIL_CONFIRM_LINK_SECONDS: z.coerce.number().int().min(60).max(604_800).default(86_400),
  /**
   * Confirmation emails a day, per contact and per address (hostile visitors must not use us to
   * mail someone else's address); 0: none are sent and pre-chat emails stay claimed.
   */
  EMAIL_CONFIRM_MAX_PER_DAY: int(3),
  /** Largest file an agent may upload for a reply (bytes). */
  ADMIN_UPLOAD_MAX_BYTES: z.coerce.number().int().positive().default(10_485_760),
  INGEST_CONCURRENCY: int(16),
  OUTBOUND_CONCURRENCY: int(16),
  OUTBOUND_ATTEMPTS: int(10),
  OUTBOUND_BACKOFF_MS: int(2000),
  /** How long a worker holds a job before others may take it over (a crashed worker's jobs). */
  JOB_LOCK_MS: int(30_000),
  /** How many finished jobs Redis keeps (they also de-duplicate redeliveries by job id). */
  KEEP_COMPLETED_JOBS: int(100_000),
  /** Days a failed job is kept (to look into, to retry) before Redis drops it and its data. */
  KEEP_FAILED_JOBS_DAYS: z.coerce.number().int().min(1).default(14),
  API_MAX_BODY_BYTES: int(256 * 1024),
  /** Requests a minute to the API channel, per integration key and per client address (0: off). */
  RATE_LIMIT_API_PER_MINUTE: int(6000),
  /** Twilio and Slack webhook requests a minute per sending address (0: off). */
  RATE_LIMIT_WEBHOOK_PER_MINUTE: int(6000),
  /** Requests a minute per client address to each other endpoint group (0: off). */
  RATE_LIMIT_PUBLIC_PER_MINUTE: int(3000),
  WEBHOOK_TIMEOUT_MS: int(10_000),
  /** `true`: API-channel callbacks may go to loopback/private/link-local addresses (SSRF guard off). */
  API_CALLBACK_ALLOW_PRIVATE: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true'),
  SHUTDOWN_TIMEOUT_MS: int(20_000),
  /** A ticket the bot answered is resolved after this long without a customer message (0: never). */
  BOT_RESOLVE_QUIET_SECONDS: int(3600),
  /**
   * A contact's new conversation, on any channel, joins their open ticket when the customer wrote
   * on it within this long (0: every conversation is a ticket of its own).
   */
  CONVERSATION_JOIN_SECONDS: int(72 * 3600),
  /** A resolved ticket closes after this long (0: never); a later message opens a linked ticket. */
  TICKET_CLOSE_SECONDS: int(4 * 24 * 3600),
  /** How often the lifecycle sweep looks for quiet and resolved tickets. */
  TICKET_SWEEP_SECONDS: z.coerce.number().int().min(1).max(3600).default(60),
  /** Locales the bot answers in: one intent model each, trained from that locale's published articles. */
  KB_LOCALES: z
    .string()
    .default('en,zh')
    .transform((value) =>
      value
        .split(',')
        .map((l) => l.trim())
        .filter((l) => l.length > 0),
    )
    .pipe(
      z.array(z.string().regex(/^[a-z]{2}$/, 'two-letter locale codes, comma-separated')).min(1),
    ),
  /**
   * Languages an agent with none set is taken to speak (routing); unset: KB_LOCALES. A comma list
   * of two-letter codes.
   */
  AGENT_DEFAULT_LANGUAGES: z
    .string()
    .optional()
    .transform((value) =>
      value === undefined
        ? undefined
        : value
            .split(',')
            .map((l) => l.trim())
            .filter((l) => l.length > 0),
    )
    .pipe(
      z
        .array(z.string().regex(/^[a-z]{2}$/, 'two-letter locale codes, comma-separated'))
        .min(1)
        .optional(),
    ),
  /** Locale used when a message's language has no model (or cannot be told). */
  NLU_FALLBACK_LOCALE: z
    .string()
    .regex(/^[a-z]{2}$/)
    .default('en'),
  /**
   * Answer precision the intent model is calibrated for: the bot answers the most questions it
   * can while at least this share of its held-out answers are right; below, it asks or hands over.
   */
  NLU_TARGET_PRECISION: z.coerce.number().min(0.5).max(1).default(0.95),
  /** `start` imports these articles (published) when the knowledge base is empty. Default: the seed articles. */
  KB_SEED_DIR: z.string().optional(),
  /** `false`: `start` never imports the seed articles. */
  KB_SEED_ON_START: z
    .enum(['true', 'false'])
    .default('true')
    .transform((v) => v === 'true'),
  /**
   * HMAC key of the SMS suppression list: an erased number's STOP kept as a keyed hash (see
   * src/pool/sms-compliance.ts). Unset: a random key kept in the database. Changing it forgets them.
   */
  SMS_SUPPRESSION_KEY: z.string().min(32).optional(),
});

export type Config = z.infer<typeof ConfigSchema>;

/** Parses the environment; a bad value stops the process with a message naming the variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  return parseEnvironment(ConfigSchema, env);
}
