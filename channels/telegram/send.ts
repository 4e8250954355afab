import { Api, GrammyError, HttpError } from 'grammy';
import { neverConnected } from '../../src/domain/connection-errors.ts';
import { SwitchboardError } from '../../src/domain/errors.ts';
import type { OutboundMessage, SendResult } from '../../src/domain/message.ts';
import type { TelegramConfig } from './config.ts';
import { telegramMessageId } from './normalize.ts';

/** Telegram's limit on a message's text, in UTF-16 code units after entity parsing. */
export const TELEGRAM_MAX_TEXT = 4096;

/** grammY's Bot API client for the configuration (pointed at TELEGRAM_API_URL). */
export function createTelegramApi(config: TelegramConfig): Api {
  return new Api(config.TELEGRAM_BOT_TOKEN, {
    apiRoot: config.TELEGRAM_API_URL,
    timeoutSeconds: config.TELEGRAM_TIMEOUT_SECONDS,
  });
}

/**
 * The text as Telegram takes it: at most 4096 code units. Longer text is cut at a word boundary
 * when one is near (never inside a surrogate pair) and ends with "..." and, when the answer comes
 * from an article, its link.
 */
export function telegramTextFor(message: OutboundMessage): string {
  const text = message.text.trim();
  if (text.length <= TELEGRAM_MAX_TEXT) return text;
  const suffix = message.articleUrl === undefined ? '...' : `... ${message.articleUrl}`;
  const budget = TELEGRAM_MAX_TEXT - suffix.length;
  let end = 0;
  for (const char of text) {
    if (end + char.length > budget) break;
    end += char.length;
  }
  let head = text.slice(0, end);
  const boundary = head.search(/\s\S*$/);
  if (boundary > end * 0.8) head = head.slice(0, boundary);
  return `${head.trimEnd()}${suffix}`;
}

/**
 * Telegram's error as ours. The Bot API answers `{ ok: false, error_code, description }`: 429
 * (flood control, with `parameters.retry_after`) and 5xx are retried; 400 (chat not found, text
 * empty), 401 (a wrong token), 403 (the user blocked the bot, or deleted the account) and other
 * 4xx are not (https://core.telegram.org/bots/api#making-requests). A call without Telegram's
 * answer is retried; it is `deliveryUncertain` unless the connection was never made.
 */
export function telegramDeliveryError(error: unknown): SwitchboardError {
  if (error instanceof GrammyError) {
    const retryAfter = error.parameters.retry_after;
    const detail =
      `Telegram ${error.error_code}: ${error.description}` +
      (retryAfter === undefined ? '' : ` (retry after ${retryAfter} s)`);
    const retryable = error.error_code === 429 || error.error_code >= 500;
    return new SwitchboardError(
      retryable ? 'SB_ERR_DELIVERY_FAILED' : 'SB_ERR_DELIVERY_REJECTED',
      detail,
      { cause: error },
    );
  }
  // grammY wraps what fetch threw (node-fetch's FetchError carries the system error's code) or
  // its own timeout; a body that is not JSON (a proxy's error page) lands here too.
  const inner = error instanceof HttpError ? error.error : error;
  const reason = inner instanceof Error ? inner.message : String(inner);
  const code = (inner as { code?: unknown } | null)?.code;
  return new SwitchboardError('SB_ERR_DELIVERY_FAILED', `Telegram unreachable: ${reason}`, {
    cause: error,
    deliveryUncertain: !neverConnected(code),
  });
}

/**
 * Sends one outbound message to the customer's private chat (`sendMessage`), as plain text: no
 * parse mode, so nothing in the text is read as markup. Choices are not sent as buttons (the text
 * lists them). Telegram has no idempotency key and no way to ask what a bot sent, so a retried
 * message whose earlier attempt's outcome was lost may arrive twice.
 */
export async function sendTelegram(api: Api, message: OutboundMessage): Promise<SendResult> {
  if (message.to.kind !== 'telegram') {
    throw new SwitchboardError(
      'SB_ERR_DELIVERY_REJECTED',
      `a Telegram message goes to a Telegram chat, not ${message.to.kind}`,
    );
  }
  const chatId = Number(message.to.value);
  if (!Number.isSafeInteger(chatId))
    throw new SwitchboardError('SB_ERR_DELIVERY_REJECTED', 'not a Telegram chat id');
  const text = telegramTextFor(message);
  if (text === '') throw new SwitchboardError('SB_ERR_DELIVERY_REJECTED', 'empty message');
  try {
    const sent = await api.sendMessage(chatId, text);
    return { providerMessageId: telegramMessageId(sent.chat.id, sent.message_id) };
  } catch (error) {
    throw telegramDeliveryError(error);
  }
}
