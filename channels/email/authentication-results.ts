/**
 * Authentication-Results (RFC 8601): what the receiving mail server found when it checked a mail's
 * DKIM signatures and DMARC policy, and whether that makes the From address verified.
 *
 * Anyone can write this header into a mail, so only headers whose authserv-id is the configured
 * one (EMAIL_AUTHSERV_ID) count, and the receiving server must remove forged headers carrying its
 * own id (RFC 8601 §5). Every step here is a single pass over bounded input: the header is
 * attacker-controlled, and a backtracking regex over it could hold a worker for minutes.
 */

/** At most this many Authentication-Results headers are read (the topmost: the newest). */
export const MAX_AUTH_RESULTS_HEADERS = 20;
/** A longer header is ignored whole (cutting it could cut `header.d=example.com.evil.test`). */
export const MAX_AUTH_RESULTS_CHARS = 8 * 1024;

/** More `;`-separated parts than this: not a server's header (a real one has a handful). */
const MAX_SEGMENTS = 64;

/** One method's result: `dkim=pass header.d=example.com` → method dkim, result pass, props. */
export interface AuthResult {
  method: string;
  result: string;
  /** `ptype.property` (lower-case) → value, the first of each. */
  props: Map<string, string>;
}

/** One parsed header: who wrote it and what it found. */
export interface AuthResultsHeader {
  authservId: string;
  results: AuthResult[];
}

/**
 * Splits a header value into `;`-separated segments of whitespace-separated words, dropping
 * comments (nested, with escapes) and unquoting quoted strings; spaces around `=` are dropped, so
 * `dkim = pass` is one word. One pass, no regex: linear in the input. Undefined past MAX_SEGMENTS.
 */
export function tokenize(value: string): string[][] | undefined {
  const segments: string[][] = [];
  let words: string[] = [];
  let word = '';
  let quoted = false;
  let depth = 0;
  let space = false;
  // The word's last character, kept apart: asking the growing string would flatten it each time.
  let last = '';
  const endWord = () => {
    if (word !== '') words.push(word);
    word = '';
    last = '';
  };
  for (let i = 0; i < value.length; i += 1) {
    const c = value[i] ?? '';
    if (c === '\\' && (quoted || depth > 0)) {
      // An escaped character: literal in a quoted string, skipped in a comment.
      i += 1;
      if (quoted) {
        last = value[i] ?? '';
        word += last;
      }
      continue;
    }
    if (depth > 0) {
      if (c === '(') depth += 1;
      else if (c === ')') depth -= 1;
      continue;
    }
    if (quoted) {
      if (c === '"') quoted = false;
      else {
        word += c;
        last = c;
      }
      continue;
    }
    if (c === '(') {
      depth = 1;
      space = true;
    } else if (c === '"') {
      quoted = true;
    } else if (c === ';') {
      endWord();
      if (segments.length === MAX_SEGMENTS) return undefined;
      segments.push(words);
      words = [];
      space = false;
    } else if (c === ' ' || c === '\t' || c === '\r' || c === '\n') {
      space = true;
    } else {
      // A space ends the word unless it sits beside an `=` (`header.d = example.com`).
      if (space && c !== '=' && last !== '=') endWord();
      space = false;
      word += c;
      last = c;
    }
  }
  endWord();
  segments.push(words);
  return segments;
}

/** A header value as its authserv-id and results; undefined when it has no authserv-id. */
export function parseAuthenticationResults(value: string): AuthResultsHeader | undefined {
  const segments = tokenize(value);
  if (segments === undefined) return undefined;
  const [head, ...rest] = segments;
  const authservId = head?.[0]?.toLowerCase();
  if (authservId === undefined || authservId.includes('=')) return undefined;
  const results: AuthResult[] = [];
  for (const words of rest) {
    const [spec, ...propWords] = words;
    const eq = spec?.indexOf('=') ?? -1;
    // `none` (no result) and junk have no `method=result`.
    if (spec === undefined || eq <= 0) continue;
    const method = spec.slice(0, eq).toLowerCase().split('/')[0] ?? '';
    const props = new Map<string, string>();
    for (const prop of propWords) {
      const at = prop.indexOf('=');
      if (at <= 0) continue;
      const key = prop.slice(0, at).toLowerCase();
      if (!props.has(key)) props.set(key, prop.slice(at + 1));
    }
    results.push({ method, result: spec.slice(eq + 1).toLowerCase(), props });
  }
  return { authservId, results };
}

/** The raw values of a mail's Authentication-Results headers, unfolded, topmost first. */
export function authenticationResultsOf(
  headerLines: readonly { key: string; line: string }[],
): string[] {
  const values: string[] = [];
  for (const { key, line } of headerLines) {
    if (key !== 'authentication-results') continue;
    if (values.length === MAX_AUTH_RESULTS_HEADERS) break;
    values.push(line.slice(line.indexOf(':') + 1));
  }
  return values;
}

/** A domain name, lower-case, without a trailing dot; '' when it is not one. */
function domainOf(value: string | undefined): string {
  const domain = (value ?? '').trim().toLowerCase().replace(/\.$/, '');
  return domain.length <= 253 && /^[a-z0-9-]+(\.[a-z0-9-]+)+$/.test(domain) ? domain : '';
}

/**
 * DKIM's signing domain lines up with the From domain: the same domain, or one a subdomain of the
 * other (DMARC's relaxed alignment, without a public suffix list; a signing domain needs two
 * labels at least, and its DNS is what vouches for it).
 */
function aligned(signing: string, from: string): boolean {
  if (signing === '' || from === '') return false;
  return signing === from || from.endsWith(`.${signing}`) || signing.endsWith(`.${from}`);
}

/** The domain of a DKIM result: `header.d`, else the domain of `header.i` (`@example.com`). */
function signingDomain(result: AuthResult): string {
  const d = result.props.get('header.d');
  if (d !== undefined) return domainOf(d);
  const i = result.props.get('header.i') ?? '';
  return domainOf(i.slice(i.lastIndexOf('@') + 1));
}

/**
 * Whether the receiving server vouches for the From address: a header with the trusted
 * authserv-id shows `dmarc=pass` (for this From domain, when it says which), or `dkim=pass` with a
 * signing domain aligned with the From domain — and no trusted header shows `dmarc=fail`. No
 * trusted authserv-id configured: nothing is trusted, every From is unverified.
 */
export function senderVerified(
  headers: readonly string[],
  fromAddress: string,
  trustedAuthservId: string | undefined,
): boolean {
  const trusted = trustedAuthservId?.trim().toLowerCase();
  if (trusted === undefined || trusted === '') return false;
  const from = domainOf(fromAddress.slice(fromAddress.lastIndexOf('@') + 1));
  if (from === '') return false;
  let pass = false;
  for (const value of headers.slice(0, MAX_AUTH_RESULTS_HEADERS)) {
    if (value.length > MAX_AUTH_RESULTS_CHARS) continue;
    const header = parseAuthenticationResults(value);
    if (header?.authservId !== trusted) continue;
    for (const result of header.results) {
      if (result.method === 'dmarc') {
        const policyDomain = result.props.get('header.from');
        const forFrom = policyDomain === undefined || domainOf(policyDomain) === from;
        if (result.result === 'fail' && forFrom) return false;
        if (result.result === 'pass' && forFrom) pass = true;
      } else if (result.method === 'dkim' && result.result === 'pass') {
        if (aligned(signingDomain(result), from)) pass = true;
      }
    }
  }
  return pass;
}
