import type { Api } from 'grammy';
import type { ChannelAdapter, ChannelCapabilities } from '../../src/domain/ports.ts';
import { telegramThreadKey } from './normalize.ts';
import { sendTelegram, TELEGRAM_MAX_TEXT } from './send.ts';

/** What the code in this folder does, and no more. */
export const TELEGRAM_CAPABILITIES: ChannelCapabilities = {
  // One private chat per customer: no threads within it.
  threads: false,
  // Photos and documents are ignored inbound; send.ts sends text only.
  attachments: { inbound: false, outbound: false },
  maxTextLength: TELEGRAM_MAX_TEXT,
  // Sent without parse_mode: no MarkdownV2/HTML escaping is done, so nothing is read as markup.
  format: 'plain',
  canEdit: false,
};

/** The Telegram channel's outbound half over grammY's Bot API client. */
export function createTelegramAdapter(api: Api): ChannelAdapter {
  return {
    id: 'telegram',
    capabilities: TELEGRAM_CAPABILITIES,
    send: (message) => sendTelegram(api, message),
    // A private chat's id is the customer's user id: an agent's reply to a Telegram identity from
    // another channel's ticket continues the chat the customer's messages arrive on.
    threadKeyFor: (address) => telegramThreadKey(address.value),
  };
}
