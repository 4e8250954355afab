/**
 * The mailboxes of an address header (From), read by the RFC 5322 grammar including its obsolete
 * forms (section 4.4, RFC 2822 appendix A.6): comments anywhere, whitespace around the dots and
 * the `@` of an address, a source route before it (`<@relay.example:jdoe@machine.example>`), a
 * quoted local part (`"j.doe"@machine.example`), a bare address with the name in a comment
 * (`jdoe@machine.example (John Doe)`) and groups. mailparser's address parser reads
 * `john. q. public@example.com` as `public@example.com` and `jdoe@machine(comment). example` as
 * `jdoe@machine`, so such a From was taken for malformed and the mail rejected.
 *
 * The work is linear in the header: one tokenizing pass, one pass over the tokens.
 */
import { parseAddressHeader } from 'mailparser';

export interface Mailbox {
  /** `local@domain`, the local part unquoted when it needs no quotes; not validated here. */
  address: string;
  name: string | undefined;
}

type Token =
  | { kind: 'atom' | 'quoted' | 'literal'; text: string; raw: string }
  | { kind: 'comment'; text: string }
  | { kind: 'special'; text: string; raw: string };

/** Real address headers are short; past this they are not read (the rest is ignored). */
const MAX_HEADER_CHARS = 4 * 1024;
const SPECIALS = '<>@,;:.';
const WHITESPACE = ' \t\r\n';
const DOT_ATOM =
  /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~\u0080-\uFFFF-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~\u0080-\uFFFF-]+)*$/;

/**
 * Reads a quoted string (`open` is `"`) or a comment (`open` is `(`, nested) starting at `start`,
 * backslash escapes undone; an unclosed one runs to the end of the value.
 */
function delimited(value: string, start: number, open: '"' | '(') {
  const close = open === '"' ? '"' : ')';
  let depth = 1;
  let text = '';
  for (let i = start + 1; i < value.length; i += 1) {
    const char = value[i] ?? '';
    if (char === '\\' && i + 1 < value.length) {
      i += 1;
      text += value[i] ?? '';
      continue;
    }
    if (char === close) {
      depth -= 1;
      if (depth === 0) return { text, end: i + 1 };
    } else if (char === open && open === '(') {
      depth += 1;
    }
    text += char;
  }
  return { text, end: value.length };
}

function tokenize(value: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < value.length) {
    const char = value[i] ?? '';
    if (WHITESPACE.includes(char)) {
      i += 1;
    } else if (char === '"') {
      const { text, end } = delimited(value, i, '"');
      tokens.push({ kind: 'quoted', text, raw: value.slice(i, end) });
      i = end;
    } else if (char === '(') {
      const { text, end } = delimited(value, i, '(');
      tokens.push({ kind: 'comment', text: text.replace(/\s+/g, ' ').trim() });
      i = end;
    } else if (char === '[') {
      const close = value.indexOf(']', i);
      const end = close < 0 ? value.length : close + 1;
      const text = value.slice(i, end).replace(/\s+/g, '');
      tokens.push({ kind: 'literal', text, raw: text });
      i = end;
    } else if (SPECIALS.includes(char)) {
      tokens.push({ kind: 'special', text: char, raw: char });
      i += 1;
    } else {
      let end = i;
      while (end < value.length) {
        const c = value[end] ?? '';
        if (WHITESPACE.includes(c) || SPECIALS.includes(c) || c === '"' || c === '(' || c === '[')
          break;
        end += 1;
      }
      const text = value.slice(i, end);
      tokens.push({ kind: 'atom', text, raw: text });
      i = end;
    }
  }
  return tokens;
}

/** Words joined by spaces, a dot kept on its word (`Joe Q. Public`, obs-phrase). */
function phraseText(tokens: Token[], form: 'text' | 'raw'): string {
  let out = '';
  for (const token of tokens) {
    if (token.kind === 'comment') continue;
    const piece = form === 'raw' && token.kind !== 'quoted' ? token.raw : token.text;
    if (token.text === '.' && token.kind === 'special') out += '.';
    else out += out.length > 0 ? ` ${piece}` : piece;
  }
  return out.trim();
}

/** Decodes RFC 2047 encoded words in a display name (through mailparser's own decoder). */
function decodeName(phrase: Token[]): string | undefined {
  const text = phraseText(phrase, 'text');
  if (!text.includes('=?')) return text || undefined;
  const raw = phraseText(phrase, 'raw');
  const decoded = parseAddressHeader(`${raw} <name@decode.invalid>`).value[0]?.name;
  return decoded || text || undefined;
}

function addrSpec(tokens: Token[]): string | undefined {
  let at = -1;
  for (let i = 0; i < tokens.length; i += 1) if (tokens[i]?.text === '@') at = i;
  if (at <= 0 || at === tokens.length - 1) return undefined;
  let local = '';
  let quoted = false;
  for (const token of tokens.slice(0, at)) {
    if (token.kind === 'quoted') quoted = true;
    else if (token.kind !== 'atom' && token.text !== '.') return undefined;
    local += token.text;
  }
  let domain = '';
  for (const token of tokens.slice(at + 1)) {
    if (token.kind === 'quoted' || (token.kind === 'special' && token.text !== '.'))
      return undefined;
    domain += token.text;
  }
  if (local.length === 0 || domain.length === 0) return undefined;
  if (quoted && !DOT_ATOM.test(local)) local = `"${local.replace(/(["\\])/g, '\\$1')}"`;
  return `${local}@${domain}`;
}

function mailbox(segment: Token[]): Mailbox | undefined {
  const comments = segment.filter((t) => t.kind === 'comment').map((t) => t.text);
  const tokens = segment.filter((t) => t.kind !== 'comment');
  const open = tokens.findIndex((t) => t.kind === 'special' && t.text === '<');
  if (open < 0) {
    const address = addrSpec(tokens);
    const name = comments.find((c) => c.length > 0);
    return address === undefined ? undefined : { address, name };
  }
  const close = tokens.findIndex((t, i) => i > open && t.kind === 'special' && t.text === '>');
  let inner = tokens.slice(open + 1, close < 0 ? tokens.length : close);
  // obs-route: `@relay.one,@relay.two:` before the address.
  if (inner[0]?.text === '@' || inner[0]?.text === ',') {
    const colon = inner.findIndex((t) => t.kind === 'special' && t.text === ':');
    if (colon >= 0) inner = inner.slice(colon + 1);
  }
  const address = addrSpec(inner);
  if (address === undefined) return undefined;
  return { address, name: decodeName(tokens.slice(0, open)) ?? comments.find((c) => c) };
}

/**
 * The mailboxes of an address header's value, in order, group members included; entries that
 * have no `local@domain` are left out.
 */
export function parseMailboxes(value: string): Mailbox[] {
  const tokens = tokenize(value.slice(0, MAX_HEADER_CHARS));
  const found: Mailbox[] = [];
  let segment: Token[] = [];
  let inAngle = false;
  let hasAt = false;
  const flush = () => {
    const entry = segment.length > 0 ? mailbox(segment) : undefined;
    if (entry !== undefined) found.push(entry);
    segment = [];
    hasAt = false;
  };
  for (const token of tokens) {
    if (token.kind === 'special' && !inAngle) {
      if (token.text === ',' || token.text === ';') {
        flush();
        continue;
      }
      // `Group name:` starts a group: its name is no mailbox's.
      if (token.text === ':' && !hasAt) {
        segment = [];
        continue;
      }
    }
    if (token.kind === 'special' && token.text === '@') hasAt = true;
    if (token.kind === 'special' && token.text === '<') inAngle = true;
    if (token.kind === 'special' && token.text === '>') inAngle = false;
    segment.push(token);
  }
  flush();
  return found;
}
