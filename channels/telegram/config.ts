import { z } from 'zod';
import { isSet, parseEnvironment } from '../../src/domain/environment.ts';

/**
 * The Telegram channel's variables. The channel is on when TELEGRAM_BOT_TOKEN is set; the webhook
 * secret is then required too (a half-configured channel stops the process with SB_ERR_CONFIG).
 */
export const TelegramConfigSchema = z.object({
  /** The bot's token from @BotFather (`<bot id>:<secret>`). Unset: the Telegram channel is off. */
  TELEGRAM_BOT_TOKEN: z
    .string()
    .trim()
    .regex(/^\d+:[A-Za-z0-9_-]{20,}$/, 'a bot token as @BotFather gives it: <bot id>:<secret>'),
  /**
   * The `secret_token` given to setWebhook: Telegram sends it back in every webhook call as
   * `X-Telegram-Bot-Api-Secret-Token`. 1–256 characters of A–Z, a–z, 0–9, `_` and `-`
   * (https://core.telegram.org/bots/api#setwebhook); we ask for at least 16.
   */
  TELEGRAM_WEBHOOK_SECRET: z
    .string()
    .regex(/^[A-Za-z0-9_-]{16,256}$/, '16 to 256 characters of A-Z, a-z, 0-9, _ and -'),
  /** The Bot API's base URL; tests point it at a local stand-in. No trailing slash. */
  TELEGRAM_API_URL: z
    .string()
    .url()
    .default('https://api.telegram.org')
    .transform((value) => value.replace(/\/+$/, '')),
  /** Largest webhook body accepted, in bytes (a text update is a few kilobytes). */
  TELEGRAM_MAX_BODY_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(64 * 1024),
  /** Timeout of one Bot API call, in seconds. */
  TELEGRAM_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(300).default(15),
});

export type TelegramConfig = z.infer<typeof TelegramConfigSchema>;

/**
 * The Telegram configuration from environment variables, or undefined when the channel is off
 * (TELEGRAM_BOT_TOKEN unset or empty). A bad or missing value throws SB_ERR_CONFIG naming it.
 */
export function loadTelegramConfig(
  env: NodeJS.ProcessEnv = process.env,
): TelegramConfig | undefined {
  return isSet(env, 'TELEGRAM_BOT_TOKEN') ? parseEnvironment(TelegramConfigSchema, env) : undefined;
}
