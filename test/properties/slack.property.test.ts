import { isValidSlackRequest } from '@slack/bolt';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { normalizeSlackEvent } from '../../channels/slack/normalize.ts';
import { InboundMessageSchema } from '../../src/domain/message.ts';
import { jobIdFor } from '../../src/pipeline/queues.ts';
import { DeskHarness } from '../desk/harness.ts';
import { directMessageEvent, fixture, slackSignature } from '../desk/slack-requests.ts';
import {
  bytesAsText,
  edgyString,
  HTTP_RUNS,
  junkValue,
  mutated,
  oversized,
  PURE_RUNS,
  truncatedJson,
} from './arbitraries.ts';

const receivedAt = new Date('2026-01-01T00:00:00Z');
const DM = fixture('event-im-message.json');
const MENTION = fixture('event-app-mention.json');

/** An id-shaped value of any length: Slack's patterns have no upper bound. */
const longId = (prefix: string) =>
  fc.integer({ min: 1, max: 1200 }).map((n) => `${prefix}${'A'.repeat(n)}`);

/** Events near the real ones: fields mutated, ids and text at and past every limit. */
const events: fc.Arbitrary<unknown> = fc.oneof(
  mutated(DM, 40_000),
  mutated(MENTION, 40_000),
  fc
    .record({
      user: fc.oneof(longId('U'), edgyString()),
      channel: fc.oneof(longId('D'), edgyString()),
      team: fc.oneof(longId('T'), edgyString(), fc.constant('')),
      ts: fc.oneof(fc.constant('1700010000.000100'), longId('1.'), edgyString()),
      text: fc.oneof(edgyString(200), oversized(40_000)),
      event_id: fc.oneof(longId('Ev'), edgyString()),
    })
    .map(({ event_id, ...fields }) => ({
      ...DM,
      event_id,
      event: { ...(DM['event'] as object), ...fields, ts: fields.ts.replace(/A/g, '1') },
    })),
  fc.jsonValue(),
  junkValue(),
);

describe('slack channel (properties)', () => {
  describe('when the event is arbitrary, mutated or oversized', () => {
    it('is ignored with a reason or normalized to a valid InboundMessage', () => {
      fc.assert(
        fc.property(events, fc.option(fc.constantFrom('UBOT0001', 'U0CUST01')), (body, bot) => {
          const outcome = normalizeSlackEvent(body, {
            receivedAt,
            botUserId: bot ?? undefined,
          });
          if (outcome.kind === 'ignored') expect(outcome.reason).not.toBe('');
          else InboundMessageSchema.parse(outcome.message);
        }),
        { numRuns: PURE_RUNS },
      );
    });
  });

  describe('when the request signature is checked (Bolt)', () => {
    const secret = fc.string({ minLength: 1, maxLength: 40 });
    const body = fc.oneof(edgyString(80), bytesAsText(200));
    const nowSeconds = fc.integer({ min: 1_000_000_000, max: 4_000_000_000 });

    it('accepts every correctly signed body within five minutes', () => {
      fc.assert(
        fc.property(
          secret,
          body,
          nowSeconds,
          fc.integer({ min: -299, max: 299 }),
          (s, b, t, skew) => {
            expect(
              isValidSlackRequest({
                signingSecret: s,
                body: b,
                headers: {
                  'x-slack-signature': slackSignature(s, t, b),
                  'x-slack-request-timestamp': t,
                },
                nowMilliseconds: (t + skew) * 1000,
              }),
            ).toBe(true);
          },
        ),
        { numRuns: PURE_RUNS },
      );
    });

    it('refuses arbitrary signatures, other bodies, other secrets and stale timestamps', () => {
      fc.assert(
        fc.property(
          secret,
          secret,
          body,
          body,
          nowSeconds,
          edgyString(),
          fc.integer({ min: 301, max: 1_000_000 }),
          (s1, s2, b1, b2, t, junk, age) => {
            const check = (signingSecret: string, text: string, signature: string, now = t) =>
              isValidSlackRequest({
                signingSecret,
                body: text,
                headers: { 'x-slack-signature': signature, 'x-slack-request-timestamp': t },
                nowMilliseconds: now * 1000,
              });
            const signature = slackSignature(s1, t, b1);
            expect(check(s1, b1, junk)).toBe(false);
            expect(check(s1, b1, `v0=${junk}`)).toBe(false);
            if (!Buffer.from(b1).equals(Buffer.from(b2)))
              expect(check(s1, b2, signature)).toBe(false);
            if (s1 !== s2) expect(check(s2, b1, signature)).toBe(false);
            expect(check(s1, b1, signature, t + age)).toBe(false);
          },
        ),
        { numRuns: PURE_RUNS },
      );
    });
  });
});

describe('slack channel over HTTP (properties)', () => {
  let h: DeskHarness;
  let seq = 0;

  beforeAll(async () => {
    h = await DeskHarness.start();
  });

  afterAll(async () => {
    await h.stop();
  });

  describe('when a bad request comes first', () => {
    it('refuses or ignores it without a 5xx and still accepts the good message after it', async () => {
      const bad = fc.oneof(
        // Unsigned, forged or stale: Bolt refuses before any parsing.
        fc
          .tuple(
            bytesAsText(200),
            fc.constantFrom<'none' | 'forged' | 'stale'>('none', 'forged', 'stale'),
          )
          .map(([body, how]) => ({ body, how })),
        // Correctly signed but broken or mutated JSON: reaches the normalizer.
        truncatedJson(DM).map((body) => ({ body, how: 'signed' as const })),
        mutated(DM, 5000).map((body) => ({ body: JSON.stringify(body), how: 'signed' as const })),
      );
      await fc.assert(
        fc.asyncProperty(bad, async ({ body, how }) => {
          seq += 1;
          const res = await h.post(
            body,
            'json',
            how === 'none'
              ? { secret: null }
              : how === 'forged'
                ? { secret: 'not-the-signing-secret' }
                : how === 'stale'
                  ? { timestamp: Math.floor(Date.now() / 1000) - 3600 }
                  : {},
          );
          if (how !== 'signed') expect(res.status).toBe(401);
          // Signed but unreadable (even where Bolt itself fails on the envelope: a null
          // event.user or authorization, a numeric channel — src/desk/bolt-errors.ts): a 4xx with
          // the reason, never a 5xx. Seeds that found Bolt's crashes: -409322088, -952891017.
          else expect(res.status).toBeLessThan(500);
          const eventId = `EvPROP${seq}x${Date.now()}`;
          const good = directMessageEvent({
            eventId,
            channel: 'D0PROP01',
            user: 'U0PROP01',
            ts: `1700020000.${String(seq).padStart(6, '0')}`,
            text: `hello ${seq}`,
          });
          expect((await h.post(good, 'json')).status).toBe(200);
          expect(await h.gateway.queues.inbound.getJob(jobIdFor('slack', eventId))).toBeDefined();
        }),
        { numRuns: HTTP_RUNS },
      );
    });
  });
});
