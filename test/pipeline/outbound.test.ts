import { PassThrough } from 'node:stream';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { SwitchboardError } from '../../src/domain/errors.ts';
import { InboundMessageSchema, type OutboundMessage } from '../../src/domain/message.ts';
import type { ChannelAdapter, DeliveryConfirmation } from '../../src/domain/ports.ts';
import { createLogger } from '../../src/logger.ts';
import { Metrics } from '../../src/metrics.ts';
import { enqueueDelivery, type IngestDeps } from '../../src/pipeline/ingest.ts';
import { deliverOutbound, noteAbandoned, type OutboundDeps } from '../../src/pipeline/outbound.ts';
import { createQueues } from '../../src/pipeline/queues.ts';
import { startWorkers } from '../../src/pipeline/workers.ts';
import { redisDocumentLocks } from '../../src/pool/locks.ts';
import { TicketPool } from '../../src/pool/pool.ts';
import { testConfig, uniqueName, waitFor } from '../support/gateway.ts';

let pool: TicketPool;
let redis: Redis;

beforeAll(async () => {
  redis = new Redis(inject('redisUrl'));
  pool = await TicketPool.connect(inject('mongoUrl'), {
    dbName: uniqueName('sbout'),
    locks: redisDocumentLocks(redis, { prefix: uniqueName('sbout') }),
  });
});

afterAll(async () => {
  await pool.models.Ticket.db.dropDatabase();
  await pool.close();
  redis.disconnect();
});

const ANSWER = 'Your parcel left the warehouse today.';

/**
 * A provider standing in for a channel: it keeps what it accepted, by the idempotency key the
 * message carries (our message id), so a second acceptance of one message is a duplicate.
 */
class Provider {
  readonly accepted: { key: string; id: string }[] = [];
  readonly asked: Date[] = [];
  sends = 0;
  /** The next send fails like this (before or after the provider took the message). */
  nextFailure: { error: unknown; afterAccepting: boolean } | undefined;

  accept(message: OutboundMessage): string {
    const id = `p-${this.accepted.length + 1}`;
    this.accepted.push({ key: message.messageId, id });
    return id;
  }

  of(messageId: string): string[] {
    return this.accepted.filter((a) => a.key === messageId).map((a) => a.id);
  }

  adapter(options: { confirms: boolean }): ChannelAdapter {
    const adapter: ChannelAdapter = {
      id: 'api',
      capabilities: {
        threads: true,
        attachments: { inbound: false, outbound: false },
        maxTextLength: 1000,
        format: 'plain',
        canEdit: false,
      },
      send: async (message) => {
        await Promise.resolve();
        this.sends += 1;
        const failure = this.nextFailure;
        this.nextFailure = undefined;
        if (failure) {
          if (failure.afterAccepting) this.accept(message);
          throw failure.error;
        }
        return { providerMessageId: this.accept(message) };
      },
    };
    if (options.confirms) {
      adapter.confirmDelivery = (message, since): Promise<DeliveryConfirmation> => {
        this.asked.push(since);
        const id = this.of(message.messageId)[0];
        return Promise.resolve(id === undefined ? undefined : { providerMessageId: id });
      };
    }
    return adapter;
  }
}

/** A stored outbound bot answer on a fresh API ticket, as the responder leaves it: pending. */
async function pendingAnswer(): Promise<string> {
  const { ticket } = await pool.ingest(
    InboundMessageSchema.parse({
      channel: 'api',
      channelMessageId: uniqueName('m'),
      threadKey: uniqueName('t'),
      from: { identity: { kind: 'api', value: `int/${uniqueName('u')}` }, name: 'Ada' },
      text: 'where is my parcel?',
      receivedAt: new Date(),
    }),
  );
  const message = await pool.createOutbound({
    ticket,
    // A letter before the random hex: an all-digit run would be redacted from logs as a phone
    // number, and the tests below look for this id in the log.
    key: uniqueName('reply').replace('_', '_k'),
    authorKind: 'bot',
    text: ANSWER,
  });
  return String(message._id);
}

/**
 * What a worker killed with SIGKILL between the provider's acceptance and the record of it leaves
 * behind: the attempt opened (`sending`), the provider holding the message, nothing recorded.
 */
async function crashAfterAccepting(provider: Provider, messageId: string): Promise<void> {
  await pool.markSending(messageId, { at: new Date(), reopen: false });
  const stored = await pool.getMessage(messageId);
  provider.accept({ messageId } as OutboundMessage);
  expect(stored?.deliveryStatus).toBe('sending');
}

function deps(adapter: ChannelAdapter, extra: Partial<OutboundDeps> = {}): OutboundDeps {
  return { pool, adapters: new Map([['api', adapter]]), ...extra };
}

async function uncertainCount(metrics: Metrics, resolution: string): Promise<number> {
  const { values } = await metrics.outboundUncertain.get();
  return values.find((v) => v.labels.resolution === resolution)?.value ?? 0;
}

async function failure(work: Promise<unknown>): Promise<unknown> {
  try {
    await work;
  } catch (error) {
    return error;
  }
  throw new Error('expected a failure');
}

describe('deliverOutbound', () => {
  describe('when nothing goes wrong', () => {
    it('sends once, records sent with the provider id, and asks the channel nothing', async () => {
      const provider = new Provider();
      const messageId = await pendingAnswer();
      expect(await deliverOutbound(messageId, deps(provider.adapter({ confirms: true })))).toBe(
        'sent',
      );
      const stored = await pool.getMessage(messageId);
      expect(stored?.deliveryStatus).toBe('sent');
      expect(stored?.providerMessageId).toBe(provider.of(messageId)[0]);
      expect(stored?.deliveryAttempts).toBe(1);
      expect(stored?.attemptStartedAt).toBeInstanceOf(Date);
      expect(provider.asked).toHaveLength(0);
      // A redelivered job sends nothing.
      expect(await deliverOutbound(messageId, deps(provider.adapter({ confirms: true })))).toBe(
        'already-sent',
      );
      expect(provider.of(messageId)).toHaveLength(1);
    });
  });

  describe('when the worker died after the provider accepted the message', () => {
    it('with a channel that can tell: records it sent with the provider id, sends nothing', async () => {
      const provider = new Provider();
      const metrics = new Metrics({ collectDefaults: false });
      const messageId = await pendingAnswer();
      const started = new Date();
      await crashAfterAccepting(provider, messageId);

      const outcome = await deliverOutbound(
        messageId,
        deps(provider.adapter({ confirms: true }), { metrics }),
      );

      expect(outcome).toBe('confirmed');
      expect(provider.sends).toBe(0);
      expect(provider.of(messageId)).toHaveLength(1);
      expect(provider.asked).toHaveLength(1);
      expect(provider.asked[0]!.getTime()).toBeGreaterThanOrEqual(started.getTime() - 1000);
      const stored = await pool.getMessage(messageId);
      expect(stored?.deliveryStatus).toBe('sent');
      expect(stored?.providerMessageId).toBe(provider.of(messageId)[0]);
      expect(stored?.deliveryAttempts).toBe(1);
      expect(await uncertainCount(metrics, 'confirmed')).toBe(1);
      expect(await uncertainCount(metrics, 'resent')).toBe(0);
    });

    it('with a channel that cannot tell: sends again once, with the same key, counted and logged', async () => {
      const provider = new Provider();
      const metrics = new Metrics({ collectDefaults: false });
      const lines: string[] = [];
      const destination = new PassThrough();
      destination.on('data', (chunk: Buffer) => lines.push(chunk.toString('utf8')));
      const logger = createLogger({ level: 'warn', destination });
      const messageId = await pendingAnswer();
      await crashAfterAccepting(provider, messageId);

      const outcome = await deliverOutbound(
        messageId,
        deps(provider.adapter({ confirms: false }), { metrics, logger }),
      );

      expect(outcome).toBe('sent');
      // At least once: the receiver gets it twice, under one idempotency key, and drops one.
      expect(provider.accepted.map((a) => a.key)).toEqual([messageId, messageId]);
      const stored = await pool.getMessage(messageId);
      expect(stored?.deliveryStatus).toBe('sent');
      expect(stored?.providerMessageId).toBe(provider.of(messageId)[1]);
      expect(stored?.deliveryAttempts).toBe(2);
      expect(await uncertainCount(metrics, 'resent')).toBe(1);
      const warning = lines.find((l) => l.includes('sending again'));
      expect(warning).toBeDefined();
      expect(warning).toContain(messageId);
      expect(warning).not.toContain('parcel');
    });

    it('with a channel that says it never arrived: sends it, counted as not-sent', async () => {
      const provider = new Provider();
      const metrics = new Metrics({ collectDefaults: false });
      const messageId = await pendingAnswer();
      // Died after opening the attempt, before the provider took anything.
      await pool.markSending(messageId, { at: new Date(), reopen: false });

      const outcome = await deliverOutbound(
        messageId,
        deps(provider.adapter({ confirms: true }), { metrics }),
      );

      expect(outcome).toBe('sent');
      expect(provider.of(messageId)).toHaveLength(1);
      expect(provider.asked).toHaveLength(1);
      expect(await uncertainCount(metrics, 'not-sent')).toBe(1);
    });
  });

  describe('when an attempt fails', () => {
    it('after a definite refusal: back to pending, and the retry sends without asking', async () => {
      const provider = new Provider();
      const messageId = await pendingAnswer();
      provider.nextFailure = {
        error: new SwitchboardError('SB_ERR_DELIVERY_FAILED', 'callback answered HTTP 503'),
        afterAccepting: false,
      };
      const adapter = provider.adapter({ confirms: true });

      await failure(deliverOutbound(messageId, deps(adapter)));
      const after = await pool.getMessage(messageId);
      expect(after?.deliveryStatus).toBe('pending');
      expect(after?.deliveryError).toBe('callback answered HTTP 503');

      expect(await deliverOutbound(messageId, deps(adapter))).toBe('sent');
      expect(provider.asked).toHaveLength(0);
      expect(provider.of(messageId)).toHaveLength(1);
      expect((await pool.getMessage(messageId))?.deliveryAttempts).toBe(2);
    });

    it('after a permanent refusal: failed, not retried', async () => {
      const provider = new Provider();
      const messageId = await pendingAnswer();
      provider.nextFailure = {
        error: new SwitchboardError('SB_ERR_DELIVERY_REJECTED', 'callback answered HTTP 400'),
        afterAccepting: false,
      };
      await failure(deliverOutbound(messageId, deps(provider.adapter({ confirms: true }))));
      expect((await pool.getMessage(messageId))?.deliveryStatus).toBe('failed');
    });

    it('with an uncertain outcome (a timeout after the provider took it): the retry asks and does not resend', async () => {
      const provider = new Provider();
      const messageId = await pendingAnswer();
      provider.nextFailure = {
        error: new SwitchboardError('SB_ERR_DELIVERY_FAILED', 'provider timed out', {
          deliveryUncertain: true,
        }),
        afterAccepting: true,
      };
      const adapter = provider.adapter({ confirms: true });

      const error = await failure(deliverOutbound(messageId, deps(adapter)));
      expect(error).toMatchObject({ retryable: true });
      const after = await pool.getMessage(messageId);
      expect(after?.deliveryStatus).toBe('sending');
      expect(after?.deliveryError).toBe('provider timed out');

      expect(await deliverOutbound(messageId, deps(adapter))).toBe('confirmed');
      expect(provider.of(messageId)).toHaveLength(1);
      expect(provider.sends).toBe(1);
      expect((await pool.getMessage(messageId))?.deliveryAttempts).toBe(1);
    });

    it('with an error that is not ours: treated as uncertain (asked first on the retry)', async () => {
      const provider = new Provider();
      const messageId = await pendingAnswer();
      provider.nextFailure = { error: new Error('socket hang up'), afterAccepting: false };
      const adapter = provider.adapter({ confirms: true });
      await failure(deliverOutbound(messageId, deps(adapter)));
      expect((await pool.getMessage(messageId))?.deliveryStatus).toBe('sending');
      expect(await deliverOutbound(messageId, deps(adapter))).toBe('sent');
      expect(provider.asked).toHaveLength(1);
      expect(provider.of(messageId)).toHaveLength(1);
    });
  });
});

describe('when the database is away just after a successful send', () => {
  /** The pool, with its first `failures` recordDelivery calls failing as given. */
  function flakyRecords(failures: number, error: () => Error) {
    let left = failures;
    const flaky = Object.create(pool) as TicketPool;
    flaky.recordDelivery = (...args: Parameters<TicketPool['recordDelivery']>) => {
      if (left > 0) {
        left -= 1;
        return Promise.reject(error());
      }
      return pool.recordDelivery(...args);
    };
    return flaky;
  }
  const unreachable = () =>
    Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:27017'), {
      name: 'MongoNetworkError',
    });

  it('keeps trying to record it sent (this process knows it went out), and never resends', async () => {
    const provider = new Provider();
    const messageId = await pendingAnswer();
    const outcome = await deliverOutbound(messageId, {
      ...deps(provider.adapter({ confirms: false })),
      pool: flakyRecords(2, unreachable),
    });
    expect(outcome).toBe('sent');
    expect(provider.sends).toBe(1);
    expect((await pool.getMessage(messageId))?.deliveryStatus).toBe('sent');
  });

  it('on an error that is not the store being away: fails, leaving the message `sending`', async () => {
    const provider = new Provider();
    const messageId = await pendingAnswer();
    const error = await failure(
      deliverOutbound(messageId, {
        ...deps(provider.adapter({ confirms: false })),
        pool: flakyRecords(1, () => new Error('document failed validation')),
      }),
    );
    expect((error as Error).message).toBe('document failed validation');
    expect((await pool.getMessage(messageId))?.deliveryStatus).toBe('sending');
  });
});

describe('a delivery job that gives up', () => {
  async function abandonedCount(metrics: Metrics, state: string): Promise<number> {
    const { values } = await metrics.outboundAbandoned.get();
    return values.find((v) => v.labels.state === state)?.value ?? 0;
  }

  // Real BullMQ: the outbound worker runs the job to its last attempt, then the failed-job hook
  // inspects the message.
  async function runToExhaustion(adapter: ChannelAdapter, messageId: string, metrics: Metrics) {
    const config = testConfig({ OUTBOUND_ATTEMPTS: '2', OUTBOUND_BACKOFF_MS: '50' });
    const lines: string[] = [];
    const destination = new PassThrough();
    destination.on('data', (chunk: Buffer) => lines.push(chunk.toString('utf8')));
    const logger = createLogger({ level: 'error', destination });
    const queues = createQueues(redis, config);
    const workers = startWorkers({
      connection: redis.duplicate({ maxRetriesPerRequest: null }),
      config,
      ingest: {} as IngestDeps, // no inbound jobs in this test
      outbound: deps(adapter, { metrics, logger }),
      logger,
    });
    try {
      await enqueueDelivery(queues.outbound, { _id: messageId } as never);
      await waitFor(async () => (await metrics.outboundAbandoned.get()).values.length > 0, {
        what: 'the abandoned delivery to be counted',
      });
    } finally {
      await workers.close();
      await queues.close();
    }
    return lines.join('');
  }

  it('counts a message left `sending` (it may have gone out) and logs it as an error', async () => {
    const provider = new Provider();
    const metrics = new Metrics({ collectDefaults: false });
    const messageId = await pendingAnswer();
    const adapter = provider.adapter({ confirms: false });
    adapter.send = () =>
      Promise.reject(
        new SwitchboardError('SB_ERR_DELIVERY_FAILED', 'receiver timed out', {
          deliveryUncertain: true,
        }),
      );

    const log = await runToExhaustion(adapter, messageId, metrics);

    expect((await pool.getMessage(messageId))?.deliveryStatus).toBe('sending');
    expect(await abandonedCount(metrics, 'sending')).toBe(1);
    expect(await abandonedCount(metrics, 'pending')).toBe(0);
    expect(log).toContain('may have gone out');
    expect(log).toContain(messageId);
    expect(log).not.toContain(ANSWER); // ids only, no customer text
  });

  it('counts a message that was never sent as `pending`', async () => {
    const provider = new Provider();
    const metrics = new Metrics({ collectDefaults: false });
    const messageId = await pendingAnswer();
    const adapter = provider.adapter({ confirms: false });
    adapter.send = () =>
      Promise.reject(new SwitchboardError('SB_ERR_DELIVERY_FAILED', 'connection refused'));

    const log = await runToExhaustion(adapter, messageId, metrics);

    expect(await abandonedCount(metrics, 'pending')).toBe(1);
    expect(await abandonedCount(metrics, 'sending')).toBe(0);
    expect(log).toContain('was not sent');
  });

  it('counts nothing for a message that went out', async () => {
    const provider = new Provider();
    const metrics = new Metrics({ collectDefaults: false });
    const messageId = await pendingAnswer();
    await deliverOutbound(messageId, deps(provider.adapter({ confirms: false })));
    await noteAbandoned(
      messageId,
      'late failure event',
      deps(provider.adapter({ confirms: false }), { metrics }),
    );
    expect((await metrics.outboundAbandoned.get()).values).toHaveLength(0);
  });
});
