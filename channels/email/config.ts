import { z } from 'zod';
import { isSet, parseEnvironment } from '../../src/domain/environment.ts';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((value) => value === 'true' || value === '1' || value === 'yes');

/**
 * The email channel's variables: one mailbox, read over IMAP and answered over SMTP. The channel is
 * on when EMAIL_IMAP_HOST is set; the rest is then checked (SB_ERR_CONFIG names a bad variable).
 */
export const EmailConfigSchema = z.object({
  /** IMAP server of the support mailbox. Unset: the email channel is off. */
  EMAIL_IMAP_HOST: z.string().min(1),
  EMAIL_IMAP_PORT: z.coerce.number().int().min(1).max(65535).default(993),
  /** `implicit` (IMAPS, port 993), `starttls` (required upgrade) or `none` (loopback only). */
  EMAIL_IMAP_TLS: z.enum(['implicit', 'starttls', 'none']).default('implicit'),
  EMAIL_IMAP_USER: z.string().min(1),
  EMAIL_IMAP_PASSWORD: z.string().min(1),
  /** The folder watched for customer mail. */
  EMAIL_IMAP_MAILBOX: z.string().min(1).default('INBOX'),
  /** SMTP server replies go through. */
  EMAIL_SMTP_HOST: z.string().min(1),
  EMAIL_SMTP_PORT: z.coerce.number().int().min(1).max(65535).default(587),
  EMAIL_SMTP_TLS: z.enum(['implicit', 'starttls', 'none']).default('starttls'),
  EMAIL_SMTP_USER: z.string().min(1).optional(),
  EMAIL_SMTP_PASSWORD: z.string().min(1).optional(),
  /** `lmtp` delivers straight into a local mail server (tests against Dovecot); production: smtp. */
  EMAIL_SMTP_PROTOCOL: z.enum(['smtp', 'lmtp']).default('smtp'),
  /** The support address: From of every reply, and how our own mail is recognized. */
  EMAIL_ADDRESS: z.string().email(),
  /** Display name in From. */
  EMAIL_FROM_NAME: z.string().min(1).max(100).default('Support'),
  /** How a processed mail is marked on the server: `flag` (\Seen + keyword) or `move` (to a folder). */
  EMAIL_PROCESSED_MODE: z.enum(['flag', 'move']).default('flag'),
  /** IMAP keyword set on processed mail in `flag` mode. */
  EMAIL_PROCESSED_KEYWORD: z
    .string()
    .regex(/^\$?[A-Za-z0-9_-]{1,60}$/, 'an IMAP keyword atom such as $SwitchboardProcessed')
    .default('$SwitchboardProcessed'),
  /** Folder processed mail moves to in `move` mode (created when missing). */
  EMAIL_PROCESSED_FOLDER: z.string().min(1).default('Processed'),
  /** Larger messages are not downloaded: recorded as rejected (`too-large`). */
  EMAIL_MAX_MESSAGE_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(25 * 1024 * 1024),
  /** Bot answers one sender gets per hour at most; agents' replies are not limited. */
  EMAIL_REPLY_RATE_PER_HOUR: z.coerce.number().int().min(0).default(10),
  /** Idle time before imapflow enters IDLE, ms (its own default of 15 s delays new mail). */
  EMAIL_IDLE_DELAY_MS: z.coerce.number().int().min(50).default(500),
  /** Full re-scan period, ms, besides IDLE (servers without IDLE, missed notifications). */
  EMAIL_POLL_INTERVAL_MS: z.coerce.number().int().min(100).default(60_000),
  /** Longest wait between reconnect attempts after the server dropped the connection, ms. */
  EMAIL_RECONNECT_MAX_MS: z.coerce.number().int().min(100).default(60_000),
  /** Timeout of one SMTP delivery, ms. */
  EMAIL_SMTP_TIMEOUT_MS: z.coerce.number().int().min(100).default(30_000),
  /** Log the IMAP/SMTP conversation (never in production: it contains mail). */
  EMAIL_DEBUG: bool.default(false),
});

export type EmailConfig = z.infer<typeof EmailConfigSchema>;

/**
 * The email configuration from environment variables, or undefined when the channel is off
 * (EMAIL_IMAP_HOST unset or empty). A bad value throws SB_ERR_CONFIG naming the variable.
 */
export function loadEmailConfig(env: NodeJS.ProcessEnv = process.env): EmailConfig | undefined {
  return isSet(env, 'EMAIL_IMAP_HOST') ? parseEnvironment(EmailConfigSchema, env) : undefined;
}

/** The domain of our address: the right-hand side of our own Message-IDs. */
export function ourDomain(config: Pick<EmailConfig, 'EMAIL_ADDRESS'>): string {
  return config.EMAIL_ADDRESS.slice(config.EMAIL_ADDRESS.lastIndexOf('@') + 1).toLowerCase();
}
