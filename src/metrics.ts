import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Queue } from 'bullmq';

/** Prometheus metrics of one process, on a registry of its own (tests build several apps). */
export class Metrics {
  readonly registry = new Registry();
  readonly messages = new Counter({
    name: 'switchboard_messages_total',
    help: 'Messages stored, by channel and direction',
    labelNames: ['channel', 'direction'] as const,
    registers: [this.registry],
  });
  readonly jobDuration = new Histogram({
    name: 'switchboard_job_duration_seconds',
    help: 'Time from a job being processed to done, by queue and outcome',
    labelNames: ['queue', 'outcome'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  readonly jobLatency = new Histogram({
    name: 'switchboard_job_latency_seconds',
    help: 'Time from a job being queued to done (queue wait included), by queue',
    labelNames: ['queue'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [this.registry],
  });
  /**
   * Outbound attempts whose outcome was lost (a crash or a timeout after the send began), by how
   * the next run resolved them: `confirmed` (the channel said it went out: recorded, not sent
   * again), `not-sent` (the channel said it did not: sent), `resent` (the channel cannot tell:
   * sent again with the same idempotency key, for the receiver to drop).
   */
  readonly outboundUncertain = new Counter({
    name: 'switchboard_outbound_uncertain_total',
    help: 'Outbound attempts with a lost outcome, by channel and resolution (confirmed, not-sent, resent)',
    labelNames: ['channel', 'resolution'] as const,
    registers: [this.registry],
  });

  /**
   * Outbound messages given up on: their job ran out of attempts (or failed for good) before the
   * message was recorded sent. `state` is where the message was left: `pending` (not sent),
   * `sending` (the last attempt's outcome is unknown: it may have gone out) or `failed` (the
   * channel refused it for good). Each one is a customer who may not have had their answer: alert
   * on any increase.
   */
  readonly outboundAbandoned = new Counter({
    name: 'switchboard_outbound_abandoned_total',
    help: 'Outbound messages whose delivery job gave up, by channel and the state the message was left in',
    labelNames: ['channel', 'state'] as const,
    registers: [this.registry],
  });

  constructor(options: { collectDefaults?: boolean } = {}) {
    if (options.collectDefaults ?? true) collectDefaultMetrics({ register: this.registry });
  }

  /** Queue depths by state, read from Redis when Prometheus scrapes. */
  watchQueues(queues: Queue[]): void {
    new Gauge({
      name: 'switchboard_queue_jobs',
      help: 'Jobs in each queue by state',
      labelNames: ['queue', 'state'] as const,
      registers: [this.registry],
      async collect() {
        for (const queue of queues) {
          const counts = await queue.getJobCounts(
            'waiting',
            'active',
            'delayed',
            'failed',
            'completed',
          );
          for (const [state, count] of Object.entries(counts)) {
            this.set({ queue: queue.name, state }, count);
          }
        }
      },
    });
  }
}
