import type { Queue } from 'bullmq';
import { SwitchboardError } from '../domain/errors.ts';
import { InboundMessageSchema, type InboundMessageInput } from '../domain/message.ts';
import type { InboundSink } from '../domain/ports.ts';
import { jobIdFor, type InboundJobData } from './queues.ts';

/**
 * Channels hand messages here. Resolves only once Redis has the job, so a channel may acknowledge
 * the provider right after; a redelivery maps to the same job id and adds nothing.
 */
export class QueueInboundSink implements InboundSink {
  constructor(private readonly queue: Queue<InboundJobData>) {}

  async accept(input: InboundMessageInput): Promise<{ jobId: string; duplicate: boolean }> {
    const message = InboundMessageSchema.parse(input);
    const jobId = jobIdFor(message.channel, message.channelMessageId);
    try {
      // Look first only to tell the caller; correctness does not depend on it (same job id).
      const existing = await this.queue.getJob(jobId);
      if (existing) return { jobId, duplicate: true };
      await this.queue.add('message', { message }, { jobId });
      return { jobId, duplicate: false };
    } catch (error) {
      throw new SwitchboardError(
        'SB_ERR_UNAVAILABLE',
        'the queue is unreachable; nothing was accepted',
        {
          cause: error,
        },
      );
    }
  }
}
