/**
 * The ticket lifecycle's clock: a ticket the bot answered is resolved once the customer has been
 * quiet for BOT_RESOLVE_QUIET_SECONDS (they got their answer, or left), and a resolved ticket
 * closes after TICKET_CLOSE_SECONDS (a later message then opens a new ticket linked to it). Each
 * change is a conditional transition under the ticket's lock, so a customer message that lands
 * meanwhile wins and the sweep leaves that ticket alone.
 */
import { isSwitchboardError } from '../domain/errors.ts';
import type { TicketDoc } from '../pool/models.ts';
import type { TicketPool } from '../pool/pool.ts';

export interface LifecycleSettings {
  /** 0: never resolve a bot-answered ticket by itself. */
  quietResolveSeconds: number;
  /** 0: never close. */
  closeSeconds: number;
  /** Tickets changed per kind and sweep; the next sweep takes the rest. */
  batch: number;
}

export interface SweepResult {
  botResolved: number;
  closed: number;
}

/** Who the status history names for the sweep's changes. */
export const LIFECYCLE_ACTOR = 'lifecycle';

function refused(error: unknown): boolean {
  return isSwitchboardError(error) && error.code === 'SB_ERR_INVALID_TRANSITION';
}

export async function sweepLifecycle(
  pool: TicketPool,
  settings: LifecycleSettings,
  now: Date,
): Promise<SweepResult> {
  const result: SweepResult = { botResolved: 0, closed: 0 };
  if (settings.quietResolveSeconds > 0) {
    const cutoff = new Date(now.getTime() - settings.quietResolveSeconds * 1000);
    const quiet = (await pool.models.Ticket.find(
      {
        status: 'bot',
        lastBotAnswerAt: { $lte: cutoff },
        lastCustomerMessageAt: { $lte: cutoff },
      },
      { _id: 1 },
    )
      .limit(settings.batch)
      .lean()) as Array<Pick<TicketDoc, '_id'>>;
    for (const { _id } of quiet) {
      try {
        await pool.transition(_id, 'resolved', {
          by: LIFECYCLE_ACTOR,
          reason: `no reply within ${settings.quietResolveSeconds} s of the bot's answer`,
          expectedFrom: 'bot',
          // Read under the lock: a message that arrived since, or a miss, keeps it open.
          when: (t) =>
            !!t.lastBotAnswerAt &&
            t.lastBotAnswerAt <= cutoff &&
            (!t.lastCustomerMessageAt || t.lastCustomerMessageAt <= cutoff),
        });
        result.botResolved += 1;
      } catch (error) {
        if (!refused(error)) throw error;
      }
    }
  }
  if (settings.closeSeconds > 0) {
    const cutoff = new Date(now.getTime() - settings.closeSeconds * 1000);
    const resolved = (await pool.models.Ticket.find(
      { status: 'resolved', resolvedAt: { $lte: cutoff } },
      { _id: 1 },
    )
      .limit(settings.batch)
      .lean()) as Array<Pick<TicketDoc, '_id'>>;
    for (const { _id } of resolved) {
      try {
        await pool.transition(_id, 'closed', {
          by: LIFECYCLE_ACTOR,
          reason: `resolved for ${settings.closeSeconds} s`,
          expectedFrom: 'resolved',
          when: (t) => !!t.resolvedAt && t.resolvedAt <= cutoff,
        });
        result.closed += 1;
      } catch (error) {
        if (!refused(error)) throw error;
      }
    }
  }
  return result;
}
