import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalizeTelegramUpdate } from '../../channels/telegram/normalize.ts';
import { telegramTextFor } from '../../channels/telegram/send.ts';
import { verifyTelegramSecret } from '../../channels/telegram/verify.ts';
import { InboundMessageSchema, OutboundMessageSchema } from '../../src/domain/message.ts';
import {
  bytesAsText,
  edgyString,
  isWellFormed,
  mutated,
  outcome,
  PURE_RUNS,
} from './arbitraries.ts';

/** A private-chat text update in the shape the Bot API documents (https://core.telegram.org/bots/api#update). */
const UPDATE = JSON.parse(
  readFileSync(new URL('../fixtures/telegram/private-text-update.json', import.meta.url), 'utf8'),
) as Record<string, unknown>;

const SECRET = 'webhook-secret_0123456789';
const RECEIVED = new Date('2026-01-01T00:00:00Z');

describe('telegram channel (properties)', () => {
  describe('when the update is the documented one', () => {
    it('normalizes to a valid InboundMessage', () => {
      const event = normalizeTelegramUpdate(UPDATE, { receivedAt: RECEIVED });
      expect(event.kind).toBe('message');
      if (event.kind === 'message') {
        expect(InboundMessageSchema.parse(event.message)).toMatchObject({
          channelMessageId: '5123456789.1365',
          from: { name: 'Ada Lovelace' },
        });
      }
    });
  });

  describe('when the update is mutated', () => {
    it('gives a valid InboundMessage, an ignored update or a typed rejection, never a crash', () => {
      fc.assert(
        fc.property(mutated(UPDATE, 10_000), (update) => {
          const result = outcome(() => normalizeTelegramUpdate(update, { receivedAt: RECEIVED }));
          if (!result.ok) expect(result.rejection.code).toBe('SB_ERR_VALIDATION');
          else if (result.value.kind === 'message') {
            const message = InboundMessageSchema.parse(result.value.message);
            // What send.ts needs to answer: a chat id it can read back as a number.
            expect(Number.isSafeInteger(Number(message.from.identity.value))).toBe(true);
          } else expect(result.value.reason.length).toBeGreaterThan(0);
        }),
        { numRuns: PURE_RUNS },
      );
    });
  });

  describe('when X-Telegram-Bot-Api-Secret-Token is checked', () => {
    it('accepts the secret and refuses anything else with SB_ERR_UNAUTHENTICATED', () => {
      const header = fc.oneof(
        edgyString(),
        bytesAsText(80),
        fc.constant(`${SECRET} `),
        fc.constant(SECRET.toUpperCase()),
        fc.array(fc.constant(SECRET), { maxLength: 2 }),
        fc.constant(undefined),
      );
      verifyTelegramSecret({ secret: SECRET, header: SECRET });
      fc.assert(
        fc.property(header, (value) => {
          const result = outcome(() => verifyTelegramSecret({ secret: SECRET, header: value }));
          expect(result.ok).toBe(false);
          if (!result.ok) expect(result.rejection.code).toBe('SB_ERR_UNAUTHENTICATED');
          // No configured secret: nothing passes, not even an empty header.
          expect(outcome(() => verifyTelegramSecret({ secret: '', header: value })).ok).toBe(false);
        }),
        { numRuns: PURE_RUNS },
      );
    });
  });

  describe('when answer text is arbitrary unicode', () => {
    it('fits 4096 code units without splitting a surrogate pair', () => {
      const text = fc.oneof(
        edgyString(120).filter(isWellFormed),
        fc.string({ unit: 'grapheme', minLength: 3000, maxLength: 6000 }),
      );
      fc.assert(
        fc.property(text, fc.option(fc.webUrl()), (value, url) => {
          const message = OutboundMessageSchema.parse({
            messageId: 'm',
            ticketId: 't',
            channel: 'telegram',
            threadKey: 'telegram:1',
            to: { kind: 'telegram', value: '1' },
            author: { kind: 'bot' },
            text: value,
            ...(url === null ? {} : { articleUrl: url }),
          });
          const sent = telegramTextFor(message);
          expect(sent.length).toBeLessThanOrEqual(4096);
          expect(isWellFormed(sent)).toBe(true);
          if (value.trim().length <= 4096) expect(sent).toBe(value.trim());
        }),
        { numRuns: 50 },
      );
    });
  });
});
