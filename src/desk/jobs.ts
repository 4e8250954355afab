import { createHash } from 'node:crypto';
import type { TicketChange } from '../domain/ports.ts';
import type { SharedFile } from './reply-files.ts';

/** The desk queue's name (prefixed by QUEUE_PREFIX like every other queue). */
export const DESK_QUEUE = 'desk';

export interface SlackUserRef {
  id: string;
  /** The name Slack sent with the request, if any; otherwise users.info is asked once. */
  name?: string | undefined;
}

/** A TicketChange as a job carries it (its time as ISO text). */
export type ChangeJobData = TicketChange extends infer C
  ? C extends TicketChange
    ? Omit<C, 'at'> & { at: string }
    : never
  : never;

/** Work the desk does in its queue, never in the HTTP request (Slack wants an answer in 3 s). */
export type DeskJobData =
  /** Post the ticket's card, or update it in place when it exists. */
  | { kind: 'card'; ticketId: string }
  /** Post a customer message into the card's thread. */
  | { kind: 'relay'; ticketId: string; messageId: string }
  /** An agent clicked Take / Resolve / Release / Escalate to supervisor on a card or an offer. */
  | {
      kind: 'take' | 'resolve' | 'release' | 'escalate';
      ticketId: string;
      user: SlackUserRef;
      channel: string;
    }
  /** Dispatch hooks: a supervisors alert, a DM to an agent, an offer and its withdrawal. */
  | { kind: 'alert'; ticketId: string; reason: string }
  | { kind: 'notify'; agentId: string; text: string; key: string }
  | { kind: 'offer'; ticketId: string; agentId: string; expiresAt: string }
  | { kind: 'withdraw'; ticketId: string; agentId: string }
  /** A change made in the console: the card, the new assignee, the thread are told. */
  | { kind: 'changed'; change: ChangeJobData }
  /** An agent wrote in a card's thread. */
  | {
      kind: 'reply';
      channel: string;
      threadTs: string;
      ts: string;
      user: string;
      text: string;
      /**
       * The files the agent shared with it (reply-files.ts). A number: a job queued before the
       * files' details were carried, whose files cannot be fetched (the reply is kept as a note).
       */
      files?: SharedFile[] | number;
    };

/**
 * A BullMQ job id from its parts: readable when safe, else hashed (BullMQ refuses `:` and purely
 * numeric ids). The same parts always give the same id, so a repeated add is a no-op.
 */
export function deskJobId(...parts: string[]): string {
  const joined = parts.join('.');
  if (/^[A-Za-z0-9._@+=-]{1,200}$/.test(joined)) return joined;
  return `${parts[0] ?? 'desk'}.h${createHash('sha256').update(joined).digest('hex')}`;
}
