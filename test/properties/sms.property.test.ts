import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import request from 'supertest';
import twilio from 'twilio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { normalizeTwilioMessage } from '../../channels/sms/normalize.ts';
import { countSegments, fitSegments, markdownToSms } from '../../channels/sms/text.ts';
import { verifyTwilioRequest } from '../../channels/sms/verify.ts';
import type { Gateway } from '../../src/app.ts';
import { InboundMessageSchema } from '../../src/domain/message.ts';
import { startTestGateway, testConfig } from '../support/gateway.ts';
import {
  bytesAsText,
  edgyString,
  HTTP_RUNS,
  isWellFormed,
  junkValue,
  mutated,
  outcome,
  oversized,
  PURE_RUNS,
} from './arbitraries.ts';

const AUTH_TOKEN = 'test-auth-token-0123456789abcdef';
const PUBLIC_URL = 'https://support.example.test/sb';
const INBOUND_PATH = '/channels/sms/twilio';

const MMS = JSON.parse(
  readFileSync(new URL('../fixtures/sms/inbound-mms.json', import.meta.url), 'utf8'),
) as Record<string, string>;

const OPTIONS = { defaultCountry: 'US' as const, receivedAt: new Date('2026-01-01T00:00:00Z') };

/** A form field as Twilio sends it: always a string. */
const fieldValue = fc.oneof(
  edgyString(),
  bytesAsText(80),
  oversized(2048),
  fc.integer().map(String),
  fc.constantFrom('', ' ', 'tel:', 'sms:+', '-1', '11', '1e3', 'NaN', 'http://', 'ftp://x/y'),
  fc.webUrl({ withQueryParameters: true, withFragments: true }),
  fc.constantFrom('https://a b', 'http:/x', 'http://x:99999', 'HTTP://X/\u200F', 'javascript:1'),
);

/** The MMS fixture with some of its fields replaced by arbitrary strings, or left out. */
const mutatedForm: fc.Arbitrary<Record<string, unknown>> = fc.oneof(
  fc
    .array(fc.tuple(fc.constantFrom(...Object.keys(MMS)), fc.option(fieldValue)), {
      minLength: 1,
      maxLength: 4,
    })
    .map((changes) => {
      const form: Record<string, unknown> = { ...MMS };
      for (const [key, value] of changes) {
        if (value === null) delete form[key];
        else form[key] = value;
      }
      return form;
    }),
  mutated(MMS as Record<string, unknown>, 10_000),
  fc.dictionary(fc.string({ maxLength: 12 }), junkValue(), { maxKeys: 6 }),
);

/** Lone surrogates cannot travel in a URL-encoded form (they arrive as U+FFFD): replace them. */
function wellFormed(text: string): string {
  return text.replace(
    /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g,
    '\uFFFD',
  );
}

describe('sms channel (properties)', () => {
  describe('when the webhook form is arbitrary or mutated', () => {
    it('normalizes to a valid InboundMessage or rejects it with a typed reason', () => {
      fc.assert(
        fc.property(mutatedForm, (form) => {
          const result = outcome(() => normalizeTwilioMessage(form, OPTIONS));
          if (result.ok) InboundMessageSchema.parse(result.value);
          else expect(result.rejection.code).toBe('SB_ERR_VALIDATION');
        }),
        { numRuns: PURE_RUNS },
      );
    });

    it('refuses a From or To that leaves no address, instead of an invalid message', () => {
      fc.assert(
        fc.property(fieldValue, fieldValue, (from, to) => {
          const result = outcome(() =>
            normalizeTwilioMessage({ ...MMS, From: from, To: to }, OPTIONS),
          );
          if (result.ok) InboundMessageSchema.parse(result.value);
          else expect(result.rejection.code).toBe('SB_ERR_VALIDATION');
        }),
        { numRuns: PURE_RUNS },
      );
    });

    it('keeps only media with a usable URL as attachments', () => {
      fc.assert(
        fc.property(fieldValue, fieldValue, (url, contentType) => {
          const form = { ...MMS, NumMedia: '1', MediaUrl0: url, MediaContentType0: contentType };
          const result = outcome(() => normalizeTwilioMessage(form, OPTIONS));
          expect(result.ok).toBe(true);
          if (result.ok) InboundMessageSchema.parse(result.value);
        }),
        { numRuns: PURE_RUNS },
      );
    });
  });

  describe('when X-Twilio-Signature is checked', () => {
    const params = fc.dictionary(
      fc.string({ minLength: 1, maxLength: 12 }),
      fc.oneof(edgyString(), bytesAsText(60)),
      { maxKeys: 6 },
    );
    const path = fc.oneof(
      fc.constant(INBOUND_PATH),
      edgyString(20).map((s) => `${INBOUND_PATH}?q=${encodeURIComponent(wellFormed(s))}`),
    );

    it('accepts every correctly signed request', () => {
      fc.assert(
        fc.property(params, path, (form, originalUrl) => {
          const signature = twilio.getExpectedTwilioSignature(
            AUTH_TOKEN,
            `${PUBLIC_URL}${originalUrl}`,
            form,
          );
          verifyTwilioRequest({
            authToken: AUTH_TOKEN,
            publicBaseUrl: PUBLIC_URL,
            originalUrl,
            signature,
            params: form,
          });
        }),
        { numRuns: PURE_RUNS },
      );
    });

    it('refuses arbitrary signatures, other tokens and a missing token with SB_ERR_FORBIDDEN', () => {
      const signature = fc.oneof(
        edgyString(),
        fc.base64String({ minLength: 28, maxLength: 28 }),
        fc.array(fc.string(), { maxLength: 2 }),
        fc.constant(undefined),
      );
      fc.assert(
        fc.property(
          params,
          path,
          signature,
          fc.string({ maxLength: 40 }),
          (form, url, sig, token) => {
            const forged = outcome(() =>
              verifyTwilioRequest({
                authToken: AUTH_TOKEN,
                publicBaseUrl: PUBLIC_URL,
                originalUrl: url,
                signature: sig,
                params: form,
              }),
            );
            expect(forged.ok).toBe(false);
            if (!forged.ok) expect(forged.rejection.code).toBe('SB_ERR_FORBIDDEN');
            if (token !== AUTH_TOKEN) {
              const otherToken = outcome(() =>
                verifyTwilioRequest({
                  authToken: AUTH_TOKEN,
                  publicBaseUrl: PUBLIC_URL,
                  originalUrl: url,
                  signature: twilio.getExpectedTwilioSignature(token, `${PUBLIC_URL}${url}`, form),
                  params: form,
                }),
              );
              expect(otherToken.ok).toBe(false);
            }
            const unconfigured = outcome(() =>
              verifyTwilioRequest({
                authToken: '',
                publicBaseUrl: PUBLIC_URL,
                originalUrl: url,
                signature: twilio.getExpectedTwilioSignature('', `${PUBLIC_URL}${url}`, form),
                params: form,
              }),
            );
            expect(unconfigured.ok).toBe(false);
          },
        ),
        { numRuns: PURE_RUNS },
      );
    });
  });

  describe('when answer text is arbitrary unicode', () => {
    it('cuts to the segment budget without splitting a surrogate pair', () => {
      fc.assert(
        fc.property(
          edgyString(120).filter(isWellFormed),
          fc.integer({ min: 1, max: 4 }),
          (text, maxSegments) => {
            const plain = markdownToSms(text);
            const cut = fitSegments(plain, { maxSegments, moreUrl: 'https://x.test/a/1' });
            expect(countSegments(cut).segments).toBeLessThanOrEqual(maxSegments);
            expect(isWellFormed(cut)).toBe(true);
          },
        ),
        { numRuns: PURE_RUNS },
      );
    });
  });
});

describe('sms channel over HTTP (properties)', () => {
  let gateway: Gateway;
  let seq = 0;

  beforeAll(async () => {
    gateway = await startTestGateway({
      config: testConfig(),
      role: 'api',
      env: {
        TWILIO_ACCOUNT_SID: 'AC0123456789abcdef0123456789abcdef',
        TWILIO_AUTH_TOKEN: AUTH_TOKEN,
        TWILIO_FROM_NUMBER: '+14155550100',
        SMS_PUBLIC_URL: PUBLIC_URL,
        TWILIO_API_BASE_URL: 'http://127.0.0.1:9',
      },
    });
  });

  afterAll(async () => {
    await gateway.pool.models.Ticket.db.dropDatabase();
    await gateway.queues.inbound.obliterate({ force: true });
    await gateway.queues.outbound.obliterate({ force: true });
    await gateway.stop();
  });

  function post(form: Record<string, string>, signed: boolean) {
    const req = request(gateway.http!).post(INBOUND_PATH).type('form');
    if (signed) {
      req.set(
        'x-twilio-signature',
        twilio.getExpectedTwilioSignature(AUTH_TOKEN, `${PUBLIC_URL}${INBOUND_PATH}`, form),
      );
    }
    return req.send(new URLSearchParams(form).toString());
  }

  describe('when a bad webhook comes first', () => {
    it('refuses it without a 5xx and still accepts the good message after it', async () => {
      const badForm = fc
        .array(fc.tuple(fc.constantFrom(...Object.keys(MMS)), fieldValue), {
          minLength: 1,
          maxLength: 3,
        })
        .map((changes) => {
          const form = { ...MMS };
          for (const [key, value] of changes) form[key] = wellFormed(value);
          return form;
        });
      await fc.assert(
        fc.asyncProperty(badForm, fc.boolean(), async (form, signed) => {
          seq += 1;
          const bad = await post(form, signed);
          expect(bad.status).toBeLessThan(500);
          if (!signed) expect(bad.status).toBe(403);
          const sid = `SM${seq.toString(16).padStart(8, '0')}${'0'.repeat(24)}`;
          const good = await post(
            { ...MMS, NumMedia: '0', MessageSid: sid, Body: `hello ${seq}` },
            true,
          );
          expect(good.status).toBe(200);
        }),
        { numRuns: HTTP_RUNS },
      );
    });
  });
});
