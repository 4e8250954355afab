import type { Activity } from 'botbuilder';
import fc from 'fast-check';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  LOCAL_CHANNEL_ID,
  LOCAL_SERVICE_URL,
  normalizeActivity,
} from '../../channels/webchat/normalize.ts';
import { bearerToken, DirectLineTokens } from '../../channels/webchat/verify.ts';
import type { Gateway } from '../../src/app.ts';
import { InboundMessageSchema } from '../../src/domain/message.ts';
import { DirectLineClient, freshIp } from '../channels/webchat/directline-client.ts';
import { listenGateway, startTestGateway, testConfig } from '../support/gateway.ts';
import {
  bytesAsText,
  edgyString,
  HTTP_RUNS,
  junkValue,
  mutated,
  outcome,
  outcomeAsync,
  oversized,
  PURE_RUNS,
  truncatedJson,
} from './arbitraries.ts';

const SECRET = 'webchat-property-secret-0123456789abcdef';
const MAX_TEXT = 500;
const MAX_ACTIVITY_BYTES = 4096;
const receivedAt = new Date('2026-01-01T00:00:00Z');

/** An activity as the gateway's Direct Line (local) or Azure Bot Service hands it to the bot. */
const activities: fc.Arbitrary<Activity> = fc
  .record({
    local: fc.boolean(),
    id: fc.option(fc.oneof(edgyString(), oversized(512)), { nil: undefined }),
    channelId: fc.oneof(fc.constantFrom('msteams', 'directline', 'slack'), edgyString()),
    conversationId: fc.oneof(edgyString(), oversized(512)),
    fromId: fc.oneof(edgyString(), oversized(320)),
    fromName: fc.option(fc.oneof(edgyString(), oversized(200)), { nil: undefined }),
    text: fc.option(fc.oneof(edgyString(200), bytesAsText(300)), { nil: undefined }),
    attachments: fc.option(
      fc.array(
        fc.record(
          {
            contentUrl: fc.oneof(
              fc.webUrl(),
              edgyString(),
              oversized(2048).map((s) => `https://x.test/${s}`),
            ),
            contentType: fc.oneof(edgyString(), oversized(255), fc.constant('')),
            name: fc.oneof(edgyString(), oversized(255)),
          },
          { requiredKeys: [] },
        ),
        { maxLength: 12 },
      ),
      { nil: undefined },
    ),
    sizes: fc.option(fc.array(junkValue(), { maxLength: 12 }), { nil: undefined }),
  })
  .map(
    (a) =>
      ({
        type: 'message',
        id: a.id,
        channelId: a.local ? LOCAL_CHANNEL_ID : a.channelId,
        serviceUrl: a.local ? LOCAL_SERVICE_URL : 'https://smba.trafficmanager.net/emea/',
        conversation: { id: a.conversationId },
        from: { id: a.fromId, ...(a.fromName === undefined ? {} : { name: a.fromName }) },
        recipient: { id: 'switchboard' },
        text: a.text,
        attachments: a.attachments,
        channelData: a.sizes === undefined ? undefined : { attachmentSizes: a.sizes },
      }) as unknown as Activity,
  );

describe('webchat channel (properties)', () => {
  describe('when the activity carries arbitrary ids, text and attachments', () => {
    it('normalizes to a valid InboundMessage or rejects it with a typed reason', () => {
      fc.assert(
        fc.property(activities, (activity) => {
          const result = outcome(() => {
            const reference = {
              conversation: activity.conversation,
              channelId: activity.channelId,
            };
            return InboundMessageSchema.parse(normalizeActivity(activity, reference, receivedAt));
          });
          if (!result.ok) expect(result.rejection.code).toBe('SB_ERR_VALIDATION');
        }),
        { numRuns: PURE_RUNS },
      );
    });
  });

  describe('when Direct Line tokens are checked', () => {
    const grant = fc.record({
      conversationId: fc.oneof(edgyString(), fc.constant('')),
      userId: fc.oneof(edgyString(), fc.constant('')),
    });

    it('verifies every token it issued, for the same grant', async () => {
      const tokens = new DirectLineTokens(SECRET, 600);
      await fc.assert(
        fc.asyncProperty(grant, async (g) => {
          const { token } = await tokens.issue(g);
          const verified = await tokens.verify(token);
          expect(verified.conversationId).toBe(g.conversationId);
          expect(verified.userId).toBe(g.userId);
        }),
        { numRuns: PURE_RUNS },
      );
    });

    it('refuses arbitrary, tampered, foreign and expired tokens with a typed reason', async () => {
      let now = 1_700_000_000_000;
      const tokens = new DirectLineTokens(SECRET, 600, () => now);
      const foreign = new DirectLineTokens('another-secret-0123456789abcdef', 600, () => now);
      await fc.assert(
        fc.asyncProperty(
          grant,
          fc.oneof(edgyString(), bytesAsText(120), fc.constant(undefined)),
          fc.nat(),
          fc.string({ minLength: 1, maxLength: 1 }),
          async (g, junk, position, replacement) => {
            now = 1_700_000_000_000;
            const arbitrary = await outcomeAsync(() => tokens.verify(junk));
            expect(arbitrary.ok).toBe(false);
            if (!arbitrary.ok) expect(arbitrary.rejection.code).toBe('SB_ERR_UNAUTHENTICATED');

            const { token } = await tokens.issue(g);
            const at = position % token.length;
            const tampered = `${token.slice(0, at)}${replacement}${token.slice(at + 1)}`;
            if (tampered !== token) {
              const result = await outcomeAsync(() => tokens.verify(tampered));
              // A changed last base64url character may decode to the same signature bytes.
              if (result.ok) expect(result.value.conversationId).toBe(g.conversationId);
              else expect(result.rejection.code).toBe('SB_ERR_UNAUTHENTICATED');
            }

            const other = await outcomeAsync(async () =>
              tokens.verify((await foreign.issue(g)).token),
            );
            expect(other.ok).toBe(false);

            now += 601_000;
            const expired = await outcomeAsync(() => tokens.verify(token));
            expect(expired.ok).toBe(false);
            if (!expired.ok) expect(expired.rejection.code).toBe('SB_ERR_TOKEN_EXPIRED');
          },
        ),
        { numRuns: PURE_RUNS },
      );
    });

    it('reads a bearer token from any header without throwing', () => {
      fc.assert(
        fc.property(fc.oneof(edgyString(), fc.constant(undefined)), (header) => {
          const token = bearerToken(header);
          if (token !== undefined) expect(token).toMatch(/^\S+$/);
        }),
        { numRuns: PURE_RUNS },
      );
    });
  });
});

describe('webchat channel over HTTP (properties)', () => {
  let gateway: Gateway;
  let served: Awaited<ReturnType<typeof listenGateway>>;
  let client: DirectLineClient;
  let seq = 0;

  beforeAll(async () => {
    gateway = await startTestGateway({
      config: testConfig(),
      role: 'api',
      env: {
        WEBCHAT_TOKEN_SECRET: SECRET,
        WEBCHAT_MESSAGES_PER_VISITOR: '1000',
        WEBCHAT_MESSAGES_PER_IP: '1000',
        WEBCHAT_STARTS_PER_IP: '1000',
        WEBCHAT_MAX_ACTIVITY_BYTES: String(MAX_ACTIVITY_BYTES),
        WEBCHAT_MAX_TEXT_LENGTH: String(MAX_TEXT),
      },
    });
    served = await listenGateway(gateway);
    client = new DirectLineClient(served.url);
  });

  afterAll(async () => {
    await served.close();
    await gateway.pool.models.Ticket.db.dropDatabase();
    await gateway.queues.inbound.obliterate({ force: true });
    await gateway.queues.outbound.obliterate({ force: true });
    await gateway.stop();
  });

  const VALID = {
    type: 'message',
    text: 'Where is my order?',
    from: { id: 'visitor', name: 'Grace' },
    locale: 'en-US',
    channelData: { clientActivityID: 'c1' },
  };

  describe('when a bad activity comes first', () => {
    it('refuses it with a typed 4xx and still accepts the good message after it', async () => {
      const bad = fc.oneof(
        truncatedJson(VALID),
        bytesAsText(300),
        mutated(VALID, MAX_TEXT).map((activity) => JSON.stringify(activity)),
        fc.jsonValue().map((value) => JSON.stringify(value)),
        oversized(MAX_TEXT).map((text) => JSON.stringify({ ...VALID, text })),
        oversized(MAX_ACTIVITY_BYTES).map((text) => JSON.stringify({ ...VALID, text })),
      );
      await fc.assert(
        fc.asyncProperty(bad, async (body) => {
          seq += 1;
          const conversation = await client.start(freshIp());
          const res = await request(served.url)
            .post(`/v3/directline/conversations/${conversation.conversationId}/activities`)
            .set('authorization', `Bearer ${conversation.token}`)
            .set('content-type', 'application/json')
            .send(body);
          expect(res.status).toBeLessThan(500);
          if (res.status >= 400) {
            const error = (res.body as { error: { code: string; message: string } }).error;
            expect(error.code).toMatch(/^SB_ERR_/);
            expect(error.message).not.toBe('');
          }
          const good = await client.say(conversation, `hello ${seq}`);
          expect(good.status).toBe(200);
          expect((good.body as { id: string }).id).not.toBe('');
        }),
        { numRuns: HTTP_RUNS },
      );
    });
  });
});
