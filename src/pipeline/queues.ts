import { createHash } from 'node:crypto';
import { Queue, type ConnectionOptions, type DefaultJobOptions } from 'bullmq';
import type { Config } from '../config.ts';

export const QUEUE_NAMES = { inbound: 'inbound', outbound: 'outbound' } as const;

export interface InboundJobData {
  /**
   * The InboundMessage as JSON; the ingest worker parses it again with the zod schema. Null once
   * the message is stored: a finished job keeps no personal data (see `ingested`).
   */
  message: unknown;
  /** Set when the job's message was stored and its data dropped; a rerun has nothing to do. */
  ingested?: true;
}

/** What a finished inbound job keeps: its id (which de-duplicates redeliveries), no message. */
export const INGESTED_JOB_DATA: InboundJobData = { message: null, ingested: true };

/**
 * Failed jobs are kept this long, then dropped: long enough to look into and retry by hand, not
 * a second store of customers' messages.
 */
export function failedJobRetention(config: Pick<Config, 'KEEP_FAILED_JOBS_DAYS'>): { age: number } {
  return { age: config.KEEP_FAILED_JOBS_DAYS * 86_400 };
}

export interface OutboundJobData {
  messageId: string;
}

/**
 * A BullMQ job id from a channel's message id: `<channel>.<id>` when the id is safe as it is, else
 * `<channel>.h<sha256>` (BullMQ refuses `:` and purely numeric ids, and ids are Redis key parts).
 */
export function jobIdFor(channel: string, channelMessageId: string): string {
  if (/^[A-Za-z0-9._@+=/-]{1,200}$/.test(channelMessageId)) return `${channel}.${channelMessageId}`;
  return `${channel}.h${createHash('sha256').update(channelMessageId).digest('hex')}`;
}

export interface Queues {
  inbound: Queue<InboundJobData>;
  outbound: Queue<OutboundJobData>;
  close(): Promise<void>;
}

export function inboundJobOptions(config: Config): DefaultJobOptions {
  return {
    attempts: 8,
    backoff: { type: 'exponential', delay: 1000 },
    // Kept completed jobs make a redelivery with the same job id a no-op at the queue already;
    // the unique index on messages is the guard once they age out.
    removeOnComplete: { count: config.KEEP_COMPLETED_JOBS },
    removeOnFail: failedJobRetention(config),
  };
}

export function outboundJobOptions(config: Config): DefaultJobOptions {
  return {
    attempts: config.OUTBOUND_ATTEMPTS,
    backoff: { type: 'exponential', delay: config.OUTBOUND_BACKOFF_MS },
    removeOnComplete: { count: config.KEEP_COMPLETED_JOBS },
    // Failed deliveries are kept and listed (dashboard, metrics) for KEEP_FAILED_JOBS_DAYS.
    removeOnFail: failedJobRetention(config),
  };
}

export function createQueues(connection: ConnectionOptions, config: Config): Queues {
  const inbound = new Queue<InboundJobData>(QUEUE_NAMES.inbound, {
    connection,
    prefix: config.QUEUE_PREFIX,
    defaultJobOptions: inboundJobOptions(config),
  });
  const outbound = new Queue<OutboundJobData>(QUEUE_NAMES.outbound, {
    connection,
    prefix: config.QUEUE_PREFIX,
    defaultJobOptions: outboundJobOptions(config),
  });
  return {
    inbound,
    outbound,
    close: async () => {
      await Promise.all([inbound.close(), outbound.close()]);
    },
  };
}
