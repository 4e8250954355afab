/**
 * In a `multipart/digest`, a part without a Content-Type is a `message/rfc822` (RFC 2046 section
 * 5.1.5), not the `text/plain` of other multiparts. mailparser does not know the rule: it pasted
 * every digested message into the body text. `typeDigestParts` writes the implicit type into such
 * parts before mailparser reads the mail, so they arrive as embedded messages.
 *
 * The MIME tree is walked by its boundaries on a byte-for-byte (latin1) string: each level scans
 * its own range once, and the depth is bounded, so the work is linear in the mail.
 */

const MAX_DEPTH = 8;
const MAX_PARTS = 1000;
const MESSAGE_TYPE = 'Content-Type: message/rfc822\r\n';

interface Walk {
  source: string;
  inserts: number[];
  parts: number;
}

/** The header block of a part: its text and where its body starts (relative to the part). */
function headerBlock(part: string) {
  if (part.startsWith('\r\n')) return { headers: '', bodyStart: 2 };
  if (part.startsWith('\n')) return { headers: '', bodyStart: 1 };
  const crlf = part.indexOf('\n\r\n');
  const lf = part.indexOf('\n\n');
  const bodyStart = Math.min(crlf < 0 ? part.length : crlf + 3, lf < 0 ? part.length : lf + 2);
  return { headers: part.slice(0, bodyStart), bodyStart };
}

function contentType(headers: string): { type: string; boundary: string | undefined } {
  const unfolded = headers.replace(/\r?\n[ \t]+/g, ' ');
  const value = /^content-type:[ \t]*([^\r\n]*)/im.exec(unfolded)?.[1];
  if (value === undefined) return { type: '', boundary: undefined };
  const boundary = /\bboundary\s*=\s*(?:"([^"\r\n]{1,200})"|([^\s;"]{1,200}))/i.exec(value);
  return {
    type: (value.split(';')[0] ?? '').trim().toLowerCase(),
    boundary: boundary?.[1] ?? boundary?.[2],
  };
}

/**
 * The ranges of a multipart body's children (relative to the body), between its `--boundary`
 * lines. Every search is on the body alone (a sliced string), so no level reads past its part.
 */
function children(body: string, boundary: string) {
  const delimiter = `--${boundary}`;
  const ranges: { start: number; end: number }[] = [];
  let open: number | undefined;
  let at = body.indexOf(delimiter);
  while (at >= 0) {
    if (at === 0 || body[at - 1] === '\n') {
      if (open !== undefined) ranges.push({ start: open, end: at });
      if (body.startsWith('--', at + delimiter.length)) return ranges;
      const newline = body.indexOf('\n', at);
      if (newline < 0) return ranges;
      open = newline + 1;
    }
    at = body.indexOf(delimiter, at + delimiter.length);
  }
  if (open !== undefined && open < body.length) ranges.push({ start: open, end: body.length });
  return ranges;
}

function walk(state: Walk, start: number, end: number, depth: number, inDigest: boolean): void {
  state.parts += 1;
  if (depth > MAX_DEPTH || state.parts > MAX_PARTS) return;
  const { headers, bodyStart } = headerBlock(state.source.slice(start, end));
  const declared = contentType(headers);
  const boundary = declared.boundary;
  let type = declared.type;
  if (type === '' && inDigest) {
    state.inserts.push(start);
    type = 'message/rfc822';
  }
  if (!type.startsWith('multipart/') || boundary === undefined) return;
  const digest = type === 'multipart/digest';
  const body = start + bodyStart;
  for (const child of children(state.source.slice(body, end), boundary)) {
    walk(state, body + child.start, body + child.end, depth + 1, digest);
  }
}

/** The mail with `Content-Type: message/rfc822` written into its digests' untyped parts. */
export function typeDigestParts(source: Buffer): Buffer {
  const text = source.toString('latin1');
  if (!/multipart\/digest/i.test(text)) return source;
  const state: Walk = { source: text, inserts: [], parts: 0 };
  walk(state, 0, state.source.length, 0, false);
  if (state.inserts.length === 0) return source;
  const pieces: string[] = [];
  let from = 0;
  for (const at of state.inserts) {
    pieces.push(state.source.slice(from, at), MESSAGE_TYPE);
    from = at;
  }
  pieces.push(state.source.slice(from));
  return Buffer.from(pieces.join(''), 'latin1');
}
