import express, { Router } from 'express';
import type { Logger } from 'pino';
import type { InboundSink } from '../../src/domain/ports.ts';
import type { TelegramConfig } from './config.ts';
import { normalizeTelegramUpdate } from './normalize.ts';
import { SECRET_HEADER, verifyTelegramSecret } from './verify.ts';

/** Where Telegram posts updates (give `<public URL>` + this path to setWebhook). */
export const WEBHOOK_PATH = '/channels/telegram/webhook';

export interface TelegramRouterDeps {
  config: TelegramConfig;
  sink: InboundSink;
  now?: () => Date;
  logger?: Logger | undefined;
}

/**
 * `POST /channels/telegram/webhook`: checks the secret header before reading the body, parses at
 * most TELEGRAM_MAX_BODY_BYTES of JSON, and answers 200 only once the message is queued (or the
 * update is one we ignore). Any failure answers non-2xx, and Telegram sends the update again;
 * the idempotency key (chat id + message id) makes the redelivery a no-op.
 */
export function telegramChannelRouter(deps: TelegramRouterDeps): Router {
  const { config } = deps;
  const now = deps.now ?? (() => new Date());
  const router = Router();
  router.post(
    WEBHOOK_PATH,
    (req, _res, next) => {
      verifyTelegramSecret({
        secret: config.TELEGRAM_WEBHOOK_SECRET,
        header: req.headers[SECRET_HEADER],
      });
      next();
    },
    express.json({ limit: config.TELEGRAM_MAX_BODY_BYTES, type: 'application/json' }),
    async (req, res) => {
      const event = normalizeTelegramUpdate(req.body as unknown, { receivedAt: now() });
      if (event.kind === 'ignored') {
        deps.logger?.debug({ reason: event.reason }, 'telegram update ignored');
      } else {
        await deps.sink.accept(event.message);
      }
      res.status(200).end();
    },
  );
  return router;
}
