/**
 * Sentiment of a customer message, for urgency scoring. node-nlp's analyzer covers ~30
 * languages (lexicons: senticon, afinn, pattern) but has nothing for Chinese; there a small
 * lexicon below stands in. Its English senticon lexicon is also off for support chats (it has no
 * "terrible", "broken" or "damaged", and rates "order", "still" and "late" positive), so English
 * complaint/praise words from a short support lexicon take precedence when present.
 * A coarse signal either way: use it to rank urgency, not to decide anything alone.
 */
import nlp from 'node-nlp';
import { normalizeText, words } from './tokenize.ts';
import type { Sentiment } from './types.ts';

let analyzer: InstanceType<typeof nlp.SentimentAnalyzer> | undefined;

/** Polarity of Chinese words common in support chats; +1 praise, -1 complaint. */
const ZH_LEXICON: ReadonlyArray<readonly [string, number]> = [
  ['谢谢', 1],
  ['感谢', 1],
  ['满意', 1],
  ['喜欢', 1],
  ['很好', 1],
  ['太好了', 1],
  ['不错', 1],
  ['棒', 1],
  ['赞', 1],
  ['开心', 1],
  ['高兴', 1],
  ['方便', 1],
  ['快', 0.5],
  ['好', 0.5],
  ['差', -1],
  ['生气', -1],
  ['愤怒', -1],
  ['失望', -1],
  ['投诉', -1],
  ['糟糕', -1],
  ['垃圾', -1],
  ['骗', -1],
  ['烂', -1],
  ['坏', -1],
  ['破', -0.5],
  ['慢', -0.5],
  ['麻烦', -0.5],
  ['错', -0.5],
  ['不满', -1],
  ['退款', -0.25],
  ['还没', -0.5],
  ['一直', -0.25],
  ['气死', -1],
  ['恶心', -1],
];
/** A negation right before a word flips it ("不满意", "没收到" stays negative via 还没). */
const ZH_NEGATIONS = ['不', '没', '别', '未'];

/** English support-chat words: they decide when present (see the module comment). */
const EN_LEXICON: ReadonlyMap<string, number> = new Map([
  ['terrible', -1],
  ['awful', -1],
  ['horrible', -1],
  ['worst', -1],
  ['angry', -1],
  ['furious', -1],
  ['broken', -0.75],
  ['damaged', -0.75],
  ['disappointed', -0.75],
  ['disappointing', -0.75],
  ['unacceptable', -1],
  ['ridiculous', -0.75],
  ['scam', -1],
  ['useless', -0.75],
  ['rude', -0.75],
  ['late', -0.5],
  ['never', -0.5],
  ['complaint', -0.75],
  ['fraud', -1],
  ['wrong', -0.5],
  ['thanks', 1],
  ['thank', 1],
  ['great', 1],
  ['excellent', 1],
  ['perfect', 1],
  ['love', 1],
  ['helpful', 1],
  ['awesome', 1],
  ['amazing', 1],
  ['happy', 0.75],
  ['appreciate', 1],
]);
/** Words node-nlp rates but that carry no feeling in a support chat. */
const EN_NEUTRAL = new Set(['order', 'orders', 'still', 'please', 'account', 'delivery', 'item']);

function englishSentiment(text: string): Sentiment | null {
  let total = 0;
  let hits = 0;
  const tokens = words(normalizeText(text));
  tokens.forEach((token, i) => {
    const polarity = EN_LEXICON.get(token);
    if (polarity === undefined) return;
    const negated = ['not', 'no', 'never', "n't"].includes(tokens[i - 1] ?? '');
    total += negated ? -polarity : polarity;
    hits += 1;
  });
  if (hits === 0) return null;
  const score = Math.max(-1, Math.min(1, total / hits));
  return { score, label: label(score) };
}

function label(score: number): Sentiment['label'] {
  if (score > 0.05) return 'positive';
  if (score < -0.05) return 'negative';
  return 'neutral';
}

/** The documented fallback for Chinese: lexicon hits averaged, negation flips, -1..1. */
export function chineseSentiment(text: string): Sentiment {
  let total = 0;
  let hits = 0;
  // Longest words first so "不错" and "太好了" win over "好" and friends.
  const lexicon = [...ZH_LEXICON].sort((a, b) => b[0].length - a[0].length);
  let rest = text;
  for (const [word, polarity] of lexicon) {
    let at = rest.indexOf(word);
    while (at !== -1) {
      const before = rest.slice(Math.max(0, at - 1), at);
      const negated = word !== '不错' && word !== '不满' && ZH_NEGATIONS.includes(before);
      total += negated ? -polarity : polarity;
      hits += 1;
      rest = `${rest.slice(0, at)}\u0000${rest.slice(at + word.length)}`;
      at = rest.indexOf(word);
    }
  }
  const score = hits === 0 ? 0 : Math.max(-1, Math.min(1, total / hits));
  return { score, label: label(score) };
}

/**
 * Sentiment with node-nlp where it has a lexicon for `locale` (English: the support lexicon
 * first), the Chinese fallback for 'zh', else neutral. Score: node-nlp's summed valence over the words it knew, clamped to -1..1.
 */
export async function analyzeSentiment(text: string, locale: string): Promise<Sentiment> {
  if (locale === 'zh') return chineseSentiment(text);
  if (locale === 'en') {
    const domain = englishSentiment(text);
    if (domain !== null) return domain;
  }
  analyzer ??= new nlp.SentimentAnalyzer();
  const input =
    locale === 'en'
      ? words(normalizeText(text))
          .filter((w) => !EN_NEUTRAL.has(w))
          .join(' ')
      : normalizeText(text);
  const result = await analyzer.getSentiment(input, locale);
  if (result.type === undefined || result.numHits === 0) return { score: 0, label: 'neutral' };
  const score = Math.max(-1, Math.min(1, result.score / result.numHits));
  return { score, label: label(score) };
}
