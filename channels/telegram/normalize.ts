import { z } from 'zod';
import type { InboundMessageInput } from '../../src/domain/message.ts';

/** A person as Telegram describes the sender (`User`) or a private chat's other side (`Chat`). */
const PersonSchema = z.object({
  first_name: z.string().max(256).optional(),
  last_name: z.string().max(256).optional(),
  username: z.string().max(64).optional(),
});

/**
 * The fields of a `Message` we read. Telegram's ids are integers that may exceed 32 bits (up to 52
 * significant bits), which JSON numbers carry exactly. https://core.telegram.org/bots/api#message
 */
export const TelegramMessageSchema = z.object({
  message_id: z.number().int(),
  date: z.number().int(),
  chat: PersonSchema.extend({ id: z.number().int(), type: z.string().min(1).max(32) }),
  from: PersonSchema.extend({ id: z.number().int(), is_bot: z.boolean() }).optional(),
  text: z.string().max(100_000).optional(),
});
export type TelegramMessage = z.infer<typeof TelegramMessageSchema>;

/** An `Update`: its id, and the one optional field that says which kind it is. */
export const TelegramUpdateSchema = z
  .object({ update_id: z.number().int(), message: TelegramMessageSchema.optional() })
  .loose();

/** What one webhook call carries for us: a customer message, or something acknowledged and dropped. */
export type TelegramEvent =
  { kind: 'message'; message: InboundMessageInput } | { kind: 'ignored'; reason: string };

/** The thread: one conversation per private chat (whose id is the customer's user id). */
export function telegramThreadKey(chatId: string | number): string {
  return `telegram:${chatId}`;
}

/** The provider's id of a message: message ids are unique within a chat only. */
export function telegramMessageId(chatId: number, messageId: number): string {
  return `${chatId}.${messageId}`;
}

/** "First Last", as Telegram users name themselves; undefined when both are empty. */
function displayName(person: z.infer<typeof PersonSchema> | undefined): string | undefined {
  const name = [person?.first_name, person?.last_name]
    .map((part) => part?.trim() ?? '')
    .filter((part) => part !== '')
    .join(' ');
  return name === '' ? undefined : name.slice(0, 200);
}

/**
 * A webhook's update as our event. Taken: a `message` with text in a private chat from a person.
 * Everything else (edits, channel posts, group messages, stickers, photos, callback queries,
 * member updates…) is ignored: acknowledged, so Telegram does not send it again. An update that
 * is not one (no `update_id`) or a `message` without the fields every message has throws a
 * ZodError (400). Pure: the time of receipt is given.
 */
export function normalizeTelegramUpdate(
  body: unknown,
  options: { receivedAt: Date },
): TelegramEvent {
  const update = TelegramUpdateSchema.parse(body);
  const message = update.message;
  if (message === undefined) {
    const kind = Object.keys(update).find((key) => key !== 'update_id') ?? 'empty';
    return { kind: 'ignored', reason: `${kind} update` };
  }
  if (message.chat.type !== 'private')
    return { kind: 'ignored', reason: `message in a ${message.chat.type} chat` };
  if (message.from?.is_bot === true) return { kind: 'ignored', reason: 'message from a bot' };
  if (message.text === undefined || message.text.trim() === '')
    return { kind: 'ignored', reason: 'message without text' };
  const chatId = String(message.chat.id);
  const name = displayName(message.from) ?? displayName(message.chat);
  return {
    kind: 'message',
    message: {
      channel: 'telegram',
      channelMessageId: telegramMessageId(message.chat.id, message.message_id),
      threadKey: telegramThreadKey(chatId),
      from: {
        identity: { kind: 'telegram', value: chatId },
        ...(name === undefined ? {} : { name }),
      },
      text: message.text,
      attachments: [],
      receivedAt: options.receivedAt,
      channelData: {},
    },
  };
}
