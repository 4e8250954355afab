/**
 * The files-first queues (sms-media, slack-files) hold a customer's message, with their identity,
 * until its files are fetched: seconds normally, a week for a job that failed for good. Such a
 * message is personal data the pool does not have yet, so GDPR export shows it and erasure
 * removes it (it would otherwise arrive after the erasure and bring the contact back).
 */
import { Queue, type Job, type JobType } from 'bullmq';
import type {
  PersonalDataContext,
  PersonalDataHolder,
  PersonalDataSubject,
} from '../../src/domain/personal-data.ts';

/** The states a job keeps its message in (a finished job keeps none: files-queue.ts). */
const HOLDING: JobType[] = ['waiting', 'delayed', 'prioritized', 'failed', 'active'];
const PAGE = 500;

function isSubjects(job: Job, subject: PersonalDataSubject): boolean {
  const message = (job.data as { message?: unknown } | undefined)?.message as
    { from?: { identity?: { kind?: unknown; value?: unknown } } } | null | undefined;
  const identity = message?.from?.identity;
  return subject.identities.some((i) => i.kind === identity?.kind && i.value === identity.value);
}

async function jobsOf(queue: Queue, subject: PersonalDataSubject): Promise<Job[]> {
  const found: Job[] = [];
  for (let start = 0; ; start += PAGE) {
    const jobs = await queue.getJobs(HOLDING, start, start + PAGE - 1, true);
    found.push(...jobs.filter((job) => job !== undefined && isSubjects(job, subject)));
    if (jobs.length < PAGE) return found;
  }
}

/** The holder of one files-first queue (`name`); its sections are `<name>Pending`. */
export function filesQueuePersonalData(
  name: string,
  context: PersonalDataContext,
): PersonalDataHolder {
  const withQueue = async <T>(work: (queue: Queue) => Promise<T>): Promise<T> => {
    const queue = new Queue(name, { connection: context.redis, prefix: context.prefix });
    try {
      return await work(queue);
    } finally {
      await queue.close();
    }
  };
  return {
    name,
    // Redis only.
    collections: [],
    export: (subject) =>
      withQueue(async (queue) => ({
        [`${name}Pending`]: (await jobsOf(queue, subject)).map((job) => job.data as unknown),
      })),
    erase: (subject) =>
      withQueue(async (queue) => {
        let removed = 0;
        for (const job of await jobsOf(queue, subject)) {
          try {
            await job.remove();
            removed += 1;
          } catch {
            // Active: locked by its worker; it hands the message to the pipeline, which erases it.
          }
        }
        return { [`${name}Pending`]: removed };
      }),
  };
}
