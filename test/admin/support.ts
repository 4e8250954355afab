import { updateAgentSettings } from '../../src/accounts/agent-settings.ts';
import { enrolSlackAgent } from '../../src/accounts/enrolment.ts';
/**
 * Helpers of the admin-console tests: a gateway on its own database, accounts made through the
 * pool, and signed-in supertest agents (which keep the session cookie) with their CSRF token.
 */
import type { Express } from 'express';
import type { Page } from 'playwright-core';
import request from 'supertest';
import type { Gateway } from '../../src/app.ts';
import { createAccount, createApiToken } from '../../src/accounts/accounts.ts';
import type { AdminRole } from '../../src/accounts/models.ts';
import type { MessageDoc } from '../../src/pool/models.ts';
import { waitFor } from '../support/gateway.ts';

export const API = '/api/v1/admin';
export const PASSWORD = 'correct horse battery staple';

export function httpOf(gateway: Gateway): Express {
  if (!gateway.http) throw new Error('the gateway has no HTTP app (role worker?)');
  return gateway.http;
}

/** Creates an account of `role` (email `<role>@example.test` unless given). */
export async function makeAccount(
  gateway: Gateway,
  role: AdminRole,
  email = `${role}@example.test`,
): Promise<string> {
  await createAccount(gateway.pool.models, {
    email,
    password: PASSWORD,
    displayName: `${role} person`,
    role,
    by: 'test',
  });
  return email;
}

/** A signed-in browser-like client: cookie jar plus the CSRF token to send on writes. */
export interface Session {
  agent: ReturnType<typeof request.agent>;
  csrf: string;
}

export async function signIn(
  gateway: Gateway,
  email: string,
  password = PASSWORD,
): Promise<Session> {
  const agent = request.agent(httpOf(gateway));
  const res = await agent.post(`${API}/auth/login`).send({ email, password });
  if (res.status !== 200)
    throw new Error(`sign-in failed: ${res.status} ${JSON.stringify(res.body)}`);
  return { agent, csrf: (res.body as { csrfToken: string }).csrfToken };
}

/** An API token of `role`. */
export async function tokenFor(gateway: Gateway, role: AdminRole): Promise<string> {
  return (await createApiToken(gateway.pool.models, { name: `${role} token`, role, by: 'test' }))
    .token;
}

export async function dropDatabase(gateway: Gateway): Promise<void> {
  await gateway.pool.models.Ticket.db.dropDatabase();
}

let seq = 0;

/**
 * A conversation the bot escalated, stored through the pool as the pipeline would: the customer's
 * question (handled without an intent), the ticket queued; optionally an agent's answer, and
 * the ticket resolved.
 */
export async function escalatedConversation(
  gateway: Gateway,
  options: {
    text: string;
    channel?: 'api' | 'sms' | 'email';
    agent?: { id: string; name: string; answer: string };
    resolve?: boolean;
    receivedAt?: Date;
  },
) {
  seq += 1;
  const channel = options.channel ?? 'api';
  const { pool } = gateway;
  const ingested = await pool.ingest({
    channel,
    channelMessageId: `m-${Date.now()}-${seq}`,
    threadKey: `t-${Date.now()}-${seq}`,
    from: {
      identity:
        channel === 'sms'
          ? { kind: 'phone', value: `+1555000${String(1000 + seq)}` }
          : { kind: 'email', value: `customer${seq}@example.test` },
      name: `Customer ${seq}`,
    },
    text: options.text,
    attachments: [],
    receivedAt: options.receivedAt ?? new Date(),
    channelData: {},
  });
  await pool.markHandled(ingested.message._id, { language: 'en', score: 0.12 });
  let ticket = await pool.transition(ingested.ticket._id, 'queued', {
    by: 'bot',
    reason: 'out of scope for the knowledge base',
    set: { escalationReason: 'out of scope for the knowledge base', urgency: 10 + seq },
  });
  if (options.agent) {
    ticket = await pool.transition(ticket._id, 'assigned', {
      by: options.agent.name,
      set: { assigneeId: options.agent.id, assignedAt: new Date() },
    });
    await pool.reserveAgentSlot(options.agent.id, ticket._id);
    await pool.createOutbound({
      ticket,
      key: `agent.${seq}`,
      authorKind: 'agent',
      authorId: options.agent.id,
      authorName: options.agent.name,
      text: options.agent.answer,
    });
  }
  if (options.resolve) {
    ticket = await pool.transition(ticket._id, 'resolved', { by: options.agent?.name ?? 'test' });
    if (options.agent) await pool.releaseAgentSlot(options.agent.id, ticket._id);
  }
  return ticket;
}

/** An agent as an admin enrols one (`switchboard agent enrol`) and puts on duty (`agent set`). */
export async function makeAgent(gateway: Gateway, name: string): Promise<string> {
  const agent = await enrolSlackAgent(gateway.pool.models, {
    slackUserId: `U${name.toUpperCase().replace(/[^A-Z0-9]/g, '')}`,
    displayName: name,
    by: 'test-admin',
  });
  await updateAgentSettings(
    gateway.pool.models,
    { id: String(agent._id) },
    { status: 'available', capacity: 3 },
    'test-admin',
  );
  return String(agent._id);
}

/** A JSON array from a response body, typed for the assertions that follow. */
export function list<T>(value: unknown): T[] {
  if (!Array.isArray(value)) throw new Error(`expected an array, got ${JSON.stringify(value)}`);
  return value as T[];
}

/**
 * Routes of the router(s) mounted at `base` (`get /tickets/:id`…, relative to `base`), from
 * Express's own route table.
 */
export function mountedRoutes(gateway: Gateway, base: string): string[] {
  type Layer = {
    rawPath?: string;
    route?: { path: string; methods: Record<string, boolean> };
    handle?: { stack?: Layer[] };
  };
  const app = httpOf(gateway) as unknown as { router: { stack: Layer[] } };
  // Every layer mounted at the path (a rate limit and auth may come before the router).
  const mounted = app.router.stack.filter((l) => l.rawPath === base);
  const found: string[] = [];
  const walk = (stack: Layer[]) => {
    for (const layer of stack) {
      if (layer.route) {
        for (const method of Object.keys(layer.route.methods))
          found.push(`${method} ${layer.route.path}`);
      } else if (layer.handle?.stack) walk(layer.handle.stack);
    }
  };
  for (const layer of mounted) walk(layer.handle?.stack ?? []);
  return found.sort();
}

/** Routes of the admin API router (`get /tickets/:id`…), from Express's own route table. */
export function adminRoutes(gateway: Gateway): string[] {
  return mountedRoutes(gateway, API);
}

/**
 * A concrete URL under `base` for a route pattern: ids that exist nowhere, so allowed calls end
 * in 4xx.
 */
export function concrete(path: string, base: string = API): string {
  return `${base}${path
    .replace(':email', 'nobody@example.test')
    .replace(':id', '0123456789abcdef01234567')
    .replace(':key', 'no-such-article.en')
    .replace(':revision', '1')
    .replace(':chart', 'volume')}`;
}

/**
 * Posts a customer message through the API channel (as an integration would) and waits until the
 * pipeline handled it and the inbound queue is idle, so the test goes on with no job locked.
 */
export async function postApiMessage(
  gateway: Gateway,
  integration: { apiKey: string; id: string },
  input: {
    messageId: string;
    conversationId: string;
    from: { id: string; name?: string; email?: string; phone?: string };
    text: string;
  },
): Promise<MessageDoc> {
  const res = await request(httpOf(gateway))
    .post('/api/v1/messages')
    .set('authorization', `Bearer ${integration.apiKey}`)
    .send(input);
  if (res.status !== 202)
    throw new Error(`message refused: ${res.status} ${JSON.stringify(res.body)}`);
  const message = await waitFor(
    () =>
      gateway.pool.models.Message.findOne({
        channelMessageId: `${integration.id}/${input.messageId}`,
        handled: true,
      }).lean() as Promise<MessageDoc | null>,
    { what: `message ${input.messageId} handled` },
  );
  await waitFor(async () => {
    const counts = await gateway.queues.inbound.getJobCounts('active', 'waiting');
    return counts['active'] === 0 && counts['waiting'] === 0;
  });
  return message;
}

/** Every document of every collection of the gateway's database, as one lower-case JSON text. */
export async function dumpDatabase(gateway: Gateway): Promise<string> {
  const db = gateway.pool.models.Ticket.db.db;
  if (!db) throw new Error('no database');
  const parts: string[] = [];
  for (const { name } of await db.listCollections().toArray()) {
    const docs = await db.collection(name).find({}).toArray();
    parts.push(`${name}: ${JSON.stringify(docs)}`);
  }
  return parts.join('\n').toLowerCase();
}

/** Signs a Chromium page in to the console at `base` (the gateway's URL) with the test password. */
export async function signInPage(page: Page, base: string, email: string): Promise<void> {
  await page.goto(`${base}/admin/`);
  await page.fill('#login-email', email);
  await page.fill('#login-password', PASSWORD);
  await page.click('#login-submit');
  await page.waitForSelector('#nav:not([hidden])');
}

/** A customer's text from `phone` to the shop's number, stored as the SMS channel stores it. */
export function smsArrives(gateway: Gateway, input: { sid: string; phone: string; text: string }) {
  return gateway.pool.ingest({
    channel: 'sms',
    channelMessageId: input.sid,
    threadKey: `${input.phone}/+15550009999`,
    from: { identity: { kind: 'phone', value: input.phone } },
    text: input.text,
    attachments: [],
    receivedAt: new Date(),
    channelData: { smsTo: '+15550009999' },
  });
}

/** Ends a test file's gateway: its database, its pipeline queues, then the gateway itself. */
export async function stopGateway(gateway: Gateway): Promise<void> {
  await dropDatabase(gateway);
  await gateway.queues.inbound.obliterate({ force: true });
  await gateway.queues.outbound.obliterate({ force: true });
  await gateway.stop();
}

/**
 * An email from `email` whose sender nothing verified (no DKIM or DMARC pass), stored as the email
 * channel stores it: when another contact owns the address verified, a contact of its own and a
 * merge suggestion.
 */
export function unverifiedEmailArrives(gateway: Gateway, input: { id: string; email: string }) {
  return gateway.pool.ingest({
    channel: 'email',
    channelMessageId: `<${input.id}@mail.example.test>`,
    threadKey: `<${input.id}@mail.example.test>`,
    from: { identity: { kind: 'email', value: input.email }, identityVerified: false },
    text: `Writing by email (${input.id})`,
    attachments: [],
    receivedAt: new Date(),
    channelData: {},
  });
}
