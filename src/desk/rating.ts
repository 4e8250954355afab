/** A customer's answer to the satisfaction question: 1 (poor) to 5 (great), with any words after. */
export interface Rating {
  score: number;
  comment: string | undefined;
}

// Words and emoji, English and Chinese, by score. Longer phrases are tried first, so "not good"
// and "very good" win over "good".
const WORDS: ReadonlyArray<readonly [number, readonly string[]]> = [
  [5, ['excellent', 'great', 'awesome', 'perfect', 'amazing', 'very good', 'fantastic', 'superb']],
  [5, ['非常好', '非常满意', '太好了', '很棒', '棒', '完美', '👍', '😍', '🤩', '💯']],
  [4, ['good', 'nice', 'satisfied', 'helpful', '好', '很好', '满意', '不错', '😊', '🙂']],
  [3, ['ok', 'okay', 'fine', 'average', 'meh', 'so-so', '一般', '还行', '还可以', '😐']],
  [
    2,
    ['bad', 'poor', 'not good', 'unsatisfied', 'not helpful', '不好', '不满意', '差', '🙁', '😕'],
  ],
  [1, ['terrible', 'awful', 'horrible', 'very bad', 'useless', 'worst', '很差', '非常差', '太差']],
  [1, ['非常不满意', '👎', '😡', '😠']],
];

const PHRASES = WORDS.flatMap(([score, words]) => words.map((word) => ({ word, score }))).sort(
  (a, b) => b.word.length - a.word.length,
);

/** What may separate a rating from a comment: punctuation (a space alone is not enough). */
const SEPARATOR = /^\s*[,.;:!?，。；：！？、)\]—–-]+\s*/u;
const MAX_COMMENT = 500;

function commentOf(rest: string): string | undefined {
  const comment = rest.trim().slice(0, MAX_COMMENT);
  return comment || undefined;
}

/** After the rating: the end of the text, or a separator then the comment; else not a rating. */
function tail(rest: string, spaceSeparates: boolean): { comment: string | undefined } | undefined {
  const trimmed = rest.replace(/[\s!.。！]+$/u, '');
  if (trimmed.trim() === '') return { comment: undefined };
  const separated = SEPARATOR.exec(rest);
  if (separated) return { comment: commentOf(rest.slice(separated[0].length)) };
  if (spaceSeparates && /^\s+/u.test(rest)) return { comment: commentOf(rest) };
  return undefined;
}

/**
 * Reads a reply as a rating when it looks like one: `4`, `5/5`, `3 stars`, `4 - quick, thanks`,
 * `⭐⭐⭐⭐`, `good`, `very bad!`, `👍`, `很好，谢谢`, `5分`. Anything else (a new question, "5 minutes
 * ago I…", "good morning") is undefined and goes to the bot or the agent as usual.
 */
export function parseRating(raw: string): Rating | undefined {
  const text = raw.trim().normalize('NFKC');
  if (!text || text.length > 600) return undefined;
  const number = /^([1-5])\s*(?:\/\s*5|out of 5|stars?|分|星|⭐)?/iu.exec(text);
  if (number && !/^\d/u.test(text.slice(number[0].length).trimStart().slice(0, 1))) {
    const end = tail(text.slice(number[0].length), false);
    if (end) return { score: Number(number[1]), comment: end.comment };
  }
  const stars = /^(?:⭐|★|🌟){1,5}/u.exec(text);
  if (stars) {
    const end = tail(text.slice(stars[0].length), true);
    if (end) return { score: [...stars[0]].length, comment: end.comment };
  }
  const lower = text.toLowerCase();
  for (const { word, score } of PHRASES) {
    if (!lower.startsWith(word)) continue;
    const rest = text.slice(word.length);
    // A Latin word must end there ("goods" is not "good"); emoji and Chinese need no boundary.
    if (/^[a-z]/i.test(word) && /^[\p{L}\p{N}]/u.test(rest)) continue;
    const end = tail(rest, !/^[a-z]/i.test(word));
    if (end) return { score, comment: end.comment };
  }
  return undefined;
}
