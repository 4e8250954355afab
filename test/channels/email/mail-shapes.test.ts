/**
 * Issue 22, item 5 (headers and addresses) and item 6 (digests), at the parser. Each message is a
 * raw MIME source in test/fixtures/mail/, written for these tests; mail-fixtures.test.ts runs them
 * all again with their expectations and mangled copies.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseEmail } from '../../../channels/email/parse.ts';

function fixture(name: string): Buffer {
  return readFileSync(new URL(`../../fixtures/mail/${name}`, import.meta.url));
}

describe('raw 8-bit bytes in headers', () => {
  it('decodes Latin-1 bytes with the charset the message declares, not as U+FFFD', async () => {
    const source = fixture('raw-latin1-headers.eml');
    expect(source.includes(Buffer.from([0xe9]))).toBe(true);
    const mail = await parseEmail(source);
    expect(mail.subject).toBe('Café crème froid');
    expect(mail.from).toEqual({ address: 'rene@example.test', name: 'René Dupont' });
    expect(mail.text).toBe('Bonjour, le café commandé est arrivé froid.');
  });

  it("takes a multipart message's charset from its first part (KOI8-R)", async () => {
    const mail = await parseEmail(fixture('raw-koi8r-headers-multipart.eml'));
    expect(mail.subject).toBe('Привет, заказ 1042');
    expect(mail.from?.name).toBe('Иван');
    expect(mail.text).toBe('Где мой заказ 1042?');
  });

  it('falls back to Windows-1252 when the bytes are not valid in the declared UTF-8', async () => {
    const mail = await parseEmail(fixture('raw-cp1252-headers-utf8-body.eml'));
    expect(mail.subject).toBe('“Résumé” upload fails');
    expect(mail.from?.name).toBe('Zöe Café');
    expect(mail.text).toBe('The upload of my résumé fails.');
  });

  it('keeps raw UTF-8 headers (RFC 6532) as UTF-8 whatever the body declares', async () => {
    const mail = await parseEmail(fixture('raw-utf8-headers.eml'));
    expect(mail.subject).toBe('Größe ändern');
    expect(mail.from?.name).toBe('Jürgen Groß');
    expect(mail.text).toBe('Bitte die Größe ändern.');
  });
});

describe('old but valid RFC 2822 From syntax', () => {
  it.each([
    ['from-name-in-comment.eml', 'jdoe@machine.example', 'John Doe'],
    ['from-obsolete-spacing.eml', 'jdoe@machine.example', 'John Doe'],
    ['from-obsolete-dotted-local.eml', 'john.q.public@example.com', 'Joe Q. Public'],
    ['from-quoted-local-part.eml', 'j.doe@machine.example', 'John Doe'],
    ['from-quoted-local-with-space.eml', '"john doe"@example.com', undefined],
    ['from-route-and-comments.eml', 'pete@silly.test', 'Pete'],
  ])('%s is read as %s, not rejected as malformed', async (name, address, display) => {
    const mail = await parseEmail(fixture(name));
    expect(mail.from).toEqual({ address, name: display });
    expect(mail.loop).toBeUndefined();
  });

  it('reads a group, encoded words in the name and a folded header', async () => {
    expect((await parseEmail(fixture('from-group.eml'))).from).toEqual({
      address: 'ada@example.test',
      name: undefined,
    });
    expect((await parseEmail(fixture('from-encoded-word-folded.eml'))).from).toEqual({
      address: 'rene@example.test',
      name: 'René',
    });
    expect((await parseEmail(fixture('from-malformed.eml'))).from).toBeUndefined();
  });
});

describe('digests (multipart/digest)', () => {
  it('keeps the intro as the body and each untyped part as an embedded message', async () => {
    const mail = await parseEmail(fixture('digest-implicit-parts.eml'));
    expect(mail.text).toBe('Two customers escalated today; both want a callback before Friday.');
    expect(mail.attachments.map((a) => [a.name, a.contentType])).toEqual([
      ['message-1.eml', 'message/rfc822'],
      ['message-2.eml', 'message/rfc822'],
    ]);
    const first = mail.attachments[0]?.content.toString() ?? '';
    expect(first).toMatch(/^From: Ada <ada@example\.test>\r\n/);
    expect(first).toContain('My order 5512 has not shipped.');
    expect(mail.attachments[1]?.content.toString()).toContain('Please refund order 7731.');
  });

  it('with no text of its own, takes the first embedded message’s text as the body', async () => {
    const mail = await parseEmail(fixture('digest-explicit-rfc822.eml'));
    expect(mail.text).toBe('I moved; can the parcel go to my new address?');
    expect(mail.attachments.map((a) => [a.name, a.contentType])).toEqual([
      ['message-1.eml', 'message/rfc822'],
      ['message-2.eml', 'message/rfc822'],
    ]);
    expect(mail.attachments[1]?.content.toString()).toContain('The zipper broke on the first day.');
  });
});
