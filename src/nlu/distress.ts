/**
 * Feelings before articles (issue 17 item 6): a customer who threatens legal action, asks for a
 * manager, is plainly furious, or complains again goes to a person at once, scored urgent,
 * whatever article the model would answer with. Phrase lists per language, matched on the
 * NFKC-folded, lower-cased text; every pattern is a bounded alternation (linear time).
 */
import type { Sentiment } from '../../intents/index.ts';

export const DISTRESS_KINDS = ['legal', 'manager', 'angry', 'repeat'] as const;
export type DistressKind = (typeof DISTRESS_KINDS)[number];

/** Words of a reason, as the escalation reason and the agent's card show it. */
export const DISTRESS_REASONS: Record<DistressKind, string> = {
  legal: 'legal threat',
  manager: 'customer asked for a manager',
  angry: 'strong negative sentiment',
  repeat: 'repeat complaint',
};

const EN = {
  legal:
    /\b(?:lawyers?|attorneys?|solicitors?|legal (?:action|advice|steps|proceedings|team)|sue|suing|lawsuit|small claims|court|ombudsman|trading standards|consumer (?:protection|rights|affairs|agency|council)|better business bureau|bbb|chargebacks?|charge back|dispute (?:the|this) (?:charge|payment)|report (?:you|this|your company) to|regulators?|ftc|authorities)\b/u,
  manager:
    /\b(?:speak|talk|get|want|need|put me through|connect me|transfer me|give me|escalate (?:this|it|my \w+)?(?: to)?|let me (?:speak|talk)|where is)\b[^.?!\n]{0,40}\b(?:manager|supervisor|boss|someone (?:in charge|senior|higher up)|person in charge|higher up|complaints? (?:department|team))\b|\b(?:manager|supervisor)\b[^.?!\n]{0,15}\b(?:now|please|immediately|asap)\b|\bescalate (?:this|my (?:case|complaint|issue))\b/u,
  angry:
    /\b(?:unacceptable|outrageous|ridiculous|disgusting|disgraceful|appalling|furious|livid|pathetic|worst|scam(?:mers?)?|fraud(?:sters?)?|rip[- ]?off|useless|incompetent|joke|wtf|fed up|sick (?:and tired )?of|never (?:again|ordering|buying|shop)|shame on you|absolute(?:ly)? (?:joke|disgrace|nightmare)|terrible service|horrible service|awful service|thieves|robbed|liars?|lying)\b/u,
  repeat:
    /\b(?:(?:second|third|3rd|fourth|4th|fifth|5th|umpteenth|\d+(?:st|nd|rd|th)) time|(?:many|several|multiple|countless|so many) times|once again|yet again|again and again|keep (?:asking|writing|emailing|calling|chasing|telling)|still (?:not|no|nothing|haven'?t|hasn'?t|waiting)|(?:already|twice|before) (?:written|asked|contacted|called|emailed|complained|reported|told)|for (?:weeks|days|a month) now|no one (?:has )?(?:replied|answered|responded|got back)|nobody (?:has )?(?:replied|answered|responded|got back))\b/u,
};

const ZH = {
  legal:
    /律师|起诉|法院|诉讼|告你们|法律途径|法律责任|消协|消费者协会|12315|工商局|市场监管|举报|维权|曝光|媒体|拒付/u,
  manager:
    /(?:找|叫|要|让|转|给我|请|换)[^。！？\n]{0,6}(?:经理|主管|负责人|领导|上级|老板|投诉部门)|(?:经理|主管|负责人|领导)(?:出来|来处理|来回复)/u,
  angry:
    /气死|太差|垃圾|骗子|骗钱|坑人|恶心|无语|受够了|忍无可忍|太过分|什么破|差评|再也不|离谱|愤怒|火大|欺骗|黑心|无耻|强烈不满|太失望|极其不满|流氓|滚/u,
  repeat:
    /第[二三四五六七八九十几]次|又一次|又是|又没|又坏|再次|多次|好几次|三番五次|一直没|还是没|还没有?(?:人)?(?:回复|处理|解决)|说了多少次|问了多少次|催了|没人(?:回复|理|管)/u,
};

/** Exclamation and capitals: "WHERE IS MY ORDER!!!" reads as fury even without an angry word. */
function shouts(original: string): boolean {
  const exclamations = (original.match(/[!！]/gu) ?? []).length;
  const capitalWords = original.match(/\b[A-Z]{3,}\b/gu) ?? [];
  return exclamations >= 3 || (capitalWords.length >= 2 && exclamations >= 1);
}

/**
 * The reason this message must go to a person now, or undefined. `sentiment` is the intent
 * layer's for the message; a repeat complaint needs it negative (or `earlierTickets`, the
 * contact's recent other tickets, at least one) so "I ordered again" stays a question.
 */
export function detectDistress(
  text: string,
  locale: string,
  sentiment: Sentiment,
  earlierTickets = 0,
): DistressKind | undefined {
  const folded = text.normalize('NFKC').toLowerCase().slice(0, 2000);
  const rules = locale.startsWith('zh') ? ZH : EN;
  // Either language's phrases count: customers mix them ("找经理", "lawyer" in a Chinese mail).
  const other = rules === EN ? ZH : EN;
  if (rules.legal.test(folded) || other.legal.test(folded)) return 'legal';
  if (rules.manager.test(folded) || other.manager.test(folded)) return 'manager';
  if (rules.angry.test(folded) || other.angry.test(folded) || shouts(text)) return 'angry';
  const negative = sentiment.label === 'negative';
  if ((rules.repeat.test(folded) || other.repeat.test(folded)) && (negative || earlierTickets > 0))
    return 'repeat';
  if (negative && sentiment.score <= -0.75 && earlierTickets > 0) return 'repeat';
  return undefined;
}
