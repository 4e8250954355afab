/**
 * The drill's verdict, read from the stores themselves (MongoDB, and what the receivers logged),
 * never from the gateway's own counters: a gateway that lost a message would also miscount it.
 */
import { TicketPool } from '../../src/pool/pool.ts';
import { MARKER, type Acknowledgements } from './customers.ts';
import type { Receivers } from './receivers.ts';

export interface Verdict {
  acknowledged: number;
  stored: number;
  answered: number;
  escalated: number;
  delivered: number;
  duplicates: number;
  lost: number;
  /** Stored but never handled (no answer, no escalation) when the drill ended. */
  unhandled: number;
  /** Answers stored but not delivered when the drill ended (still pending or failed). */
  undelivered: number;
  duplicatesByKind: {
    stored: number;
    answers: number;
    deliveries: { api: number; sms: number; email: number };
  };
  /** Same-key repeats the API integration dropped (at-least-once retries after a lost outcome). */
  redeliveredSameKey: { api: number };
}

/** The marker of each inbound drill message in the store, and how often it is there. */
async function storedMarkers(pool: TicketPool) {
  const docs = await pool.models.Message.find(
    { direction: 'in' },
    { text: 1, handled: 1, ticketId: 1 },
  ).lean();
  const seen = new Map<string, number>();
  let unhandled = 0;
  for (const doc of docs) {
    const marker = MARKER.exec(doc.text)?.[1];
    if (marker === undefined) continue;
    seen.set(marker, (seen.get(marker) ?? 0) + 1);
    if (!doc.handled) unhandled += 1;
  }
  return { seen, unhandled };
}

export async function reconcile(options: {
  mongoUrl: string;
  dbName: string;
  acks: Acknowledgements;
  receivers: Receivers;
}): Promise<Verdict> {
  const pool = await TicketPool.connect(options.mongoUrl, { dbName: options.dbName });
  try {
    const { seen, unhandled } = await storedMarkers(pool);
    let storedTwice = 0;
    for (const count of seen.values()) if (count > 1) storedTwice += count - 1;
    let lost = 0;
    for (const marker of options.acks.acknowledged) if (!seen.has(marker)) lost += 1;

    const out = await pool.models.Message.find(
      { direction: 'out', authorKind: 'bot' },
      { _id: 1, deliveryStatus: 1 },
    ).lean();
    // Outbound ids are `sb.<reply|notice>.<inbound id>`: one cause, one answer.
    const causes = new Map<string, number>();
    for (const doc of out) {
      const cause = String(doc._id).replace(/^sb\.(reply|notice)\./, '');
      causes.set(cause, (causes.get(cause) ?? 0) + 1);
    }
    let answeredTwice = 0;
    for (const count of causes.values()) if (count > 1) answeredTwice += count - 1;
    const delivered = out.filter(
      (d) => d.deliveryStatus === 'sent' || d.deliveryStatus === 'delivered',
    ).length;

    const tickets = await pool.models.Ticket.find({}, { status: 1, escalationReason: 1 }).lean();
    const escalated = tickets.filter((t) => t.escalationReason).length;
    const answered = out.filter((d) => String(d._id).startsWith('sb.reply.')).length;
    const receivers = options.receivers;
    const deliveredTwice =
      receivers.api.duplicates + receivers.sms.duplicates + receivers.email.duplicates;
    return {
      acknowledged: options.acks.acknowledged.size,
      stored: [...seen.values()].reduce((a, b) => a + b, 0),
      answered,
      escalated,
      delivered,
      duplicates: storedTwice + answeredTwice + deliveredTwice,
      lost,
      unhandled,
      undelivered: out.length - delivered,
      duplicatesByKind: {
        stored: storedTwice,
        answers: answeredTwice,
        deliveries: {
          api: receivers.api.duplicates,
          sms: receivers.sms.duplicates,
          email: receivers.email.duplicates,
        },
      },
      redeliveredSameKey: { api: receivers.api.redelivered },
    };
  } finally {
    await pool.close();
  }
}
