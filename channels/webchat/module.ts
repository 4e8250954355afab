import type { ChannelFactory } from '../module.ts';
import { webchatPersonalData } from './personal-data.ts';
import { createWebchatChannel } from './adapter.ts';
import { loadWebchatConfig, WebchatConfigSchema } from './config.ts';
import { PoolWebchatFileStore } from './store.ts';

/** Web chat (Direct Line and the Web Chat page): on when WEBCHAT_TOKEN_SECRET is set. */
export const channel: ChannelFactory = {
  configSchema: WebchatConfigSchema,
  checkConfig: (env) => void loadWebchatConfig(env),
  personalData: (context) => [webchatPersonalData(context)],
  create(ctx) {
    const webchat = createWebchatChannel({
      sink: ctx.sink,
      redis: ctx.redis,
      files: new PoolWebchatFileStore(ctx.db),
      prefix: ctx.config.QUEUE_PREFIX,
      env: ctx.env,
      publicUrl: ctx.config.PUBLIC_URL,
      host: ctx.config.HOST,
      logger: ctx.logger,
    });
    if (!webchat) return Promise.resolve(undefined);
    return Promise.resolve({
      id: 'webchat',
      adapter: webchat.adapter,
      http: {
        router: webchat.router,
        limits: [
          { path: '/chat', kind: 'public' },
          // Every Direct Line endpoint, per address, beside its own per-visitor limits.
          { path: '/v3/directline', kind: 'public' },
        ],
        chatPage: '/chat',
      },
      attachServer: (server) => webchat.attach(server),
      stop: () => {
        webchat.close();
        return Promise.resolve();
      },
    });
  },
};
