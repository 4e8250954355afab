import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type {
  ChannelAdapter,
  ChannelCapabilities,
  InboundSink,
  OutboundFiles,
} from '../../src/domain/ports.ts';
import {
  loadEmailConfig,
  withMailboxes,
  type EmailChannelConfig,
  type EmailConfig,
} from './config.ts';
import { DEFAULT_MAILBOX } from './keys.ts';
import { leaseKey, MailboxLease } from './lease.ts';
import { EmailPoller, type PollerHooks } from './poller.ts';
import type { EmailStore } from './ports.ts';
import { sendNotice } from './notice.ts';
import { createSmtpTransport, sendEmail, type MailTransport, type SendingMailbox } from './send.ts';

export const EMAIL_CAPABILITIES: ChannelCapabilities = {
  threads: true,
  attachments: {
    inbound: true,
    outbound: true,
    // Gmail, Outlook and most servers refuse a message over 20–25 MB, and base64 makes files a
    // third larger: 15 MB of files stays under the strictest of them.
    outboundLimits: { maxFiles: 10, maxTotalBytes: 15 * 1024 * 1024 },
  },
  maxTextLength: 100_000,
  format: 'html',
  canEdit: false,
};

export interface EmailChannel {
  adapter: ChannelAdapter;
  config: EmailChannelConfig;
  /** The poller of the `default` (EMAIL_*) mailbox. */
  poller: EmailPoller;
  /** Every mailbox's poller, by mailbox id. */
  pollers: ReadonlyMap<string, EmailPoller>;
  /** Every mailbox's lease (which process polls it), by mailbox id. */
  leases: ReadonlyMap<string, MailboxLease>;
  /**
   * Competes for every mailbox's lease (worker role): the process holding one polls that mailbox,
   * the others stand by. Resolves once each lease was tried, without waiting for any scan.
   */
  start(): Promise<void>;
  /** Resolves after the first scan of every mailbox this process holds (tests, benchmarks). */
  scanned(): Promise<void>;
  /**
   * Stops every poller after the mail in hand and releases the leases, so other processes take
   * over at once; sending still works (the workers drain).
   */
  stopPolling(): Promise<void>;
  /** Stops the pollers and closes the SMTP pools. */
  stop(): Promise<void>;
}

/**
 * The email channel, or undefined when it is not configured (no EMAIL_IMAP_HOST): one poller per
 * mailbox (IMAP in), run only while this process holds the mailbox's lease in Redis (one polling
 * process per mailbox in the deployment), one SMTP transport per mailbox (out), one adapter that
 * sends each reply through the mailbox its ticket came in by. `config` (parsed) wins over `env`;
 * `transport` replaces nodemailer's for every mailbox.
 */
export function createEmailChannel(deps: {
  sink: InboundSink;
  store: EmailStore;
  /** Redis for the per-sender reply rate limit and the mailbox leases. */
  redis: Redis;
  /** Prefix of the rate-limit and lease keys (the deployment's QUEUE_PREFIX). */
  keyPrefix: string;
  env?: NodeJS.ProcessEnv;
  /** A parsed configuration; without `mailboxes` it is the one (EMAIL_*) mailbox. */
  config?: EmailConfig | EmailChannelConfig;
  transport?: MailTransport;
  /** The bytes of the files agents send, attached to their replies. */
  files?: OutboundFiles;
  logger?: Logger;
  hooks?: PollerHooks;
}): EmailChannel | undefined {
  const given = deps.config;
  const config =
    given === undefined
      ? loadEmailConfig(deps.env ?? process.env)
      : 'mailboxes' in given
        ? given
        : withMailboxes(given, deps.env ?? process.env);
  if (config === undefined) return undefined;
  const ownAddresses = config.mailboxes.map((m) => m.config.EMAIL_ADDRESS);
  const sending = new Map<string, SendingMailbox>();
  const pollers = new Map<string, EmailPoller>();
  const leases = new Map<string, MailboxLease>();
  for (const mailbox of config.mailboxes) {
    sending.set(mailbox.id, {
      config: mailbox.config,
      transport: deps.transport ?? createSmtpTransport(mailbox.config),
    });
    const poller = new EmailPoller({
      config: mailbox.config,
      mailboxId: mailbox.id,
      ownAddresses,
      sink: deps.sink,
      store: deps.store,
      logger: deps.logger,
      hooks: deps.hooks,
    });
    pollers.set(mailbox.id, poller);
    leases.set(
      mailbox.id,
      new MailboxLease({
        redis: deps.redis,
        key: leaseKey(deps.keyPrefix, mailbox.config),
        leaseMs: mailbox.config.EMAIL_LEASE_MS,
        poller,
        mailboxId: mailbox.id,
        logger: deps.logger,
      }),
    );
  }
  const adapter: ChannelAdapter = {
    id: 'email',
    capabilities: EMAIL_CAPABILITIES,
    send: (message) =>
      sendEmail(
        {
          mailboxes: sending,
          store: deps.store,
          redis: deps.redis,
          keyPrefix: deps.keyPrefix,
          files: deps.files,
        },
        message,
      ),
    sendNotice: (notice) => sendNotice(sending, notice),
  };
  const primary = pollers.get(DEFAULT_MAILBOX);
  if (!primary) throw new Error('the EMAIL_* mailbox is missing from the configuration');
  const stopPolling = async () => {
    await Promise.all([...leases.values()].map((lease) => lease.stop()));
  };
  return {
    adapter,
    config,
    poller: primary,
    pollers,
    leases,
    async start() {
      await Promise.all([...leases.values()].map((lease) => lease.start()));
    },
    async scanned() {
      await Promise.all([...leases.values()].map((lease) => lease.scanned()));
    },
    stopPolling,
    async stop() {
      await stopPolling();
      // One transport given for all mailboxes is closed once.
      for (const transport of new Set([...sending.values()].map((m) => m.transport))) {
        transport.close();
      }
    },
  };
}
