import { z } from 'zod';
import { isSet, parseEnvironment } from '../../src/domain/environment.ts';
import { SwitchboardError } from '../../src/domain/errors.ts';
import { BrandConfigSchema } from '../../src/help/brand.ts';

const positiveInt = (fallback: number) => z.coerce.number().int().min(1).default(fallback);
const optionalString = z.string().trim().min(1).optional();
const flag = z
  .enum(['true', 'false'])
  .default('false')
  .transform((value) => value === 'true');

/**
 * The web chat channel's variables. The channel is on when WEBCHAT_TOKEN_SECRET is set (it signs
 * the Direct Line tokens, so nothing works without it); everything else has a default.
 */
export const WebchatConfigSchema = z.object({
  /** HMAC key (≥ 32 characters) that signs Direct Line tokens. Unset: the web chat channel is off. */
  WEBCHAT_TOKEN_SECRET: z.string().min(32, 'at least 32 characters'),
  /** Lifetime of a Direct Line token in seconds; Web Chat refreshes it every 15 minutes. */
  WEBCHAT_TOKEN_TTL_SECONDS: z.coerce.number().int().min(60).max(86_400).default(1800),
  /**
   * Public base URL of the gateway as browsers reach it (scheme, host, optional path prefix), for
   * stream and file URLs. Unset: taken from each request (Host header, X-Forwarded-Proto).
   */
  WEBCHAT_PUBLIC_URL: z
    .string()
    .url()
    .transform((value) => value.replace(/\/+$/, ''))
    .optional(),
  /** The brand (WEBCHAT_BRAND_NAME, WEBCHAT_BRAND_COLOR), shared with the help centre. */
  ...BrandConfigSchema.shape,
  /** First bot message of every new conversation; unset: none. */
  WEBCHAT_WELCOME_MESSAGE: optionalString,
  /** How long a conversation's history is kept after its last activity, in seconds. */
  WEBCHAT_HISTORY_TTL_SECONDS: positiveInt(30 * 86_400),
  /** At most this many activities are kept per conversation (older ones are trimmed). */
  WEBCHAT_HISTORY_MAX: positiveInt(1000),
  /** Largest activity body accepted, in bytes (413 above). */
  WEBCHAT_MAX_ACTIVITY_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(32 * 1024),
  /** Longest message text accepted, in characters (413 above). */
  WEBCHAT_MAX_TEXT_LENGTH: positiveInt(4000),
  /** Largest uploaded file, in bytes (413 above). */
  WEBCHAT_UPLOAD_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(4 * 1024 * 1024),
  /** Content types a visitor may upload, comma-separated (415 otherwise). */
  WEBCHAT_UPLOAD_TYPES: z
    .string()
    .default('image/png,image/jpeg,image/gif,image/webp,application/pdf,text/plain')
    .transform((value) =>
      value
        .split(',')
        .map((t) => t.trim().toLowerCase())
        .filter((t) => t.length > 0),
    )
    .pipe(z.array(z.string().regex(/^[a-z0-9.+-]+\/[a-z0-9.+-]+$/, 'content types')).min(1)),
  /** Conversations one IP address may start per window. */
  WEBCHAT_STARTS_PER_IP: positiveInt(20),
  /** Messages (and uploads) one visitor may post per window. */
  WEBCHAT_MESSAGES_PER_VISITOR: positiveInt(30),
  /** Messages (and uploads) one IP address may post per window, all its visitors together. */
  WEBCHAT_MESSAGES_PER_IP: positiveInt(120),
  /** The rate-limit window, in seconds. */
  WEBCHAT_RATE_WINDOW_SECONDS: positiveInt(60),
  /**
   * Key (≥ 32 characters) the host site signs its logged-in users with (a user hash or an HS256
   * JWT; docs/identity.md). Unset: visitors are anonymous (or fill in the pre-chat form).
   */
  WEBCHAT_IDENTITY_SECRET: z.string().min(32, 'at least 32 characters').optional(),
  /** Refuse conversations without a signed user (401 SB_ERR_IDENTITY_INVALID). */
  WEBCHAT_IDENTITY_REQUIRED: flag,
  /** Longest a signed-user JWT may still be valid for (its `exp` from now), in seconds. */
  WEBCHAT_JWT_MAX_AGE_SECONDS: z.coerce
    .number()
    .int()
    .min(60)
    .max(7 * 86_400)
    .default(86_400),
  /**
   * How long a visitor counts as still on the page after their last poll or open stream, in
   * seconds (presence.ts): an agent's answer after that is also emailed ("continue by email").
   */
  WEBCHAT_PRESENCE_SECONDS: z.coerce.number().int().min(1).max(3600).default(90),
  /** Ask visitors without a signed user for their name and email before the chat (unverified). */
  WEBCHAT_PRECHAT_FORM: flag,
  /** Microsoft App ID of an Azure Bot resource: turns on /api/messages with Bot Framework auth. */
  WEBCHAT_MICROSOFT_APP_ID: optionalString,
  /** Client secret of that app registration. */
  WEBCHAT_MICROSOFT_APP_PASSWORD: optionalString,
  /** `MultiTenant` (default) or `SingleTenant` (then set WEBCHAT_MICROSOFT_APP_TENANT_ID). */
  WEBCHAT_MICROSOFT_APP_TYPE: z.enum(['MultiTenant', 'SingleTenant']).default('MultiTenant'),
  /** Tenant of a single-tenant app registration. */
  WEBCHAT_MICROSOFT_APP_TENANT_ID: optionalString,
});

export type WebchatConfig = z.infer<typeof WebchatConfigSchema>;

/**
 * The web chat configuration from environment variables, or undefined when the channel is off
 * (WEBCHAT_TOKEN_SECRET unset or empty). A bad value throws SB_ERR_CONFIG naming the variable.
 */
export function loadWebchatConfig(env: NodeJS.ProcessEnv = process.env): WebchatConfig | undefined {
  if (!isSet(env, 'WEBCHAT_TOKEN_SECRET')) return undefined;
  const config = parseEnvironment(WebchatConfigSchema, env);
  const hasId = config.WEBCHAT_MICROSOFT_APP_ID !== undefined;
  if (hasId !== (config.WEBCHAT_MICROSOFT_APP_PASSWORD !== undefined)) {
    const field = hasId ? 'WEBCHAT_MICROSOFT_APP_PASSWORD' : 'WEBCHAT_MICROSOFT_APP_ID';
    throw new SwitchboardError(
      'SB_ERR_CONFIG',
      `${field}: set both the app id and password, or neither`,
      { field },
    );
  }
  checkIdentityConfig(config);
  return config;
}

/** The signed-user settings must make sense together (a requirement nobody can meet is a typo). */
function checkIdentityConfig(config: WebchatConfig): void {
  const secret = config.WEBCHAT_IDENTITY_SECRET;
  if (config.WEBCHAT_IDENTITY_REQUIRED && secret === undefined) {
    throw new SwitchboardError(
      'SB_ERR_CONFIG',
      'WEBCHAT_IDENTITY_SECRET: required when WEBCHAT_IDENTITY_REQUIRED is true',
      { field: 'WEBCHAT_IDENTITY_SECRET' },
    );
  }
  // The site holds this secret: were it the token secret, the site could mint Direct Line tokens.
  if (secret !== undefined && secret === config.WEBCHAT_TOKEN_SECRET) {
    throw new SwitchboardError(
      'SB_ERR_CONFIG',
      'WEBCHAT_IDENTITY_SECRET: must differ from WEBCHAT_TOKEN_SECRET',
      { field: 'WEBCHAT_IDENTITY_SECRET' },
    );
  }
}
