import { createHash } from 'node:crypto';
import { simpleParser, type AddressObject, type EmailAddress, type ParsedMail } from 'mailparser';
import { convert as htmlToText } from 'html-to-text';
import sanitizeHtml from 'sanitize-html';
import type { Attachment } from '../../src/domain/message.ts';
import { parseMailboxes } from './address.ts';
import { authenticationResultsOf } from './authentication-results.ts';
import { typeDigestParts } from './digest.ts';
import { repairDispositions } from './dispositions.ts';
import { headersToUtf8 } from './header-charset.ts';
import type { RejectionReason } from './ports.ts';

const MAX_TEXT = 100_000;
/**
 * The most time one mail's parse may take: past it the mail is recorded as unparseable (with this
 * reason) and the mailbox moves on. Parsing is linear in the mail's size (capped by
 * EMAIL_MAX_MESSAGE_BYTES), so a real mail takes milliseconds; this bounds the rest.
 */
export const PARSE_BUDGET_MS = 10_000;
const MAX_HTML = 1_000_000;

/** An attachment as parsed: metadata, the decoded bytes and their SHA-256. */
export interface ParsedAttachment extends Attachment {
  content: Buffer;
  sha256: string;
}

/** One fetched mail, parsed and classified; nothing here touches a store. */
export interface ParsedEmail {
  /** Message-ID without angle brackets, or `h<sha256 of the envelope>` when the mail has none. */
  key: string;
  messageId: string | undefined;
  from: { address: string; name: string | undefined } | undefined;
  subject: string | undefined;
  text: string;
  newText: string;
  html: string | undefined;
  attachments: ParsedAttachment[];
  /** In-Reply-To first, then References newest first: where to look for the thread. */
  parents: string[];
  date: Date | undefined;
  /** Set when the mail must not reach the bot as a customer message. */
  loop: { reason: RejectionReason; detail: string } | undefined;
  /** For bounces: the addresses that failed. */
  failedRecipients: string[];
  /** Raw Authentication-Results values, topmost first (bounded; authentication-results.ts). */
  authenticationResults: string[];
}

/** Strips angle brackets and whitespace from a Message-ID. */
export function normalizeMessageId(raw: string): string {
  return raw.trim().replace(/^<+/, '').replace(/>+$/, '').trim();
}

function ids(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  const all = (Array.isArray(value) ? value : [value]).flatMap(
    (v) => v.match(/<[^<>\s]+>/g) ?? [v],
  );
  return all.map(normalizeMessageId).filter((id) => id.length > 0 && id.length <= 400);
}

/**
 * Whether an address can be written to: `local@domain.tld` (or a domain literal), the local part
 * a dot-atom or a quoted string (`"john doe"@example.test`).
 */
function validAddress(address: string): boolean {
  if (address.length > 320) return false;
  const at = address.lastIndexOf('@');
  const local = address.slice(0, at);
  const domain = address.slice(at + 1);
  const localOk = local.startsWith('"')
    ? /^"(?:[^"\\\r\n]|\\.)+"$/.test(local)
    : /^[^@\s"]+$/.test(local);
  return at > 0 && localOk && /^(?:[^@\s".]+\.)+[^@\s".]+$|^\[[^[\]\s]+\]$/.test(domain);
}

/**
 * The first writable mailbox of the From header, read by the RFC 5322 grammar with its obsolete
 * forms (`parseMailboxes`); what mailparser made of the header is the fallback.
 */
function firstAddress(mail: ParsedMail): { address: string; name: string | undefined } | undefined {
  const line = mail.headerLines.find((l) => l.key === 'from')?.line;
  const raw = line === undefined ? '' : Buffer.from(line, 'latin1').toString('utf8');
  const parsed = parseMailboxes(raw.slice(raw.indexOf(':') + 1));
  const from: AddressObject | AddressObject[] | undefined = mail.from;
  const list: AddressObject[] = Array.isArray(from) ? from : from ? [from] : [];
  const fallback = list.flatMap((group) =>
    group.value.flatMap((entry: EmailAddress): EmailAddress[] => entry.group ?? [entry]),
  );
  for (const entry of [...parsed, ...fallback]) {
    const address = entry.address?.trim().toLowerCase();
    if (address && validAddress(address)) {
      return { address, name: entry.name ? entry.name.slice(0, 200) : undefined };
    }
  }
  return undefined;
}

function header(mail: ParsedMail, name: string): string | undefined {
  const value: unknown = mail.headers.get(name);
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map(String).join(', ');
  if (typeof value === 'object' && 'value' in value) {
    return String(value.value);
  }
  return value instanceof Date ? value.toISOString() : JSON.stringify(value);
}

/**
 * Why this mail must not be answered automatically (RFC 3834 and common practice), or undefined.
 * Own Message-IDs are checked by the caller (it needs the store).
 */
export function classifyLoop(
  mail: ParsedMail,
  from: string | undefined,
): { reason: RejectionReason; detail: string } | undefined {
  const contentType = mail.headers.get('content-type');
  const reportType =
    typeof contentType === 'object' && contentType !== null && 'params' in contentType
      ? (contentType as { params: Record<string, string> }).params['report-type']
      : undefined;
  const local = from?.split('@')[0] ?? '';
  const report = reportType?.toLowerCase();
  if (report === 'disposition-notification') {
    return { reason: 'read-receipt', detail: `read receipt (MDN) from ${from ?? 'unknown'}` };
  }
  if (report === 'feedback-report') {
    return {
      reason: 'feedback-report',
      detail: `abuse/feedback report (ARF) from ${from ?? 'unknown'}`,
    };
  }
  if (
    reportType?.toLowerCase() === 'delivery-status' ||
    /^(mailer-daemon|postmaster)$/i.test(local) ||
    header(mail, 'x-failed-recipients') !== undefined
  ) {
    return { reason: 'bounce', detail: `delivery status notification from ${from ?? 'unknown'}` };
  }
  const autoSubmitted = header(mail, 'auto-submitted');
  if (autoSubmitted !== undefined && autoSubmitted.trim().toLowerCase() !== 'no') {
    return { reason: 'auto-submitted', detail: `Auto-Submitted: ${autoSubmitted.trim()}` };
  }
  const precedence = header(mail, 'precedence')?.trim().toLowerCase();
  if (precedence === 'bulk' || precedence === 'list' || precedence === 'junk') {
    return { reason: 'bulk', detail: `Precedence: ${precedence}` };
  }
  // mailparser gathers List-Id, List-Unsubscribe... under one `list` key.
  const listHeader = [...mail.headers.keys()].find(
    (key) => key === 'list' || key.startsWith('list-'),
  );
  if (listHeader !== undefined) {
    return { reason: 'mailing-list', detail: 'List-* header (mailing list)' };
  }
  // Microsoft's and others' auto-reply markers, and "X-Autoreply: yes".
  const suppress = header(mail, 'x-auto-response-suppress');
  if (header(mail, 'x-autoreply') !== undefined || header(mail, 'x-autorespond') !== undefined) {
    return { reason: 'auto-submitted', detail: 'X-Autoreply header' };
  }
  if (suppress !== undefined && /\b(all|oof|autoreply)\b/i.test(suppress)) {
    return { reason: 'auto-submitted', detail: `X-Auto-Response-Suppress: ${suppress}` };
  }
  return undefined;
}

/** The recipients a bounce reports as failed (DSN Final-Recipient, X-Failed-Recipients). */
function failedRecipients(mail: ParsedMail): string[] {
  const found = new Set<string>();
  const add = (raw: string) => {
    const address = raw.trim().replace(/^<|>$/g, '').toLowerCase();
    if (/^[^@\s]+@[^@\s]+$/.test(address)) found.add(address);
  };
  for (const part of header(mail, 'x-failed-recipients')?.split(',') ?? []) add(part);
  // mailparser inlines a message/delivery-status part into the text; other parsers keep it apart.
  const reports = [
    mail.text ?? '',
    ...mail.attachments
      .filter((a) => /^message\/(global-)?delivery-status$/i.test(a.contentType))
      .map((a) => a.content.toString('utf8')),
  ];
  for (const report of reports) {
    for (const address of reportedRecipients(report)) add(address);
  }
  return [...found];
}

/** A delivery-status report names its recipients near the top; the rest is not read. */
const MAX_REPORT_CHARS = 64 * 1024;
const RECIPIENT_FIELD = /^(?:final|original)-recipient:/i;

/**
 * The addresses of `Final-Recipient: rfc822; <address>` fields (RFC 3464), read line by line with
 * string scans: a regex over the whole text (`\s*[^;\n]*;` — the spaces matched two ways) took
 * time quadratic in a line of spaces, and one crafted bounce held a worker for half an hour.
 */
export function reportedRecipients(report: string): string[] {
  const found: string[] = [];
  for (const line of report.slice(0, MAX_REPORT_CHARS).split('\n')) {
    if (!RECIPIENT_FIELD.test(line)) continue;
    const semicolon = line.indexOf(';');
    if (semicolon < 0) continue;
    const address = line
      .slice(semicolon + 1)
      .trim()
      .split(/\s/, 1)[0];
    if (address) found.push(address);
  }
  return found;
}

/** Lines that start the quoted history in the common clients (English, German, French, Chinese). */
const QUOTE_HEADERS: RegExp[] = [
  /^On\s.+wrote:\s*$/,
  /^On\s.+$\n^.*wrote:\s*$/m,
  /^Am\s.+schrieb.*:\s*$/,
  /^Le\s.+a\s+écrit\s*:\s*$/,
  /^在.+写道[:：]\s*$/,
  /^-{2,}\s*(Original Message|原始邮件)\s*-{2,}\s*$/i,
  /^_{10,}\s*$/,
  /^(From|De|Von|发件人)\s*[:：].+$\n^(Sent|Date|Envoyé|Gesendet|发送时间|日期)\s*[:：]/m,
];
/**
 * Lines that start content the customer forwards to support (an order confirmation, a carrier's
 * notice): what follows is part of their message, not reply history, and is kept.
 */
const FORWARD_MARKERS: RegExp[] = [
  /^-{2,}\s*(Forwarded message|Weitergeleitete Nachricht|Message transféré|转发的邮件)\s*-{2,}\s*$/i,
  /^Begin forwarded message:\s*$/i,
  /^-{2,}\s*Forwarded by .+-{2,}\s*$/i,
];
const SIGNATURE = [/^-- ?$/, /^Sent from my \w+/i, /^Get Outlook for /i, /^发自我的/];
/**
 * Longer lines are never taken for a quote header or signature: the real ones are short, and
 * bounding the line keeps every pattern above to bounded work per line (`Am\s.+schrieb.*:` alone is
 * quadratic in a long line of repeated "schrieb"), so cutting the quote is linear in the mail.
 */
const MAX_HEADER_LINE = 400;

/**
 * The customer's new words: the text above the quoted history, without the signature; content
 * they forward (after a "Forwarded message" line) is kept with its marker. Falls back to the full
 * text when nothing would be left (a mail that is all quote).
 */
export function extractNewText(text: string): string {
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  let end = lines.length;
  for (let i = 0; i < lines.length; i += 1) {
    const line = lines[i] ?? '';
    if (line.startsWith('>')) {
      end = i;
      break;
    }
    if (line.length > MAX_HEADER_LINE) continue;
    // Forwarded content: the header block that follows would look like reply history; keep it all.
    if (FORWARD_MARKERS.some((re) => re.test(line.trim()))) break;
    const next = lines[i + 1] ?? '';
    const pair = next.length > MAX_HEADER_LINE ? line : `${line}\n${next}`;
    if (QUOTE_HEADERS.some((re) => re.test(line) || re.test(pair))) {
      end = i;
      break;
    }
    if (SIGNATURE.some((re) => re.test(line))) {
      end = i;
      break;
    }
  }
  const fresh = lines.slice(0, end).join('\n').trim();
  return fresh.length > 0 ? fresh : text.trim();
}

/** Our HTML allow-list: formatting and links, no images (trackers), scripts or styles. */
export function sanitizeEmailHtml(html: string): string {
  return sanitizeHtml(html, {
    allowedTags: sanitizeHtml.defaults.allowedTags.filter((tag) => tag !== 'img'),
    allowedAttributes: { a: ['href', 'title'], td: ['colspan', 'rowspan'], th: ['colspan'] },
    allowedSchemes: ['http', 'https', 'mailto'],
  });
}

const PARSER_OPTIONS = {
  skipImageLinks: true,
  skipTextToHtml: true,
  maxHtmlLengthToParse: 2_000_000,
};
/** Parts that are whole messages: a digest's entries, a mail forwarded as an attachment. */
const EMBEDDED_MESSAGE = /^message\/(rfc822|global)$/i;

/**
 * The text of a parsed mail's own body: its text part, else the text of the HTML the tree chose.
 * mailparser derives text from HTML only when the HTML is the top-level part: an HTML-only body
 * inside multipart/related (a logo in the signature) or multipart/mixed (with a PDF) arrives with
 * no text at all, so the text is derived here from the HTML.
 */
function ownText(mail: ParsedMail): string {
  if (mail.text?.trim()) return mail.text.trim();
  return typeof mail.html === 'string' ? htmlBodyText(mail.html).trim() : '';
}

/**
 * Parses a raw RFC 5322 message with mailparser (charsets through iconv-lite: UTF-8, GBK/GB18030,
 * ISO-8859-x...). Raw 8-bit header bytes are decoded first (`headersToUtf8`: UTF-8, the declared
 * charset, Windows-1252). Throws only when mailparser itself gives up; the caller records that.
 */
export async function parseEmail(source: Buffer, budgetMs = PARSE_BUDGET_MS): Promise<ParsedEmail> {
  let timer: NodeJS.Timeout | undefined;
  const overBudget = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(
      () => reject(new Error(`parsing took longer than its budget of ${budgetMs} ms`)),
      budgetMs,
    );
  });
  const parsed = async () => {
    const mail = await simpleParser(
      repairDispositions(typeDigestParts(headersToUtf8(source))),
      PARSER_OPTIONS,
    );
    const embedded = mail.attachments.filter((a) => EMBEDDED_MESSAGE.test(a.contentType));
    // A digest (or a forward as attachment) with no text of its own: the first text part of the
    // tree is the first embedded message's. One level down only.
    const first = ownText(mail) === '' ? embedded[0] : undefined;
    const inner =
      first === undefined
        ? ''
        : ownText(await simpleParser(headersToUtf8(first.content), PARSER_OPTIONS));
    return { mail, embedded, inner };
  };
  const { mail, embedded, inner } = await Promise.race([parsed(), overBudget]).finally(() =>
    clearTimeout(timer),
  );
  const from = firstAddress(mail);
  const messageIds = ids(mail.messageId);
  const messageId = messageIds[0];
  // No Message-ID: a hash of the envelope and the bytes, not of the UID, so the same mail
  // re-fetched after a UIDVALIDITY change keeps its key (and stays a duplicate).
  const key =
    messageId ??
    `h${createHash('sha256')
      .update(
        [
          from?.address ?? '',
          mail.subject ?? '',
          mail.date?.toISOString() ?? '',
          createHash('sha256').update(source).digest('hex'),
        ].join('\n'),
      )
      .digest('hex')
      .slice(0, 40)}`;
  const html = typeof mail.html === 'string' ? sanitizeEmailHtml(mail.html) : undefined;
  const text = (ownText(mail) || inner).slice(0, MAX_TEXT);
  const parents = [...ids(mail.inReplyTo), ...ids(mail.references).reverse()];
  const loop = classifyLoop(mail, from?.address);
  return {
    key,
    messageId,
    from,
    subject: mail.subject?.slice(0, 998),
    text,
    newText: extractNewText(text).slice(0, MAX_TEXT),
    html: html === undefined || html.length > MAX_HTML ? undefined : html,
    // Embedded messages (a digest's, a forward as attachment) are kept whether named or not.
    attachments: mail.attachments
      .filter(
        (a) =>
          a.contentDisposition === 'attachment' || a.filename !== undefined || embedded.includes(a),
      )
      .slice(0, 100)
      .map((a) => ({
        name: (
          a.filename ??
          (embedded.includes(a) ? `message-${embedded.indexOf(a) + 1}.eml` : 'unnamed')
        ).slice(0, 255),
        contentType: a.contentType.slice(0, 255),
        size: a.content.length,
        content: a.content,
        sha256: createHash('sha256').update(a.content).digest('hex'),
      })),
    parents: [...new Set(parents)],
    date: mail.date,
    loop,
    // Only a bounce names failed addresses: a customer quoting a DSN marks nobody.
    failedRecipients: loop?.reason === 'bounce' ? failedRecipients(mail) : [],
    authenticationResults: authenticationResultsOf(mail.headerLines),
  };
}

/** The readable text of an HTML body (links' targets, images and styles left out). */
export function htmlBodyText(html: string): string {
  return htmlToText(html.slice(0, 2_000_000), {
    wordwrap: false,
    selectors: [
      { selector: 'a', options: { ignoreHref: true } },
      { selector: 'img', format: 'skip' },
    ],
  });
}

/** The ticket number of a `[#T-<n>]` subject tag, if any. */
export function ticketTag(subject: string | undefined): number | undefined {
  const match = /\[#T-(\d{1,12})\]/i.exec(subject ?? '');
  return match?.[1] === undefined ? undefined : Number(match[1]);
}
