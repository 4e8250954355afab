import { randomBytes } from 'node:crypto';
import { updateAgentSettings } from '../../src/accounts/agent-settings.ts';
import { enrolSlackAgent } from '../../src/accounts/enrolment.ts';
import { Redis } from 'ioredis';
import {
  DEFAULT_DISPATCH_SETTINGS,
  parseDispatchSettings,
  type DispatchConfig,
} from '../../src/dispatch/config.ts';
import { Dispatcher } from '../../src/dispatch/dispatcher.ts';
import type { DispatchNotifier } from '../../src/dispatch/ports.ts';
import { InboundMessageSchema, type InboundMessageInput } from '../../src/domain/message.ts';
import { redisDocumentLocks } from '../../src/pool/locks.ts';
import type { TicketDoc } from '../../src/pool/models.ts';
import { TicketPool } from '../../src/pool/pool.ts';
import { uniqueName } from '../support/gateway.ts';
import { serviceUrl } from '../support/services.ts';
import { listAgents } from '../../src/dispatch/tickets.ts';

/** Every notifier call, in order, for assertions. */
export class RecordingNotifier implements DispatchNotifier {
  readonly calls: Array<{ method: string; ticket?: number; agentId?: string; text: string }> = [];
  alertSupervisors(ticket: TicketDoc, reason: string) {
    this.calls.push({ method: 'alertSupervisors', ticket: ticket.number, text: reason });
    return Promise.resolve();
  }
  notifyAgent(agentId: string, text: string, key: string) {
    this.calls.push({ method: 'notifyAgent', agentId, text: `${key}: ${text}` });
    return Promise.resolve();
  }
  offerTicket(ticket: TicketDoc, agentId: string) {
    this.calls.push({ method: 'offerTicket', ticket: ticket.number, agentId, text: '' });
    return Promise.resolve();
  }
  withdrawOffer(ticket: TicketDoc, agentId: string) {
    this.calls.push({ method: 'withdrawOffer', ticket: ticket.number, agentId, text: '' });
    return Promise.resolve();
  }
  of(method: string) {
    return this.calls.filter((c) => c.method === method);
  }
}

export interface DispatchFixture {
  pool: TicketPool;
  redis: Redis;
  prefix: string;
  dispatcher(options?: {
    notifier?: DispatchNotifier;
    config?: Partial<DispatchConfig>;
    settings?: unknown;
    now?: () => Date;
  }): Dispatcher;
  close(): Promise<void>;
}

export async function dispatchFixture(name: string): Promise<DispatchFixture> {
  const redis = new Redis(serviceUrl('redisUrl'), { maxRetriesPerRequest: null });
  const prefix = uniqueName(name);
  const pool = await TicketPool.connect(serviceUrl('mongoUrl'), {
    dbName: uniqueName(name),
    locks: redisDocumentLocks(redis, { prefix }),
  });
  const made: Dispatcher[] = [];
  return {
    pool,
    redis,
    prefix,
    dispatcher(options = {}) {
      const dispatcher = new Dispatcher({
        pool,
        connection: redis,
        prefix,
        notifier: options.notifier ?? new RecordingNotifier(),
        ...(options.now ? { now: options.now } : {}),
        config: {
          DISPATCH_POLICY: 'best-fit',
          DISPATCH_OFFER_SECONDS: 120,
          DISPATCH_TICK_SECONDS: 30,
          DISPATCH_CONCURRENCY: 4,
          settings:
            options.settings === undefined
              ? DEFAULT_DISPATCH_SETTINGS
              : parseDispatchSettings(options.settings),
          ...options.config,
        },
      });
      made.push(dispatcher);
      return dispatcher;
    },
    async close() {
      await made[0]?.queue.obliterate({ force: true });
      for (const d of made) await d.close();
      await pool.models.Ticket.db.dropDatabase();
      await pool.close();
      redis.disconnect();
    },
  };
}

/**
 * An agent set up as people set one up: enrolled (`switchboard agent enrol`, the console's account
 * link) and given languages, skills, capacity, role and status (`switchboard agent set`,
 * `PATCH /agents/:id`): the same functions those paths call, audited, never a raw record.
 */
export async function newAgent(
  pool: TicketPool,
  fields: {
    skills?: string[];
    languages?: string[];
    capacity?: number;
    status?: 'available' | 'away' | 'offline';
    role?: 'agent' | 'supervisor';
  } = {},
): Promise<string> {
  const slackUserId = `U${randomBytes(5).toString('hex').toUpperCase()}`;
  const enrolled = await enrolSlackAgent(pool.models, {
    slackUserId,
    displayName: uniqueName('Agent'),
    role: fields.role ?? 'agent',
    by: 'test-supervisor',
  });
  await updateAgentSettings(
    pool.models,
    { id: String(enrolled._id) },
    {
      skills: fields.skills ?? [],
      languages: fields.languages ?? ['en'],
      capacity: fields.capacity ?? 3,
      status: fields.status ?? 'available',
    },
    'test-supervisor',
  );
  return String(enrolled._id);
}

/**
 * Sets agents' status as the admin API and the CLI do (updateAgentSettings, audited); without
 * `ids`, every agent's.
 */
export async function setAgentStatus(
  pool: TicketPool,
  status: 'available' | 'away' | 'offline',
  ids?: readonly string[],
): Promise<void> {
  const targets = ids ?? (await listAgents(pool.models)).map((agent) => String(agent._id));
  for (const id of targets)
    await updateAgentSettings(pool.models, { id }, { status }, 'test-supervisor');
}

/** A customer message through the pool, then queued for agents as the bot's escalation does. */
export async function queuedTicket(
  pool: TicketPool,
  overrides: Partial<InboundMessageInput> = {},
  set: Record<string, unknown> = {},
) {
  const { ticket, message } = await pool.ingest(
    InboundMessageSchema.parse({
      channel: 'api',
      channelMessageId: uniqueName('m'),
      threadKey: uniqueName('thread'),
      from: { identity: { kind: 'api', value: `int/${uniqueName('u')}` }, name: 'Ada' },
      text: 'where is my order?',
      receivedAt: new Date(),
      ...overrides,
    }),
  );
  const queued = await pool.transition(ticket._id, 'queued', {
    by: 'bot',
    reason: 'test',
    expectedFrom: 'bot',
    set,
  });
  return { ticket: queued, message };
}

/** Polls until `check` returns a value (the tests assert outcomes, never durations). */
export async function eventually<T>(check: () => Promise<T | undefined>, tries = 200): Promise<T> {
  for (let i = 0; i < tries; i += 1) {
    const value = await check();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('condition not reached');
}

/**
 * Takes every enrolled agent offline as a supervisor would, one by one through the agents
 * settings (the admin API's and the desk CLI's path), so no earlier test's agent is offered work.
 */
export async function allAgentsOffline(pool: TicketPool): Promise<void> {
  for (const agent of await listAgents(pool.models))
    if (agent.status !== 'offline')
      await updateAgentSettings(
        pool.models,
        { id: String(agent._id) },
        { status: 'offline' },
        'test-supervisor',
      );
}
