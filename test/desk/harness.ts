import type { CallbackPayload } from '../../channels/api/send.ts';
import type { Express } from 'express';
import request from 'supertest';
import { expect } from 'vitest';
import type { Gateway } from '../../src/app.ts';
import type { SlackDesk } from '../../src/desk/desk.ts';
import type { Responder } from '../../src/domain/ports.ts';
import { EscalateAllResponder } from '../../src/pipeline/escalate-all-responder.ts';
import { CallbackReceiver } from '../support/callback-receiver.ts';
import { startTestGateway, testConfig, waitFor } from '../support/gateway.ts';
import { FakeSlack, type SlackCall } from './fake-slack.ts';
import { buttonClick, postToSlackEndpoint, type PostOptions } from './slack-requests.ts';
import { createIntegration } from '../../src/integrations/store.ts';

export const SECRET = 'test-signing-secret-0123456789abcdef';
export const AGENTS = 'C0AGENTS';
export const SUPERVISORS = 'C0SUPERS';
export const PATH = '/slack/events';
/** The allowed Slack user group whose members the desk tests' agents are (SLACK_AGENT_USERGROUPS). */
export const AGENT_GROUP = 'S0AGENTS';
/** Members of AGENT_GROUP: the Slack users the desk tests act as agents. */
export const GROUP_AGENTS = [
  'U0AGENT1',
  'U0AGENT2',
  'U0AGENT3',
  'U0AGENT4',
  'U0ADA001',
  'U0BOB001',
  'U0EVE001',
  'U0DESK01',
  'U0HOOK01',
  'U0HOOK02',
  'U0SMS001',
  'U0PRIVAGENT',
];

export interface Card {
  ticketId: string;
  ts: string;
  call: SlackCall;
}

export interface SlackUser {
  id: string;
  name: string;
}

/** The action ids of the buttons in a message's blocks, with their values. */
export function buttonsOf(blocks: unknown): Array<{ action_id: string; value: string }> {
  // A text-only message (a DM notice) has no blocks.
  if (!Array.isArray(blocks)) return [];
  const list = blocks as Array<{
    type: string;
    elements?: Array<{ action_id: string; value: string }>;
  }>;
  return list.find((b) => b.type === 'actions')?.elements ?? [];
}

/**
 * The desk as the composition root wires it when SLACK_BOT_TOKEN is set (its router on the
 * gateway's HTTP app, its hooks in the ingest worker, its worker beside the others), against a
 * stand-in for Slack's Web API and a receiver for the API channel's callbacks.
 */
export class DeskHarness {
  gateway!: Gateway;
  slack!: FakeSlack;
  receiver!: CallbackReceiver;
  desk!: SlackDesk;
  http!: Express;
  apiKey = '';
  private seq = 0;

  static async start(
    options: {
      env?: Record<string, string>;
      /** Settings of the core (testConfig overrides). */
      config?: Record<string, string>;
      responder?: Responder;
    } = {},
  ): Promise<DeskHarness> {
    const harness = new DeskHarness();
    harness.slack = await new FakeSlack().start();
    // The workspace's agents are the members of an allowed user group, as an admin sets it up.
    harness.slack.usergroups.set(AGENT_GROUP, new Set(GROUP_AGENTS));
    harness.receiver = await new CallbackReceiver().start();
    harness.gateway = await startTestGateway({
      config: testConfig(options.config),
      role: 'all',
      responder: options.responder ?? new EscalateAllResponder(),
      env: {
        SLACK_BOT_TOKEN: 'xoxb-test-token',
        SLACK_SIGNING_SECRET: SECRET,
        SLACK_AGENTS_CHANNEL: AGENTS,
        SLACK_API_URL: harness.slack.url,
        SLACK_AGENT_USERGROUPS: AGENT_GROUP,
        ...options.env,
      },
    });
    if (!harness.gateway.desk) throw new Error('the gateway did not wire the desk');
    harness.desk = harness.gateway.desk;
    harness.http = harness.gateway.http!;
    const integration = await createIntegration(harness.gateway.pool.models, {
      name: 'shop',
      callbackUrl: harness.receiver.url,
    });
    harness.apiKey = integration.apiKey;
    return harness;
  }

  async stop(): Promise<void> {
    await this.desk.queue.obliterate({ force: true });
    await this.gateway.pool.models.Ticket.db.dropDatabase();
    await this.gateway.queues.inbound.obliterate({ force: true });
    await this.gateway.queues.outbound.obliterate({ force: true });
    await this.gateway.stop();
    await this.receiver.stop();
    await this.slack.stop();
  }

  /** A customer writes through the API channel (the responder decides what happens). */
  async customerWrites(conversationId: string, text: string, name = 'Grace Hopper') {
    this.seq += 1;
    const res = await request(this.http)
      .post('/api/v1/messages')
      .set('authorization', `Bearer ${this.apiKey}`)
      .send({
        messageId: `m-${this.seq}-${conversationId}`,
        conversationId,
        from: { id: `cust-${conversationId}`, name, email: `${conversationId}@example.com` },
        text,
      });
    expect(res.status).toBe(202);
  }

  /** The card posted (top level, not in a thread) for a customer's conversation. */
  async cardFor(customerName: string): Promise<Card> {
    const card = await waitFor(
      () => {
        const call = this.slack
          .callsOf('chat.postMessage')
          .find(
            (c) =>
              c.args['channel'] === AGENTS &&
              !c.args['thread_ts'] &&
              String(c.args['text']).includes(customerName),
          );
        if (!call) return undefined;
        const ticketId = buttonsOf(call.args['blocks'])[0]?.value;
        return ticketId ? { ticketId, call } : undefined;
      },
      { what: `the card of ${customerName}` },
    );
    const stored = await waitFor(() => this.deskCard(card.ticketId), { what: 'the stored card' });
    return { ...card, ts: stored.ts };
  }

  deskCard(ticketId: string) {
    const db = this.gateway.pool.models.Ticket.db;
    return db
      .collection<{ _id: string; channel: string; ts: string }>('desk_cards')
      .findOne({ _id: ticketId });
  }

  post(body: string, kind: 'json' | 'form', options: PostOptions = {}) {
    return postToSlackEndpoint(
      this.http,
      PATH,
      body,
      kind === 'json' ? 'application/json' : 'application/x-www-form-urlencoded',
      SECRET,
      options,
    );
  }

  click(
    card: Pick<Card, 'ticketId' | 'ts'>,
    actionId: string,
    user: SlackUser,
    actionTs: string,
    channel = AGENTS,
  ) {
    return this.post(
      buttonClick({
        actionId,
        ticketId: card.ticketId,
        channel,
        messageTs: card.ts,
        user,
        actionTs,
      }),
      'form',
    );
  }

  /** The value a desk job returned, once it finished. */
  /**
   * The desk queue's job counts once nothing is running or waiting, so a comparison before and
   * after a request is not upset by an earlier test's job finishing in between.
   */
  async quietJobCounts(): Promise<Record<string, number>> {
    return waitFor(
      async () => {
        const counts = await this.desk.queue.getJobCounts();
        const busy =
          (counts['active'] ?? 0) + (counts['waiting'] ?? 0) + (counts['prioritized'] ?? 0);
        return busy === 0 ? counts : undefined;
      },
      { what: 'the desk queue to be quiet' },
    );
  }

  async finishedJob(jobId: string): Promise<unknown> {
    const done = await waitFor(
      async () => {
        // The snapshot is read once: finishedOn and returnvalue come from the same read.
        const job = await this.desk.queue.getJob(jobId);
        return job?.finishedOn ? { value: job.returnvalue as unknown } : undefined;
      },
      { what: `desk job ${jobId}` },
    );
    return done.value;
  }

  /** chat.update calls of one message. */
  updatesOf(ts: string): SlackCall[] {
    return this.slack.callsOf('chat.update').filter((c) => c.args['ts'] === ts);
  }

  /**
   * A console account with the agent role, made by the operator (ADMIN_TOKEN, as testConfig sets
   * it) and signed in as the console does: the session and its CSRF token.
   */
  async consoleAgent(login: string, displayName: string) {
    const email = `${login}@example.test`;
    const password = `${login}-console-password-1`;
    const made = await request(this.http)
      .post('/api/v1/admin/accounts')
      .set('authorization', 'Bearer test-admin-token-0123456789')
      .send({ email, password, displayName, role: 'agent' });
    expect(made.status).toBe(201);
    const agent = request.agent(this.http);
    const signedIn = await agent.post('/api/v1/admin/auth/login').send({ email, password });
    expect(signedIn.status).toBe(200);
    return { agent, csrf: signedIn.body.csrfToken as string };
  }

  /** What the API channel delivered to customers, optionally of one conversation only. */
  callbackTexts(conversationId?: string): string[] {
    return this.callbacks(conversationId).map((c) => c.text);
  }

  /** The API channel's callback payloads, optionally of one conversation only. */
  callbacks(conversationId?: string): CallbackPayload[] {
    return this.receiver.received
      .map((r) => JSON.parse(r.body) as CallbackPayload)
      .filter((c) => conversationId === undefined || c.conversationId === conversationId);
  }
}
