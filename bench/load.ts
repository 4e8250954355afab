/**
 * `npm run bench:load -- [--seconds 180] [--calibrate 400] [--workers 1] [--capacity <msgs/s>]`
 *
 * Sustained load through the API channel on the gateway as it is deployed: one api process and
 * `--workers` worker processes (`switchboard start --role …`), the real intent layer trained from
 * the seed knowledge base, throwaway Redis and FerretDB. First a closed-loop burst measures the
 * pipeline's capacity (messages answered per second); then an open-loop arrival rate of 50 % and
 * 90 % of that capacity for `--seconds` each. Per phase: throughput, acknowledgement latency
 * (request → 202) p50/p99, time to answer (request → the bot's answer or hand-over notice at the
 * integration's callback) p50/p99, messages never answered, and each process's resident memory
 * sampled every 5 s (start, end, peak, and the growth of its floor, which the bound judges). Last
 * line: one JSON object.
 *
 * `--capacity` sets the rate the phases are fractions of (the burst still runs and is reported):
 * two builds compared at one rate see the same arrivals and the same growth of the database.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startThrowawayServices } from '../src/local/throwaway-services.ts';
import { findFreePort } from '../src/local/free-port.ts';
import { intFlags, percentile } from './args.ts';
import {
  createIntegrationByCli,
  startGatewayProcess,
  type GatewayProcess,
} from './gateway-processes.ts';
import { MemorySampler, type MemoryFigures } from './memory-sampler.ts';

const flags = intFlags({ seconds: 180, calibrate: 400, workers: 1, concurrency: 32, capacity: 0 });

/**
 * A steady state may raise a process's memory floor (lowest resident set of the phase's last
 * third against its first third; see memory-sampler.ts) by at most this much over a phase.
 */
const MEMORY_GROWTH_BOUND_MB = 64;

/** Questions a shop's customers ask: most are in the seed knowledge base, some are not. */
const QUESTIONS = [
  'Where is my order?',
  'How do I return a jacket?',
  'I was charged twice for one order',
  'Can I change my delivery address?',
  'My payment failed, what now?',
  'How do I reset my password?',
  'Do you ship to Canada?',
  'Can I cancel my order?',
  'The parcel arrived damaged',
  'What is the weather like on Mars?',
  '我的订单在哪里？',
  '怎么退货？',
];

function listen(server: Server): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)),
  );
}

/** The integration's webhook receiver: notes when each conversation got its first answer. */
class AnswerLog {
  private readonly sentAt = new Map<string, number>();
  readonly answerMs: number[] = [];
  answered = 0;

  sent(conversationId: string, at: number): void {
    this.sentAt.set(conversationId, at);
  }

  received(conversationId: string): void {
    const at = this.sentAt.get(conversationId);
    if (at === undefined) return;
    this.sentAt.delete(conversationId);
    this.answerMs.push(performance.now() - at);
    this.answered += 1;
  }

  get waiting(): number {
    return this.sentAt.size;
  }

  reset(): void {
    this.sentAt.clear();
    this.answerMs.length = 0;
    this.answered = 0;
  }
}

async function waitUntil(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return true;
}

const round = (value: number) => Number(value.toFixed(1));

async function main(): Promise<void> {
  const services = await startThrowawayServices({
    name: 'bench-load',
    mongoUrl: process.env['MONGODB_URI'],
    redisUrl: process.env['REDIS_URL'],
  });
  const processes: GatewayProcess[] = [];
  const receiver = createServer();
  try {
    const log = new AnswerLog();
    receiver.on('request', (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        res.end();
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
          conversationId?: string;
        };
        if (body.conversationId) log.received(body.conversationId);
      });
    });
    const receiverPort = await listen(receiver);
    const port = await findFreePort();
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      MONGODB_URI: services.mongoUrl,
      REDIS_URL: services.redisUrl,
      MONGODB_DB: `load_${Date.now()}`,
      QUEUE_PREFIX: `load${Date.now()}`,
      PORT: String(port),
      LOG_LEVEL: 'info',
      API_CALLBACK_ALLOW_PRIVATE: 'true',
    };
    const { apiKey } = await createIntegrationByCli(
      env,
      'load',
      `http://127.0.0.1:${receiverPort}/hook`,
    );
    processes.push(await startGatewayProcess({ role: 'api', name: 'api', env }));
    for (let i = 1; i <= flags.workers; i += 1)
      processes.push(await startGatewayProcess({ role: 'worker', name: `worker${i}`, env }));

    let sequence = 0;
    const ackMs: number[] = [];
    let refused = 0;
    const send = async () => {
      const i = sequence++;
      const conversationId = `load-${i}`;
      const started = performance.now();
      log.sent(conversationId, started);
      const res = await fetch(`http://127.0.0.1:${port}/api/v1/messages`, {
        method: 'POST',
        headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          messageId: `load-msg-${i}`,
          conversationId,
          from: { id: `customer-${i % 1000}` },
          text: QUESTIONS[i % QUESTIONS.length],
        }),
      });
      await res.body?.cancel();
      ackMs.push(performance.now() - started);
      if (res.status !== 202) refused += 1;
    };

    // Capacity: a closed-loop burst, timed until every message is answered.
    const calibrationStart = performance.now();
    let remaining = flags.calibrate;
    await Promise.all(
      Array.from({ length: flags.concurrency }, async () => {
        while (remaining > 0) {
          remaining -= 1;
          await send();
        }
      }),
    );
    await waitUntil(() => log.waiting === 0, 300_000);
    const measured = log.answered / ((performance.now() - calibrationStart) / 1000);
    process.stderr.write(`capacity: ${measured.toFixed(1)} messages answered/s\n`);
    const capacity = flags.capacity > 0 ? flags.capacity : measured;

    const phases = [];
    for (const fraction of [0.5, 0.9]) {
      log.reset();
      ackMs.length = 0;
      refused = 0;
      const rate = capacity * fraction;
      const memory = new MemorySampler(processes);
      memory.start();
      const total = Math.round(rate * flags.seconds);
      const phaseStart = performance.now();
      const inFlight = new Set<Promise<void>>();
      let lateMs = 0;
      // Open loop: message k leaves at k / rate seconds, whatever happened to earlier ones.
      for (let k = 0; k < total; k += 1) {
        const due = phaseStart + (k / rate) * 1000;
        const wait = due - performance.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        else lateMs = Math.max(lateMs, -wait);
        const request = send().catch(() => {
          refused += 1;
        });
        inFlight.add(request);
        void request.finally(() => inFlight.delete(request));
      }
      await Promise.all(inFlight);
      const sendSeconds = (performance.now() - phaseStart) / 1000;
      const drained = await waitUntil(() => log.waiting === 0, 120_000);
      const figures = memory.stop();
      const per = (pick: (f: MemoryFigures) => number) =>
        Object.fromEntries(Object.entries(figures).map(([name, f]) => [name, pick(f)]));
      ackMs.sort((a, b) => a - b);
      log.answerMs.sort((a, b) => a - b);
      const phase = {
        load: fraction,
        targetPerSecond: round(rate),
        sent: total,
        refused,
        answeredPerSecond: round(log.answered / sendSeconds),
        unanswered: drained ? 0 : log.waiting,
        ackP50Ms: round(percentile(ackMs, 50)),
        ackP99Ms: round(percentile(ackMs, 99)),
        answerP50Ms: round(percentile(log.answerMs, 50)),
        answerP99Ms: round(percentile(log.answerMs, 99)),
        maxSendLagMs: round(lateMs),
        rssStartMb: per((f) => f.startMb),
        rssEndMb: per((f) => f.endMb),
        rssPeakMb: per((f) => f.peakMb),
        // What the bound judges: a rising floor (a leak), not the collector's sawtooth.
        rssFloorGrowthMb: per((f) => f.floorGrowthMb),
      };
      process.stderr.write(`${JSON.stringify(phase)}\n`);
      phases.push(phase);
    }
    const memoryWithinBound = phases.every((phase) =>
      Object.values(phase.rssFloorGrowthMb).every((mb) => mb <= MEMORY_GROWTH_BOUND_MB),
    );
    process.stdout.write(
      `${JSON.stringify({
        capacityPerSecond: round(measured),
        ...(flags.capacity > 0 ? { phaseBasePerSecond: flags.capacity } : {}),
        workers: flags.workers,
        seconds: flags.seconds,
        phases,
        memoryGrowthBoundMb: MEMORY_GROWTH_BOUND_MB,
        memoryWithinBound,
      })}\n`,
    );
  } finally {
    receiver.close();
    await Promise.all(processes.map((p) => p.stop()));
    await services.stop();
  }
}

await main();
