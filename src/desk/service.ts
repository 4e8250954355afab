import { teamFor } from '../dispatch/teams.ts';
import { listTeams, teamView } from '../accounts/teams.ts';
import { recordAudit } from '../pool/audit.ts';
import type { AgentDoc } from '../pool/models.ts';
import { escalate, release, resolve, take } from './actions.ts';
import type { FileView } from '../http/file-views.ts';
import { cardBlocks, cardText, escapeMrkdwn } from './blocks.ts';
import { cardFilesBlock, fileLines } from './files.ts';
import type { DeskServiceDeps, DeskTools } from './context.ts';
import type { DeskJobData, SlackUserRef } from './jobs.ts';
import { NOT_ENROLLED_TEXT, NotEnrolledError, isNotEnrolled } from './enrolment.ts';
import { alertSupervisors, notifyAgent, offerTicket, withdrawOffer } from './notices.ts';
import { steerRateLimit } from './rate-limit.ts';
import { readCardView } from './view.ts';
import { replyInThread } from './replies.ts';
import { applyChange } from './changes.ts';

export type { DeskServiceDeps } from './context.ts';

/**
 * What the desk's jobs do. Every step is safe to repeat: the card is found by the ticket id and
 * updated in place, status changes go through pool.transition with the status they expect, agent
 * replies are keyed by their Slack message ts, and other posts by their key (notices.ts).
 */
export class DeskService implements DeskTools {
  constructor(readonly deps: DeskServiceDeps) {}

  now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  /** `lastTry`: the job's last attempt (a download that fails then is a refusal, not a retry). */
  async run(job: DeskJobData, lastTry = true): Promise<string> {
    try {
      return await this.runAsAgent(job, lastTry);
    } catch (error) {
      if (!isNotEnrolled(error) || !('user' in job)) throw error;
      return this.refuse(job, error);
    }
  }

  /**
   * A member who is not an agent clicked a button or wrote in a card's thread: told so where only
   * they see it, and audited. Nothing else happens.
   */
  private async refuse(
    job: Extract<DeskJobData, { user: unknown }>,
    error: NotEnrolledError,
  ): Promise<string> {
    const ticketId = 'ticketId' in job ? job.ticketId : undefined;
    await recordAudit(this.deps.pool.models, {
      actor: `slack:${error.slackUserId}`,
      action: `desk.${job.kind}.refused`,
      subject: ticketId === undefined ? `slack:${job.channel}` : `ticket:${ticketId}`,
      after: { reason: 'not an enrolled agent' },
    });
    await this.tell(job.channel, error.slackUserId, NOT_ENROLLED_TEXT);
    return 'not-enrolled';
  }

  private async runAsAgent(job: DeskJobData, lastTry: boolean): Promise<string> {
    try {
      switch (job.kind) {
        case 'card':
          return await this.syncCard(job.ticketId);
        case 'relay':
          return await this.relay(job.ticketId, job.messageId);
        case 'take':
          return await take(this, job.ticketId, job.user, job.channel);
        case 'resolve':
          return await resolve(this, job.ticketId, job.user, job.channel);
        case 'release':
          return await release(this, job.ticketId, job.user, job.channel);
        case 'escalate':
          return await escalate(this, job.ticketId, job.user, job.channel);
        case 'reply':
          return await replyInThread(this, job, lastTry);
        case 'changed':
          return await applyChange(this, job.change);
        case 'alert':
          return await alertSupervisors(this, job.ticketId, job.reason);
        case 'notify':
          return await notifyAgent(this, job.agentId, job.text, job.key);
        case 'offer':
          return await offerTicket(this, job.ticketId, job.agentId, new Date(job.expiresAt));
        case 'withdraw':
          return await withdrawOffer(this, job.ticketId, job.agentId);
      }
    } catch (error) {
      throw steerRateLimit(error);
    }
  }

  /** Posts the ticket's card once, or brings the existing one up to date with chat.update. */
  async syncCard(ticketId: string): Promise<string> {
    const { models, client, config } = this.deps;
    return this.deps.locks.withLock(`desk.card.${ticketId}`, async () => {
      const view = await readCardView(this.deps.pool, ticketId, this.now());
      if (!view) return 'no-ticket';
      const filesBlock = cardFilesBlock(await this.ticketFiles(ticketId));
      const blocks = cardBlocks(view);
      // The files go below the customer's words, above the status line and the buttons.
      const status = blocks.findIndex((block) => block.type === 'context');
      if (filesBlock) blocks.splice(status < 0 ? blocks.length : status, 0, filesBlock);
      const content = { text: cardText(view), blocks };
      const card = await models.DeskCard.findById(ticketId).lean();
      if (card) {
        await client.chat.update({ channel: card.channel, ts: card.ts, ...content });
        await models.DeskCard.updateOne({ _id: ticketId }, { $set: { status: view.status } });
        return 'updated';
      }
      // A ticket agents never saw waiting (e.g. assigned elsewhere) gets its card when it needs one.
      if (view.status !== 'queued' && view.status !== 'assigned') return 'no-card-needed';
      const where =
        (await this.teamChannel(view.requiredSkills ?? [])) ?? config.SLACK_AGENTS_CHANNEL;
      const posted = await client.chat.postMessage({
        channel: where,
        unfurl_links: false,
        ...content,
      });
      const channel = posted.channel ?? where;
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

  /**
   * The Slack channel of the team the ticket belongs to (teams.ts), when it has one. Teams are
   * read only for a ticket that needs skills, once per card.
   */
  private async teamChannel(requiredSkills: readonly string[]): Promise<string | undefined> {
    if (requiredSkills.length === 0) return undefined;
    const teams = (await listTeams(this.deps.pool.models)).map(teamView);
    return teamFor(requiredSkills, teams)?.slackChannel;
  }

  /** The files of the ticket's customer messages, oldest first (none without a file reader). */
  private async ticketFiles(ticketId: string): Promise<FileView[]> {
    if (!this.deps.files) return [];
    const inbound = (await this.deps.pool.listMessages(ticketId))
      .filter((m) => m.direction === 'in')
      .map((m) => String(m._id));
    const files = await this.deps.files.ofMessages(inbound);
    return inbound.flatMap((id) => files.get(id) ?? []);
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
    // A conversation that continued on another channel: say where this message came from.
    const via = ticket && message.channel !== ticket.channel ? ` _(by ${message.channel})_` : '';
    const files = (await this.deps.files?.ofMessages([messageId]))?.get(messageId) ?? [];
    await this.deps.client.chat.postMessage({
      channel: card.channel,
      thread_ts: card.ts,
      text: [
        `*${escapeMrkdwn(name)}:*${via} ${escapeMrkdwn(message.text)}`,
        ...fileLines(files),
      ].join('\n'),
      unfurl_links: false,
    });
    return 'relayed';
  }

  /**
   * The Agent record of an enrolled Slack user: enrolled by an admin or supervisor (console
   * account link, CLI), or a member of an allowed Slack user group. Anyone else gets
   * NotEnrolledError: clicking a button or typing a command makes nobody an agent. The link
   * `slack:<user id>` is its own document keyed by _id, so the lookup on every click is by _id.
   */
  async agentFor(user: SlackUserRef): Promise<AgentDoc> {
    const { models, pool } = this.deps;
    const identity = `slack:${user.id}`;
    const linked = await models.DeskAgentLink.findById(identity).lean();
    const agent = (
      linked
        ? await pool.models.Agent.findById(linked.agentId).lean()
        : await pool.models.Agent.findOne({ identity }).lean()
    ) as AgentDoc | null;
    if (agent?.enrolledVia === 'admin') return this.linked(identity, agent, linked);
    if (await this.deps.groups?.has(user.id)) {
      return agent?.enrolledVia === 'slack-group'
        ? this.linked(identity, agent, linked)
        : this.enrolFromGroup(user, identity);
    }
    if (agent?.enrolledVia === 'slack-group') {
      // Left every allowed group: no longer an agent, and no longer offered tickets.
      await pool.models.Agent.updateOne(
        { _id: agent._id, enrolledVia: 'slack-group' },
        { $unset: { enrolledVia: '' }, $set: { status: 'away' } },
      );
    }
    throw new NotEnrolledError(user.id);
  }

  /** A member of an allowed group: their agent record, made or re-enrolled under their lock. */
  private enrolFromGroup(user: SlackUserRef, identity: string): Promise<AgentDoc> {
    const { pool } = this.deps;
    return this.deps.locks.withLock(`desk.agent.${user.id}`, async () => {
      const name = user.name ?? (await this.slackName(user.id));
      // The unique index on identity makes this upsert the only Agent of this Slack user.
      await pool.models.Agent.updateOne(
        { identity },
        {
          $setOnInsert: { identity, displayName: name, status: 'available', activeTickets: 0 },
        },
        { upsert: true },
      );
      const agent = (await pool.models.Agent.findOneAndUpdate(
        { identity, enrolledVia: { $ne: 'admin' } },
        { $set: { enrolledVia: 'slack-group' } },
        { returnDocument: 'after' },
      ).lean()) as AgentDoc | null;
      const current = agent ?? (await pool.models.Agent.findOne({ identity }).lean());
      if (!current) throw new Error(`agent ${identity} upsert returned nothing`);
      return this.linked(identity, current);
    });
  }

  /** Keeps the `slack:<id>` link pointing at the agent (read on every click), then its slots. */
  private async linked(
    identity: string,
    agent: AgentDoc,
    link?: { agentId: unknown } | null,
  ): Promise<AgentDoc> {
    if (String(link?.agentId) !== String(agent._id)) {
      await this.deps.models.DeskAgentLink.updateOne(
        { _id: identity },
        { $set: { agentId: agent._id } },
        { upsert: true },
      );
    }
    return this.withSlotList(agent);
  }

  /**
   * The slot list agent-load.ts reads: an upsert stores no empty array (seen on FerretDB 1.x), and
   * agents linked before agent load have none; a plain $set of [] does store it.
   */
  private async withSlotList(agent: AgentDoc): Promise<AgentDoc> {
    if (Array.isArray(agent.activeTicketIds)) return agent;
    await this.deps.pool.models.Agent.updateOne(
      { _id: agent._id, activeTicketIds: { $exists: false } },
      { $set: { activeTicketIds: [], activeTickets: 0 } },
    );
    return { ...agent, activeTicketIds: [], activeTickets: 0 };
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

  /** An ephemeral message only the clicking agent sees. */
  async tell(channel: string, user: string, text: string): Promise<void> {
    await this.deps.client.chat.postEphemeral({ channel, user, text });
  }
}
