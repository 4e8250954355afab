/**
 * GDPR tools for one contact: find, export everything stored about them, and erase their personal
 * data while keeping the aggregate statistics (tickets keep status, channel, times and urgency).
 *
 * FerretDB 1.x has no transactions: erasure is a sequence of idempotent writes under the
 * contact's lock, so a half-done erasure is finished by running it again. Reads that would scan
 * large collections (audit events, queued jobs) are bounded and say so when the bound was hit.
 */
import type { Job, JobType, Queue } from 'bullmq';
import type { Types } from 'mongoose';
import { SwitchboardError } from '../../domain/errors.ts';
import type { PersonalDataHolder } from '../../domain/personal-data.ts';
import { recordAudit } from '../audit.ts';
import { survivorIdOf } from '../contact-merge.ts';
import type { DocumentLocks } from '../locks.ts';
import type { PoolModels } from '../models.ts';
import {
  auditEventsAbout,
  ERASED,
  footprint,
  mentions,
  scrub,
  subjectOf,
  type ContactFootprint,
} from './footprint.ts';

/**
 * Most completed jobs per queue an erasure looks through. Finished jobs keep ids, not personal
 * data (an inbound job drops its message once stored; a desk job its text), so this window only
 * matters for jobs finished before that was so.
 */
export const GDPR_JOB_SCAN_MAX = 10_000;

/**
 * Job states that may still hold a message: every one of them is looked through, however many —
 * unfinished jobs are the backlog, and failed ones are kept KEEP_FAILED_JOBS_DAYS at most.
 */
const HOLDING_STATES = ['waiting', 'prioritized', 'delayed', 'failed'] as const;

/** Where erasure reaches beyond MongoDB. */
export interface GdprDeps {
  models: PoolModels;
  locks: DocumentLocks;
  /** The pipeline's queues: jobs about the contact are removed. */
  queues?: { inbound: Queue; outbound: Queue; desk?: Queue | undefined } | undefined;
  /**
   * The Slack desk: deletes what the bot posted about the tickets (cards, their relayed customer
   * messages, offer DMs, supervisor alerts). Agents' own messages cannot be deleted by the bot.
   */
  slack?: { eraseTickets(ticketIds: string[]): Promise<number> } | undefined;
  /** What the channels and features keep about a contact (src/domain/personal-data.ts). */
  holders: readonly PersonalDataHolder[];
}

/**
 * A ticket's stored urgency facts (src/dispatch/scoring.ts) without the person: `texts` are the
 * customer's recent messages, copied for the score's explanation, so each goes whole.
 */
function eraseUrgencyFacts(facts: unknown, needles: readonly string[]): unknown {
  const scrubbed = scrub(facts, needles);
  if (!scrubbed || typeof scrubbed !== 'object' || Array.isArray(scrubbed)) return scrubbed;
  const texts = (scrubbed as { texts?: unknown }).texts;
  return Array.isArray(texts) ? { ...scrubbed, texts: texts.map(() => ERASED) } : scrubbed;
}

/** What an erasure did (the audit event records these, and nothing personal). */
export interface ErasureCounts {
  contacts: number;
  identities: number;
  tickets: number;
  messages: number;
  attachments: number;
  suggestions: number;
  /** Agents' internal notes on the tickets, their text erased. */
  notes: number;
  /** Messages the Slack bot had posted about the tickets, deleted from Slack. */
  slackMessages: number;
  auditEvents: number;
  jobsRemoved: number;
  jobsScanned: number;
  jobsTruncated: boolean;
  /**
   * The holders' counts, by their keys: e.g. `emailRecords`, `smsOptOuts` and `smsSuppressed`
   * (numbers that had opted out: still refused, on the suppression list by hash), `webchatFiles`,
   * `webchatTranscripts`, `learningQuestions` (the review queue's and confirmed questions).
   */
  [held: string]: number | boolean;
}

/** Removes the queued (and kept finished) jobs that hold the contact's identities or messages. */
async function dropJobs(
  queues: GdprDeps['queues'],
  fp: ContactFootprint,
): Promise<{ removed: number; scanned: number; truncated: boolean }> {
  if (!queues) return { removed: 0, scanned: 0, truncated: false };
  const messageIds = new Set(fp.messages.map((m) => m._id));
  const strong = fp.identities.map((i) => i.value);
  const ticketIds = new Set(fp.tickets.map((t) => String(t._id)));
  const refersToContact = (queue: 'inbound' | 'outbound' | 'desk', job: Job): boolean => {
    const data = job.data as Record<string, unknown> | undefined;
    if (queue === 'outbound') return messageIds.has(String(data?.['messageId']));
    if (queue === 'desk') {
      // Card, relay and button jobs name the ticket; an agent's reply names the customer, if at all.
      return ticketIds.has(String(data?.['ticketId'])) || mentions(data, strong);
    }
    const message = data?.['message'] as { channel?: unknown; channelMessageId?: unknown } | null;
    if (
      typeof message?.channel === 'string' &&
      typeof message.channelMessageId === 'string' &&
      messageIds.has(`${message.channel}.${message.channelMessageId}`)
    )
      return true;
    return mentions(data, strong);
  };
  let removed = 0;
  let scanned = 0;
  let truncated = false;
  const page = 500;
  const scan = async (
    name: 'inbound' | 'outbound' | 'desk',
    queue: Queue,
    states: readonly JobType[],
    max: number,
  ): Promise<Job[]> => {
    const matches: Job[] = [];
    for (let start = 0; ; start += page) {
      const jobs = await queue.getJobs([...states], start, start + page - 1, true);
      for (const job of jobs) if (job && refersToContact(name, job)) matches.push(job);
      scanned += jobs.length;
      if (jobs.length < page) break;
      if (start + page >= max) {
        truncated = true;
        break;
      }
    }
    return matches;
  };
  for (const name of ['inbound', 'outbound', 'desk'] as const) {
    const queue = queues[name];
    if (queue === undefined) continue;
    const matches = [
      ...(await scan(name, queue, HOLDING_STATES, Number.POSITIVE_INFINITY)),
      ...(await scan(name, queue, ['completed'], GDPR_JOB_SCAN_MAX)),
    ];
    // Removed after the scan, so the pages above do not shift under it.
    for (const job of matches) {
      try {
        await job.remove();
        removed += 1;
      } catch {
        // An active job is locked by its worker: it finishes, and its data is erased below.
      }
    }
  }
  return { removed, scanned, truncated };
}

/**
 * Erases a contact's personal data (see docs/admin-api.md, "Contacts (GDPR)"). Idempotent: a
 * second run finds nothing personal left and changes nothing but records another audit event.
 */
export async function eraseContact(
  deps: GdprDeps,
  id: Types.ObjectId,
  actor: string,
): Promise<ErasureCounts> {
  const { models } = deps;
  // A merged contact's data is its survivor's now (footprint.ts): the survivor's lock guards it.
  const survivorId = await survivorIdOf(models, id);
  return deps.locks.withLock(`contact.${String(survivorId)}`, async () => {
    const fp = await footprint(models, id);
    const { needles } = fp;
    const db = models.Ticket.db;
    const ticketIds = fp.tickets.map((t) => t._id);
    const messageIds = fp.messages.map((m) => m._id);

    // Jobs first and the identity links next: nothing new is filed under this contact meanwhile,
    // and a new message from the same address starts a fresh contact.
    const jobs = await dropJobs(deps.queues, fp);
    const identityKeys = fp.identities.map((i) => `${i.kind}:${i.value}`);
    const identities = await models.ContactIdentity.deleteMany({
      $or: [{ contactId: { $in: fp.contactIds } }, { _id: { $in: identityKeys } }],
    });
    // Merge suggestions name the contact and the identity that matched.
    await models.MergeSuggestion.deleteMany({ contactIds: { $in: fp.contactIds } });
    // Thread mappings (an SMS thread's key holds the phone number): a new message opens a ticket.
    await models.Thread.deleteMany({ ticketId: { $in: ticketIds } });

    // What the holders need is read before anything changes (thread keys, attachment URLs).
    const subject = subjectOf(fp);
    for (const m of fp.messages) {
      const set: Record<string, unknown> = {
        text: ERASED,
        attachments: m.attachments.map((a) => ({
          name: ERASED,
          ...(a.contentType ? { contentType: a.contentType } : {}),
          ...(typeof a.size === 'number' ? { size: a.size } : {}),
        })),
        channelData: scrub(m.channelData ?? {}, needles),
      };
      for (const field of ['newText', 'html', 'markdown', 'subject'] as const)
        if (typeof m[field] === 'string') set[field] = ERASED;
      if (m.authorKind === 'customer' && typeof m.authorName === 'string')
        set['authorName'] = ERASED;
      if (m.authorKind === 'customer' && typeof m.authorId === 'string') set['authorId'] = ERASED;
      // An outbound message's copy of its ticket's address: erased as the ticket's own fields are.
      if (m.ticketView?.replyTo) {
        set['ticketView'] = {
          ...(scrub(m.ticketView, needles) as Record<string, unknown>),
          threadKey: `erased/${String(m.ticketId)}`,
          replyTo: { kind: m.ticketView.replyTo.kind, value: ERASED },
        };
      }
      if (typeof m.deliveryError === 'string')
        set['deliveryError'] = scrub(m.deliveryError, needles);
      await models.Message.updateOne({ _id: m._id }, { $set: set });
    }
    // The customers' files, and the files agents uploaded for replies on their tickets.
    const attachments = await db.collection('attachments').deleteMany({
      $or: [{ messageKey: { $in: messageIds } }, { ticketId: { $in: ticketIds.map(String) } }],
    });

    for (const t of fp.tickets) {
      // Status, channel, number, times, urgency, SLA and CSAT score stay: the statistics.
      const set: Record<string, unknown> = {
        threadKey: `erased/${String(t._id)}`,
        replyTo: { kind: t.replyTo.kind, value: ERASED },
        channelData: scrub(t.channelData ?? {}, needles),
        statusHistory: scrub(t.statusHistory, needles),
        tags: scrub(t.tags, needles),
      };
      if (typeof t.subject === 'string') set['subject'] = ERASED;
      if (typeof t.preview === 'string') set['preview'] = ERASED;
      if (typeof t.csatComment === 'string') set['csatComment'] = ERASED;
      if (typeof t.escalationReason === 'string')
        set['escalationReason'] = scrub(t.escalationReason, needles);
      if (t.urgencyFacts !== undefined && t.urgencyFacts !== null)
        set['urgencyFacts'] = eraseUrgencyFacts(t.urgencyFacts, needles);
      await models.Ticket.updateOne({ _id: t._id }, { $set: set });
    }

    // The learning loop's suggested answers quote the tickets (their model is the knowledge base's,
    // src/knowledge/models.ts: removed through the connection, as the pool imports no feature).
    const suggestions = await models.Ticket.db
      .collection('suggestions')
      .deleteMany({ ticketId: { $in: ticketIds } });
    // The channels' and features' own records: an error names the holder, and a re-run of the
    // erasure finishes what one holder left (each erases idempotently).
    const held: Record<string, number> = {};
    for (const holder of deps.holders) {
      try {
        Object.assign(held, await holder.erase(subject));
      } catch (error) {
        throw new SwitchboardError(
          'SB_ERR_INTERNAL',
          `erasure stopped at ${holder.name}: ${(error as Error).message}`,
        );
      }
    }
    // Who noted what and when stays (the ticket's history); what the note said goes.
    const notes = await models.TicketNote.updateMany(
      { ticketId: { $in: ticketIds }, text: { $ne: ERASED } },
      { $set: { text: ERASED }, $unset: { notSentBecause: 1 } },
    );
    const slackMessages = (await deps.slack?.eraseTickets(ticketIds.map(String))) ?? 0;

    // Audit events keep who did what to which ticket; the person's details go.
    const audit = await auditEventsAbout(models, fp);
    let auditEvents = 0;
    for (const event of audit.events) {
      if (!mentions(event, needles)) continue;
      await models.AuditEvent.updateOne(
        { _id: event._id },
        {
          $set: {
            subject: scrub(event['subject'], needles),
            ...(event['before'] === undefined ? {} : { before: scrub(event['before'], needles) }),
            ...(event['after'] === undefined ? {} : { after: scrub(event['after'], needles) }),
          },
        },
      );
      auditEvents += 1;
    }

    // The contact last: its identities are what a re-run after a crash finds the rest by.
    const erasedAt = new Date();
    for (const contactId of fp.contactIds) {
      await models.Contact.updateOne(
        { _id: contactId },
        {
          $set: { identities: [], undeliverable: [], attributes: { gdprErasedAt: erasedAt } },
          // A merge's record names the identities it moved: the merge cannot be undone after this.
          $unset: { name: 1, merge: 1 },
        },
      );
    }

    const counts: ErasureCounts = {
      contacts: fp.contactIds.length,
      identities: identities.deletedCount,
      tickets: fp.tickets.length,
      messages: fp.messages.length,
      attachments: attachments.deletedCount,
      suggestions: suggestions.deletedCount,
      notes: notes.modifiedCount,
      slackMessages,
      auditEvents,
      jobsRemoved: jobs.removed,
      jobsScanned: jobs.scanned,
      jobsTruncated: jobs.truncated,
      ...held,
    };
    await recordAudit(models, {
      actor,
      action: 'contact.erased',
      subject: `contact:${String(id)}`,
      after: counts,
    });
    return counts;
  });
}
