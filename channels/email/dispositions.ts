/**
 * A part whose Content-Disposition type is neither `inline` nor `attachment` (`bogus`,
 * `inline filename=a.html` with the `;` missing) is dropped by mailparser: an HTML-only mail with
 * such a header lost its whole body. RFC 2183 asks for unknown types to be treated as
 * `attachment`; for a text part that would still hide what the customer wrote, so text parts are
 * read as `inline` and others as `attachment`. The rewrite is made on each part's own header
 * block (mime-walk.ts), never in a body.
 */
import { eachPart } from './mime-walk.ts';

const DISPOSITION = /^(content-disposition:[ \t]*)([^;\r\n]*)/gim;
const KNOWN = new Set(['inline', 'attachment']);

/**
 * The disposition's type as written (before the first `;`), repaired: `bogus` → the fallback,
 * `inline filename=a.html` (a `;` missing) → `inline; filename=a.html`; undefined when valid.
 */
function repairedType(written: string, fallback: string): string | undefined {
  const words = written.trim().replace(/^"|"$/g, '').split(/\s+/).filter(Boolean);
  const first = (words[0] ?? '').toLowerCase();
  if (KNOWN.has(first) && words.length === 1) return undefined;
  const type = KNOWN.has(first) ? first : fallback;
  const rest = KNOWN.has(first) ? words.slice(1) : words.slice(1).filter((w) => w.includes('='));
  return [type, ...rest].join('; ');
}

/** The mail with unknown Content-Disposition types replaced, or the same buffer when none. */
export function repairDispositions(source: Buffer): Buffer {
  const text = source.toString('latin1');
  if (!/^content-disposition:/im.test(text)) return source;
  const edits: Array<{ at: number; length: number; value: string }> = [];
  eachPart(text, (part) => {
    const fallback = part.type === '' || part.type.startsWith('text/') ? 'inline' : 'attachment';
    for (const match of part.headers.matchAll(DISPOSITION)) {
      const written = match[2] ?? '';
      const value = repairedType(written, fallback);
      if (value === undefined) continue;
      edits.push({
        at: part.start + (match.index ?? 0) + (match[1] ?? '').length,
        length: written.length,
        value: written.trimEnd() === written ? value : `${value} `,
      });
    }
  });
  if (edits.length === 0) return source;
  const pieces: string[] = [];
  let from = 0;
  for (const edit of edits.sort((a, b) => a.at - b.at)) {
    pieces.push(text.slice(from, edit.at), edit.value);
    from = edit.at + edit.length;
  }
  pieces.push(text.slice(from));
  return Buffer.from(pieces.join(''), 'latin1');
}
