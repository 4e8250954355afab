/**
 * Language detection for routing a message to a locale's model. Chinese is recognized by script
 * (node-nlp's trigram guesser is unreliable on the two or three characters a chat line often
 * has); Latin-script languages go through node-nlp's guesser.
 */
import nlp from 'node-nlp';
import { hasHan } from './tokenize.ts';

const KANA = /[\p{Script=Hiragana}\p{Script=Katakana}]/u;
const HANGUL = /\p{Script=Hangul}/u;
const LETTER = /\p{L}/u;
/** Below this many words the guesser's answer among all languages is noise; see detectLanguage. */
const MIN_WORDS_FOR_OPEN_GUESS = 3;

let guesser: InstanceType<typeof nlp.Language> | undefined;

function language(): InstanceType<typeof nlp.Language> {
  guesser ??= new nlp.Language();
  return guesser;
}

/**
 * Returns the locale (two-letter code from `supported`) of `text`, or `fallback` when the text is
 * in an unsupported language or carries no letters.
 *
 * - Han characters without kana/hangul -> 'zh'; kana -> 'ja'; hangul -> 'ko'.
 * - Other text with at least three words: node-nlp's best guess over all languages; if that is
 *   not supported, `fallback` (a French sentence to an en/zh deployment gets the fallback).
 * - Shorter text ("hi", "refund?"): too short to tell languages apart, so the best guess among
 *   the supported non-CJK locales, or `fallback` when there is none.
 */
export function detectLanguage(
  text: string,
  supported: readonly string[],
  fallback: string,
): string {
  const pick = (locale: string): string => (supported.includes(locale) ? locale : fallback);
  if (KANA.test(text)) return pick('ja');
  if (HANGUL.test(text)) return pick('ko');
  if (hasHan(text)) return pick('zh');
  if (!LETTER.test(text)) return fallback;
  const candidates = supported.filter((l) => !['zh', 'ja', 'ko'].includes(l));
  if (candidates.length === 0) return fallback;
  const wordCount = text.split(/\s+/).filter((w) => LETTER.test(w)).length;
  if (wordCount >= MIN_WORDS_FOR_OPEN_GUESS) {
    const top = language().guess(text, undefined, 1)[0];
    return top === undefined ? fallback : pick(top.alpha2);
  }
  if (candidates.length === 1) return candidates[0] ?? fallback;
  return language().guessBest(text, candidates)?.alpha2 ?? fallback;
}
