import type { SlaKind, SlaStage } from './sla.ts';

/** One BullMQ queue carries all dispatch work, so any number of worker processes share it. */
export const DISPATCH_QUEUE = 'dispatch';

export type DispatchJobData =
  /** Offer waiting tickets to free agents (on escalation, release, an agent coming back, a tick). */
  | { kind: 'pass'; reason: string }
  /** Every DISPATCH_TICK_SECONDS: rescore waiting tickets, clean lapsed offers, then a pass. */
  | { kind: 'tick' }
  /** An offer's time is up (delayed by the offer time). */
  | { kind: 'offer-expiry'; ticketId: string; offerId: string }
  /** An SLA warning or breach falls due (delayed to that instant). */
  | { kind: 'sla'; ticketId: string; slaKind: SlaKind; stage: SlaStage; dueEpoch: number };

/** `sla.<ticket>.<kind>.<due epoch>` for the breach, `…<kind>-warning…` for the 80 % warning. */
export function slaJobId(ticketId: string, kind: SlaKind, stage: SlaStage, dueEpoch: number) {
  return `sla.${ticketId}.${stage === 'breach' ? kind : `${kind}-warning`}.${dueEpoch}`;
}

export function offerJobId(ticketId: string, offerId: string): string {
  return `offer.${ticketId}.${offerId}`;
}
