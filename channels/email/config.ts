import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { isSet, parseEnvironment } from '../../src/domain/environment.ts';
import { SwitchboardError } from '../../src/domain/errors.ts';
import { DEFAULT_MAILBOX } from './keys.ts';

/** Below BSON's 16 MB document limit, with room for the attachment's metadata. */
const MAX_STORABLE_ATTACHMENT = 15 * 1024 * 1024;

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
  /**
   * Lease of a mailbox's poller in Redis, ms: one worker process polls each mailbox; when it dies
   * without releasing the lease, another takes over after this long (lease.ts).
   */
  EMAIL_LEASE_MS: z.coerce.number().int().min(300).default(15_000),
  /** Timeout of one SMTP delivery, ms. */
  EMAIL_SMTP_TIMEOUT_MS: z.coerce.number().int().min(100).default(30_000),
  /** Log the IMAP/SMTP conversation (never in production: it contains mail). */
  EMAIL_DEBUG: bool.default(false),
  /**
   * Attachments up to this size (bytes, decoded) have their content stored; larger ones keep only
   * their metadata. Each is one document, so the cap stays below BSON's 16 MB. 0: store none.
   */
  EMAIL_ATTACHMENT_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(0)
    .max(MAX_STORABLE_ATTACHMENT)
    .default(5 * 1024 * 1024),
  /** A YAML (or JSON) file listing further mailboxes, each with its own IMAP/SMTP settings. */
  EMAIL_MAILBOXES_FILE: z.string().min(1).optional(),
  /**
   * The authserv-id of the receiving mail server's Authentication-Results headers (RFC 8601), e.g.
   * `mx.example.com`: only its DKIM/DMARC verdicts count, and it must strip forged ones. Unset: no
   * From address counts as verified.
   */
  EMAIL_AUTHSERV_ID: z
    .string()
    .trim()
    .toLowerCase()
    .regex(/^[^\s;()"]{1,255}$/, 'one authserv-id, e.g. mx.example.com')
    .optional(),
});

export type EmailConfig = z.infer<typeof EmailConfigSchema>;

/** One support mailbox: its id (`default` for the EMAIL_* one) and its full settings. */
export interface EmailMailbox {
  id: string;
  config: EmailConfig;
}

/** The channel's configuration: the EMAIL_* settings plus every mailbox, the EMAIL_* one first. */
export type EmailChannelConfig = EmailConfig & { mailboxes: EmailMailbox[] };

const shape = EmailConfigSchema.shape;
/** A password given inline or by the name of an environment variable holding it. */
const secret = {
  password: z.string().min(1).optional(),
  passwordEnv: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name')
    .optional(),
};
const MAILBOX_ID = /^[a-z0-9][a-z0-9-]{0,31}$/;

/**
 * One entry of EMAIL_MAILBOXES_FILE. Field defaults are those of the EMAIL_* variables; the
 * settings not listed here (timeouts, limits, polling) are shared and come from EMAIL_*.
 */
export const MailboxEntrySchema = z
  .object({
    /** Stored on every ticket of the mailbox (`channelData.mailbox`) and in its keys. */
    id: z
      .string()
      .regex(MAILBOX_ID, 'lower-case letters, digits and "-", at most 32')
      .refine((id) => id !== DEFAULT_MAILBOX, `"${DEFAULT_MAILBOX}" is the EMAIL_* mailbox`),
    address: shape.EMAIL_ADDRESS,
    fromName: shape.EMAIL_FROM_NAME,
    imap: z
      .object({
        host: shape.EMAIL_IMAP_HOST,
        port: shape.EMAIL_IMAP_PORT,
        tls: shape.EMAIL_IMAP_TLS,
        user: shape.EMAIL_IMAP_USER,
        ...secret,
        folder: shape.EMAIL_IMAP_MAILBOX,
      })
      .strict(),
    smtp: z
      .object({
        host: shape.EMAIL_SMTP_HOST,
        port: shape.EMAIL_SMTP_PORT,
        tls: shape.EMAIL_SMTP_TLS,
        user: shape.EMAIL_SMTP_USER,
        ...secret,
        protocol: shape.EMAIL_SMTP_PROTOCOL,
      })
      .strict(),
    processed: z
      .object({
        mode: shape.EMAIL_PROCESSED_MODE,
        keyword: shape.EMAIL_PROCESSED_KEYWORD,
        folder: shape.EMAIL_PROCESSED_FOLDER,
      })
      .strict()
      .default({
        mode: 'flag',
        keyword: '$SwitchboardProcessed',
        folder: 'Processed',
      }),
  })
  .strict();
export type MailboxEntry = z.infer<typeof MailboxEntrySchema>;

export const MailboxesFileSchema = z
  .object({ mailboxes: z.array(MailboxEntrySchema).min(1).max(50) })
  .strict();

function configError(file: string, field: string, message: string, cause?: unknown): never {
  throw new SwitchboardError(
    'SB_ERR_CONFIG',
    `EMAIL_MAILBOXES_FILE (${file}): ${field}: ${message}`,
    {
      field: `EMAIL_MAILBOXES_FILE:${field}`,
      ...(cause === undefined ? {} : { cause }),
    },
  );
}

/** `mailboxes[1].imap.port` from zod's path. */
function fieldPath(path: readonly PropertyKey[]): string {
  return path
    .map((part, i) =>
      typeof part === 'number' ? `[${part}]` : `${i === 0 ? '' : '.'}${String(part)}`,
    )
    .join('');
}

function password(
  file: string,
  field: string,
  given: { password?: string | undefined; passwordEnv?: string | undefined },
  env: NodeJS.ProcessEnv,
  required: boolean,
): string | undefined {
  if (given.password !== undefined && given.passwordEnv !== undefined) {
    configError(file, field, 'give password or passwordEnv, not both');
  }
  if (given.passwordEnv !== undefined) {
    const value = env[given.passwordEnv];
    if (value === undefined || value === '') {
      configError(file, `${field}Env`, `environment variable ${given.passwordEnv} is not set`);
    }
    return value;
  }
  if (required && given.password === undefined) {
    configError(file, field, 'required (password or passwordEnv)');
  }
  return given.password;
}

/**
 * The mailboxes of EMAIL_MAILBOXES_FILE as full configurations: the shared EMAIL_* settings with
 * each entry's own IMAP, SMTP, address, From name and processed marking over them. Throws
 * SB_ERR_CONFIG naming the file and the field (`mailboxes[1].imap.port`).
 */
export function loadMailboxesFile(
  file: string,
  shared: EmailConfig,
  env: NodeJS.ProcessEnv,
): EmailMailbox[] {
  const path = resolve(file);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    configError(file, 'file', `cannot read ${path}: ${(error as Error).message}`, error);
  }
  let data: unknown;
  try {
    // YAML 1.2 is a superset of JSON: a .json file parses the same way.
    data = parseYaml(text, { prettyErrors: true });
  } catch (error) {
    configError(file, 'file', `not valid YAML: ${(error as Error).message}`, error);
  }
  const parsed = MailboxesFileSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    configError(file, fieldPath(issue?.path ?? []) || 'file', issue?.message ?? 'invalid');
  }
  return parsed.data.mailboxes.map((entry, i) => {
    const at = `mailboxes[${i}]`;
    const imapPassword = password(file, `${at}.imap.password`, entry.imap, env, true);
    const smtpPassword = password(file, `${at}.smtp.password`, entry.smtp, env, false);
    const config: EmailConfig = {
      ...shared,
      EMAIL_IMAP_HOST: entry.imap.host,
      EMAIL_IMAP_PORT: entry.imap.port,
      EMAIL_IMAP_TLS: entry.imap.tls,
      EMAIL_IMAP_USER: entry.imap.user,
      EMAIL_IMAP_PASSWORD: imapPassword ?? '',
      EMAIL_IMAP_MAILBOX: entry.imap.folder,
      EMAIL_SMTP_HOST: entry.smtp.host,
      EMAIL_SMTP_PORT: entry.smtp.port,
      EMAIL_SMTP_TLS: entry.smtp.tls,
      EMAIL_SMTP_PROTOCOL: entry.smtp.protocol,
      EMAIL_ADDRESS: entry.address,
      EMAIL_FROM_NAME: entry.fromName,
      EMAIL_PROCESSED_MODE: entry.processed.mode,
      EMAIL_PROCESSED_KEYWORD: entry.processed.keyword,
      EMAIL_PROCESSED_FOLDER: entry.processed.folder,
    };
    // Optional SMTP login: absent, not inherited from the EMAIL_* mailbox.
    delete config.EMAIL_SMTP_USER;
    delete config.EMAIL_SMTP_PASSWORD;
    if (entry.smtp.user !== undefined) config.EMAIL_SMTP_USER = entry.smtp.user;
    if (smtpPassword !== undefined) config.EMAIL_SMTP_PASSWORD = smtpPassword;
    return { id: entry.id, config };
  });
}

/** Two mailboxes on one IMAP folder would each take every mail: once is the rule. */
function checkDistinct(file: string, mailboxes: EmailMailbox[]): void {
  const ids = new Set<string>();
  const folders = new Map<string, string>();
  const addresses = new Map<string, string>();
  mailboxes.forEach(({ id, config: c }, i) => {
    const at = i === 0 ? 'EMAIL_*' : `mailboxes[${i - 1}]`;
    if (ids.has(id)) configError(file, `${at}.id`, `duplicate mailbox id "${id}"`);
    ids.add(id);
    const folder = [
      c.EMAIL_IMAP_HOST.toLowerCase(),
      c.EMAIL_IMAP_PORT,
      c.EMAIL_IMAP_USER,
      c.EMAIL_IMAP_MAILBOX,
    ].join('\n');
    const sameFolder = folders.get(folder);
    if (sameFolder !== undefined) {
      configError(file, `${at}.imap`, `watches the same IMAP folder as mailbox "${sameFolder}"`);
    }
    folders.set(folder, id);
    const address = c.EMAIL_ADDRESS.toLowerCase();
    const sameAddress = addresses.get(address);
    if (sameAddress !== undefined) {
      configError(file, `${at}.address`, `${address} is already mailbox "${sameAddress}"`);
    }
    addresses.set(address, id);
  });
}

/**
 * The email configuration from environment variables, or undefined when the channel is off
 * (EMAIL_IMAP_HOST unset or empty). The EMAIL_* variables are the first mailbox (`default`);
 * EMAIL_MAILBOXES_FILE adds more. A bad value throws SB_ERR_CONFIG naming the variable or field.
 */
export function loadEmailConfig(
  env: NodeJS.ProcessEnv = process.env,
): EmailChannelConfig | undefined {
  if (!isSet(env, 'EMAIL_IMAP_HOST')) {
    if (isSet(env, 'EMAIL_MAILBOXES_FILE')) {
      throw new SwitchboardError(
        'SB_ERR_CONFIG',
        'EMAIL_MAILBOXES_FILE: needs the first mailbox in the EMAIL_* variables (EMAIL_IMAP_HOST...)',
        { field: 'EMAIL_IMAP_HOST' },
      );
    }
    return undefined;
  }
  const config = parseEnvironment(EmailConfigSchema, env);
  return withMailboxes(config, env);
}

/** Adds the mailbox list to a parsed configuration (reading EMAIL_MAILBOXES_FILE when set). */
export function withMailboxes(config: EmailConfig, env: NodeJS.ProcessEnv): EmailChannelConfig {
  const mailboxes: EmailMailbox[] = [{ id: DEFAULT_MAILBOX, config }];
  const file = config.EMAIL_MAILBOXES_FILE;
  if (file !== undefined) {
    mailboxes.push(...loadMailboxesFile(file, config, env));
    checkDistinct(file, mailboxes);
  }
  return { ...config, mailboxes };
}

/** The domain of our address: the right-hand side of our own Message-IDs. */
export function ourDomain(config: Pick<EmailConfig, 'EMAIL_ADDRESS'>): string {
  return config.EMAIL_ADDRESS.slice(config.EMAIL_ADDRESS.lastIndexOf('@') + 1).toLowerCase();
}
