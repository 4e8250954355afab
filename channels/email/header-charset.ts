/**
 * Raw 8-bit bytes in a message's header block (no RFC 2047 encoding), as old clients and some
 * gateways send them. mailparser reads header bytes as UTF-8, so Latin-1 bytes came out as U+FFFD.
 * Each header line with such bytes is decoded here, before mailparser reads it: as UTF-8 when the
 * bytes are valid UTF-8 (RFC 6532), else with the charset the message declares for its text, else
 * as Windows-1252 (what "ISO-8859-1" means in practice, and a decoding that never fails). The line
 * is re-encoded as UTF-8; the body is not touched.
 */
import iconv from 'iconv-lite';

/** The declared charset is looked for this far into the message (the first part's headers). */
const CHARSET_SCAN_BYTES = 64 * 1024;
const CHARSET_PARAM = /\bcharset\s*=\s*"?([A-Za-z0-9_.:+-]{1,40})/i;

/** Where the top-level header block ends: the start of its blank line, or the source's end. */
function headerEnd(source: Buffer): number {
  let from = 0;
  for (;;) {
    const newline = source.indexOf(0x0a, from);
    if (newline < 0) return source.length;
    const next = source[newline + 1];
    if (next === 0x0a) return newline + 1;
    if (next === 0x0d && source[newline + 2] === 0x0a) return newline + 1;
    from = newline + 1;
  }
}

function has8bit(bytes: Uint8Array): boolean {
  for (const byte of bytes) if (byte >= 0x80) return true;
  return false;
}

/** The charset label iconv-lite knows, or undefined when it is unknown (or UTF-8 itself). */
function knownCharset(label: string | undefined): string | undefined {
  const name = label?.toLowerCase();
  if (name === undefined || !iconv.encodingExists(name)) return undefined;
  // The Latin-1 labels mean Windows-1252 in practice (as in WHATWG Encoding): curly quotes, €.
  if (/^(iso-?8859-1|latin-?1|l1|us-ascii|ascii|cp819)$/.test(name)) return 'windows-1252';
  return /^utf-?8$/.test(name) ? undefined : name;
}

/** The charset the message declares: its own Content-Type's, else the first part's. */
export function declaredCharset(source: Buffer): string | undefined {
  const head = source.subarray(0, Math.min(source.length, CHARSET_SCAN_BYTES)).toString('latin1');
  return CHARSET_PARAM.exec(head)?.[1];
}

// Node 20's TextDecoder reads windows-1252 as ISO-8859-1 (0x93 is not a quote), so iconv-lite.
const UTF8 = new TextDecoder('utf-8', { fatal: true });

function decodeLine(line: Buffer, declared: string | undefined): string {
  try {
    return UTF8.decode(line);
  } catch {
    // not UTF-8: the declared charset, then Windows-1252
  }
  if (declared !== undefined) {
    const text = iconv.decode(line, declared);
    if (!text.includes('\uFFFD')) return text;
  }
  return iconv.decode(line, 'windows-1252');
}

/**
 * The source with its top-level header lines in UTF-8. Returns the same Buffer when the header
 * block is plain ASCII or valid UTF-8 throughout (almost all mail).
 */
export function headersToUtf8(source: Buffer): Buffer {
  const end = headerEnd(source);
  const head = source.subarray(0, end);
  if (!has8bit(head)) return source;
  let declared: string | undefined;
  let looked = false;
  const lines: Buffer[] = [];
  let changed = false;
  let start = 0;
  while (start < end) {
    const newline = head.indexOf(0x0a, start);
    const stop = newline < 0 ? end : newline + 1;
    const line = head.subarray(start, stop);
    if (has8bit(line)) {
      if (!looked) {
        declared = knownCharset(declaredCharset(source));
        looked = true;
      }
      const utf8 = Buffer.from(decodeLine(line, declared), 'utf8');
      if (!utf8.equals(line)) changed = true;
      lines.push(utf8);
    } else {
      lines.push(line);
    }
    start = stop;
  }
  return changed ? Buffer.concat([...lines, source.subarray(end)]) : source;
}
