/**
 * In a `multipart/digest`, a part without a Content-Type is a `message/rfc822` (RFC 2046 section
 * 5.1.5), not the `text/plain` of other multiparts. mailparser does not know the rule: it pasted
 * every digested message into the body text. `typeDigestParts` writes the implicit type into such
 * parts before mailparser reads the mail, so they arrive as embedded messages.
 *
 * The MIME tree is walked as mime-walk.ts walks it (linear in the mail).
 */

import { eachPart } from './mime-walk.ts';

const MESSAGE_TYPE = 'Content-Type: message/rfc822\r\n';

/** The mail with `Content-Type: message/rfc822` written into its digests' untyped parts. */
export function typeDigestParts(source: Buffer): Buffer {
  const text = source.toString('latin1');
  if (!/multipart\/digest/i.test(text)) return source;
  const inserts: number[] = [];
  eachPart(text, (part) => {
    if (part.type !== '' || !part.inDigest) return;
    inserts.push(part.start);
    return 'message/rfc822';
  });
  if (inserts.length === 0) return source;
  const pieces: string[] = [];
  let from = 0;
  for (const at of inserts) {
    pieces.push(text.slice(from, at), MESSAGE_TYPE);
    from = at;
  }
  pieces.push(text.slice(from));
  return Buffer.from(pieces.join(''), 'latin1');
}
