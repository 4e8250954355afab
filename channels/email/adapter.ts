import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { ChannelAdapter, ChannelCapabilities, InboundSink } from '../../src/domain/ports.ts';
import { loadEmailConfig, type EmailConfig } from './config.ts';
import { EmailPoller, type PollerHooks } from './poller.ts';
import type { EmailStore } from './ports.ts';
import { createSmtpTransport, sendEmail, type MailTransport } from './send.ts';

export const EMAIL_CAPABILITIES: ChannelCapabilities = {
  threads: true,
  attachments: true,
  maxTextLength: 100_000,
  format: 'html',
  canEdit: false,
};

export interface EmailChannel {
  adapter: ChannelAdapter;
  config: EmailConfig;
  poller: EmailPoller;
  /** Starts watching the mailbox (worker role); resolves after the first scan. */
  start(): Promise<void>;
  /** Stops the poller (after the mail in hand) and closes the SMTP pool. */
  stop(): Promise<void>;
}

/**
 * The email channel (one mailbox: IMAP in, SMTP out), or undefined when it is not configured
 * (no EMAIL_IMAP_HOST). `config` (parsed) wins over `env`; `transport` replaces nodemailer's.
 */
export function createEmailChannel(deps: {
  sink: InboundSink;
  store: EmailStore;
  /** Redis for the per-sender reply rate limit. */
  redis: Redis;
  /** Prefix of the rate-limit keys (the deployment's QUEUE_PREFIX). */
  keyPrefix: string;
  env?: NodeJS.ProcessEnv;
  config?: EmailConfig;
  transport?: MailTransport;
  logger?: Logger;
  hooks?: PollerHooks;
}): EmailChannel | undefined {
  const config = deps.config ?? loadEmailConfig(deps.env ?? process.env);
  if (config === undefined) return undefined;
  const transport = deps.transport ?? createSmtpTransport(config);
  const adapter: ChannelAdapter = {
    id: 'email',
    capabilities: EMAIL_CAPABILITIES,
    send: (message) =>
      sendEmail(
        { config, transport, store: deps.store, redis: deps.redis, keyPrefix: deps.keyPrefix },
        message,
      ),
  };
  const poller = new EmailPoller({
    config,
    sink: deps.sink,
    store: deps.store,
    logger: deps.logger,
    hooks: deps.hooks,
  });
  return {
    adapter,
    config,
    poller,
    start: () => poller.start(),
    async stop() {
      await poller.stop();
      transport.close();
    },
  };
}
