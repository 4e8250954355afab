import type { Queue } from 'bullmq';
import type { webApi } from '@slack/bolt';
import type { Logger } from 'pino';
import { isSwitchboardError } from '../domain/errors.ts';
import type { OutboundJobData } from '../pipeline/queues.ts';
import { sendAgentReply } from '../pipeline/replies.ts';
import type { DocumentLocks } from '../pool/locks.ts';
import type { AgentDoc, TicketDoc } from '../pool/models.ts';
import type { TicketPool } from '../pool/pool.ts';
import type { DeskModels } from '../pool/desk-models.ts';
import { cardBlocks, cardText, escapeMrkdwn, type CardView } from './blocks.ts';
import type { DeskConfig } from './config.ts';
import type { DeskJobData, SlackUserRef } from './jobs.ts';
import { steerRateLimit } from './rate-limit.ts';

/** How many of the customer's last messages a card quotes. */
const CARD_MESSAGES = 3;

export interface DeskServiceDeps {
  config: DeskConfig;
  pool: TicketPool;
  locks: DocumentLocks;
  models: DeskModels;
  outbound: Queue<OutboundJobData>;
  client: webApi.WebClient;
  logger?: Logger | undefined;
  now?: () => Date;
}

/**
 * What the desk's jobs do. Every step is safe to repeat: the card is found by the ticket id and
 * updated in place, status changes go through pool.transition with the status they expect, and
 * agent replies are keyed by their Slack message ts.
 */
export class DeskService {
  constructor(private readonly deps: DeskServiceDeps) {}

  async run(job: DeskJobData): Promise<string> {
    try {
      switch (job.kind) {
        case 'card':
          return await this.syncCard(job.ticketId);
        case 'relay':
          return await this.relay(job.ticketId, job.messageId);
        case 'take':
          return await this.take(job.ticketId, job.user, job.channel);
        case 'resolve':
          return await this.resolve(job.ticketId, job.user, job.channel);
        case 'reply':
          return await this.reply(job);
      }
    } catch (error) {
      throw steerRateLimit(error);
    }
  }

  /** Posts the ticket's card once, or brings the existing one up to date with chat.update. */
  async syncCard(ticketId: string): Promise<string> {
    const { models, client, config } = this.deps;
    return this.deps.locks.withLock(`desk.card.${ticketId}`, async () => {
      const view = await this.readView(ticketId);
      if (!view) return 'no-ticket';
      const content = { text: cardText(view), blocks: cardBlocks(view) };
      const card = await models.DeskCard.findById(ticketId).lean();
      if (card) {
        await client.chat.update({ channel: card.channel, ts: card.ts, ...content });
        await models.DeskCard.updateOne({ _id: ticketId }, { $set: { status: view.status } });
        return 'updated';
      }
      // A ticket agents never saw waiting (e.g. assigned elsewhere) gets its card when it needs one.
      if (view.status !== 'queued' && view.status !== 'assigned') return 'no-card-needed';
      const posted = await client.chat.postMessage({
        channel: config.SLACK_AGENTS_CHANNEL,
        unfurl_links: false,
        ...content,
      });
      const channel = posted.channel ?? config.SLACK_AGENTS_CHANNEL;
      const ts = posted.ts;
      if (!ts) throw new Error('chat.postMessage answered without a ts');
      // The thread map first: a card record always has its thread record.
      await models.DeskThread.updateOne(
        { _id: `${channel}.${ts}` },
        { $set: { ticketId } },
        { upsert: true },
      );
      await models.DeskCard.updateOne(
        { _id: ticketId },
        { $set: { channel, ts } },
        { upsert: true },
      );
      return 'posted';
    });
  }

  /** A customer message on a ticket agents hold or await, posted into the card's thread. */
  async relay(ticketId: string, messageId: string): Promise<string> {
    const { models } = this.deps;
    const message = await this.deps.pool.getMessage(messageId);
    if (!message) return 'no-message';
    let card = await models.DeskCard.findById(ticketId).lean();
    const ticket = await this.deps.pool.getTicket(ticketId);
    // No card yet (its job has not run), or it shows an old status (the customer reopened a
    // resolved ticket): bring it up to date first; syncCard is locked and posts at most once.
    if (!card || (ticket && card.status !== ticket.status)) {
      await this.syncCard(ticketId);
      card = await models.DeskCard.findById(ticketId).lean();
    }
    if (!card) throw new Error(`ticket ${ticketId} has no card yet`);
    const name = message.authorName ?? 'Customer';
    await this.deps.client.chat.postMessage({
      channel: card.channel,
      thread_ts: card.ts,
      text: `*${escapeMrkdwn(name)}:* ${escapeMrkdwn(message.text)}`,
      unfurl_links: false,
    });
    return 'relayed';
  }

  /** Take: exactly one of several agents clicking at once gets the ticket; the others are told. */
  async take(ticketId: string, user: SlackUserRef, channel: string): Promise<string> {
    const agent = await this.agentFor(user);
    try {
      await this.deps.pool.transition(ticketId, 'assigned', {
        by: `slack:${user.id}`,
        reason: 'taken in Slack',
        expectedFrom: 'queued',
        set: { assigneeId: agent._id },
      });
    } catch (error) {
      if (!isSwitchboardError(error) || error.code !== 'SB_ERR_INVALID_TRANSITION') throw error;
      const ticket = await this.deps.pool.getTicket(ticketId);
      // A retry of this very job, after it won: only the card update may be left to do.
      if (!(ticket?.status === 'assigned' && String(ticket.assigneeId) === String(agent._id))) {
        await this.tell(channel, user.id, await this.whyNot(ticket, 'take'));
        return 'lost';
      }
    }
    await this.syncCard(ticketId);
    return 'taken';
  }

  async resolve(ticketId: string, user: SlackUserRef, channel: string): Promise<string> {
    try {
      await this.deps.pool.transition(ticketId, 'resolved', {
        by: `slack:${user.id}`,
        reason: 'resolved in Slack',
      });
    } catch (error) {
      if (!isSwitchboardError(error) || error.code !== 'SB_ERR_INVALID_TRANSITION') throw error;
      const ticket = await this.deps.pool.getTicket(ticketId);
      if (ticket?.status !== 'resolved') {
        await this.tell(channel, user.id, await this.whyNot(ticket, 'resolve'));
        return 'refused';
      }
    }
    await this.syncCard(ticketId);
    return 'resolved';
  }

  /** An agent's message in a card's thread: relayed to the customer, unless it is a note. */
  async reply(job: Extract<DeskJobData, { kind: 'reply' }>): Promise<string> {
    const thread = await this.deps.models.DeskThread.findById(
      `${job.channel}.${job.threadTs}`,
    ).lean();
    if (!thread) return 'not-a-card-thread';
    if (job.text.trimStart().startsWith(this.deps.config.DESK_NOTE_PREFIX)) return 'note';
    if (!job.text.trim()) return 'empty';
    const agent = await this.agentFor({ id: job.user });
    await sendAgentReply(
      { pool: this.deps.pool, outbound: this.deps.outbound },
      {
        ticketId: thread.ticketId,
        // The Slack message ts (unique per channel): a retried event or job sends nothing twice.
        key: `slack.${job.channel}.${job.ts}`,
        agentId: String(agent._id),
        agentName: agent.displayName,
        text: job.text,
      },
    );
    return 'sent';
  }

  /**
   * The Agent record of a Slack user, created on first use. The link `slack:<user id>` is its own
   * document keyed by _id, so the lookup on every click and reply is by _id.
   */
  async agentFor(user: SlackUserRef): Promise<AgentDoc> {
    const { models, pool } = this.deps;
    const identity = `slack:${user.id}`;
    const linked = await models.DeskAgentLink.findById(identity).lean();
    if (linked) {
      const agent = (await pool.models.Agent.findById(linked.agentId).lean()) as AgentDoc | null;
      if (agent) return agent;
    }
    return this.deps.locks.withLock(`desk.agent.${user.id}`, async () => {
      const name = user.name ?? (await this.slackName(user.id));
      // The unique index on identity makes this upsert the only Agent of this Slack user.
      const agent = (await pool.models.Agent.findOneAndUpdate(
        { identity },
        { $setOnInsert: { identity, displayName: name, status: 'available' } },
        { upsert: true, returnDocument: 'after' },
      ).lean()) as AgentDoc | null;
      if (!agent) throw new Error(`agent ${identity} upsert returned nothing`);
      await models.DeskAgentLink.updateOne(
        { _id: identity },
        { $set: { agentId: agent._id } },
        { upsert: true },
      );
      return agent;
    });
  }

  private async slackName(userId: string): Promise<string> {
    const info = await this.deps.client.users.info({ user: userId });
    const profile = info.user?.profile;
    return (
      profile?.display_name ||
      profile?.real_name ||
      info.user?.real_name ||
      info.user?.name ||
      userId
    );
  }

  private async whyNot(ticket: TicketDoc | null, what: 'take' | 'resolve'): Promise<string> {
    if (!ticket) return 'This ticket no longer exists.';
    if (ticket.status === 'assigned' && ticket.assigneeId) {
      const holder = (await this.deps.pool.models.Agent.findById(
        ticket.assigneeId,
      ).lean()) as AgentDoc | null;
      return `Ticket #${ticket.number} is already taken by ${holder?.displayName ?? 'another agent'}.`;
    }
    return `Ticket #${ticket.number} is ${ticket.status}: nothing to ${what}.`;
  }

  /** An ephemeral message only the clicking agent sees. */
  private async tell(channel: string, user: string, text: string): Promise<void> {
    await this.deps.client.chat.postEphemeral({ channel, user, text });
  }

  private async readView(ticketId: string): Promise<CardView | undefined> {
    const { pool } = this.deps;
    const ticket = await pool.getTicket(ticketId);
    if (!ticket) return undefined;
    const [contact, messages, assignee] = await Promise.all([
      pool.models.Contact.findById(ticket.contactId).lean(),
      pool.listMessages(ticket._id),
      ticket.assigneeId
        ? (pool.models.Agent.findById(ticket.assigneeId).lean() as Promise<AgentDoc | null>)
        : Promise.resolve(null),
    ]);
    const customerTexts = messages
      .filter((m) => m.direction === 'in' && m.authorKind === 'customer')
      .map((m) => m.newText ?? m.text)
      .slice(-CARD_MESSAGES);
    return {
      ticketId,
      number: ticket.number,
      status: ticket.status,
      customerName: contact?.name ?? ticket.replyTo.value,
      channel: ticket.channel,
      reason: ticket.escalationReason ?? undefined,
      intent: ticket.lastIntent ?? undefined,
      language: ticket.language ?? undefined,
      urgency: ticket.urgency,
      lastMessages: customerTexts,
      queuedAt: ticket.queuedAt ?? undefined,
      assigneeName: assignee?.displayName ?? undefined,
      now: this.deps.now?.() ?? new Date(),
    };
  }
}
