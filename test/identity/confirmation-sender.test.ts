import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { InboundMessageSchema } from '../../src/domain/message.ts';
import type { Notice } from '../../src/domain/ports.ts';
import { ConfirmationLinks } from '../../src/identity/confirmation-links.ts';
import {
  confirmationListener,
  confirmationText,
  sendConfirmation,
  type ConfirmationSenderDeps,
} from '../../src/identity/confirmation-sender.ts';
import type { PoolModels } from '../../src/pool/models.ts';
import { uniqueName } from '../support/gateway.ts';
import { serviceUrl } from '../support/services.ts';

const redis = new Redis(serviceUrl('redisUrl'));
const prefix = uniqueName('sbtest');
const links = new ConfirmationLinks({
  key: Buffer.alloc(32, 3),
  redis,
  prefix,
  publicUrl: 'https://support.example.test',
  seconds: 3600,
});
/** What the sender read of the pool: nothing, when nothing may be sent. */
const touched: string[] = [];
const untouchedModels = new Proxy({} as PoolModels, {
  get(_target, name) {
    touched.push(String(name));
    throw new Error(`the pool was read (${String(name)}) though nothing may be sent`);
  },
});

afterAll(() => {
  redis.disconnect();
});

describe('the confirmation sender', () => {
  describe('when email, PUBLIC_URL or the daily budget is missing', () => {
    it('sends nothing and reads nothing: the email stays claimed', async () => {
      const sent: Notice[] = [];
      const base: ConfirmationSenderDeps = {
        channels: new Set(['webchat']),
        models: untouchedModels,
        redis,
        prefix,
        links: () => Promise.resolve(links),
        sendNotice: (notice) => Promise.resolve(void sent.push(notice)),
        maxPerDay: 3,
        linkSeconds: 3600,
        brandName: 'Acme',
      };
      const input = { contactId: '665f1c0e8b3e4a0012345678', address: 'pat@example.com' };
      for (const deps of [
        { ...base, links: undefined },
        { ...base, sendNotice: undefined },
        { ...base, maxPerDay: 0 },
      ])
        expect(await sendConfirmation(deps, input)).toBe('not-configured');
      expect(sent).toEqual([]);
      expect(touched).toEqual([]);
    });
  });

  describe('when an API integration passes an email it does not vouch for', () => {
    it('sends nothing: only the web chat pre-chat form asks for confirmation', async () => {
      const sent: Notice[] = [];
      const listener = confirmationListener({
        channels: new Set(['webchat']),
        models: untouchedModels,
        redis,
        prefix,
        links: () => Promise.resolve(links),
        sendNotice: (notice) => Promise.resolve(void sent.push(notice)),
        maxPerDay: 3,
        linkSeconds: 3600,
        brandName: 'Acme',
      });
      const inbound = InboundMessageSchema.parse({
        channel: 'api',
        channelMessageId: 'shop/m1',
        threadKey: 'shop/c1',
        from: {
          identity: { kind: 'api', value: 'shop/u1' },
          claimedIdentities: [{ kind: 'email', value: 'pat@example.com' }],
        },
        text: 'Hello',
        receivedAt: new Date(),
      });
      await listener.stored?.(inbound, '665f1c0e8b3e4a0012345678');
      expect(sent).toEqual([]);
      expect(touched).toEqual([]);
    });
  });

  describe('the email it sends', () => {
    it('names us, the link and its lifetime, and nothing of the chat', () => {
      const text = confirmationText('Acme Support', 'https://s.example/confirm-email/t', 86_400);
      expect(text).toContain('a chat with Acme Support');
      expect(text).toContain('\nhttps://s.example/confirm-email/t\n');
      expect(text).toContain('within 24 hours');
      expect(text).toContain('If you did not give it, ignore this email');
    });
  });
});
