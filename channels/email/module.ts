import type { ChannelFactory } from '../module.ts';
import { emailPersonalData } from './personal-data.ts';
import { createEmailChannel } from './adapter.ts';
import { EmailConfigSchema, loadEmailConfig } from './config.ts';
import { PoolEmailStore } from './store.ts';

/**
 * Email over IMAP and SMTP: on when EMAIL_IMAP_HOST is set (more mailboxes in
 * EMAIL_MAILBOXES_FILE). Its pollers run in the worker role.
 */
export const channel: ChannelFactory = {
  configSchema: EmailConfigSchema,
  checkConfig: (env) => void loadEmailConfig(env),
  personalData: (context) => [emailPersonalData(context)],
  async create(ctx) {
    const config = loadEmailConfig(ctx.env);
    if (!config) return undefined;
    const store = await PoolEmailStore.create({
      db: ctx.db,
      pool: ctx.pool,
      locks: ctx.locks,
      files: ctx.files,
    });
    const email = createEmailChannel({
      config,
      sink: ctx.sink,
      store,
      redis: ctx.redis,
      keyPrefix: ctx.config.QUEUE_PREFIX,
      files: ctx.outboundFiles,
      ...(ctx.logger ? { logger: ctx.logger } : {}),
    });
    if (!email) return undefined;
    return {
      id: 'email',
      adapter: email.adapter,
      // Competes for each mailbox's lease in Redis (one polling worker per mailbox); resolves
      // once each was tried, not after a scan. Outages are logged and retried, never thrown.
      workerRole: { start: () => email.start(), stop: () => email.stopPolling() },
      // The SMTP pool closes after the workers drained (outbound may still send until then).
      stop: () => email.stop(),
    };
  },
};
