import type { TicketDoc } from '../pool/models.ts';

/**
 * What dispatch needs from the agents' desk, so routing and SLA code never depend on Slack. The
 * Slack desk implements it (SlackDesk has these four methods); tests use a recording notifier.
 * Every call may repeat (a retried job): implementations de-duplicate by ticket, agent and `key`.
 */
export interface DispatchNotifier {
  /** Posts to the supervisors' channel: a critical ticket, an SLA breach. */
  alertSupervisors(ticket: TicketDoc, reason: string): Promise<void>;
  /** A direct message to one agent (an SLA warning); `key` identifies it for de-duplication. */
  notifyAgent(agentId: string, text: string, key: string): Promise<void>;
  /** Offers the ticket to the agent until `expiresAt` (their Take accepts it). */
  offerTicket(ticket: TicketDoc, agentId: string, expiresAt: Date): Promise<void>;
  /** The offer lapsed or the ticket went elsewhere: remove it from the agent's view. */
  withdrawOffer(ticket: TicketDoc, agentId: string): Promise<void>;
}

/** For processes without a desk: dispatch still assigns, nobody is told. */
export const silentNotifier: DispatchNotifier = {
  alertSupervisors: () => Promise.resolve(),
  notifyAgent: () => Promise.resolve(),
  offerTicket: () => Promise.resolve(),
  withdrawOffer: () => Promise.resolve(),
};
