/**
 * Logging must cost linear time in what is logged, and a request cannot make a log line large:
 * an unauthenticated `GET /v3/directline/files/<16 KB path>` cost 0.14 s of CPU to redact.
 */
import { describe, expect, it } from 'vitest';
import { MAX_LOGGED_STRING, redactText } from '../../src/logger.ts';

function msFor(work: () => unknown, times: number): number {
  const started = performance.now();
  for (let i = 0; i < times; i += 1) work();
  return performance.now() - started;
}

describe('log redaction under hostile input', () => {
  describe('when a request path is 16 KB of address-like characters', () => {
    it('redacts it in well under a millisecond and keeps at most the cap', () => {
      const path = `/v3/directline/files/${'a.'.repeat(8 * 1024)}`;
      const ms = msFor(() => redactText(path), 20);
      // Was ~120 ms a call (quadratic); now far below 1 ms, loaded machine or not.
      expect(ms).toBeLessThan(200);
      const logged = redactText(path);
      expect(logged.length).toBeLessThan(MAX_LOGGED_STRING + 40);
      expect(logged).toContain('more characters]');
    });
  });

  describe('when the text is within the cap', () => {
    it('grows linearly with its length for every shape that used to backtrack', () => {
      const shapes = [
        (n: number) => 'a'.repeat(n),
        (n: number) => 'a-'.repeat(n / 2),
        (n: number) => `${'a.'.repeat(n / 2)}@`,
        (n: number) => `${'@a.'.repeat(n / 3)}x`,
        (n: number) => `${'1 '.repeat(n / 2)}x`,
      ];
      for (const shape of shapes) {
        const small = Math.max(
          2,
          msFor(() => redactText(shape(500)), 200),
        );
        const large = msFor(() => redactText(shape(4000)), 200);
        // 8× the input: ~8× the time when linear, ~64× when quadratic.
        expect(large / small, shape(8)).toBeLessThan(24);
      }
    });

    it('still finds every address', () => {
      expect(redactText('mail ada.lovelace+x@example.co.uk, bob@b.example.')).toBe(
        'mail [email], [email].',
      );
      expect(redactText('a@b and @handle and x@@y.example.com')).toBe(
        'a@b and @handle and x@@y.example.com',
      );
      expect(redactText('call +44 20 7946 0958 or ada@example.com')).toBe(
        'call [phone] or [email]',
      );
    });
  });
});
