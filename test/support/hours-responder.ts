import type { Responder, ResponderDecision, ResponderInput } from '../../src/domain/ports.ts';

/** The answer HoursResponder gives, in markdown. */
export const HOURS_ANSWER = 'We are open **9–17**, Monday to Friday.';

/**
 * A stand-in for the intent layer where a test needs a predictable bot: questions about opening
 * hours get a knowledge-base answer (markdown, counted as an answer), everything else a person.
 */
export class HoursResponder implements Responder {
  respond(input: ResponderInput): Promise<ResponderDecision> {
    if (/hours/i.test(input.message.text)) {
      return Promise.resolve({
        action: 'reply',
        text: HOURS_ANSWER,
        markdown: HOURS_ANSWER,
        counted: 'answer',
      });
    }
    return Promise.resolve({ action: 'escalate', reason: 'not covered' });
  }
}
