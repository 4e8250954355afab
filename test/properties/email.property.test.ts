import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_MAILBOX, scopedKey, unscopeKey } from '../../channels/email/keys.ts';
import { isEmptyMail, normalizeEmail } from '../../channels/email/normalize.ts';
import { parseEmail, type ParsedEmail } from '../../channels/email/parse.ts';
import { InboundMessageSchema } from '../../src/domain/message.ts';
import { bytes, edgyString, oversized, PURE_RUNS } from './arbitraries.ts';

/**
 * The message the poller hands the sink for a parsed mail (channels/email/normalize.ts, as
 * poller.ts `handle` calls it for a new thread), or undefined where the poller rejects it (no
 * valid From, nothing in it) — loops and bounces are rejected there too, but their message would
 * be as valid.
 */
function asInbound(mail: ParsedEmail, mailboxId: string) {
  if (!mail.from || isEmptyMail(mail)) return undefined;
  const key = scopedKey(mailboxId, mail.key);
  return normalizeEmail(
    { ...mail, from: mail.from },
    { key, threadKey: key, mailboxId, receivedAt: new Date(), saved: [] },
  );
}

/**
 * parseEmail either gives a mail whose message is valid, or throws — which the poller records as
 * a `malformed` rejection with the error's message as the detail, then moves on to the next UID.
 */
async function checkParse(source: Buffer): Promise<void> {
  let mail: ParsedEmail;
  try {
    mail = await parseEmail(source);
  } catch (error) {
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).not.toBe('');
    return;
  }
  expect(mail.key).not.toBe('');
  const inbound = asInbound(mail, 'sales');
  if (inbound !== undefined) InboundMessageSchema.parse(inbound);
  const inDefault = asInbound(mail, DEFAULT_MAILBOX);
  if (inDefault !== undefined) InboundMessageSchema.parse(inDefault);
}

const headerValue = fc.oneof(
  edgyString(60),
  oversized(998),
  oversized(4000),
  fc.constantFrom(
    '',
    '=?utf-8?B?4pyT?=',
    '=?utf-8?B?broken',
    '=?gbk?B?xOO6ww==?=',
    '=?x-unknown?Q?abc?=',
    '<>',
    '<<<a@b>>>',
    '"\u202Eevil\u202C" <x@example.test>',
    'a@b, c@d, <e@f>',
    'undisclosed-recipients:;',
  ),
);

const charset = fc.constantFrom(
  'utf-8',
  'iso-8859-1',
  'gbk',
  'gb18030',
  'shift_jis',
  'utf-16',
  'x-nonexistent',
  '',
  'utf-8"; foo="',
);
const transferEncoding = fc.constantFrom('7bit', '8bit', 'base64', 'quoted-printable', 'x-junk');

/** A plausible mail with arbitrary headers, charset, transfer encoding and body bytes. */
const mails = fc
  .record({
    from: headerValue,
    subject: headerValue,
    messageId: headerValue,
    inReplyTo: headerValue,
    extra: fc.array(fc.tuple(fc.stringMatching(/^[A-Za-z-]{1,20}$/), headerValue), {
      maxLength: 4,
    }),
    charset,
    transferEncoding,
    body: fc.oneof(
      edgyString(200).map((text) => Buffer.from(text)),
      bytes(400).map((b) => Buffer.from(b)),
      edgyString(100).map((text) => Buffer.from(text, 'latin1')),
      edgyString(100).map((text) => Buffer.from(text, 'utf16le')),
    ),
    multipart: fc.boolean(),
  })
  .map((m) => {
    const headers = [
      `From: ${m.from}`,
      'To: support@example.test',
      `Subject: ${m.subject}`,
      `Message-ID: ${m.messageId}`,
      `In-Reply-To: ${m.inReplyTo}`,
      ...m.extra.map(([name, value]) => `${name}: ${value}`),
      'MIME-Version: 1.0',
    ];
    const part = [
      `Content-Type: text/plain; charset=${m.charset}`,
      `Content-Transfer-Encoding: ${m.transferEncoding}`,
    ];
    const head = Buffer.from(
      m.multipart
        ? [
            ...headers,
            'Content-Type: multipart/mixed; boundary="b1"',
            '',
            '--b1',
            ...part,
            '',
            '',
          ].join('\r\n')
        : [...headers, ...part, '', ''].join('\r\n'),
    );
    const tail = m.multipart
      ? Buffer.from(
          '\r\n--b1\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename="a.bin"\r\nContent-Transfer-Encoding: base64\r\n\r\nAAEC!!\r\n--b1--\r\n',
        )
      : Buffer.alloc(0);
    return Buffer.concat([head, m.body, tail]);
  });

describe('email channel (properties)', () => {
  describe('when the raw message is arbitrary bytes', () => {
    it('parses to a valid message or fails with a reason the poller records', async () => {
      await fc.assert(
        fc.asyncProperty(bytes(1024), (raw) => checkParse(Buffer.from(raw))),
        { numRuns: PURE_RUNS },
      );
    });
  });

  describe('when headers, charsets, encodings and bodies are arbitrary', () => {
    it('parses to a valid message or fails with a reason the poller records', async () => {
      await fc.assert(
        fc.asyncProperty(mails, (raw) => checkParse(raw)),
        { numRuns: PURE_RUNS },
      );
    });

    it('still gives a valid message when the mail is cut short anywhere', async () => {
      await fc.assert(
        fc.asyncProperty(
          mails.chain((raw) => fc.tuple(fc.constant(raw), fc.integer({ min: 0, max: raw.length }))),
          ([raw, end]) => checkParse(raw.subarray(0, end)),
        ),
        { numRuns: PURE_RUNS },
      );
    });
  });

  describe('when a Message-ID is arbitrary', () => {
    it('scopes keys one-to-one: unscopeKey(scopedKey(m, k)) is (m, k)', () => {
      fc.assert(
        fc.property(
          fc.oneof(fc.constant(DEFAULT_MAILBOX), fc.stringMatching(/^[a-z0-9-]{1,20}$/)),
          edgyString(),
          (mailboxId, key) => {
            expect(unscopeKey(scopedKey(mailboxId, key))).toEqual({ mailboxId, key });
          },
        ),
        { numRuns: PURE_RUNS },
      );
    });
  });
});
