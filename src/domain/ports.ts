import type {
  Identity,
  ChannelId,
  InboundMessageInput,
  OutboundMessage,
  SendResult,
} from './message.ts';
import type { DialoguePrompt } from './dialogue.ts';
import type { TicketStatus } from './ticket.ts';

/** The most files, bytes and which types one outbound message of a channel carries. */
export interface OutboundFileLimits {
  maxFiles: number;
  /** All the message's files together (the provider's limit for the whole message). */
  maxTotalBytes: number;
  /** Content types the provider carries; absent: any type the gateway stores. */
  types?: readonly string[];
}

/** What a channel can do; the responder and the desk shape replies by it. */
export interface ChannelCapabilities {
  threads: boolean;
  /**
   * Files, each way on its own: `inbound`, the channel records the files customers send (stored,
   * or as the provider's links); `outbound`, it can send a file to the customer. A flag claims
   * only what the channel's code does. `outboundLimits`: what one message may carry out (a file
   * beyond them goes as a link, with a sentence saying why).
   */
  attachments: { inbound: boolean; outbound: boolean; outboundLimits?: OutboundFileLimits };
  maxTextLength: number;
  /** How the channel shows text: plain (SMS), markdown (Slack, web chat), html (email). */
  format: 'plain' | 'markdown' | 'html';
  canEdit: boolean;
}

/**
 * A channel's outbound half. Inbound is the channel's own business (routes, pollers), and always
 * ends in an `InboundSink.accept` with a normalized message.
 */
export interface ChannelAdapter {
  readonly id: ChannelId;
  readonly capabilities: ChannelCapabilities;
  /**
   * Delivers one message; throws a SwitchboardError saying whether a retry could help, and —
   * `deliveryUncertain` — whether the provider may have taken the message anyway (a timeout).
   */
  send(message: OutboundMessage): Promise<SendResult>;
  /**
   * Did this message go out since `since`? Asked before sending again when an earlier attempt's
   * outcome is unknown (the process died, or the attempt timed out, after the send began). The
   * provider's id when it did, `undefined` when it did not, `'unknown'` when the channel cannot
   * tell (then the message is sent again, with the same idempotency identity). Throws a retryable
   * SwitchboardError when the provider cannot be asked right now. Channels without a way to ask
   * leave it out, which means `'unknown'`.
   */
  confirmDelivery?(message: OutboundMessage, since: Date): Promise<DeliveryConfirmation>;
  /**
   * Has the customer left the conversation's page (a web chat visitor who closed it)? Channels
   * that deliver whether or not the customer looks leave it out. An agent's answer to a customer
   * who left is also sent by email when their address is verified (continue-by-email.ts).
   */
  customerAway?(threadKey: string): Promise<boolean>;
  /**
   * The thread key the customer's messages from `address` arrive on, for channels whose threads
   * are keyed by the customer's address (SMS: their number and ours). An agent's reply sent here
   * from another channel's ticket links that thread to the ticket, so the answer continues it.
   * Channels that thread by message ids (email) leave it out.
   */
  threadKeyFor?(address: Identity): string;
  /**
   * Sends a short message of the gateway's own to an address of the channel's kind, outside any
   * ticket (the link confirming a pre-chat email: src/identity/). Channels that cannot write to
   * an address first leave it out.
   */
  sendNotice?(notice: Notice): Promise<SendResult>;
}

/** A message of the gateway's own, outside any ticket: plain text, no customer content. */
export interface Notice {
  to: Identity;
  subject: string;
  text: string;
  /** Unique per notice: the channel's message id is made from it. */
  key: string;
}

/** What a channel knows of an earlier attempt to send a message: see `confirmDelivery`. */
export type DeliveryConfirmation = SendResult | undefined | 'unknown';

/** Where channels hand inbound messages: durable once the promise resolves. */
export interface InboundSink {
  accept(message: InboundMessageInput): Promise<{ jobId: string; duplicate: boolean }>;
}

/** The minimal view of a ticket the responder decides on. */
export interface ResponderTicket {
  id: string;
  channel: ChannelId;
  status: TicketStatus;
  language: string | undefined;
  lastIntent: string | undefined;
  /** Consecutive customer messages the bot could not answer. */
  botMisses: number;
  /** The question the bot asked last and waits on ("did you mean", "did that answer it"). */
  prompt?: DialoguePrompt | undefined;
}

export interface ResponderInput {
  ticket: ResponderTicket;
  message: { id: string; text: string; newText: string | undefined };
  capabilities: ChannelCapabilities;
  /**
   * The contact's other tickets of the last days, read only when asked (a negative message that
   * may be a repeat complaint): one count, not on every message.
   */
  earlierTickets?: (() => Promise<number>) | undefined;
}

interface DecisionFacts {
  intent?: string;
  score?: number;
  language?: string;
  sentiment?: number;
  /** The question this reply asks and will wait on; none: whatever was pending is answered. */
  prompt?: DialoguePrompt;
  /**
   * The customer said an answer did not help: the article and the question it was given for (a
   * negative example for the knowledge base's learning).
   */
  unhelpful?: { articleId: string; questionId: string };
  /**
   * The customer confirmed that the article answers the question `questionId` (said yes to "did
   * that answer your question?", or picked it from "did you mean"): a real question labelled with
   * its article, never trained on, that the per-retrain learning report measures models on.
   */
  confirmed?: { articleId: string; questionId: string };
}

/** What the bot does with a customer message on a ticket it holds. */
export type ResponderDecision =
  | (DecisionFacts & {
      action: 'reply';
      /** The reply as the channel shows it (plain text, or markdown on markdown channels). */
      text: string;
      /** Markdown source, for channels that render it. */
      markdown?: string;
      /** Sanitized HTML, for channels whose format is 'html' (email). */
      html?: string;
      /**
       * Short choices the customer can pick from ("did you mean" titles), for channels that show
       * them as buttons; `text` lists them too, for channels that cannot.
       */
      choices?: string[];
      counted: 'answer' | 'miss' | 'smalltalk';
      /** The customer confirmed the answer helped: the bot resolves the ticket. */
      settles?: 'confirmed';
    })
  | (DecisionFacts & {
      action: 'escalate';
      reason: string;
      text?: string;
      /** Why the customer must reach a person at once (dispatch scores it urgent). */
      distress?: 'legal' | 'manager' | 'angry' | 'repeat';
      /**
       * The hand-over is because the knowledge base does not cover the customer's question (the
       * message `questionId`): an agent's answer to it is collected for the knowledge base
       * (src/nlu/agent-answers.ts). Absent for hand-overs asked for or for distress.
       */
      uncovered?: { questionId: string };
    });

/** The intent layer's interface as the pipeline sees it. */
export interface Responder {
  respond(input: ResponderInput): Promise<ResponderDecision>;
}

/**
 * A change made to a ticket outside Slack (the console, the admin API), told to the places that
 * show it: the desk updates the Slack card, tells a new assignee, posts a note into the thread.
 * `by` is the person as colleagues read it; `at` makes each change its own event (a second
 * resolve after a reopen is told again).
 */
export type TicketChange =
  | {
      kind: 'assigned';
      ticketId: string;
      agentId: string;
      /** Who held it before (told that it moved on), if anyone. */
      previousAgentId?: string | undefined;
      by: string;
      at: Date;
    }
  | {
      kind: 'resolved' | 'reopened' | 'released' | 'priority' | 'taken';
      ticketId: string;
      by: string;
      at: Date;
    }
  | { kind: 'note'; ticketId: string; noteId: string; by: string; at: Date }
  /** An agent answered the customer from the console: shown in the card's thread too. */
  | { kind: 'replied'; ticketId: string; messageId: string; by: string; at: Date };

/** Where ticket changes are told (the Slack desk when configured; nothing otherwise). */
export interface TicketActivity {
  changed(change: TicketChange): Promise<void>;
}

/** What a channel's store needs to know of a ticket. */
export interface TicketSummary {
  id: string;
  number: number | undefined;
  subject: string | undefined;
  threadKey: string;
  replyTo: Identity;
  channelData: Record<string, unknown>;
}

/**
 * The ticket pool as channels see it: the few operations their stores make on tickets, messages
 * and contacts. Channels keep their own records (channels/<id>/store.ts) and reach the pool only
 * through this port, so the pool's models can change without touching a channel.
 */
export interface ChannelPool {
  ticketSummary(ticketId: string): Promise<TicketSummary | undefined>;
  /** The ticket with this number on `channel` (the email subject tag's fallback). */
  ticketByNumber(ticketNumber: number, channel: ChannelId): Promise<TicketSummary | undefined>;
  /** Notes that mail to this address bounces, on the contact it belongs to (if any). */
  markUndeliverable(identity: Identity): Promise<void>;
  /** A provider's word on an outbound message's delivery. */
  recordDeliveryOutcome(
    messageId: string,
    outcome: {
      status: 'sent' | 'delivered' | 'failed';
      error?: string | undefined;
      channelData: Record<string, unknown>;
    },
  ): Promise<void>;
  /** Stores a customer message the channel answered itself (an SMS keyword), as handled. */
  recordHandledInbound(message: InboundMessageInput, intent: string): Promise<{ ticketId: string }>;
  /** Stores and queues a system message on the ticket; idempotent by `key`. */
  queueSystemReply(input: {
    ticketId: string;
    key: string;
    text: string;
  }): Promise<{ messageId: string }>;
}

/** One inbound attachment to keep; `content` undefined means metadata only (`notStored` says why). */
export interface InboundFileRecord {
  name: string;
  contentType: string;
  size: number;
  sha256: string;
  content: Buffer | undefined;
  notStored?: { reason: string; detail: string } | undefined;
}

/**
 * The bytes of the files an outbound message carries (`OutboundMessage.attachments`), for a
 * channel that sends files themselves (email): undefined when the file is gone (erased).
 */
export interface OutboundFiles {
  read(fileId: string): Promise<Buffer | undefined>;
}

/** Where channels keep inbound attachments, once per message (served by the attachments API). */
export interface InboundFiles {
  /** Saves a message's attachments in order, once (a retry stores nothing twice); their ids. */
  save(channel: string, channelMessageId: string, records: InboundFileRecord[]): Promise<string[]>;
}
