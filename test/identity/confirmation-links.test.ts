import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import {
  ConfirmationLinks,
  ConfirmationRefused,
  CONFIRM_EMAIL_PATH,
  type RefusedBecause,
} from '../../src/identity/confirmation-links.ts';
import { takeConfirmationSlot } from '../../src/identity/confirmation-limits.ts';
import { uniqueName } from '../support/gateway.ts';
import { serviceUrl } from '../support/services.ts';

const PUBLIC_URL = 'https://support.example.test';
const redis = new Redis(serviceUrl('redisUrl'));
const prefix = uniqueName('sbtest');
const SECONDS = 3600;
const links = new ConfirmationLinks({
  key: Buffer.alloc(32, 9),
  redis,
  prefix,
  publicUrl: PUBLIC_URL,
  seconds: SECONDS,
});
const PENDING = { contactId: '665f1c0e8b3e4a0012345678', address: 'pat@example.com' };
const NOW = new Date('2026-03-01T10:00:00Z');

afterAll(async () => {
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
});

/** The token of a link: what follows the confirmation path. */
function tokenOf(link: string): string {
  const start = `${PUBLIC_URL}${CONFIRM_EMAIL_PATH}/`;
  expect(link.startsWith(start)).toBe(true);
  return link.slice(start.length);
}

async function refusal(work: Promise<unknown>): Promise<RefusedBecause> {
  const error = await work.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConfirmationRefused);
  expect((error as ConfirmationRefused).code).toBe('SB_ERR_CONFIRMATION_INVALID');
  return (error as ConfirmationRefused).reason;
}

describe('confirmation links', () => {
  describe('when the link is intact and fresh', () => {
    it('names the contact and the address, neither of them in the link', async () => {
      const link = await links.issue(PENDING, NOW);
      expect(link).not.toContain('pat');
      expect(link).not.toContain(PENDING.contactId);
      expect(await links.inspect(tokenOf(link), NOW)).toMatchObject(PENDING);
    });
  });

  describe('when the link was tampered with', () => {
    it('refuses a changed signature, expiry or nonce, and garbage, as not valid', async () => {
      const token = tokenOf(await links.issue(PENDING, NOW));
      const [nonce = '', exp = '', sig = ''] = token.split('.');
      const flip = (s: string) => (s[0] === 'A' ? 'B' : 'A') + s.slice(1);
      for (const bad of [
        `${nonce}.${exp}.${flip(sig)}`,
        `${nonce}.${Number(exp) + 86_400}.${sig}`,
        `${flip(nonce)}.${exp}.${sig}`,
        `${nonce}.${exp}`,
        'not-a-token',
        `${token}x`,
      ])
        expect(await refusal(links.inspect(bad, NOW))).toBe('invalid');
    });

    it('binds the address: a link made for another address does not confirm this one', async () => {
      const token = tokenOf(await links.issue(PENDING, NOW));
      const [nonce = ''] = token.split('.');
      // Someone with access to the record could point it at another address: the HMAC refuses.
      const key = `${prefix}:email-confirm:link:${nonce}`;
      await redis.set(key, JSON.stringify({ ...PENDING, address: 'mallory@example.com' }));
      expect(await refusal(links.inspect(token, NOW))).toBe('invalid');
    });
  });

  describe('when the link has expired', () => {
    it('says it expired once its time is up, and not a second before', async () => {
      const token = tokenOf(await links.issue(PENDING, NOW));
      const later = new Date(NOW.getTime() + SECONDS * 1000);
      expect(await refusal(links.inspect(token, later))).toBe('expired');
      expect(await refusal(links.consume(token, later))).toBe('expired');
      expect(await links.inspect(token, new Date(later.getTime() - 1000))).toMatchObject(PENDING);
    });
  });

  describe('when the link is used again', () => {
    it('confirms once: a second use, even a concurrent one, is refused as used', async () => {
      const token = tokenOf(await links.issue(PENDING, NOW));
      const outcomes = await Promise.allSettled([
        links.consume(token, NOW),
        links.consume(token, NOW),
      ]);
      expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
      expect(await refusal(links.consume(token, NOW))).toBe('used');
      expect(await refusal(links.inspect(token, NOW))).toBe('used');
    });

    it('is usable again when the confirmation it was taken for failed (released)', async () => {
      const token = tokenOf(await links.issue(PENDING, NOW));
      const taken = await links.consume(token, NOW);
      await taken.release();
      expect(await links.consume(token, NOW)).toMatchObject(PENDING);
    });
  });
});

describe('the confirmation rate limit', () => {
  const deps = { redis, prefix, maxPerDay: 3 };

  it('sends an address at most the daily number, whatever the contacts asking', async () => {
    const address = 'victim@example.com';
    const taken: boolean[] = [];
    for (let i = 0; i < 5; i += 1)
      taken.push(await takeConfirmationSlot(deps, { contactId: `visitor-${i}`, address }, NOW));
    expect(taken).toEqual([true, true, true, false, false]);
    const tomorrow = new Date(NOW.getTime() + 24 * 3600 * 1000);
    expect(await takeConfirmationSlot(deps, { contactId: 'visitor-9', address }, tomorrow)).toBe(
      true,
    );
  });

  it('sends one contact at most the daily number, whatever the addresses', async () => {
    const taken: boolean[] = [];
    for (let i = 0; i < 4; i += 1)
      taken.push(
        await takeConfirmationSlot(deps, { contactId: 'c1', address: `a${i}@example.com` }, NOW),
      );
    expect(taken).toEqual([true, true, true, false]);
    // The contact's spent budget took nothing from the address's.
    expect(
      await takeConfirmationSlot(deps, { contactId: 'c2', address: 'a3@example.com' }, NOW),
    ).toBe(true);
  });

  it('sends nothing when the limit is 0', async () => {
    expect(
      await takeConfirmationSlot({ ...deps, maxPerDay: 0 }, { contactId: 'c3', address: 'x@y.z' }),
    ).toBe(false);
  });
});
