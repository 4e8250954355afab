import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { isStoreUnreachable } from '../unreachable.ts';
import { SwitchboardError, isSwitchboardError } from '../domain/errors.ts';
import {
  OutboundMessageSchema,
  type ChannelId,
  type OutboundAttachment,
  type OutboundMessage,
  type SendResult,
} from '../domain/message.ts';
import type { ChannelAdapter, ChannelCapabilities, DeliveryConfirmation } from '../domain/ports.ts';
import type { MessageDoc } from '../pool/models.ts';
import {
  claimPending,
  releaseClaim,
  sentFilesOf,
  ticketViewOfMessage,
  type TicketView,
} from '../pool/messages.ts';
import { viaThreadKey } from '../pool/reply-channels.ts';
import type { TicketPool } from '../pool/pool.ts';
import type { Metrics } from '../metrics.ts';

export interface OutboundDeps {
  pool: TicketPool;
  adapters: ReadonlyMap<ChannelId, ChannelAdapter>;
  metrics?: Metrics;
  logger?: Logger;
  /**
   * Called once an agent's message went out (dispatch: response target met, clock paused; the
   * knowledge base's learning: an answer to a question it does not cover). Not called again once
   * the message is recorded as sent, so it must not throw for what it may skip.
   */
  onAgentReplySent?(ticketId: string, messageId: string, channel: ChannelId): Promise<void>;
  /** The public page of a knowledge-base article (the help centre), when the gateway has one. */
  articleUrl?: (articleId: string, locale: string) => string | undefined;
  /**
   * A signed link to a file an agent sent, that the customer may open for days
   * (OUTBOUND_FILE_LINK_SECONDS; src/http/file-links.ts). Without it, a message's files are not sent.
   */
  fileLink?: (fileId: string) => Promise<string>;
}

/** What a channel that cannot carry files says before their links. */
export const FILES_AS_LINKS_NOTE = 'This channel cannot carry files, so here are links to them:';
/** What a channel that carries files says before the links of those beyond its limits. */
export const FILES_BEYOND_LIMITS_NOTE =
  'Some files are too large or of a kind this channel cannot carry, so here are links to them:';

/** The message's files with a signed link each (none when the message has none). */
async function filesOf(
  message: MessageDoc,
  fileLink: OutboundDeps['fileLink'],
): Promise<OutboundAttachment[]> {
  const out: OutboundAttachment[] = [];
  if (fileLink === undefined) return out;
  for (const file of sentFilesOf(message.attachments))
    out.push({ ...file, url: await fileLink(file.fileId) });
  return out;
}

/**
 * Splits a message's files into those the channel carries (within its outbound limits, in the
 * agent's order) and those that go as links.
 */
export function carriedFiles(
  files: readonly OutboundAttachment[],
  capabilities: ChannelCapabilities,
): { carried: OutboundAttachment[]; linked: OutboundAttachment[] } {
  if (!capabilities.attachments.outbound) return { carried: [], linked: [...files] };
  const limits = capabilities.attachments.outboundLimits;
  if (limits === undefined) return { carried: [...files], linked: [] };
  const carried: OutboundAttachment[] = [];
  const linked: OutboundAttachment[] = [];
  let bytes = 0;
  for (const file of files) {
    const fits =
      carried.length < limits.maxFiles &&
      bytes + file.size <= limits.maxTotalBytes &&
      (limits.types === undefined || limits.types.includes(file.contentType.toLowerCase()));
    if (fits) {
      carried.push(file);
      bytes += file.size;
    } else linked.push(file);
  }
  return { carried, linked };
}

/**
 * The one place files a channel cannot carry (any file, or those beyond its limits) are sent:
 * each one's name and link after the text, with a sentence saying why. The files the channel
 * carries stay the message's attachments.
 */
export function withFileLinks(
  outbound: OutboundMessage,
  capabilities: ChannelCapabilities,
): OutboundMessage {
  const { carried, linked } = carriedFiles(outbound.attachments ?? [], capabilities);
  if (linked.length === 0) return outbound;
  const note = !capabilities.attachments.outbound ? FILES_AS_LINKS_NOTE : FILES_BEYOND_LIMITS_NOTE;
  const lines = linked.map((f) => `- ${f.name}: ${f.url}`).join('\n');
  const { attachments: _all, ...rest } = outbound;
  return {
    ...rest,
    text: `${outbound.text}\n\n${note}\n${lines}`,
    ...(carried.length > 0 ? { attachments: carried } : {}),
    // A channel that renders markdown or HTML shows the same lines.
    ...(outbound.markdown === undefined
      ? {}
      : { markdown: `${outbound.markdown}\n\n${note}\n${lines}` }),
    ...(outbound.html === undefined
      ? {}
      : {
          html: `${outbound.html}<p>${escapeHtml(note)}</p><ul>${linked
            .map((f) => `<li><a href="${escapeHtml(f.url)}">${escapeHtml(f.name)}</a></li>`)
            .join('')}</ul>`,
        }),
  };
}

function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );
}

/**
 * The help-centre link of a bot answer taken from an article: its intent is the article's id and
 * its decision recorded the answer's locale. Small talk and notices have none.
 */
function articleLinkOf(
  message: MessageDoc,
  articleUrl: OutboundDeps['articleUrl'],
): string | undefined {
  if (articleUrl === undefined || message.authorKind !== 'bot' || !message.intent) return undefined;
  const decision = (message.decision ?? {}) as { counted?: unknown; language?: unknown };
  if (decision.counted !== 'answer' || typeof decision.language !== 'string') return undefined;
  return articleUrl(message.intent, decision.language);
}

/** The bot's own decision knew the language when it wrote the message; else the ticket's. */
function languageOf(message: MessageDoc, ticket: TicketView): string | undefined {
  const decided = (message.decision ?? {}) as { language?: unknown };
  if (typeof decided.language === 'string') return decided.language;
  return ticket.language ?? undefined;
}

/** The address and content a channel needs, from the stored message and its ticket. */
export function toOutboundMessage(
  message: MessageDoc,
  ticket: TicketView,
  articleUrl?: OutboundDeps['articleUrl'],
  files: readonly OutboundAttachment[] = [],
): OutboundMessage {
  const link = articleLinkOf(message, articleUrl);
  // An agent chose another of the contact's channels: that address, a thread of the ticket's own
  // there (reply-channels.ts links it back to this ticket), and none of the first channel's data.
  const via = message.via?.channel ? message.via : undefined;
  return OutboundMessageSchema.parse({
    messageId: String(message._id),
    ticketId: String(ticket._id),
    channel: via?.channel ?? ticket.channel,
    threadKey: via ? (via.threadKey ?? viaThreadKey(ticket._id)) : ticket.threadKey,
    to: via
      ? { kind: via.kind, value: via.value }
      : { kind: ticket.replyTo.kind, value: ticket.replyTo.value },
    author: {
      kind: message.authorKind,
      ...(message.authorName ? { name: message.authorName } : {}),
    },
    text: message.text,
    ...(message.markdown ? { markdown: message.markdown } : {}),
    ...(message.html ? { html: message.html } : {}),
    ...(message.choices && message.choices.length > 0 ? { choices: message.choices } : {}),
    ...(link !== undefined ? { articleUrl: link } : {}),
    ...(languageOf(message, ticket) ? { language: languageOf(message, ticket) } : {}),
    ...(files.length > 0 ? { attachments: files } : {}),
    channelData: via
      ? ((via.channelData ?? {}) as Record<string, unknown>)
      : ((ticket.channelData ?? {}) as Record<string, unknown>),
  });
}

/** How a run ended: sent now, found sent already, or found sent by the attempt whose outcome was lost. */
export type DeliveryResult = 'sent' | 'already-sent' | 'confirmed';

/**
 * Delivers one stored outbound message through its channel's adapter and records the outcome on
 * the message. Already-sent messages are skipped, so a redelivered job sends nothing twice.
 *
 * Each attempt is recorded (`sending`) before the channel is called. A run that finds `sending`
 * knows an earlier attempt's outcome was lost — the process died after the send began, or the
 * attempt timed out — and asks the channel first (`confirmDelivery`): gone out → recorded, not
 * sent again; not gone out → sent; the channel cannot tell → sent again with the same
 * idempotency identity (our message id: the API callback's X-Switchboard-Delivery header, the
 * email's Message-ID), counted and logged.
 *
 * Errors are rethrown for BullMQ to retry; the worker turns non-retryable ones into
 * UnrecoverableError.
 */
export function deliverOutbound(messageId: string, deps: OutboundDeps): Promise<DeliveryResult> {
  // The status is read under the message's lock, so two runs of one job never both see "pending".
  return deps.pool.withOutboundLock(messageId, () => deliverUnderLock(messageId, deps));
}

async function deliverUnderLock(messageId: string, deps: OutboundDeps): Promise<DeliveryResult> {
  // The usual case costs one round trip: a pending message is claimed (`sending`) and read at
  // once. Anything else (sent, settled, an attempt left open) is read and decided below.
  const claimed = await claimPending(deps.pool.models, messageId, new Date());
  const message = claimed ?? (await deps.pool.getMessage(messageId));
  if (!message)
    throw new SwitchboardError('SB_ERR_NOT_FOUND', `outbound message ${messageId} not found`);
  if (message.deliveryStatus === 'sent' || message.deliveryStatus === 'delivered')
    return 'already-sent';
  let ready: Ready;
  try {
    ready = await prepare(message, deps);
  } catch (error) {
    // Nothing was sent: the claim goes back, as if this run had not begun.
    if (claimed) await releaseClaim(deps.pool.models, messageId).catch(() => undefined);
    throw error;
  }
  const { ticket, adapter, outbound, channel } = ready;

  if (!claimed) {
    const reopen = message.deliveryStatus === 'sending';
    if (reopen) {
      const since = message.attemptStartedAt ?? updatedAtOf(message);
      const known = await askChannel(adapter, outbound, since);
      if (known !== undefined && known !== 'unknown') {
        await deps.pool.recordDelivery(message._id, {
          status: 'sent',
          providerMessageId: known.providerMessageId,
        });
        deps.metrics?.outboundUncertain.inc({ channel, resolution: 'confirmed' });
        deps.logger?.info(
          { messageId, channel: channel, since },
          'outbound: an interrupted attempt went out; recorded, not sent again',
        );
        await afterSent(message, ticket, deps);
        return 'confirmed';
      }
      const resolution = known === 'unknown' ? 'resent' : 'not-sent';
      deps.metrics?.outboundUncertain.inc({ channel, resolution });
      if (resolution === 'resent') {
        // No personal data: our message id (a key of ids) and the channel only.
        deps.logger?.warn(
          { messageId, channel: channel, since, attempts: message.deliveryAttempts },
          'outbound: an interrupted attempt may have gone out and the channel cannot tell; sending again with the same idempotency key',
        );
      }
    }
    // One write per attempt: the attempt is durable before the provider sees it.
    if (!(await deps.pool.markSending(message._id, { at: new Date(), reopen }))) {
      return 'already-sent'; // a status callback settled it since it was read
    }
  }
  let result: SendResult;
  try {
    result = await adapter.send(outbound);
  } catch (error) {
    await recordFailure(message._id, error, deps);
    throw error;
  }
  await recordSent(message._id, result, deps);
  await afterSent(message, ticket, deps);
  return 'sent';
}

/** What a send needs beside the message: its ticket, its channel's adapter, the outbound form. */
interface Ready {
  ticket: TicketView;
  channel: ChannelId;
  adapter: ChannelAdapter;
  outbound: OutboundMessage;
}

async function prepare(message: MessageDoc, deps: OutboundDeps): Promise<Ready> {
  // The message carries what it needs of its ticket; one stored before it did reads the ticket.
  const ticket = ticketViewOfMessage(message) ?? (await deps.pool.getTicket(message.ticketId));
  if (!ticket)
    throw new SwitchboardError(
      'SB_ERR_NOT_FOUND',
      `ticket of message ${String(message._id)} not found`,
    );
  const channel = (message.via?.channel as ChannelId | undefined) ?? ticket.channel;
  const adapter = deps.adapters.get(channel);
  if (!adapter) {
    throw new SwitchboardError('SB_ERR_UNKNOWN_CHANNEL', `no adapter for channel ${channel}`);
  }
  const outbound = withFileLinks(
    toOutboundMessage(message, ticket, deps.articleUrl, await filesOf(message, deps.fileLink)),
    adapter.capabilities,
  );
  return { ticket, channel, adapter, outbound };
}

/**
 * Called when a message's delivery job has given up (no attempts left, or a final error): counts
 * it by the state the message was left in and logs it at error level, so that a message which may
 * never have reached its customer — above all one left `sending`, whose last attempt's outcome is
 * unknown — is alerted on instead of sitting silently in the failed jobs list.
 */
export async function noteAbandoned(
  messageId: string,
  reason: string,
  deps: OutboundDeps,
): Promise<void> {
  const message = await deps.pool.getMessage(messageId);
  if (!message || message.deliveryStatus === 'sent' || message.deliveryStatus === 'delivered')
    return;
  const ticket = await deps.pool.getTicket(message.ticketId);
  const channel = ticket?.channel ?? 'unknown';
  const state = message.deliveryStatus ?? 'pending';
  deps.metrics?.outboundAbandoned.inc({ channel, state });
  deps.logger?.error(
    { messageId, channel, state, attempts: message.deliveryAttempts, reason },
    state === 'sending'
      ? 'outbound: gave up on a message whose last attempt may have gone out; check with the channel'
      : 'outbound: gave up on a message that was not sent',
  );
}

/** How long a worker keeps trying to record a send that succeeded while the database is away. */
const RECORD_SENT_PATIENCE_MS = 120_000;

/**
 * Records a successful send. This process knows the message went out; if the database is away at
 * that moment (a restart), it keeps trying for a while rather than leave the message `sending`,
 * because a later run could only ask the channel — and channels that cannot tell (API callbacks,
 * email) would then send it again. Should it still fail, the message stays `sending`.
 */
async function recordSent(messageId: string, result: SendResult, deps: OutboundDeps) {
  const giveUpAt = Date.now() + RECORD_SENT_PATIENCE_MS;
  for (let pause = 500; ; pause = Math.min(pause * 2, 10_000)) {
    try {
      await deps.pool.recordDelivery(messageId, {
        status: 'sent',
        providerMessageId: result.providerMessageId,
      });
      return;
    } catch (error) {
      if (!isStoreUnreachable(error) || Date.now() + pause > giveUpAt) throw error;
      deps.logger?.warn(
        { messageId, err: error },
        'outbound: sent, but the database is away; recording it again shortly',
      );
      await sleep(pause);
    }
  }
}

/** The channel's answer about an earlier attempt; 'unknown' when it has no way to ask. */
function askChannel(
  adapter: ChannelAdapter,
  outbound: OutboundMessage,
  since: Date,
): Promise<DeliveryConfirmation> {
  // Throws (retryable) when the provider cannot be asked now: the message stays `sending`.
  return adapter.confirmDelivery
    ? adapter.confirmDelivery(outbound, since)
    : Promise.resolve('unknown');
}

function updatedAtOf(message: MessageDoc): Date {
  const { updatedAt } = message as { updatedAt?: unknown };
  return updatedAt instanceof Date ? updatedAt : new Date(0);
}

/**
 * Where a failed attempt leaves the message: `pending` (not sent, a retry sends) or `failed` (not
 * sent, no retry) when the channel knows nothing went out; `sending` (the retry asks the channel
 * first) when it may have — the adapter says so, or the error is not one of ours (unexpected,
 * perhaps after the provider took the message).
 */
function statusAfter(error: unknown): 'pending' | 'failed' | 'sending' {
  if (!isSwitchboardError(error)) return 'sending';
  if (!error.retryable) return 'failed';
  return error.deliveryUncertain ? 'sending' : 'pending';
}

async function recordFailure(messageId: string, error: unknown, deps: OutboundDeps) {
  const reason = error instanceof Error ? error.message : String(error);
  try {
    await deps.pool.recordDelivery(messageId, { status: statusAfter(error), error: reason });
  } catch (recordError) {
    // The send's own error is the one to retry on; the message stays `sending` (asked first).
    deps.logger?.warn({ messageId, err: recordError }, 'outbound: failed attempt not recorded');
  }
}

/** Bookkeeping once a message is known to have gone out (by this run or an interrupted one). */
async function afterSent(message: MessageDoc, ticket: TicketView, deps: OutboundDeps) {
  // The view may be older than the ticket (a copy made when the message was stored): the stamp is
  // a conditional write that keeps the first time, so an answer since costs a no-op at most.
  if (!ticket.firstResponseAt) await deps.pool.noteFirstResponse(ticket._id, new Date());
  if (message.authorKind === 'agent')
    await deps.onAgentReplySent?.(String(ticket._id), String(message._id), message.channel);
  deps.metrics?.messages.inc({ channel: message.channel, direction: 'out' });
}
