import fc from 'fast-check';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiIntegration, IntegrationDirectory } from '../../src/domain/integrations.ts';
import { ApiMessageBodySchema, normalizeApiMessage } from '../../channels/api/normalize.ts';
import { signPayload, verifySignature } from '../../channels/api/signature.ts';
import { authenticateIntegration } from '../../channels/api/verify.ts';
import type { Gateway } from '../../src/app.ts';
import { InboundMessageSchema } from '../../src/domain/message.ts';
import { CallbackReceiver } from '../support/callback-receiver.ts';
import { startTestGateway, testConfig } from '../support/gateway.ts';
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
import { createIntegration } from '../../src/integrations/store.ts';

const VALID = {
  messageId: 'msg-1',
  conversationId: 'conv-1',
  from: { id: 'customer-7', name: 'Grace', email: 'grace@example.com', phone: '+14155550123' },
  text: 'My parcel has not arrived',
  attachments: [{ name: 'a.png', contentType: 'image/png', size: 3, url: 'https://x.test/a.png' }],
  sentAt: '2026-01-01T00:00:00Z',
};

/** What the route does with a parsed body: validate, normalize, and what the sink then checks. */
function apiPipeline(body: unknown) {
  const parsed = ApiMessageBodySchema.parse(body);
  return InboundMessageSchema.parse(normalizeApiMessage('int-1', parsed, new Date()));
}

/** Structured bodies near the valid one, and fields at and beyond their limits. */
const apiBodies = fc.oneof(
  mutated(VALID, 20_000),
  fc.record({
    messageId: fc.oneof(edgyString(), oversized(200)),
    conversationId: fc.oneof(edgyString(), oversized(200)),
    from: fc.record({
      id: fc.oneof(edgyString(), oversized(200)),
      name: fc.oneof(edgyString(), oversized(200)),
    }),
    text: fc.oneof(edgyString(200), oversized(20_000)),
  }),
  junkValue(),
  fc.jsonValue(),
);

describe('api channel (properties)', () => {
  describe('when the body is arbitrary, mutated or oversized', () => {
    it('normalizes to a valid InboundMessage or rejects it with a typed reason', () => {
      fc.assert(
        fc.property(apiBodies, (body) => {
          const result = outcome(() => apiPipeline(body));
          if (!result.ok) expect(result.rejection.code).toBe('SB_ERR_VALIDATION');
        }),
        { numRuns: PURE_RUNS },
      );
    });

    it('keeps unicode edge cases in ids and text intact when they are within the limits', () => {
      fc.assert(
        fc.property(
          edgyString(60).filter((s) => s.trim().length > 0),
          (text) => {
            const result = outcome(() =>
              apiPipeline({ ...VALID, messageId: text, conversationId: text, text }),
            );
            if (result.ok) {
              expect(result.value.text).toBe(text.trim());
              expect(result.value.channelMessageId).toBe(`int-1/${text}`);
            }
          },
        ),
        { numRuns: PURE_RUNS },
      );
    });
  });

  describe('when callback signatures are checked', () => {
    const secret = fc.string({ minLength: 1, maxLength: 40 });
    const body = fc.oneof(edgyString(80), bytesAsText(200));
    const now = fc.integer({ min: 1_000_000_000, max: 4_000_000_000 });

    it('verifies every correctly signed body within the tolerance', () => {
      fc.assert(
        fc.property(secret, body, now, fc.integer({ min: -300, max: 300 }), (s, b, t, skew) => {
          const header = signPayload(s, b, t);
          expect(verifySignature({ secret: s, body: b, header, now: t + skew })).toBe(true);
        }),
        { numRuns: PURE_RUNS },
      );
    });

    it('never verifies an arbitrary header', () => {
      const hex = fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), maxLength: 64 });
      // A current timestamp with a made-up digest, or no shape at all.
      const header = (t: number) =>
        fc.oneof(
          edgyString(80),
          fc.oneof(hex, edgyString()).map((v) => `t=${t},v1=${v}`),
          fc.constant(undefined),
        );
      fc.assert(
        fc.property(
          secret,
          body,
          now.chain((t) => fc.tuple(fc.constant(t), header(t))),
          (s, b, [t, h]) => {
            expect(verifySignature({ secret: s, body: b, header: h, now: t })).toBe(false);
          },
        ),
        { numRuns: PURE_RUNS },
      );
    });

    it('refuses a signature over another body, another secret or a stale timestamp', () => {
      fc.assert(
        fc.property(secret, secret, body, body, now, fc.nat(10_000), (s1, s2, b1, b2, t, age) => {
          const header = signPayload(s1, b1, t);
          // Bodies equal as UTF-8 bytes are the same body on the wire (lone surrogates → U+FFFD).
          if (Buffer.from(b1).equals(Buffer.from(b2)) === false) {
            expect(verifySignature({ secret: s1, body: b2, header, now: t })).toBe(false);
          }
          if (s1 !== s2) {
            expect(verifySignature({ secret: s2, body: b1, header, now: t })).toBe(false);
          }
          expect(verifySignature({ secret: s1, body: b1, header, now: t + 301 + age })).toBe(false);
          expect(verifySignature({ secret: '', body: b1, header, now: t })).toBe(false);
        }),
        { numRuns: PURE_RUNS },
      );
    });
  });

  describe('when API keys are arbitrary', () => {
    const integration = { id: 'int-1' } as ApiIntegration;
    const KEY = 'sb_live_0123456789abcdef';
    const directory: IntegrationDirectory = {
      findByKey: (key: string) => Promise.resolve(key === KEY ? integration : undefined),
    } as IntegrationDirectory;

    it('authenticates only the known key and refuses the rest with SB_ERR_UNAUTHENTICATED', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(edgyString(), fc.constant(undefined)),
          fc.oneof(edgyString(), fc.array(edgyString(), { maxLength: 2 }), fc.constant(undefined)),
          async (authorization, apiKey) => {
            const result = await outcomeAsync(() =>
              authenticateIntegration(directory, { authorization, 'x-api-key': apiKey }),
            );
            if (!result.ok) expect(result.rejection.code).toBe('SB_ERR_UNAUTHENTICATED');
            else expect(result.value).toBe(integration);
          },
        ),
        { numRuns: PURE_RUNS },
      );
    });
  });
});

describe('api channel over HTTP (properties)', () => {
  let gateway: Gateway;
  let receiver: CallbackReceiver;
  let apiKey: string;
  let seq = 0;

  beforeAll(async () => {
    receiver = await new CallbackReceiver().start();
    gateway = await startTestGateway({
      config: testConfig({ API_MAX_BODY_BYTES: '4096' }),
      role: 'api',
    });
    const created = await createIntegration(gateway.pool.models, {
      name: 'props',
      callbackUrl: receiver.url,
    });
    apiKey = created.apiKey;
  });

  afterAll(async () => {
    await gateway.pool.models.Ticket.db.dropDatabase();
    await gateway.queues.inbound.obliterate({ force: true });
    await gateway.queues.outbound.obliterate({ force: true });
    await gateway.stop();
    await receiver.stop();
  });

  describe('when a bad request comes first', () => {
    it('refuses it with a typed 4xx and still accepts the good message after it', async () => {
      const raw = fc.oneof(
        truncatedJson(VALID),
        bytesAsText(300),
        mutated(VALID, 5000).map((body) => JSON.stringify(body)),
        fc.constant(JSON.stringify({ ...VALID, text: 'x'.repeat(5000) })),
      );
      await fc.assert(
        fc.asyncProperty(raw, async (body) => {
          seq += 1;
          const bad = await request(gateway.http!)
            .post('/api/v1/messages')
            .set('authorization', `Bearer ${apiKey}`)
            .set('content-type', 'application/json')
            .send(body);
          expect(bad.status).toBeLessThan(500);
          if (bad.status >= 400) {
            const error = (bad.body as { error: { code: string; message: string } }).error;
            expect(error.code).toMatch(/^SB_ERR_/);
            expect(error.message).not.toBe('');
          }
          const good = await request(gateway.http!)
            .post('/api/v1/messages')
            .set('authorization', `Bearer ${apiKey}`)
            .send({ ...VALID, messageId: `good-${seq}`, conversationId: `conv-${seq}` });
          expect(good.status).toBe(202);
          expect((good.body as { duplicate: boolean }).duplicate).toBe(false);
        }),
        { numRuns: HTTP_RUNS },
      );
    });
  });
});
