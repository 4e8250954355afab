import type { ChannelFactory } from '../module.ts';
import { smsPersonalData } from './personal-data.ts';
import { createSmsChannel } from './adapter.ts';
import { loadSmsConfig, SmsConfigSchema } from './config.ts';
import { FilesFirstQueue } from '../files/files-queue.ts';
import { keepMedia, SMS_MEDIA_QUEUE } from './media.ts';
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
    const media = new FilesFirstQueue(ctx.redis, ctx.config.QUEUE_PREFIX, SMS_MEDIA_QUEUE);
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
      // MMS media must be fetchable by Twilio: only absolute file links will do.
      mediaOut: ctx.config.PUBLIC_URL !== undefined,
    });
    if (!sms) return Promise.resolve(undefined);
    return Promise.resolve({
      id: 'sms',
      adapter: sms.adapter,
      // Twilio's webhooks are /channels/sms/twilio and …/status.
      http: { router: sms.router, limits: [{ path: INBOUND_PATH, kind: 'webhook' }] },
      // MMS media are downloaded in the worker role, then the message goes on (media.ts).
      workerRole: media.workerRole({
        sink: ctx.sink,
        prepare: (message, lastTry) => keepMedia(message, { config, files: ctx.files }, lastTry),
        logger: ctx.logger,
      }),
      stop: () => media.close(),
    });
  },
};
