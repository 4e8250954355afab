import type { Responder, ResponderDecision } from '../domain/ports.ts';

/**
 * The responder before any intent layer is configured: it answers nothing itself and hands every
 * conversation to a human. It never makes up text.
 */
export class EscalateAllResponder implements Responder {
  respond(): Promise<ResponderDecision> {
    return Promise.resolve({ action: 'escalate', reason: 'no intent layer configured' });
  }
}
