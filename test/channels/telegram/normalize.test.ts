import { describe, expect, it } from 'vitest';
import { ZodError } from 'zod';
import { normalizeTelegramUpdate } from '../../../channels/telegram/normalize.ts';

const RECEIVED = new Date('2026-12-05T17:00:00Z');

/** A private-chat text message as Telegram posts it (https://core.telegram.org/bots/api#update). */
function textUpdate(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    update_id: 912345678,
    message: {
      message_id: 42,
      date: 1_796_490_000,
      from: {
        id: 5_123_456_789,
        is_bot: false,
        first_name: 'Ada',
        last_name: 'Lovelace',
        username: 'ada',
        language_code: 'en',
      },
      chat: {
        id: 5_123_456_789,
        type: 'private',
        first_name: 'Ada',
        last_name: 'Lovelace',
        username: 'ada',
      },
      text: 'My parcel never arrived',
      ...overrides,
    },
  };
}

describe('normalizeTelegramUpdate', () => {
  describe('when a customer writes text in a private chat', () => {
    it('gives a message keyed by chat id and message id, threaded by chat', () => {
      const event = normalizeTelegramUpdate(textUpdate(), { receivedAt: RECEIVED });
      expect(event).toEqual({
        kind: 'message',
        message: {
          channel: 'telegram',
          channelMessageId: '5123456789.42',
          threadKey: 'telegram:5123456789',
          from: { identity: { kind: 'telegram', value: '5123456789' }, name: 'Ada Lovelace' },
          text: 'My parcel never arrived',
          attachments: [],
          receivedAt: RECEIVED,
          channelData: {},
        },
      });
    });

    it('gives the same idempotency identity for a redelivered update', () => {
      const first = normalizeTelegramUpdate(textUpdate(), { receivedAt: RECEIVED });
      const again = normalizeTelegramUpdate(textUpdate(), { receivedAt: new Date() });
      expect(first.kind === 'message' && first.message.channelMessageId).toBe(
        again.kind === 'message' && again.message.channelMessageId,
      );
    });

    it('tells messages of two chats with the same message id apart', () => {
      const other = textUpdate({ chat: { id: 777, type: 'private', first_name: 'Bo' } });
      const a = normalizeTelegramUpdate(textUpdate(), { receivedAt: RECEIVED });
      const b = normalizeTelegramUpdate(other, { receivedAt: RECEIVED });
      expect(a.kind === 'message' && a.message.channelMessageId).not.toBe(
        b.kind === 'message' && b.message.channelMessageId,
      );
    });

    it('names the customer by first name alone when there is no last name', () => {
      const event = normalizeTelegramUpdate(
        textUpdate({ from: { id: 1, is_bot: false, first_name: 'Bo' } }),
        { receivedAt: RECEIVED },
      );
      expect(event.kind === 'message' && event.message.from.name).toBe('Bo');
    });
  });

  describe('when the update is not a customer text message', () => {
    it.each([
      [
        'an edited message',
        { update_id: 1, edited_message: textUpdate()['message'] },
        'edited_message update',
      ],
      [
        'a callback query',
        { update_id: 2, callback_query: { id: '1', data: 'x' } },
        'callback_query update',
      ],
      [
        'a group message',
        textUpdate({ chat: { id: -100, type: 'group', title: 'Fans' } }),
        'message in a group chat',
      ],
      [
        'a sticker',
        textUpdate({ text: undefined, sticker: { file_id: 'x' } }),
        'message without text',
      ],
      [
        'a photo with a caption',
        textUpdate({ text: undefined, caption: 'look' }),
        'message without text',
      ],
      [
        'a message from a bot',
        textUpdate({ from: { id: 9, is_bot: true, first_name: 'B' } }),
        'message from a bot',
      ],
    ])('ignores %s', (_what, update, reason) => {
      expect(normalizeTelegramUpdate(update, { receivedAt: RECEIVED })).toEqual({
        kind: 'ignored',
        reason,
      });
    });
  });

  describe('when the body is not an update', () => {
    it('throws a validation error for a body without update_id', () => {
      expect(() => normalizeTelegramUpdate({ message: {} }, { receivedAt: RECEIVED })).toThrow(
        ZodError,
      );
    });

    it('throws a validation error for a message without its chat', () => {
      const update = { update_id: 3, message: { message_id: 1, date: 1, text: 'hi' } };
      expect(() => normalizeTelegramUpdate(update, { receivedAt: RECEIVED })).toThrow(ZodError);
    });
  });
});
