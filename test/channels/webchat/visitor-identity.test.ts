import type { Activity } from 'botbuilder';
import { describe, expect, it } from 'vitest';
import { WebchatConfigSchema, loadWebchatConfig } from '../../../channels/webchat/config.ts';
import {
  LOCAL_CHANNEL_ID,
  LOCAL_SERVICE_URL,
  normalizeActivity,
} from '../../../channels/webchat/normalize.ts';
import { userHash } from '../../../channels/webchat/signed-user.ts';
import { DirectLineTokens } from '../../../channels/webchat/verify.ts';
import {
  VISITOR_CHANNEL_DATA_KEY,
  dropVisitorIdentity,
  visitorOf,
  type VisitorIdentity,
} from '../../../channels/webchat/visitor-identity.ts';
import { SwitchboardError } from '../../../src/domain/errors.ts';

const TOKEN_SECRET = 'token-secret-0123456789abcdef-0123456789';
const IDENTITY_SECRET = 'site-identity-secret-0123456789abcdef';
const NOW = new Date('2026-06-01T12:00:00Z');

function config(extra: Record<string, string> = {}) {
  return WebchatConfigSchema.parse({
    WEBCHAT_TOKEN_SECRET: TOKEN_SECRET,
    WEBCHAT_IDENTITY_SECRET: IDENTITY_SECRET,
    ...extra,
  });
}

const signed = {
  user: {
    id: 'user-42',
    email: 'jane@example.com',
    name: 'Jane',
    hash: userHash(IDENTITY_SECRET, 'user-42', 'jane@example.com'),
  },
};

async function refusal(promise: Promise<unknown>): Promise<SwitchboardError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SwitchboardError);
  return error as SwitchboardError;
}

function activity(channelData: Record<string, unknown>, serviceUrl = LOCAL_SERVICE_URL): Activity {
  return {
    id: 'conv-1.a1',
    type: 'message',
    channelId: LOCAL_CHANNEL_ID,
    serviceUrl,
    from: { id: 'visitor-abc', name: 'typed name' },
    conversation: { id: 'conv-1' },
    recipient: { id: 'switchboard' },
    text: 'hello',
    channelData,
  } as unknown as Activity;
}

describe('the web chat visitor identity', () => {
  describe('when a token request names a signed user', () => {
    it('binds the verified user', async () => {
      expect(await visitorOf(signed, config(), NOW)).toEqual({
        user: { id: 'user-42', email: 'jane@example.com', name: 'Jane' },
      });
    });

    it('is refused (401) when the gateway has no identity secret', async () => {
      const open = WebchatConfigSchema.parse({ WEBCHAT_TOKEN_SECRET: TOKEN_SECRET });
      expect((await refusal(visitorOf(signed, open, NOW))).code).toBe('SB_ERR_IDENTITY_INVALID');
    });

    it('is refused (400) when the body has unknown or oversized fields', async () => {
      for (const body of [
        { user: { ...signed.user, admin: true } },
        { user: { ...signed.user, id: 'x'.repeat(201) } },
        { visitor: 'me' },
        'a string',
      ]) {
        expect((await refusal(visitorOf(body, config(), NOW))).code).toBe('SB_ERR_VALIDATION');
      }
    });
  });

  describe('when identification is required', () => {
    it('refuses a request without a signed user (401), pre-chat form or not', async () => {
      const required = config({ WEBCHAT_IDENTITY_REQUIRED: 'true', WEBCHAT_PRECHAT_FORM: 'true' });
      for (const body of [undefined, {}, { prechat: { email: 'jane@example.com' } }]) {
        const error = await refusal(visitorOf(body, required, NOW));
        expect(error.code).toBe('SB_ERR_IDENTITY_INVALID');
        expect(error.httpStatus).toBe(401);
      }
    });

    it('is a configuration error without a secret, or with the token secret', () => {
      const env = { WEBCHAT_TOKEN_SECRET: TOKEN_SECRET, WEBCHAT_IDENTITY_REQUIRED: 'true' };
      expect(() => loadWebchatConfig(env)).toThrow(/WEBCHAT_IDENTITY_SECRET: required/);
      expect(() =>
        loadWebchatConfig({
          WEBCHAT_TOKEN_SECRET: TOKEN_SECRET,
          WEBCHAT_IDENTITY_SECRET: TOKEN_SECRET,
        }),
      ).toThrow(/must differ from WEBCHAT_TOKEN_SECRET/);
    });
  });

  describe('when the visitor fills in the pre-chat form', () => {
    const prechat = { prechat: { name: ' Jane ', email: 'Jane@Example.com' } };

    it('keeps name and email as claimed, unverified, when the form is on', async () => {
      expect(await visitorOf(prechat, config({ WEBCHAT_PRECHAT_FORM: 'true' }), NOW)).toEqual({
        claimed: { name: 'Jane', email: 'jane@example.com' },
      });
    });

    it('ignores the fields when the form is off (the default)', async () => {
      expect(await visitorOf(prechat, config(), NOW)).toBeUndefined();
    });

    it('refuses an invalid or overlong email and an overlong name (400)', async () => {
      const on = config({ WEBCHAT_PRECHAT_FORM: 'true' });
      for (const fields of [
        { email: 'not an email' },
        { email: `${'a'.repeat(250)}@example.com` },
        { name: 'n'.repeat(101) },
      ]) {
        const error = await refusal(visitorOf({ prechat: fields }, on, NOW));
        expect(error.code).toBe('SB_ERR_VALIDATION');
      }
    });
  });

  describe('when a message of the conversation is normalized', () => {
    const user: VisitorIdentity = {
      user: { id: 'user-42', email: 'jane@example.com', phone: '+14155550123', name: 'Jane' },
    };

    it('a signed user is one identity on every browser, email and phone vouched for', () => {
      const message = normalizeActivity(activity({ [VISITOR_CHANNEL_DATA_KEY]: user }), {}, NOW);
      expect(message.from).toEqual({
        identity: { kind: 'webchat', value: 'user:user-42' },
        name: 'Jane',
        otherIdentities: [
          { kind: 'email', value: 'jane@example.com' },
          { kind: 'phone', value: '+14155550123' },
        ],
      });
    });

    it('the pre-chat email is claimed, never vouched for', () => {
      const claimed: VisitorIdentity = { claimed: { name: 'Jane', email: 'jane@example.com' } };
      const message = normalizeActivity(activity({ [VISITOR_CHANNEL_DATA_KEY]: claimed }), {}, NOW);
      expect(message.from).toEqual({
        identity: { kind: 'webchat', value: 'visitor-abc' },
        name: 'Jane',
        claimedIdentities: [{ kind: 'email', value: 'jane@example.com' }],
      });
    });

    it('ignores a visitor identity on an activity from Azure (its channelData is the client’s)', () => {
      const message = normalizeActivity(
        activity({ [VISITOR_CHANNEL_DATA_KEY]: user }, 'https://smba.trafficmanager.net/emea/'),
        {},
        NOW,
      );
      expect(message.from.otherIdentities).toBeUndefined();
      expect(message.from.identity.value).not.toContain('user:');
    });
  });

  describe('when an activity comes from Azure Bot Service', () => {
    it('loses any visitor identity before the bot sees it, and keeps the rest', () => {
      const body = {
        type: 'message',
        channelData: { [VISITOR_CHANNEL_DATA_KEY]: { user: { id: 'ceo' } }, tenant: 't1' },
      };
      dropVisitorIdentity(body);
      expect(body.channelData).toEqual({ tenant: 't1' });
      for (const junk of [undefined, null, 'text', { channelData: 'x' }]) dropVisitorIdentity(junk);
    });
  });

  describe('the Direct Line token', () => {
    it('carries the visitor through issue, verify and refresh', async () => {
      const tokens = new DirectLineTokens(TOKEN_SECRET, 600, () => NOW.getTime());
      const visitor: VisitorIdentity = { user: { id: 'user-42', email: 'jane@example.com' } };
      const { token } = await tokens.issue({ conversationId: 'c1', userId: 'visitor-1', visitor });
      const grant = await tokens.verify(token);
      expect(grant.visitor).toEqual(visitor);
      const refreshed = await tokens.verify((await tokens.issue(grant)).token);
      expect(refreshed.visitor).toEqual(visitor);
      const anonymous = await tokens.verify(
        (await tokens.issue({ conversationId: 'c2', userId: 'visitor-2' })).token,
      );
      expect(anonymous.visitor).toBeUndefined();
    });
  });
});
