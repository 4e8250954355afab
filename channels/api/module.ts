import type { ChannelFactory } from '../module.ts';
import { createApiChannel } from './adapter.ts';
import { API_MESSAGES_PATH } from './routes.ts';

/** The API channel: always on (integrations are created with the CLI or the admin API). */
export const channel: ChannelFactory = {
  create(ctx) {
    const { config } = ctx;
    const api = createApiChannel({
      directory: ctx.integrations,
      sink: ctx.sink,
      maxBodyBytes: config.API_MAX_BODY_BYTES,
      webhookTimeoutMs: config.WEBHOOK_TIMEOUT_MS,
      allowPrivateCallbacks: config.API_CALLBACK_ALLOW_PRIVATE,
      // The integration fetches an agent's files from their links: only absolute ones will do.
      filesOut: config.PUBLIC_URL !== undefined,
      limitIntegration: (integrationId) =>
        ctx.consumeRateLimit(
          'api',
          `${API_MESSAGES_PATH}:integration`,
          integrationId,
          'too many requests with this API key',
        ),
    });
    return Promise.resolve({
      id: 'api',
      adapter: api.adapter,
      http: { router: api.router, limits: [{ path: API_MESSAGES_PATH, kind: 'api' }] },
    });
  },
};
