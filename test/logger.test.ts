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

  describe('when a line carries credentials', () => {
    it('redacts them by key, by shape in texts, and in query strings', () => {
      const { stream, lines } = capture();
      const logger = createLogger({ level: 'debug', destination: stream });
      logger.debug(
        {
          options: { auth: { user: 'support', pass: 'imap-pass-123' } },
          headers: { cookie: 'connect.sid=s%3Aabc.def', 'x-slack-signature': 'v0=abc123' },
          csrf: 'csrf-value-1',
        },
        'http request headers: {"Authorization":"Bearer xoxb-1234-abcdef"} GET /stream?t=eyJhbGciOi.sig&watermark=3 with sbk_0a1b2c3d4e5f_SECRETsecret-_x and sbt_0a1b2c3d4e5f_TOKENtoken',
      );
      const line = lines.join('');
      for (const secret of [
        'imap-pass-123',
        's%3Aabc',
        'v0=abc123',
        'csrf-value-1',
        'xoxb-1234',
        'eyJhbGciOi',
        'SECRETsecret',
        'TOKENtoken',
      ])
        expect(line).not.toContain(secret);
      const parsed = JSON.parse(line) as { msg: string; options: { auth: { user: string } } };
      expect(parsed.options.auth.user).toBe('support');
      expect(parsed.msg).toContain('Bearer [redacted]');
      expect(parsed.msg).toContain('?t=[redacted]&watermark=3');
      expect(parsed.msg).toContain('sbk_0a1b2c3d4e5f_[redacted]');
    });
  });

  describe('when an error is logged without a message of its own', () => {
    it('takes the redacted error message, and keeps code and cause without other fields', () => {
      const { stream, lines } = capture();
      const logger = createLogger({ level: 'info', destination: stream });
      const cause = Object.assign(new Error('socket closed for grace@example.com'), {
        config: { headers: { Authorization: 'Bearer abcdefgh12345678' } },
      });
      const error = Object.assign(new Error('delivery to +14155550123 failed', { cause }), {
        code: 'SB_ERR_DELIVERY_FAILED',
        response: { body: 'grace hopper' },
      });
      logger.warn(error);
      logger.warn({ err: error });
      expect(lines).toHaveLength(2);
      for (const line of lines) {
        expect(line).not.toContain('4155550123');
        expect(line).not.toContain('grace');
        expect(line).not.toContain('abcdefgh12345678');
        const parsed = JSON.parse(line) as {
          msg: string;
          err: { code: string; cause: { message: string } };
        };
        expect(parsed.msg).toBe('delivery to [phone] failed');
        expect(parsed.err.code).toBe('SB_ERR_DELIVERY_FAILED');
        expect(parsed.err.cause.message).toBe('socket closed for [email]');
      }
    });
  });

  describe('when a child logger is bound to personal data', () => {
    it('redacts its bindings too', () => {
      const { stream, lines } = capture();
      createLogger({ level: 'info', destination: stream })
        .child({ customer: 'ada@example.com', apiKey: 'k-123' })
        .info('hello');
      const parsed = JSON.parse(lines.join('')) as Record<string, unknown>;
      expect(parsed['customer']).toBe('[email]');
      expect(parsed['apiKey']).toBe('[redacted]');
      expect(typeof parsed['pid']).toBe('number');
    });
  });

  it('leaves short numbers such as ticket numbers alone', () => {
    expect(redactText('ticket 1234 took 250 ms')).toBe('ticket 1234 took 250 ms');
  });

  it('leaves ids with long runs of digits alone, and still finds numbers next to punctuation', () => {
    const ids = '/api/v1/tickets/6b1234567890d462de570395ca job SMd31c2bd3739451270afe03b7af5264b3';
    expect(redactText(ids)).toBe(ids);
    expect(redactText('tel:+14155550123, 415 555-0123; call_me_at_4155550123.')).toBe(
      'tel:[phone], [phone]; call_me_at_[phone].',
    );
  });
});
