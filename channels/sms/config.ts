import { z } from 'zod';
import { isSet, parseEnvironment } from '../../src/domain/environment.ts';
import { isSupportedCountry } from 'libphonenumber-js';

const optionalString = z.string().trim().min(1).optional();

/**
 * The SMS channel's variables (Twilio). The channel is on when TWILIO_ACCOUNT_SID is set; the
 * rest is then checked (a half-configured channel stops the process with SB_ERR_CONFIG).
 */
export const SmsConfigSchema = z
  .object({
    /** Twilio account SID (`AC...`). Unset: the SMS channel is off. */
    TWILIO_ACCOUNT_SID: z
      .string()
      .regex(/^AC[0-9a-fA-F]{32}$/, 'an account SID: AC + 32 hex digits'),
    /** Twilio auth token: signs webhooks (X-Twilio-Signature) and authenticates REST calls. */
    TWILIO_AUTH_TOKEN: z.string().min(16),
    /** The E.164 number replies go from, when no Messaging Service is set. */
    TWILIO_FROM_NUMBER: z
      .string()
      .regex(/^\+[1-9]\d{6,14}$/, 'an E.164 number such as +15551234567')
      .optional(),
    /** Messaging Service SID (`MG...`); when set, replies go through it instead of a fixed number. */
    TWILIO_MESSAGING_SERVICE_SID: z
      .string()
      .regex(/^MG[0-9a-fA-F]{32}$/, 'a Messaging Service SID: MG + 32 hex digits')
      .optional(),
    /**
     * The public base URL Twilio calls (scheme, host, optional path prefix), e.g.
     * `https://support.example.com`. Signatures are checked against it, never against the Host header.
     */
    SMS_PUBLIC_URL: z
      .string()
      .url()
      .transform((value) => value.replace(/\/+$/, '')),
    /** Country assumed for numbers without a `+` prefix (ISO 3166 alpha-2). */
    SMS_DEFAULT_COUNTRY: z
      .string()
      .default('US')
      .transform((raw, ctx) => {
        const value = raw.toUpperCase();
        if (isSupportedCountry(value)) return value;
        ctx.addIssue({
          code: 'custom',
          message: 'an ISO 3166 alpha-2 country code such as US or CN',
        });
        return z.NEVER;
      }),
    /** Reply to HELP / INFO. */
    SMS_HELP_TEXT: z
      .string()
      .default(
        'Switchboard support: reply to this number to reach us. Reply STOP to opt out. Msg&data rates may apply.',
      ),
    /** Optional confirmation sent after STOP (Twilio's Advanced Opt-Out usually sends one itself). */
    SMS_STOP_TEXT: optionalString,
    /** Optional confirmation sent after START / UNSTOP / YES from an opted-out number. */
    SMS_START_TEXT: optionalString,
    /** Longest outbound text, in SMS segments (GSM-7: 153 chars each, UCS-2: 67); longer is cut. */
    SMS_MAX_SEGMENTS: z.coerce.number().int().min(1).max(10).default(4),
    /** Largest inbound webhook body accepted, in bytes. */
    SMS_MAX_BODY_BYTES: z.coerce
      .number()
      .int()
      .min(1024)
      .default(64 * 1024),
    /**
     * Largest MMS medium kept, in bytes (Twilio's own limit is 5 MB per message); a larger one is
     * recorded as not stored (`too-large`).
     */
    SMS_MEDIA_MAX_BYTES: z.coerce
      .number()
      .int()
      .min(1024)
      .default(5 * 1024 * 1024),
    /** Timeout of one Twilio REST call (and of one media download), in milliseconds. */
    TWILIO_TIMEOUT_MS: z.coerce.number().int().min(100).default(15_000),
    /** Tests only: send REST calls to this base URL instead of https://api.twilio.com. */
    TWILIO_API_BASE_URL: z.string().url().optional(),
  })
  .refine(
    (c) => c.TWILIO_FROM_NUMBER !== undefined || c.TWILIO_MESSAGING_SERVICE_SID !== undefined,
    {
      message: 'set TWILIO_FROM_NUMBER or TWILIO_MESSAGING_SERVICE_SID',
      path: ['TWILIO_FROM_NUMBER'],
    },
  );

export type SmsConfig = z.infer<typeof SmsConfigSchema>;

/**
 * The SMS configuration from environment variables, or undefined when the channel is off
 * (TWILIO_ACCOUNT_SID unset or empty). A bad value throws SB_ERR_CONFIG naming the variable.
 */
export function loadSmsConfig(env: NodeJS.ProcessEnv = process.env): SmsConfig | undefined {
  return isSet(env, 'TWILIO_ACCOUNT_SID') ? parseEnvironment(SmsConfigSchema, env) : undefined;
}
