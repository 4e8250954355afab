import { createHash, timingSafeEqual } from 'node:crypto';
import { SwitchboardError } from '../../src/domain/errors.ts';

/** The header Telegram puts the webhook's `secret_token` in. */
export const SECRET_HEADER = 'x-telegram-bot-api-secret-token';

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/**
 * Checks `X-Telegram-Bot-Api-Secret-Token` against the configured secret. Telegram signs nothing:
 * the secret given to setWebhook, sent back on every call, is the only proof the call is
 * Telegram's (https://core.telegram.org/bots/api#setwebhook). Compared in constant time (both
 * sides hashed first, so the length leaks nothing either). Fails closed: no configured secret, no
 * header, a repeated header or a mismatch is SB_ERR_UNAUTHENTICATED (401).
 */
export function verifyTelegramSecret(input: {
  secret: string;
  header: string | string[] | undefined;
}): void {
  if (input.secret === '')
    throw new SwitchboardError('SB_ERR_UNAUTHENTICATED', 'Telegram webhook secret not configured');
  if (typeof input.header !== 'string' || input.header === '')
    throw new SwitchboardError('SB_ERR_UNAUTHENTICATED', 'missing X-Telegram-Bot-Api-Secret-Token');
  if (!timingSafeEqual(digest(input.header), digest(input.secret)))
    throw new SwitchboardError('SB_ERR_UNAUTHENTICATED', 'invalid X-Telegram-Bot-Api-Secret-Token');
}
