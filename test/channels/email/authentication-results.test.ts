import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import {
  MAX_AUTH_RESULTS_HEADERS,
  authenticationResultsOf,
  parseAuthenticationResults,
  senderVerified,
} from '../../../channels/email/authentication-results.ts';

const MX = 'mx.support.example';
const FROM = 'jane@example.com';

describe('Authentication-Results', () => {
  describe('when parsing a header', () => {
    it('reads the authserv-id, each method, its result and properties; comments and quotes go', () => {
      const header = parseAuthenticationResults(
        ` MX.Support.Example 1;\r\n\tdkim=pass (2048-bit key; "unprotected") header.d=example.com header.i="@example.com" header.s=sel;\r\n spf = pass smtp.mailfrom = jane@example.com;\r\n dmarc=pass (p=reject dis=none) header.from=example.com`,
      );
      expect(header?.authservId).toBe('mx.support.example');
      expect(
        header?.results.map((r) => ({
          method: r.method,
          result: r.result,
          props: Object.fromEntries(r.props),
        })),
      ).toEqual([
        {
          method: 'dkim',
          result: 'pass',
          props: { 'header.d': 'example.com', 'header.i': '@example.com', 'header.s': 'sel' },
        },
        { method: 'spf', result: 'pass', props: { 'smtp.mailfrom': 'jane@example.com' } },
        { method: 'dmarc', result: 'pass', props: { 'header.from': 'example.com' } },
      ]);
    });

    it('reads "none" as no results, and a header without authserv-id as nothing', () => {
      expect(parseAuthenticationResults('mx.example.org; none')?.results).toEqual([]);
      expect(parseAuthenticationResults('dkim=pass header.d=example.com')).toBeUndefined();
      expect(parseAuthenticationResults('')).toBeUndefined();
    });

    it('takes the topmost headers only, at most the limit', () => {
      const lines = Array.from({ length: MAX_AUTH_RESULTS_HEADERS + 5 }, (_, i) => ({
        key: 'authentication-results',
        line: `Authentication-Results: mx${i}.example; none`,
      }));
      const values = authenticationResultsOf([{ key: 'from', line: 'From: x@y.z' }, ...lines]);
      expect(values).toHaveLength(MAX_AUTH_RESULTS_HEADERS);
      expect(values[0]).toBe(' mx0.example; none');
    });
  });

  describe('when deciding whether the From address is verified', () => {
    const verified = (headers: string[], from = FROM, ...trusted: [string | undefined] | []) =>
      senderVerified(headers, from, trusted.length === 0 ? MX : trusted[0]);

    it('trusts dmarc=pass and aligned dkim=pass from the configured server', () => {
      expect(verified([`${MX}; dmarc=pass header.from=example.com`])).toBe(true);
      expect(verified([`${MX}; dkim=pass header.d=example.com`])).toBe(true);
      expect(verified([`${MX.toUpperCase()}; dkim=pass header.i=@example.com`])).toBe(true);
    });

    it('accepts a signing domain in a subdomain relation with the From domain', () => {
      expect(verified([`${MX}; dkim=pass header.d=example.com`], 'jane@eu.example.com')).toBe(true);
      expect(verified([`${MX}; dkim=pass header.d=mail.example.com`])).toBe(true);
    });

    it('refuses failures, other methods and misaligned signing domains', () => {
      for (const header of [
        `${MX}; dkim=fail header.d=example.com`,
        `${MX}; dmarc=fail header.from=example.com; dkim=pass header.d=example.com`,
        `${MX}; spf=pass smtp.mailfrom=jane@example.com`,
        `${MX}; dkim=pass header.d=attacker.test`,
        `${MX}; dkim=pass header.d=notexample.com`,
        `${MX}; dkim=pass header.d=example.com.attacker.test`,
        `${MX}; dkim=pass header.d=com`,
        `${MX}; dkim=pass`,
        `${MX}; dmarc=pass header.from=attacker.test`,
      ]) {
        expect(verified([header]), header).toBe(false);
      }
    });

    it('ignores headers from any other authserv-id (anyone can write one)', () => {
      expect(verified([`evil.example; dkim=pass header.d=example.com`])).toBe(false);
      expect(verified([`${MX}.attacker.test; dmarc=pass`])).toBe(false);
    });

    it('trusts nothing when no authserv-id is configured', () => {
      expect(verified([`${MX}; dmarc=pass header.from=example.com`], FROM, undefined)).toBe(false);
      expect(verified([`${MX}; dmarc=pass header.from=example.com`], FROM, '')).toBe(false);
    });

    it('reads several headers: a pass from the trusted one counts among others, a dmarc=fail vetoes', () => {
      expect(
        verified([
          'spam-filter.example; dkim=pass header.d=example.com',
          `${MX}; spf=fail smtp.mailfrom=example.com`,
          `${MX}; dkim=pass header.d=example.com`,
        ]),
      ).toBe(true);
      expect(
        verified([
          `${MX}; dmarc=fail header.from=example.com`,
          `${MX}; dkim=pass header.d=example.com`,
        ]),
      ).toBe(false);
    });

    it('refuses a From that is a domain literal or has no domain', () => {
      expect(verified([`${MX}; dmarc=pass`], 'jane@[192.0.2.1]')).toBe(false);
      expect(verified([`${MX}; dmarc=pass`], 'jane')).toBe(false);
    });

    it('ignores an oversized header whole (never a cut one)', () => {
      const padded = `${MX}; dkim=pass header.d=example.com ${'x'.repeat(10_000)}`;
      expect(verified([padded])).toBe(false);
    });
  });

  describe('when the header is hostile', () => {
    const SIZE = 100 * 1024;
    const hostile = [
      '('.repeat(SIZE),
      `${MX};${' '.repeat(SIZE)}x`,
      `${MX}; ${'a='.repeat(SIZE / 2)}`,
      `${MX}; dkim=pass header.d=${'\\'.repeat(SIZE)}`,
      `${MX}; "${'\\"'.repeat(SIZE / 2)}`,
      `${MX}; ${'; '.repeat(SIZE / 2)}`,
      `${MX}; dkim=pass ${'header.d = '.repeat(SIZE / 11)}example.com`,
      `${MX}; dkim=pass header.d=${'a.'.repeat(SIZE / 2)}com`,
    ];

    it('parses 100 kB of each crafted shape in milliseconds (linear time)', () => {
      for (const value of hostile) {
        const started = performance.now();
        parseAuthenticationResults(value);
        senderVerified([value], FROM, MX);
        const ms = performance.now() - started;
        // A few ms each when linear; a quadratic scan of 100 kB takes seconds. The margin is for
        // a shared, busy CI machine (GC pauses), not for the parser.
        expect(ms, value.slice(0, 40)).toBeLessThan(100);
      }
    });

    it('verifies nothing from them', () => {
      for (const value of hostile) expect(senderVerified([value], FROM, MX)).toBe(false);
    });
  });
});
