/**
 * What one customer does in one visit, and what they really got (the ground truth the dashboard
 * is checked against). A customer reads every answer: a right one gets "yes", or silence from
 * someone who goes quiet satisfied; a wrong one, or an answer to a customer who meant to reject
 * it, gets "no". A customer handed over waits for the person, then answers the rating question.
 */
import { markdownToPlainText } from '../../knowledge/format.ts';
import { botTexts } from '../../src/nlu/texts.ts';
import type { Conversation } from './customers.ts';

export type Persona = 'confirms' | 'goes-quiet' | 'rejects' | 'uncovered' | 'angry';

export interface Visit {
  persona: Persona;
  language: 'en' | 'zh';
  question: string;
  /** The article whose answer is right (KB personas). */
  expected?: { title: string; answer: string };
}

export interface VisitOutcome {
  /** The bot's right answer ended the visit, no person involved: self-service in truth. */
  selfServed: boolean;
  handedOver: boolean;
  agentAnswered: boolean;
  csatAsked: number;
  /** The visit did not finish in time (a finding, reported). */
  unfinished?: string;
}

const HANDOVER = [/to a person/i, /人工客服/];
const AGENT_REPLY = /sorted it out|looked into this/i;
const CSAT = [/How did we do\?/, /您对本次服务满意吗/];

/** Letters and digits only, lower-cased: answers are compared across channel formatting. */
function squash(text: string): string {
  return text.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, '');
}

export function isRightAnswer(received: string, expected: { answer: string }): boolean {
  const start = squash(markdownToPlainText(expected.answer)).slice(0, 24);
  return start.length > 0 && squash(received).includes(start);
}

async function waitForNew(
  conversation: Conversation,
  seen: number,
  done: (texts: string[]) => boolean,
  timeoutMs: number,
): Promise<string[] | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const texts = (await conversation.answers()).slice(seen);
    if (texts.length > 0 && done(texts)) return texts;
    if (Date.now() > deadline) return undefined;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/**
 * Plays `visit` on `conversation`. `botSeconds`: how long a bot answer may take; `agentSeconds`:
 * how long the customer waits for a person; `quietSeconds`: BOT_RESOLVE_QUIET_SECONDS, waited
 * out by a customer who goes quiet.
 */
export async function playVisit(
  conversation: Conversation,
  visit: Visit,
  timing: { botSeconds: number; agentSeconds: number; quietSeconds: number },
): Promise<VisitOutcome> {
  const texts = botTexts(visit.language);
  const outcome: VisitOutcome = {
    selfServed: false,
    handedOver: false,
    agentAnswered: false,
    csatAsked: 0,
  };
  const confirmQuestion = squash(texts.confirmQuestion);
  const isHandover = (t: string) => HANDOVER.some((re) => re.test(t));
  const asksConfirm = (t: string) => squash(t).includes(confirmQuestion);
  const asksChoice = (t: string) => squash(t).includes(squash(texts.didYouMean));
  // A returning customer's inbox holds the earlier visits' answers: only new ones count.
  let seen = (await conversation.answers()).length;
  await conversation.say(visit.question);
  // The bot's turn(s): up to two answers (a "no" brings the next article), then a person.
  for (let turn = 0; turn < 3 && !outcome.handedOver; turn += 1) {
    const got = await waitForNew(
      conversation,
      seen,
      (t) => t.some((x) => isHandover(x) || asksConfirm(x) || asksChoice(x)),
      timing.botSeconds * 1000,
    );
    if (!got) {
      outcome.unfinished = `no bot turn ${turn + 1}`;
      return outcome;
    }
    seen += got.length;
    const all = got.join('\n');
    if (got.some(isHandover)) {
      outcome.handedOver = true;
      break;
    }
    if (asksChoice(all) && !asksConfirm(all)) {
      // "Did you mean": the right title when offered, else not what they asked.
      const offered = visit.expected && all.includes(visit.expected.title);
      await conversation.say(
        offered ? visit.expected!.title : visit.language === 'zh' ? '否' : 'no',
      );
      continue;
    }
    const right = visit.expected !== undefined && isRightAnswer(all, visit.expected);
    if (right && visit.persona === 'confirms') {
      await conversation.say(visit.language === 'zh' ? '是的' : 'yes');
      outcome.selfServed = true;
      return outcome;
    }
    if (right && visit.persona === 'goes-quiet') {
      // Satisfied and silent: the bot resolves it after the quiet time.
      await new Promise((resolve) => setTimeout(resolve, (timing.quietSeconds + 5) * 1000));
      outcome.selfServed = true;
      return outcome;
    }
    await conversation.say(visit.language === 'zh' ? '否' : 'no');
  }
  if (!outcome.handedOver) {
    outcome.unfinished = 'never handed over';
    return outcome;
  }
  const answered = await waitForNew(
    conversation,
    seen,
    (t) => t.some((x) => AGENT_REPLY.test(x)),
    timing.agentSeconds * 1000,
  );
  if (!answered) {
    outcome.unfinished = 'no person answered';
    return outcome;
  }
  outcome.agentAnswered = true;
  seen += answered.length;
  // The rating question follows the person's resolve.
  const rated = await waitForNew(
    conversation,
    seen - answered.length,
    (t) => t.some((x) => CSAT.some((re) => re.test(x))),
    timing.agentSeconds * 1000,
  );
  if (rated) {
    outcome.csatAsked = rated.filter((x) => CSAT.some((re) => re.test(x))).length;
    await conversation.say('5');
  }
  return outcome;
}

/** Counts rating questions a conversation got in all (a second one would be a finding). */
export async function ratingQuestions(conversation: Conversation): Promise<number> {
  return (await conversation.answers()).filter((x) => CSAT.some((re) => re.test(x))).length;
}
