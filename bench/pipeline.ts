/**
 * `npm run bench:pipeline -- [--messages 2000] [--concurrency 32] [--pathSamples 30] [--trace 1]`
 *
 * Sends N customer messages through the API channel over loopback HTTP at a fixed concurrency and
 * measures end to end: accepted (202) → stored → answered → the answer delivered to a local
 * callback receiver. Next to it, in the same run and on the same Redis, raw BullMQ add-and-process
 * throughput, and the store's own rate for a plain single-document upsert at the same
 * concurrency. Store operations are counted by the driver's command monitoring (store-ops.ts):
 * per message of the throughput run, and per message path in a sequential run after it (see
 * store-paths.ts). Last line: one JSON object.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createGateway } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import type { Responder, ResponderDecision } from '../src/domain/ports.ts';
import { startThrowawayServices } from '../src/local/throwaway-services.ts';
import { Metrics } from '../src/metrics.ts';
import { intFlags, percentile } from './args.ts';
import { measureRawBullmq } from './raw-bullmq.ts';
import { StoreOpCounter, monitoredUri } from './store-ops.ts';
import { measurePaths, measureStoreUpserts } from './store-paths.ts';
import { createIntegration } from '../src/integrations/store.ts';

/** The operator's token of the bench's gateway (the tickets API, for agent replies). */
const OPERATOR_TOKEN = 'bench-operator-token-0123456789';

const flags = intFlags({
  messages: 2000,
  concurrency: 32,
  rawJobs: 20000,
  rawConcurrency: 50,
  pathSamples: 30,
  storeOps: 5000,
  /** 1: print each path's store commands (its first sample) to stderr. */
  trace: 0,
});

/** What a customer writes to be handed to a person (the escalation path). */
const ESCALATE = 'HUMAN please';

/**
 * Answers every message, so each one travels the whole path out again (no NLP cost measured);
 * hands over the ones that ask for a person (the escalation path of the per-path counts).
 */
const acknowledgingResponder: Responder = {
  respond: ({ message }): Promise<ResponderDecision> =>
    Promise.resolve(
      message.text.startsWith(ESCALATE)
        ? { action: 'escalate', reason: 'asked for a person' }
        : { action: 'reply', text: 'Thanks, we got your message.', counted: 'answer' },
    ),
};

function listen(server: Server): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)),
  );
}

async function main(): Promise<void> {
  const services = await startThrowawayServices({
    name: 'bench',
    mongoUrl: process.env['MONGODB_URI'],
    redisUrl: process.env['REDIS_URL'],
  });
  // Every store command is counted (bench/store-ops.ts); the gateway's code is unchanged.
  const mongoUri = monitoredUri(services.mongoUrl);
  const redisUrl = services.redisUrl;
  try {
    const rawJobsPerSecond = await measureRawBullmq(redisUrl, flags.rawJobs, flags.rawConcurrency);
    process.stderr.write(`raw BullMQ: ${rawJobsPerSecond.toFixed(0)} jobs/s\n`);

    const config = loadConfig({
      ...process.env,
      MONGODB_URI: mongoUri,
      REDIS_URL: redisUrl,
      MONGODB_DB: `bench_${Date.now()}`,
      QUEUE_PREFIX: `bench${Date.now()}`,
      LOG_LEVEL: 'silent',
      API_CALLBACK_ALLOW_PRIVATE: 'true',
      ADMIN_TOKEN: OPERATOR_TOKEN,
    });
    const gateway = await createGateway({
      config,
      role: 'all',
      mongoUri,
      redisUrl,
      responder: acknowledgingResponder,
      metrics: new Metrics({ collectDefaults: false }),
    });

    const ops = new StoreOpCounter(gateway.pool.models.Ticket.db.getClient());
    const sentAt = new Map<string, number>();
    /** Conversations the per-path run waits on: resolved when their callback arrives. */
    const waiting = new Map<string, () => void>();
    const latencies: number[] = [];
    let delivered = 0;
    let allDelivered!: () => void;
    const everyone = new Promise<void>((resolve) => (allDelivered = resolve));
    const receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        res.end();
        const { conversationId } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
          conversationId: string;
        };
        waiting.get(conversationId)?.();
        waiting.delete(conversationId);
        const started = sentAt.get(conversationId);
        if (started === undefined) return;
        sentAt.delete(conversationId);
        latencies.push(performance.now() - started);
        delivered += 1;
        if (delivered === flags.messages) allDelivered();
      });
    });
    const receiverPort = await listen(receiver);
    const { apiKey } = await createIntegration(gateway.pool.models, {
      name: 'bench',
      callbackUrl: `http://127.0.0.1:${receiverPort}/hook`,
    });
    const server = createServer(gateway.http);
    const port = await listen(server);

    let next = 0;
    const opsBefore = ops.snapshot();
    const started = performance.now();
    const client = async () => {
      while (next < flags.messages) {
        const i = next++;
        const conversationId = `bench-conv-${i}`;
        sentAt.set(conversationId, performance.now());
        const res = await fetch(`http://127.0.0.1:${port}/api/v1/messages`, {
          method: 'POST',
          headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
          body: JSON.stringify({
            messageId: `bench-${i}`,
            conversationId,
            from: { id: `customer-${i % 500}` },
            text: `Where is my order number ${i}?`,
          }),
        });
        await res.body?.cancel();
        if (res.status !== 202) throw new Error(`message ${i} refused: HTTP ${res.status}`);
      }
    };
    await Promise.all(Array.from({ length: flags.concurrency }, client));
    const acceptedSeconds = (performance.now() - started) / 1000;
    await everyone;
    const seconds = (performance.now() - started) / 1000;
    const perMessage = ops.since(opsBefore, flags.messages);
    await gateway.queues.inbound.obliterate({ force: true });
    await gateway.queues.outbound.obliterate({ force: true });

    const paths = await measurePaths({
      gateway,
      ops,
      port,
      apiKey,
      operatorToken: OPERATOR_TOKEN,
      samples: flags.pathSamples,
      escalate: ESCALATE,
      trace: flags.trace > 0,
      waitForCallback: (conversationId) =>
        new Promise<void>((resolve) => waiting.set(conversationId, resolve)),
    });
    const storeOpsPerSecond = await measureStoreUpserts(
      gateway.pool.models.Ticket.db,
      flags.storeOps,
      flags.concurrency,
    );

    latencies.sort((a, b) => a - b);
    const messagesPerSecond = flags.messages / seconds;
    const result = {
      messagesPerSecond: Number(messagesPerSecond.toFixed(1)),
      p50Ms: Number(percentile(latencies, 50).toFixed(1)),
      p99Ms: Number(percentile(latencies, 99).toFixed(1)),
      bullmqJobsPerSecond: Number(rawJobsPerSecond.toFixed(0)),
      ratio: Number((messagesPerSecond / rawJobsPerSecond).toFixed(4)),
      storeOpsPerMessage: perMessage.total,
      storeOpsByKind: perMessage.byKind,
      storeOpsNotById: perMessage.notById,
      storeFullScans: perMessage.fullScans,
      storeOpsByPath: paths,
      storeOpsPerSecond: Number(storeOpsPerSecond.toFixed(0)),
      storeEfficiency: Number(
        ((messagesPerSecond * perMessage.total) / storeOpsPerSecond).toFixed(3),
      ),
    };
    process.stderr.write(
      `${flags.messages} messages at concurrency ${flags.concurrency}: accepted in ${acceptedSeconds.toFixed(1)} s, ` +
        `all answered and delivered in ${seconds.toFixed(1)} s\n`,
    );
    server.close();
    receiver.close();
    await gateway.pool.models.Ticket.db.dropDatabase();
    await gateway.stop();
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    await services.stop();
  }
}

await main();
