/**
 * A walk over a mail's MIME tree by its boundaries, on a byte-for-byte (latin1) string, for the
 * small rewrites made before mailparser reads a mail (digest.ts, dispositions.ts). Each level
 * scans its own range once and the depth and part count are bounded, so the work is linear in
 * the mail.
 */

const MAX_DEPTH = 8;
const MAX_PARTS = 1000;

/** One part as the walk sees it: where it starts, its header block and declared type. */
export interface MimePart {
  start: number;
  headers: string;
  /** `text/html`, `multipart/mixed`…; '' when the part declares none. */
  type: string;
  /** The part is a direct child of a `multipart/digest`. */
  inDigest: boolean;
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

/**
 * Calls `visit` for every part of `source` (the mail itself first), depth first. In a digest, an
 * untyped part is a `message/rfc822` (RFC 2046 section 5.1.5): `visit` may say so by returning a
 * type, which the walk then follows.
 */
export function eachPart(source: string, visit: (part: MimePart) => string | void): void {
  let parts = 0;
  const walk = (start: number, end: number, depth: number, inDigest: boolean): void => {
    parts += 1;
    if (depth > MAX_DEPTH || parts > MAX_PARTS) return;
    const { headers, bodyStart } = headerBlock(source.slice(start, end));
    const declared = contentType(headers);
    const type = visit({ start, headers, type: declared.type, inDigest }) || declared.type;
    if (!type.startsWith('multipart/') || declared.boundary === undefined) return;
    const digest = type === 'multipart/digest';
    const body = start + bodyStart;
    for (const child of children(source.slice(body, end), declared.boundary)) {
      walk(body + child.start, body + child.end, depth + 1, digest);
    }
  };
  walk(0, source.length, 0, false);
}
