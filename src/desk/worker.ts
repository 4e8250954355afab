import { Worker, type ConnectionOptions } from 'bullmq';
import type { Logger } from 'pino';
import type { Config } from '../config.ts';
import { toJobError } from '../pipeline/job-errors.ts';
import type { DeskConfig } from './config.ts';
import { DESK_QUEUE, type DeskJobData } from './jobs.ts';
import { deskBackoff, RetryAfterError } from './rate-limit.ts';
import type { DeskService } from './service.ts';

/**
 * The desk worker: every Slack Web API call of the desk happens here, never on the request path.
 * A 429 waits Slack's Retry-After (deskBackoff); errors a retry cannot fix fail the job at once.
 */
export function startDeskWorker(options: {
  connection: ConnectionOptions;
  config: Pick<Config, 'QUEUE_PREFIX' | 'JOB_LOCK_MS'>;
  desk: DeskConfig;
  service: DeskService;
  logger?: Logger | undefined;
}): { close(): Promise<void> } {
  const { service, logger } = options;
  const worker = new Worker<DeskJobData>(
    DESK_QUEUE,
    async (job) => {
      try {
        const lastTry = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
        const result = await service.run(job.data, lastTry);
        // An agent's reply is a Message now, and a notice went out: the finished job keeps no text
        // and no file names (the files are the ticket's now, or were refused).
        if (job.data.kind === 'reply') {
          const { files, ...reply } = job.data;
          if (reply.text !== '' || files !== undefined)
            await job.updateData({ ...reply, text: '' });
        } else if (job.data.kind === 'notify' && job.data.text !== '')
          await job.updateData({ ...job.data, text: '' });
        return result;
      } catch (error) {
        if (error instanceof RetryAfterError) throw error;
        throw toJobError(error);
      }
    },
    {
      connection: options.connection,
      prefix: options.config.QUEUE_PREFIX,
      concurrency: options.desk.DESK_CONCURRENCY,
      lockDuration: options.config.JOB_LOCK_MS,
      settings: { backoffStrategy: deskBackoff },
    },
  );
  worker.on('failed', (job, error) => {
    logger?.warn({ queue: DESK_QUEUE, job: job?.id, err: error }, 'desk job failed');
  });
  worker.on('error', (error) => logger?.error({ err: error }, 'desk worker error'));
  return { close: () => worker.close() };
}
