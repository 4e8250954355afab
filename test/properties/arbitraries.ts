import fc from 'fast-check';
import { ZodError } from 'zod';
import { isSwitchboardError } from '../../src/domain/errors.ts';
import { fromZod } from '../../src/http/errors.ts';

/** Runs per property: pure functions are cheap, HTTP round trips are not. */
export const PURE_RUNS = 200;
export const HTTP_RUNS = 20;

/**
 * Code points that break naive text handling: bidi controls (RTL marks, overrides, isolates),
 * zero-width characters, BOM, combining marks, emoji sequences (ZWJ, flags, skin tones), lone
 * surrogate halves (invalid UTF-16), NUL and other controls, line separators.
 */
export const UNICODE_EDGES = [
  '\u200F', // RIGHT-TO-LEFT MARK
  '\u200E', // LEFT-TO-RIGHT MARK
  '\u202E', // RIGHT-TO-LEFT OVERRIDE
  '\u2067', // RIGHT-TO-LEFT ISOLATE
  '\u2069', // POP DIRECTIONAL ISOLATE
  '\u200B', // ZERO WIDTH SPACE
  '\u200C', // ZERO WIDTH NON-JOINER
  '\u200D', // ZERO WIDTH JOINER
  '\u2060', // WORD JOINER
  '\uFEFF', // BOM / ZERO WIDTH NO-BREAK SPACE
  '\u0301', // COMBINING ACUTE ACCENT
  '\u2028', // LINE SEPARATOR
  '\u0000',
  '\u001B',
  '\r\n',
  '\uFFFD',
  '\uD800', // lone high surrogate
  '\uDBFF',
  '\uDC00', // lone low surrogate
  '\uDFFF',
  '😀',
  '👩‍👩‍👧‍👦',
  '🏳️‍🌈',
  '👍🏽',
  '🇫🇷',
  'مرحبا',
  'שלום',
  '你好',
  'Ω',
  '€',
  '%',
  '\\',
  '"',
  '<',
  '&amp;',
  '=?utf-8?B?',
] as const;

export const unicodeEdge = fc.constantFrom(...UNICODE_EDGES);

/** Strings mixing ordinary text, full-range code points and the edge cases above. */
export const edgyString = (maxLength = 40): fc.Arbitrary<string> =>
  fc
    .array(
      fc.oneof(
        { weight: 3, arbitrary: fc.string({ maxLength: 8 }) },
        { weight: 2, arbitrary: unicodeEdge },
        { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 6 }) },
        { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 4 }) },
      ),
      { maxLength },
    )
    .map((parts) => parts.join(''));

/** Random bytes, and the wrong ways of turning them into text. */
export const bytes = (maxLength = 512) => fc.uint8Array({ maxLength });
export const bytesAsText = (maxLength = 512): fc.Arbitrary<string> =>
  fc
    .tuple(
      bytes(maxLength),
      fc.constantFrom('utf8', 'latin1', 'utf16le', 'base64') as fc.Arbitrary<BufferEncoding>,
    )
    .map(([data, encoding]) => Buffer.from(data).toString(encoding));

/** One character repeated past a limit (the limit + 1 .. + 64), sometimes a two-unit emoji. */
export const oversized = (limit: number): fc.Arbitrary<string> =>
  fc
    .tuple(fc.integer({ min: 1, max: 64 }), fc.constantFrom('x', 'é', '😀', '\u200B'))
    .map(([extra, char]) => char.repeat(Math.ceil((limit + extra) / char.length)));

/** Anything that may stand where a field was: wrong types, empty, huge, edgy. */
export const junkValue = (limit = 1000): fc.Arbitrary<unknown> =>
  fc.oneof(
    edgyString(),
    bytesAsText(64),
    oversized(limit),
    fc.constant(''),
    fc.constant(null),
    fc.constant(undefined),
    fc.boolean(),
    fc.integer(),
    fc.double(),
    fc.constantFrom(Number.NaN, Infinity, -0, Number.MAX_SAFE_INTEGER + 2),
    fc.array(fc.string({ maxLength: 4 }), { maxLength: 3 }),
    fc.dictionary(fc.string({ maxLength: 4 }), fc.string({ maxLength: 4 }), { maxKeys: 3 }),
  );

/** Every path to a leaf or object of a JSON-like value (`['event', 'user']`, ...). */
function pathsOf(value: unknown, prefix: string[] = []): string[][] {
  if (typeof value !== 'object' || value === null) return [prefix];
  const own = Object.entries(value as Record<string, unknown>).flatMap(([key, child]) =>
    pathsOf(child, [...prefix, key]),
  );
  return prefix.length === 0 ? own : [prefix, ...own];
}

function setPath(target: unknown, path: string[], value: unknown): void {
  let node = target as Record<string, unknown>;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== 'object' || next === null) return;
    node = next as Record<string, unknown>;
  }
  const last = path[path.length - 1];
  if (last === undefined) return;
  // An earlier change of the same payload may have turned this node into an array: a field name
  // (Telegram's entity `length`) is no index of it, and setting `length` to junk throws.
  if (Array.isArray(node) && !/^\d+$/.test(last)) return;
  if (value === undefined) delete node[last];
  else node[last] = value;
}

/**
 * A valid payload with one to three fields replaced by junk (or removed), so the generator stays
 * near the shape the code expects instead of failing at the first check.
 */
export function mutated<T>(valid: T, limit = 1000): fc.Arbitrary<T> {
  const paths = pathsOf(valid);
  return fc
    .array(fc.tuple(fc.constantFrom(...paths), junkValue(limit)), { minLength: 1, maxLength: 3 })
    .map((changes) => {
      const copy = structuredClone(valid);
      for (const [path, value] of changes) setPath(copy, path, value);
      return copy;
    });
}

/** A JSON text cut short somewhere inside. */
export function truncatedJson(valid: unknown): fc.Arbitrary<string> {
  const text = JSON.stringify(valid);
  return fc.integer({ min: 0, max: text.length - 1 }).map((end) => text.slice(0, end));
}

/**
 * The outcome of calling `fn`: its value, or the error it threw. A typed rejection is a
 * SwitchboardError or a ZodError (the HTTP layer maps the latter to SB_ERR_VALIDATION) with a
 * non-empty message; anything else (TypeError, RangeError...) is a crash and is rethrown, so
 * fast-check reports it with its seed and shrunk counterexample.
 */
export function rejectionOf(error: unknown): { code: string; message: string } {
  if (isSwitchboardError(error) && error.message.length > 0) {
    return { code: error.code, message: error.message };
  }
  if (error instanceof ZodError && error.issues.length > 0) {
    const typed = fromZod(error);
    if (typed.message.length > 0) return { code: typed.code, message: typed.message };
  }
  throw error;
}

export function outcome<T>(
  fn: () => T,
): { ok: true; value: T } | { ok: false; rejection: { code: string; message: string } } {
  try {
    return { ok: true, value: fn() };
  } catch (error) {
    return { ok: false, rejection: rejectionOf(error) };
  }
}

export async function outcomeAsync<T>(
  fn: () => Promise<T>,
): Promise<{ ok: true; value: T } | { ok: false; rejection: { code: string; message: string } }> {
  try {
    return { ok: true, value: await fn() };
  } catch (error) {
    return { ok: false, rejection: rejectionOf(error) };
  }
}

/** True when the UTF-16 string has no unpaired surrogate. */
export function isWellFormed(text: string): boolean {
  return !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(text);
}
