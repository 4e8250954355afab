/**
 * Shaping text for SMS: markdown to plain text (links kept as URLs), and a segment-aware cut.
 *
 * An SMS carries 140 bytes: 160 GSM-7 characters or 70 UCS-2 code units; a concatenated message
 * loses a 6-byte header per segment, leaving 153 / 67. One character outside GSM-7 turns the whole
 * message into UCS-2. See https://www.twilio.com/docs/glossary/what-sms-character-limit
 */

// GSM 03.38 basic character set, and the extension table (each costs two septets: ESC + char).
const GSM_BASIC = new Set(
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà',
);
const GSM_EXTENDED = new Set('^{}\\[~]|€\f');

export type SmsEncoding = 'GSM-7' | 'UCS-2';

export function smsEncoding(text: string): SmsEncoding {
  for (const char of text) if (!GSM_BASIC.has(char) && !GSM_EXTENDED.has(char)) return 'UCS-2';
  return 'GSM-7';
}

/** Cost of text in the encoding's units: septets for GSM-7, UTF-16 code units for UCS-2. */
function units(text: string, encoding: SmsEncoding): number {
  if (encoding === 'UCS-2') return text.length;
  let septets = 0;
  for (const char of text) septets += GSM_EXTENDED.has(char) ? 2 : 1;
  return septets;
}

function capacity(encoding: SmsEncoding, segments: number): number {
  if (encoding === 'GSM-7') return segments === 1 ? 160 : 153 * segments;
  return segments === 1 ? 70 : 67 * segments;
}

/** How many segments Twilio will bill for this text. */
export function countSegments(text: string): { encoding: SmsEncoding; segments: number } {
  const encoding = smsEncoding(text);
  const used = units(text, encoding);
  if (used <= capacity(encoding, 1)) return { encoding, segments: 1 };
  return { encoding, segments: Math.ceil(used / (encoding === 'GSM-7' ? 153 : 67)) };
}

/**
 * Markdown to SMS text: emphasis, headings, code fences, quotes and HTML tags removed; links kept
 * as `label (url)` (or the bare URL when the label is the URL).
 */
export function markdownToSms(markdown: string): string {
  const kept: string[] = [];
  const keep = (value: string) => `\uE000${kept.push(value) - 1}\uE001`;
  let text = markdown.replace(/\r\n?/g, '\n');
  text = text.replace(/```[^\n]*\n([\s\S]*?)```/g, (_m, code: string) =>
    keep(code.replace(/\n$/, '')),
  );
  text = text.replace(/`([^`\n]+)`/g, (_m, code: string) => keep(code));
  text = text.replace(
    /!?\[([^\]]*)\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g,
    (_m, label: string, url: string) => {
      const clean = label.trim();
      return keep(clean === '' || clean === url ? url : `${clean} (${url})`);
    },
  );
  text = text.replace(/<((?:https?|mailto):[^>\s]+)>/g, (_m, url: string) => keep(url));
  text = text.replace(/\bhttps?:\/\/[^\s)]+/g, (url) => keep(url));
  text = text
    .replace(/<\/?[A-Za-z][^>]*>/g, '')
    .replace(/^ {0,3}#{1,6}[ \t]+(.*?)[ \t]*#*[ \t]*$/gm, '$1')
    .replace(/^ {0,3}>[ \t]?/gm, '')
    .replace(/^([ \t]*)[*+][ \t]+/gm, '$1- ')
    .replace(/^ {0,3}([-*_])([ \t]*\1){2,}[ \t]*$/gm, '')
    .replace(/(\*\*|__)(?=\S)([\s\S]*?\S)\1/g, '$2')
    .replace(/(^|[^\w*])\*(?=\S)([^*\n]*?\S)\*(?!\w)/g, '$1$2')
    .replace(/(^|[^\w_])_(?=\S)([^_\n]*?\S)_(?!\w)/g, '$1$2')
    .replace(/~~(?=\S)([\s\S]*?\S)~~/g, '$1')
    .replace(/\\([\\`*_{}[\]()#+\-.!>])/g, '$1');
  text = text.replace(/\uE000(\d+)\uE001/g, (_m, index: string) => kept[Number(index)] ?? '');
  return text
    .split('\n')
    .map((line) => line.trimEnd())
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/**
 * Cuts text to at most `maxSegments` segments. When cut, it ends with "..." and, when given, the
 * link to the full answer (which then always survives the cut), then `keepLast` when the text ends
 * with it. Cuts at a word boundary when one is near, never inside a surrogate pair.
 */
export function fitSegments(
  text: string,
  options: { maxSegments: number; moreUrl?: string | undefined; keepLast?: string | undefined },
): string {
  const { maxSegments } = options;
  if (countSegments(text).segments <= maxSegments) return text;
  // A closing question the customer must answer ("did that answer your question?") survives the
  // cut after the link: without it the customer is never asked.
  const keep =
    options.keepLast !== undefined && text.endsWith(options.keepLast)
      ? options.keepLast
      : undefined;
  if (keep !== undefined) text = text.slice(0, text.length - keep.length).trimEnd();
  const link = options.moreUrl === undefined ? '...' : `... ${options.moreUrl}`;
  const suffix = keep === undefined ? link : `${link}\n\n${keep}`;
  const encoding = smsEncoding(text + suffix);
  const budget = capacity(encoding, maxSegments) - units(suffix, encoding);
  if (budget <= 0) return fitSegments(suffix.trim(), { maxSegments });
  let used = 0;
  let end = 0;
  for (const char of text) {
    const cost = units(char, encoding);
    if (used + cost > budget) break;
    used += cost;
    end += char.length;
  }
  let head = text.slice(0, end);
  const boundary = head.search(/\s\S*$/);
  if (boundary > end * 0.8) head = head.slice(0, boundary);
  return `${head.trimEnd()}${suffix}`;
}
