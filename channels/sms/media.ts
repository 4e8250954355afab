/**
 * MMS media in: each `MediaUrl<n>` of an incoming message is downloaded from Twilio (HTTP Basic
 * auth with the account SID and auth token, https://www.twilio.com/docs/messaging/api/media-resource)
 * and kept in the core's attachment store, before the message goes on to the pipeline. The
 * webhook only queues the message here (Twilio wants its answer within 15 s, and a download may
 * be slow or fail); this job retries, and when every try failed the message still goes on, its
 * media recorded as not stored. Nothing of a message is lost to a download.
 */
import { Queue, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { InboundMessageSchema, type InboundMessageInput } from '../../src/domain/message.ts';
import type { InboundFileRecord, InboundFiles, InboundSink } from '../../src/domain/ports.ts';
import { fetchInboundFile, FileFetchRetryable, gaveUp } from '../files/fetch-file.ts';
import { savedFiles } from '../files/saved.ts';
import type { SmsConfig } from './config.ts';

export const SMS_MEDIA_QUEUE = 'sms-media';
const ATTEMPTS = 6;

interface SmsMediaJobData {
  /** The normalized message, media still as Twilio's URLs; null once it went on (no data kept). */
  message: unknown;
}

/**
 * Hosts a media URL (and each redirect) may point to: Twilio's API and its media CDN, over HTTPS,
 * or the stand-in base URL tests set (TWILIO_API_BASE_URL). A signed webhook is Twilio's, but a
 * URL elsewhere would make us send our credentials or fetch an internal address.
 */
export function twilioMediaHost(config: Pick<SmsConfig, 'TWILIO_API_BASE_URL'>) {
  const standIn =
    config.TWILIO_API_BASE_URL === undefined ? undefined : new URL(config.TWILIO_API_BASE_URL);
  return (url: URL): boolean => {
    if (standIn !== undefined && url.origin === standIn.origin) return true;
    if (url.protocol !== 'https:' || url.port !== '') return false;
    const host = url.hostname.toLowerCase();
    return (
      host === 'api.twilio.com' || host.endsWith('.twilio.com') || host.endsWith('.twiliocdn.com')
    );
  };
}

export interface SmsMediaDeps {
  config: SmsConfig;
  files: InboundFiles;
  fetch?: typeof fetch;
}

/**
 * Downloads a message's media and stores them (content, or metadata and why not); the message
 * with its attachments' real sizes and `channelData.attachments` naming the stored ids. Throws
 * FileFetchRetryable for a failure a later try may not have, unless `lastTry`: then the medium is
 * recorded as `download-failed`.
 */
export async function keepMedia(
  message: InboundMessageInput,
  deps: SmsMediaDeps,
  lastTry: boolean,
): Promise<InboundMessageInput> {
  const { config } = deps;
  const isAllowedUrl = twilioMediaHost(config);
  const auth = Buffer.from(`${config.TWILIO_ACCOUNT_SID}:${config.TWILIO_AUTH_TOKEN}`);
  const records: InboundFileRecord[] = [];
  for (const attachment of message.attachments ?? []) {
    const request = {
      url: attachment.url ?? '',
      name: attachment.name,
      declaredType: attachment.contentType,
      headers: { authorization: `Basic ${auth.toString('base64')}` },
      isAllowedUrl,
      maxBytes: config.SMS_MEDIA_MAX_BYTES,
      timeoutMs: config.TWILIO_TIMEOUT_MS,
      ...(deps.fetch === undefined ? {} : { fetch: deps.fetch }),
    };
    try {
      records.push(await fetchInboundFile(request));
    } catch (error) {
      if (!(error instanceof FileFetchRetryable) || !lastTry) throw error;
      records.push(gaveUp(request, error));
    }
  }
  const ids = await deps.files.save('sms', message.channelMessageId, records);
  const saved = savedFiles(records, ids);
  return {
    ...message,
    // Twilio's URLs are dropped: they need our credentials, and the stored copy is what agents see.
    attachments: records.map(({ name, contentType, size }) => ({ name, contentType, size })),
    channelData: { ...message.channelData, attachments: saved },
  };
}

/** Whether the message has media to download (the webhook queues it here instead of the sink). */
export function hasMedia(message: InboundMessageInput): boolean {
  return (message.attachments ?? []).some((a) => a.url !== undefined);
}

/** The queue the webhook puts MMS on; durable once `enqueue` resolves. */
export class SmsMediaQueue {
  private readonly queue: Queue<SmsMediaJobData>;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {
    this.queue = new Queue<SmsMediaJobData>(SMS_MEDIA_QUEUE, {
      connection: redis,
      prefix,
      defaultJobOptions: {
        attempts: ATTEMPTS,
        backoff: { type: 'exponential', delay: 1000 },
        // The job id (the MessageSid) stops Twilio's redelivery while the job is kept.
        removeOnComplete: { count: 1000 },
        removeOnFail: { age: 7 * 86_400 },
      },
    });
  }

  async enqueue(message: InboundMessageInput): Promise<void> {
    // `.` not `:` (BullMQ refuses `:` in ids); a MessageSid is hex, safe as it is.
    await this.queue.add('mms', { message }, { jobId: `sms.${message.channelMessageId}` });
  }

  /** The worker-role half: downloads, stores, hands the message to the sink. */
  startWorker(deps: SmsMediaDeps & { sink: InboundSink; logger?: Logger | undefined }): {
    close(): Promise<void>;
  } {
    // A worker blocks on its connection: its own, which waits for Redis rather than failing fast.
    const connection = this.redis.duplicate({ maxRetriesPerRequest: null });
    const worker = new Worker<SmsMediaJobData>(
      SMS_MEDIA_QUEUE,
      async (job: Job<SmsMediaJobData>) => {
        if (job.data.message === null) return;
        const message = InboundMessageSchema.parse(job.data.message);
        const lastTry = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
        await deps.sink.accept(await keepMedia(message, deps, lastTry));
        // The message is the pipeline's now: the finished job keeps no personal data.
        await job.updateData({ message: null });
      },
      {
        connection,
        prefix: this.prefix,
        concurrency: 4,
      },
    );
    worker.on('failed', (job, error) =>
      deps.logger?.warn({ queue: SMS_MEDIA_QUEUE, job: job?.id, err: error }, 'MMS media job'),
    );
    worker.on('error', (error) => deps.logger?.error({ err: error }, 'MMS media worker error'));
    return {
      async close() {
        await worker.close();
        connection.disconnect();
      },
    };
  }

  async close(): Promise<void> {
    await this.queue.close();
  }
}
