/**
 * The Telegram channel (Bot API, webhook mode): customers write to the bot in a private chat;
 * answers go back with sendMessage. See README.md beside this file.
 */
import type { ChannelFactory } from '../module.ts';
import { createTelegramAdapter } from './adapter.ts';
import { loadTelegramConfig, TelegramConfigSchema } from './config.ts';
import { telegramChannelRouter } from './routes.ts';
import { createTelegramApi } from './send.ts';

export const channel: ChannelFactory = {
  configSchema: TelegramConfigSchema,
  checkConfig: (env) => void loadTelegramConfig(env),
  create(ctx) {
    const config = loadTelegramConfig(ctx.env);
    if (config === undefined) return Promise.resolve(undefined);
    const api = createTelegramApi(config);
    return Promise.resolve({
      id: 'telegram',
      adapter: createTelegramAdapter(api),
      http: {
        router: telegramChannelRouter({ config, sink: ctx.sink, logger: ctx.logger }),
        limits: [{ path: '/channels/telegram', kind: 'webhook' }],
      },
    });
  },
};
