/**
 * How a customer's short reply answers the bot's pending question: a number or a title picks one
 * of the "did you mean" articles; yes or no answers "did that answer your question?". Anything
 * else is a new question and goes to the classifier as usual. Pure and linear-time.
 */
import type { DialoguePrompt } from '../domain/dialogue.ts';

/** What a reply to a pending prompt means. */
export type PromptReply =
  { kind: 'choice'; articleId: string } | { kind: 'yes' } | { kind: 'no' } | undefined;

/** Longer replies are questions or comments, never a bare answer. */
const MAX_REPLY_LENGTH = 60;

/** A set of phrases in the form replies are compared in (see normalizeReply). */
function phrases(list: readonly string[]): ReadonlySet<string> {
  return new Set(list.map((p) => normalizeReply(p)));
}

const YES = phrases([
  'yes',
  'y',
  'yeah',
  'yep',
  'yup',
  'ya',
  'sure',
  'correct',
  'right',
  'ok yes',
  'yes thanks',
  'yes thank you',
  'it did',
  'yes it did',
  'that helped',
  'it helped',
  'helpful',
  'thanks',
  'thank you',
  'ok',
  'okay',
  'perfect',
  'great',
  'solved',
  '是',
  '是的',
  '对',
  '对的',
  '有',
  '有用',
  '有帮助',
  '解决了',
  '已解决',
  '好的',
  '可以',
  '谢谢',
  '嗯',
  '行',
]);
const NO = phrases([
  'no',
  'n',
  'nope',
  'nah',
  'not really',
  'no it did not',
  "no it didn't",
  'it did not',
  "it didn't",
  "didn't help",
  'did not help',
  'not helpful',
  'no thanks',
  'wrong',
  'not quite',
  '不',
  '不是',
  '否',
  '没有',
  '没用',
  '没有用',
  '没帮助',
  '没有帮助',
  '没解决',
  '没有解决',
  '不对',
  '不行',
]);
const ORDINALS: Record<string, number> = {
  first: 1,
  second: 2,
  third: 3,
  fourth: 4,
  fifth: 5,
  'the first': 1,
  'the second': 2,
  'the third': 3,
  'the first one': 1,
  'the second one': 2,
  'the third one': 3,
  'first one': 1,
  'second one': 2,
  'third one': 3,
  一: 1,
  二: 2,
  三: 3,
  四: 4,
  五: 5,
  第一: 1,
  第二: 2,
  第三: 3,
  第四: 4,
  第五: 5,
  第一个: 1,
  第二个: 2,
  第三个: 3,
  第四个: 4,
  第五个: 5,
};

/**
 * Lower-cased, NFKC-folded (full-width digits and letters become ASCII), with punctuation and
 * emoji at the ends and repeated spaces removed: "  Yes!! " → "yes", "２。" → "2".
 */
export function normalizeReply(text: string): string {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\s\p{P}\p{S}]+/gu, ' ')
    .trim();
}

function numberOf(reply: string): number | undefined {
  // "1", "#1", "no. 2", "option 3", "1号" — one small number and nothing else of substance.
  const match = /^(?:#|no |number |option |选项 ?)?(\d{1,2})(?: ?号| ?个)?$/u.exec(reply);
  if (match?.[1] !== undefined) return Number(match[1]);
  return ORDINALS[reply];
}

/**
 * The meaning of `text` as an answer to `prompt`. `titles` are the offered articles' titles in the
 * prompt's locale (a customer may answer with the title, as Web Chat's buttons send it).
 */
export function interpretReply(
  prompt: DialoguePrompt,
  text: string,
  titles: ReadonlyMap<string, string>,
): PromptReply {
  if (text.length > MAX_REPLY_LENGTH * 4) return undefined;
  const reply = normalizeReply(text);
  if (reply.length === 0 || reply.length > MAX_REPLY_LENGTH) return undefined;
  if (prompt.kind === 'clarify') {
    const n = numberOf(reply);
    if (n !== undefined) {
      const chosen = prompt.options[n - 1];
      return chosen === undefined ? undefined : { kind: 'choice', articleId: chosen };
    }
    for (const id of prompt.options) {
      const title = titles.get(id);
      if (title !== undefined && normalizeReply(title) === reply)
        return { kind: 'choice', articleId: id };
    }
    // "No" to the whole list: none of these.
    return NO.has(reply) ? { kind: 'no' } : undefined;
  }
  if (YES.has(reply)) return { kind: 'yes' };
  if (NO.has(reply)) return { kind: 'no' };
  return undefined;
}
