/**
 * The file types customers may send through channels that fetch files from a provider (MMS media,
 * Slack files), and a check of the first bytes against the declared type: a provider's
 * content type is what the sender's device said, so an `image/png` that is really an executable
 * is refused, not stored under a harmless name.
 */

/** The types a fetched file may have (lower case, without parameters). */
export const ALLOWED_FILE_TYPES = [
  'application/pdf',
  'image/png',
  'image/jpeg',
  'image/gif',
  'image/webp',
  'text/plain',
] as const;
export type AllowedFileType = (typeof ALLOWED_FILE_TYPES)[number];

/** How many leading bytes the check needs (the longest signature and a text sample). */
export const SNIFF_BYTES = 512;

/** `image/PNG; charset=x` → `image/png`; anything else stays as it is, lower-cased. */
export function baseType(contentType: string): string {
  return (contentType.split(';')[0] ?? '').trim().toLowerCase();
}

export function isAllowedType(type: string): type is AllowedFileType {
  return (ALLOWED_FILE_TYPES as readonly string[]).includes(type);
}

function startsWith(head: Uint8Array, bytes: readonly number[], at = 0): boolean {
  return bytes.every((byte, i) => head[at + i] === byte);
}

const ascii = (text: string) => [...text].map((c) => c.charCodeAt(0));

/**
 * Whether the first bytes are text: valid UTF-8 with no control characters but tab, line feed,
 * form feed and carriage return (a cut multi-byte sequence at the end of the sample is allowed).
 */
function looksLikeText(head: Uint8Array): boolean {
  for (const byte of head) {
    if (byte < 0x20 && byte !== 0x09 && byte !== 0x0a && byte !== 0x0c && byte !== 0x0d)
      return false;
    if (byte === 0x7f) return false;
  }
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(head, { stream: true });
    return true;
  } catch {
    return false;
  }
}

/**
 * Whether the first bytes of a file match its declared (allowed) type, by the formats' magic
 * numbers (PDF `%PDF-`, PNG's 8-byte signature, JPEG's SOI marker, `GIF87a`/`GIF89a`, RIFF…WEBP).
 */
export function matchesType(type: AllowedFileType, head: Uint8Array): boolean {
  switch (type) {
    case 'application/pdf':
      return startsWith(head, ascii('%PDF-'));
    case 'image/png':
      return startsWith(head, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    case 'image/jpeg':
      return startsWith(head, [0xff, 0xd8, 0xff]);
    case 'image/gif':
      return startsWith(head, ascii('GIF87a')) || startsWith(head, ascii('GIF89a'));
    case 'image/webp':
      return startsWith(head, ascii('RIFF')) && startsWith(head, ascii('WEBP'), 8);
    case 'text/plain':
      return looksLikeText(head);
  }
}
