import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, redactText } from '../src/logger.ts';

function capture(): { stream: Writable; lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(chunk.toString('utf8'));
      callback();
    },
  });
  return { stream, lines };
}

describe('logger', () => {
  describe('when a log line carries personal data', () => {
    it('redacts emails and phone numbers in messages and fields, and secrets by key', () => {
      const { stream, lines } = capture();
      const logger = createLogger({ level: 'info', destination: stream });
      logger.info(
        {
          from: 'ada.lovelace@example.com',
          nested: { phone: '+44 20 7946 0123' },
          webhookSecret: 'whsec_abc',
          count: 3,
        },
        'message from ada.lovelace@example.com at +14155550123',
      );
      const line = lines.join('');
      expect(line).not.toContain('ada.lovelace');
      expect(line).not.toContain('7946');
      expect(line).not.toContain('4155550123');
      expect(line).not.toContain('whsec_abc');
      const parsed = JSON.parse(line) as Record<string, unknown>;
      expect(parsed['from']).toBe('[email]');
      expect(parsed['nested']).toEqual({ phone: '[phone]' });
      expect(parsed['webhookSecret']).toBe('[redacted]');
      expect(parsed['count']).toBe(3);
      expect(parsed['msg']).toBe('message from [email] at [phone]');
    });
  });

  it('leaves short numbers such as ticket numbers alone', () => {
    expect(redactText('ticket 1234 took 250 ms')).toBe('ticket 1234 took 250 ms');
  });
});
