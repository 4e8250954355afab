/**
 * Text -> tokens for every locale. Chinese is written without spaces, so it is cut into words with
 * ICU's dictionary segmenter (Intl.Segmenter, full ICU ships with Node 20); node-nlp's own 'zh'
 * stemmer is asynchronous and unreliable for this. Everything else is split on letters/digits.
 */
import nlp from 'node-nlp';
import type { Stemmer } from 'node-nlp';

const HAN = /\p{Script=Han}/u;
const WORD = /[\p{L}\p{N}]+/gu;

/** Lower-cases, folds width/compatibility forms and strips diacritics ("Café" -> "cafe"). */
export function normalizeText(text: string): string {
  return text.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase().replace(/[’`´]/g, "'");
}

/** True when the text contains Chinese characters (Han script). */
export function hasHan(text: string): boolean {
  return HAN.test(text);
}

const segmenters = new Map<string, Intl.Segmenter>();

function segmenter(locale: string): Intl.Segmenter {
  let s = segmenters.get(locale);
  if (s === undefined) {
    s = new Intl.Segmenter(locale, { granularity: 'word' });
    segmenters.set(locale, s);
  }
  return s;
}

/**
 * ICU's dictionary segmentation takes time superlinear in the length of one unbroken run of Han
 * characters (42× the time for 8× the text): long runs are cut into pieces of this many code
 * units first. A word split at a piece's edge costs a token; a hostile run cannot cost seconds.
 */
const HAN_CHUNK = 256;

function* chunks(run: string): Generator<string> {
  for (let start = 0; start < run.length;) {
    let end = Math.min(run.length, start + HAN_CHUNK);
    // Never between the halves of a surrogate pair (rare Han characters are outside the BMP).
    const code = run.charCodeAt(end - 1);
    if (end < run.length && code >= 0xd800 && code <= 0xdbff) end += 1;
    yield run.slice(start, end);
    start = end;
  }
}

/**
 * Word tokens of an already normalized text. Runs of Han characters go through the word
 * segmenter (for any locale: a Chinese product name inside English text still splits sensibly).
 */
export function words(normalized: string): string[] {
  const out: string[] = [];
  for (const match of normalized.matchAll(WORD)) {
    const token = match[0];
    if (hasHan(token)) {
      for (const chunk of chunks(token)) {
        for (const part of segmenter('zh').segment(chunk)) {
          if (part.isWordLike === true) out.push(part.segment);
        }
      }
    } else {
      out.push(token);
    }
  }
  return out;
}

const stemmers = new Map<string, Stemmer | null>();

/**
 * node-nlp's Snowball stemmer for the locale, or null where it has none usable synchronously
 * (its 'zh' stemmer returns a Promise and wants a pipeline input, so it is probed and skipped).
 */
export function stemmerFor(locale: string): Stemmer | null {
  const cached = stemmers.get(locale);
  if (cached !== undefined) return cached;
  let found: Stemmer | null = null;
  try {
    const candidate = nlp.NlpUtil.getStemmer(locale);
    const probe: unknown = candidate.stem(['tests']);
    if (Array.isArray(probe) && candidate.constructor.name !== 'BaseStemmer') found = candidate;
    else if (probe instanceof Promise) probe.catch(() => undefined);
  } catch {
    found = null;
  }
  stemmers.set(locale, found);
  return found;
}
