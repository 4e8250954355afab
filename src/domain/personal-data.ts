/**
 * Holders of personal data. Every store that keeps something about a contact beyond the pool's
 * contacts, tickets and messages (a channel's opt-outs, threads and files, the learning loop's
 * questions, the desk's Slack posts) registers a holder. GDPR export and erasure (src/pool/gdpr.ts)
 * loop over the holders, so a new store of personal data is covered by registering one, not by
 * editing the GDPR code; test/admin/personal-data.test.ts fails on a collection nobody answers for.
 */
import type { Redis } from 'ioredis';
import type { Connection } from 'mongoose';

/** What the pool knows of one contact, read before anything is erased. */
export interface PersonalDataSubject {
  /** The contact and the contacts merged into it. */
  contactIds: string[];
  identities: Array<{ kind: string; value: string }>;
  emails: string[];
  phones: string[];
  tickets: Array<{
    id: string;
    channel: string;
    threadKey: string;
    channelData: Record<string, unknown>;
  }>;
  messages: Array<{ id: string; attachmentUrls: string[] }>;
}

export interface PersonalDataHolder {
  /** Who holds it (an error names it). */
  readonly name: string;
  /** The MongoDB collections it answers for (the holder test checks every collection has one). */
  readonly collections: readonly string[];
  /** What it keeps about the subject: sections of the export, by key. */
  export(subject: PersonalDataSubject): Promise<Record<string, unknown>>;
  /** Erases it; the counts of what went, by key (the audit event records them). */
  erase(subject: PersonalDataSubject): Promise<Record<string, number>>;
}

/** What a holder is built from: the pool's database, Redis and the lock service. */
export interface PersonalDataContext {
  db: Connection;
  redis: Redis;
  /** QUEUE_PREFIX: the Redis key prefix. */
  prefix: string;
  locks: { withLock<T>(key: string, work: () => Promise<T>): Promise<T> };
}
