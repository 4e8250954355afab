import type { ChannelFactory } from '../module.ts';
import { smsPersonalData } from './personal-data.ts';
import { createSmsChannel } from './adapter.ts';
import { loadSmsConfig, SmsConfigSchema } from './config.ts';
import { INBOUND_PATH } from './send.ts';
import { PoolSmsStore } from './store.ts';

/** SMS on Twilio: on when TWILIO_ACCOUNT_SID is set. */
export const channel: ChannelFactory = {
  configSchema: SmsConfigSchema,
  checkConfig: (env) => void loadSmsConfig(env),
  personalData: (context) => [smsPersonalData(context)],
  create(ctx) {
    const sms = createSmsChannel({
      sink: ctx.sink,
      store: new PoolSmsStore({
        db: ctx.db,
        pool: ctx.pool,
        locks: ctx.locks,
        suppressionKey: ctx.config.SMS_SUPPRESSION_KEY,
      }),
      env: ctx.env,
    });
    if (!sms) return Promise.resolve(undefined);
    return Promise.resolve({
      id: 'sms',
      adapter: sms.adapter,
      // Twilio's webhooks are /channels/sms/twilio and …/status.
      http: { router: sms.router, limits: [{ path: INBOUND_PATH, kind: 'webhook' }] },
    });
  },
};
