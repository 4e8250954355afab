import type { PipelineListener } from '../pipeline/listeners.ts';
import type { Dispatcher } from './dispatcher.ts';

/**
 * Dispatch's part in each message: an escalated ticket is scored and gets its priority and SLA
 * before the desk posts its card; a later customer message rescores it and runs the clock again.
 */
export function dispatchListener(dispatcher: Dispatcher): PipelineListener {
  return {
    name: 'dispatch',
    escalating: (ticket, message, decision, known) =>
      dispatcher.onEscalating(ticket, message, decision, known),
    customerMessage: (ticket, message) => dispatcher.onCustomerMessage(ticket, message),
  };
}
