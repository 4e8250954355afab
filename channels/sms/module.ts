import type { ChannelFactory } from '../module.ts';
import { smsPersonalData } from './personal-data.ts';
import { createSmsChannel } from './adapter.ts';
import { loadSmsConfig, SmsConfigSchema } from './config.ts';
import { SmsMediaQueue } from './media.ts';
import { INBOUND_PATH } from './send.ts';
import { PoolSmsStore } from './store.ts';

/** SMS on Twilio: on when TWILIO_ACCOUNT_SID is set. */
export const channel: ChannelFactory = {
  configSchema: SmsConfigSchema,
  checkConfig: (env) => void loadSmsConfig(env),
  personalData: (context) => [smsPersonalData(context)],
  create(ctx) {
    const config = loadSmsConfig(ctx.env);
    if (config === undefined) return Promise.resolve(undefined);
    const media = new SmsMediaQueue(ctx.redis, ctx.config.QUEUE_PREFIX);
    const sms = createSmsChannel({
      sink: ctx.sink,
      store: new PoolSmsStore({
        db: ctx.db,
        pool: ctx.pool,
        locks: ctx.locks,
        suppressionKey: ctx.config.SMS_SUPPRESSION_KEY,
      }),
      config,
      media,
    });
    if (!sms) return Promise.resolve(undefined);
    let worker: { close(): Promise<void> } | undefined;
    return Promise.resolve({
      id: 'sms',
      adapter: sms.adapter,
      // Twilio's webhooks are /channels/sms/twilio and …/status.
      http: { router: sms.router, limits: [{ path: INBOUND_PATH, kind: 'webhook' }] },
      // MMS media are downloaded in the worker role, then the message goes on (media.ts).
      workerRole: {
        start() {
          worker = media.startWorker({
            config,
            files: ctx.files,
            sink: ctx.sink,
            logger: ctx.logger,
          });
          return Promise.resolve();
        },
        async stop() {
          await worker?.close();
          worker = undefined;
        },
      },
      stop: () => media.close(),
    });
  },
};
