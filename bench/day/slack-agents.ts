/**
 * Agents at work in Slack during the support day, through the same requests Slack sends: a
 * signed `/switchboard available`, a click on an offer's Take, `//` notes and answers in the
 * card's thread, a click on Resolve. Now and then a colleague who does not hold the ticket writes
 * in its thread too: the desk must keep that as a note and tell them why (a refused reply).
 */
import { ACTIONS } from '../../src/desk/blocks.ts';
import { buttonsOf } from '../../test/desk/harness.ts';
import type { FakeSlack, SlackCall } from '../../test/desk/fake-slack.ts';
import {
  buttonClick,
  slackSignature,
  slashCommand,
  threadMessageEvent,
} from '../../test/desk/slack-requests.ts';
import type { AdminApi } from './admin-api.ts';

export interface SlackAgent {
  id: string;
  name: string;
}

export interface AgentStats {
  /** Offers, first one per ticket: when it reached an agent (ms). */
  firstOfferAt: Map<string, number>;
  taken: number;
  /** Resolves by a person that took effect (each should ask for CSAT once). */
  resolvedByPerson: number;
  notesWritten: number;
  repliesTried: number;
  /** Refused replies the desk explained to their author (ephemeral). */
  refusalsTold: number;
}

export class SlackAgents {
  readonly stats: AgentStats = {
    firstOfferAt: new Map(),
    taken: 0,
    resolvedByPerson: 0,
    notesWritten: 0,
    repliesTried: 0,
    refusalsTold: 0,
  };
  private scanned = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly busy = new Set<Promise<void>>();
  private readonly handledOffers = new Set<string>();
  private readonly awaitingRefusal = new Map<string, number>();
  private seq = 0;

  constructor(
    private readonly options: {
      slack: FakeSlack;
      baseUrl: string;
      secret: string;
      agents: readonly SlackAgent[];
      admin: AdminApi;
      random: () => number;
      /** Multiplies every human delay (1 = seconds as written). */
      pace: number;
    },
  ) {}

  private async post(body: string, contentType: string): Promise<number> {
    const timestamp = Math.floor(Date.now() / 1000);
    const res = await fetch(`${this.options.baseUrl}/slack/events`, {
      method: 'POST',
      headers: {
        'content-type': contentType,
        'x-slack-request-timestamp': String(timestamp),
        'x-slack-signature': slackSignature(this.options.secret, timestamp, body),
      },
      body,
    });
    await res.body?.cancel();
    return res.status;
  }

  /** `/switchboard available` from each agent. */
  async comeOnDuty(): Promise<void> {
    for (const agent of this.options.agents) {
      const status = await this.post(
        slashCommand({ user: agent, text: 'available' }),
        'application/x-www-form-urlencoded',
      );
      if (status !== 200) throw new Error(`/switchboard available answered ${status}`);
    }
  }

  start(): void {
    this.timer = setInterval(() => {
      try {
        this.scan();
      } catch (error) {
        // One odd message must not end the drill: said, and the scan goes on past it.
        this.scanned += 1;
        process.stderr.write(`[day] agents could not read a Slack call: ${String(error)}\n`);
      }
    }, 250);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await Promise.all([...this.busy]);
  }

  private scan(): void {
    const calls = this.options.slack.calls;
    for (; this.scanned < calls.length; this.scanned += 1) {
      const call = calls[this.scanned]!;
      if (call.method === 'chat.postEphemeral') {
        const user = String(call.args['user']);
        const waiting = this.awaitingRefusal.get(user) ?? 0;
        if (waiting > 0 && /held by|not sent|note/i.test(String(call.args['text']))) {
          this.awaitingRefusal.set(user, waiting - 1);
          this.stats.refusalsTold += 1;
        }
        continue;
      }
      if (call.method !== 'chat.postMessage' || !call.ts) continue;
      const agent = this.options.agents.find((a) => a.id === call.args['channel']);
      const take = buttonsOf(call.args['blocks']).find((b) => b.action_id === ACTIONS.take);
      if (!agent || !take) continue;
      const key = `${take.value}.${agent.id}.${call.ts}`;
      if (this.handledOffers.has(key)) continue;
      this.handledOffers.add(key);
      if (!this.stats.firstOfferAt.has(take.value))
        this.stats.firstOfferAt.set(take.value, call.at);
      const work = this.work(agent, take.value, call).catch((error: unknown) => {
        process.stderr.write(`[day] agent ${agent.name} on ${take.value}: ${String(error)}\n`);
      });
      this.busy.add(work);
      void work.finally(() => this.busy.delete(work));
    }
  }

  private pause(minSeconds: number, maxSeconds: number): Promise<void> {
    const seconds = minSeconds + this.options.random() * (maxSeconds - minSeconds);
    return new Promise((resolve) => setTimeout(resolve, seconds * 1000 * this.options.pace));
  }

  private card(ticketId: string): SlackCall | undefined {
    return this.options.slack.calls.find(
      (c) =>
        c.method === 'chat.postMessage' &&
        c.ts !== undefined &&
        !c.args['thread_ts'] &&
        !this.options.agents.some((a) => a.id === c.args['channel']) &&
        buttonsOf(c.args['blocks']).some((b) => b.value === ticketId),
    );
  }

  private threadTs(): string {
    this.seq += 1;
    return `${1_800_000_000 + this.seq}.000100`;
  }

  private async write(agent: SlackAgent, card: SlackCall, text: string): Promise<void> {
    const status = await this.post(
      threadMessageEvent({
        channel: String(card.args['channel']),
        threadTs: card.ts!,
        ts: this.threadTs(),
        user: agent.id,
        text,
      }),
      'application/json',
    );
    if (status !== 200) throw new Error(`thread message answered ${status}`);
  }

  /** Take the offer, maybe note, answer, resolve — at a person's pace. */
  private async work(agent: SlackAgent, ticketId: string, offer: SlackCall): Promise<void> {
    const { admin } = this.options;
    await this.pause(1, 4);
    const clicked = await this.post(
      buttonClick({
        actionId: ACTIONS.take,
        ticketId,
        channel: agent.id,
        messageTs: offer.ts!,
        user: agent,
        actionTs: `${Date.now() / 1000}`,
      }),
      'application/x-www-form-urlencoded',
    );
    if (clicked !== 200) throw new Error(`Take answered ${clicked}`);
    const held = await admin.until(async () => {
      const t = await admin.ticket(ticketId);
      return t.status !== 'queued' ? t : undefined;
    }, 30_000);
    if (held.status !== 'assigned' || held.assignee?.identity !== `slack:${agent.id}`) return;
    this.stats.taken += 1;
    const card = await admin.until(() => Promise.resolve(this.card(ticketId)), 30_000);
    if (this.options.random() < 0.35) {
      await this.write(agent, card, '// checked the order history and the payment provider');
      this.stats.notesWritten += 1;
    }
    if (this.options.random() < 0.2) {
      // A colleague chimes in on a ticket someone else holds: kept as a note, and told why.
      const colleague = this.options.agents.find((a) => a.id !== agent.id);
      if (colleague) {
        this.awaitingRefusal.set(colleague.id, (this.awaitingRefusal.get(colleague.id) ?? 0) + 1);
        this.stats.repliesTried += 1;
        await this.write(colleague, card, 'I can answer this one: it is a known issue.');
      }
    }
    await this.pause(4, 12);
    await this.write(
      agent,
      card,
      'Thanks for waiting. I have looked into this and sorted it out for you.',
    );
    await this.pause(1, 3);
    const resolved = await this.post(
      buttonClick({
        actionId: ACTIONS.resolve,
        ticketId,
        channel: String(card.args['channel']),
        messageTs: card.ts!,
        user: agent,
        actionTs: `${Date.now() / 1000}`,
      }),
      'application/x-www-form-urlencoded',
    );
    if (resolved !== 200) throw new Error(`Resolve answered ${resolved}`);
    const after = await admin.until(async () => {
      const t = await admin.ticket(ticketId);
      return t.status === 'resolved' || t.status === 'closed' ? t : undefined;
    }, 30_000);
    if (after) this.stats.resolvedByPerson += 1;
  }
}
