/**
 * GDPR tools for one contact: find, export everything stored about them, and erase their personal
 * data while keeping the aggregate statistics (tickets keep status, channel, times and urgency).
 *
 * FerretDB 1.x has no transactions: erasure is a sequence of idempotent writes under the
 * contact's lock, so a half-done erasure is finished by running it again. Reads that would scan
 * large collections (audit events, queued jobs) are bounded and say so when the bound was hit.
 */
import type { Job, JobType, Queue } from 'bullmq';
import { Types } from 'mongoose';
import { SwitchboardError } from '../domain/errors.ts';
import type { PersonalDataHolder, PersonalDataSubject } from '../domain/personal-data.ts';
import { IDENTITY_KINDS } from '../domain/message.ts';
import { escapeRegex } from '../domain/regex.ts';
import { recordAudit } from './audit.ts';
import type { DocumentLocks } from './locks.ts';
import type { ContactDoc, MessageDoc, PoolModels, TicketDoc } from './models.ts';

/**
 * The collections this file exports and erases itself: the pool's contacts, tickets and messages
 * and what hangs on them. Every other collection is a holder's (src/domain/personal-data.ts) or
 * is declared in NOT_PERSONAL_COLLECTIONS; test/admin/personal-data.test.ts keeps that true.
 */
export const POOL_PERSONAL_COLLECTIONS = [
  'contacts',
  'contact_identities',
  'tickets',
  'threads',
  'messages',
  'attachments',
  'suggestions',
  'ticket_notes',
  'audit_events',
  // Card and offer posts in Slack, deleted through the desk (GdprDeps.slack).
  'desk_posts',
] as const;

/** Collections that hold no customer's personal data, and why. */
export const NOT_PERSONAL_COLLECTIONS: Readonly<Record<string, string>> = {
  counters: 'ticket number sequences',
  articles: 'the knowledge base',
  article_drafts: 'unpublished edits of articles',
  article_revisions: 'earlier versions of articles',
  intent_models: 'trained models of the published articles',
  kb_retrain_reports: 'aggregate precision and self-service figures per retrain',
  integrations: 'API integrations: keys, callback URLs, secrets',
  teams: 'agent teams: names, skills, a Slack channel',
  agents: 'staff: agent records, edited through the admin API and the CLI',
  accounts: 'staff: console accounts, disabled and edited through the admin API',
  api_tokens: 'staff: console API tokens, revoked through the admin API',
  api_token_uses: 'staff: when each token was last used',
  sla_events: 'ticket ids and SLA timer events',
  sms_sends: 'our message id → Twilio MessageSid',
  sms_deliveries: 'Twilio MessageSid → delivery status',
  sms_suppression_key: "the key of the suppression list's hashes",
};

/** What replaces erased text. */
export const ERASED = '[erased]';
/** Most contacts one search returns. */
export const CONTACT_SEARCH_LIMIT = 25;
/** Most audit events one export or erasure looks through for the contact's identities. */
export const GDPR_AUDIT_SCAN_MAX = 100_000;
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

/** A contact as the search lists it. */
export interface ContactSummary {
  id: string;
  name: string | null;
  identities: Array<{ kind: string; value: string }>;
  erasedAt: Date | null;
  createdAt: Date | null;
}

function summary(c: ContactDoc): ContactSummary {
  const attributes = (c.attributes ?? {}) as { gdprErasedAt?: unknown };
  return {
    id: String(c._id),
    name: c.name ?? null,
    identities: c.identities.map((i) => ({ kind: i.kind, value: i.value })),
    erasedAt: attributes.gdprErasedAt instanceof Date ? attributes.gdprErasedAt : null,
    createdAt: (c as { createdAt?: Date }).createdAt ?? null,
  };
}

/**
 * Contacts whose name or an identity value contains `q` (case-insensitive), exact identity
 * matches first; without `q`, the newest contacts. At most CONTACT_SEARCH_LIMIT.
 */
export async function searchContacts(
  models: PoolModels,
  q: string | undefined,
): Promise<ContactSummary[]> {
  const text = q?.trim() ?? '';
  if (text === '') {
    const newest = (await models.Contact.find({ mergedInto: { $exists: false } })
      .sort({ createdAt: -1 })
      .limit(CONTACT_SEARCH_LIMIT)
      .lean()) as ContactDoc[];
    return newest.map(summary);
  }
  // Exact identities are one read by _id each (the hot path of FerretDB).
  const exact = (await models.ContactIdentity.find({
    _id: { $in: IDENTITY_KINDS.map((k) => `${k}:${text}`) },
  }).lean()) as Array<{ contactId: Types.ObjectId }>;
  const pattern = new RegExp(escapeRegex(text), 'i');
  const found = (await models.Contact.find({
    $or: [
      { _id: { $in: exact.map((e) => e.contactId) } },
      { name: pattern },
      { 'identities.value': pattern },
    ],
  })
    .limit(CONTACT_SEARCH_LIMIT)
    .lean()) as ContactDoc[];
  const exactIds = new Set(exact.map((e) => String(e.contactId)));
  return found
    .sort((a, b) => Number(exactIds.has(String(b._id))) - Number(exactIds.has(String(a._id))))
    .map(summary);
}

/** Everything the erasure and the export need to know about one contact. */
interface ContactFootprint {
  contact: ContactDoc;
  /** The contact and the contacts merged into it. */
  contactIds: Types.ObjectId[];
  identities: Array<{ kind: string; value: string }>;
  tickets: TicketDoc[];
  messages: MessageDoc[];
  /** Strings that identify the person: identity values, names. */
  needles: string[];
  emails: string[];
  phones: string[];
}

async function footprint(models: PoolModels, id: Types.ObjectId): Promise<ContactFootprint> {
  const contact = (await models.Contact.findById(id).lean()) as ContactDoc | null;
  if (!contact) throw new SwitchboardError('SB_ERR_NOT_FOUND', 'no such contact');
  const merged = (await models.Contact.find({ mergedInto: id }).lean()) as ContactDoc[];
  const contactIds = [id, ...merged.map((c) => c._id)];
  const links = (await models.ContactIdentity.find({ contactId: { $in: contactIds } }).lean()) as
    Array<{ _id: string }> | [];
  const tickets = (await models.Ticket.find({ contactId: { $in: contactIds } })
    .sort({ createdAt: 1 })
    .lean()) as unknown as TicketDoc[];
  const messages = (await models.Message.find({
    $or: [{ ticketId: { $in: tickets.map((t) => t._id) } }, { contactId: { $in: contactIds } }],
  })
    .sort({ createdAt: 1 })
    .lean()) as MessageDoc[];

  const identities = new Map<string, { kind: string; value: string }>();
  const add = (kind: string, value: string) => {
    if (value && value !== ERASED) identities.set(`${kind}:${value}`, { kind, value });
  };
  // An identity listed on the contact counts only if no other contact owns it: an API caller can
  // list any email or phone beside its customer, and export or erasure must not reach the real
  // owner's link, jobs, rejections or opt-outs through it.
  const listed = [contact, ...merged].flatMap((c) => c.identities);
  const listedKeys = listed.map((i) => `${i.kind}:${i.value}`);
  const owners = (await models.ContactIdentity.find({ _id: { $in: listedKeys } }).lean()) as Array<{
    _id: string;
    contactId: unknown;
  }>;
  const ownedElsewhere = new Set(
    owners
      .filter((o) => !contactIds.some((c) => String(c) === String(o.contactId)))
      .map((o) => o._id),
  );
  for (const i of listed) if (!ownedElsewhere.has(`${i.kind}:${i.value}`)) add(i.kind, i.value);
  for (const link of links) {
    const colon = link._id.indexOf(':');
    if (colon > 0) add(link._id.slice(0, colon), link._id.slice(colon + 1));
  }
  for (const t of tickets) add(t.replyTo.kind, t.replyTo.value);

  const needles = new Set<string>();
  for (const { kind, value } of identities.values()) {
    needles.add(value);
    // API identities are `<integration id>/<the integration's customer id>`.
    if (kind === 'api' || kind === 'webchat') {
      const tail = value.slice(value.lastIndexOf('/') + 1);
      if (tail.length >= 3) needles.add(tail);
    }
  }
  for (const c of [contact, ...merged]) if (c.name) needles.add(c.name);
  for (const m of messages)
    if (m.authorKind === 'customer' && m.authorName && m.authorName !== ERASED)
      needles.add(m.authorName);
  const all = [...identities.values()];
  return {
    contact,
    contactIds,
    identities: all,
    tickets,
    messages,
    needles: [...needles].filter((n) => n.trim().length >= 2).sort((a, b) => b.length - a.length),
    emails: all.filter((i) => i.kind === 'email').map((i) => i.value),
    phones: all.filter((i) => i.kind === 'phone').map((i) => i.value),
  };
}

/** The contact as the personal-data holders see it. */
function subjectOf(fp: ContactFootprint): PersonalDataSubject {
  return {
    contactIds: fp.contactIds.map(String),
    identities: fp.identities,
    emails: fp.emails,
    phones: fp.phones,
    tickets: fp.tickets.map((t) => ({
      id: String(t._id),
      channel: t.channel,
      threadKey: t.threadKey,
      channelData: (t.channelData ?? {}) as Record<string, unknown>,
    })),
    messages: fp.messages.map((m) => ({
      id: m._id,
      attachmentUrls: m.attachments.flatMap((a) => (a.url ? [a.url] : [])),
    })),
  };
}

/** Does any string in `value` contain one of `needles` (case-insensitive)? */
function mentions(value: unknown, needles: readonly string[]): boolean {
  if (needles.length === 0 || value === undefined || value === null) return false;
  const text = JSON.stringify(value).toLowerCase();
  return needles.some((n) => text.includes(n.toLowerCase()));
}

/** `value` with every occurrence of a needle in its strings (and keys) replaced by ERASED. */
export function scrub(value: unknown, needles: readonly string[]): unknown {
  if (typeof value === 'string') {
    let out = value;
    for (const needle of needles) {
      out = out.replace(new RegExp(escapeRegex(needle), 'gi'), ERASED);
    }
    return out;
  }
  if (Array.isArray(value)) return value.map((v) => scrub(v, needles));
  if (value instanceof Date || value instanceof Types.ObjectId || Buffer.isBuffer(value))
    return value;
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [scrub(k, needles) as string, scrub(v, needles)]),
    );
  }
  return value;
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

/** Audit events about the contact: its own and its tickets' subjects, or naming its identities. */
async function auditEventsAbout(
  models: PoolModels,
  fp: ContactFootprint,
): Promise<{
  events: Array<Record<string, unknown> & { _id: Types.ObjectId }>;
  truncated: boolean;
}> {
  const subjects = new Set([
    ...fp.contactIds.map((id) => `contact:${String(id)}`),
    ...fp.tickets.map((t) => `ticket:${String(t._id)}`),
  ]);
  const strong = fp.identities.map((i) => i.value).filter((v) => v.length >= 5);
  const events: Array<Record<string, unknown> & { _id: Types.ObjectId }> = [];
  let scanned = 0;
  const cursor = models.AuditEvent.find()
    .sort({ at: -1 })
    .limit(GDPR_AUDIT_SCAN_MAX)
    .lean()
    .cursor();
  for await (const raw of cursor) {
    scanned += 1;
    const event = raw as unknown as Record<string, unknown> & { _id: Types.ObjectId };
    if (subjects.has(String(event['subject'])) || mentions(event, strong)) events.push(event);
  }
  return { events, truncated: scanned >= GDPR_AUDIT_SCAN_MAX };
}

/** All data stored about a contact, as plain JSON-able objects. */
export async function exportContact(
  models: PoolModels,
  holders: readonly PersonalDataHolder[],
  id: Types.ObjectId,
) {
  const fp = await footprint(models, id);
  const subject = subjectOf(fp);
  const messageIds = fp.messages.map((m) => m._id);
  const ticketIds = fp.tickets.map((t) => t._id);
  const [attachments, identityLinks, suggestions, notes, ...held] = await Promise.all([
    models.Ticket.db
      .collection('attachments')
      .find({ messageKey: { $in: messageIds } }, { projection: { content: 0 } })
      .toArray(),
    models.ContactIdentity.find({ contactId: { $in: fp.contactIds } }).lean(),
    models.Suggestion.find({ ticketId: { $in: ticketIds } }).lean(),
    models.TicketNote.find({ ticketId: { $in: ticketIds } }).lean(),
    ...holders.map((holder) => holder.export(subject)),
  ]);
  const audit = await auditEventsAbout(models, fp);
  return {
    exportedAt: new Date(),
    contact: fp.contact,
    mergedContacts: fp.contactIds.slice(1).map(String),
    identities: identityLinks,
    tickets: fp.tickets,
    messages: fp.messages.map((m) => ({
      ...m,
      storedAttachments: attachments.filter((a) => a['messageKey'] === m._id),
    })),
    csat: fp.tickets
      .filter((t) => t.csatScore !== undefined && t.csatScore !== null)
      .map((t) => ({
        ticketId: String(t._id),
        ticketNumber: t.number,
        score: t.csatScore,
        comment: t.csatComment ?? null,
        at: t.csatAt ?? null,
      })),
    suggestions,
    // What the channels and features keep (email threads, SMS opt-outs, web chat files, the
    // learning loop's questions), each under its own keys.
    ...(Object.assign({}, ...held) as Record<string, unknown>),
    /** Agents' internal notes on the tickets (they are about the person too). */
    notes,
    auditEvents: audit.events,
    auditTruncated: audit.truncated,
  };
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
  return deps.locks.withLock(`contact.${String(id)}`, async () => {
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
      if (typeof m.deliveryError === 'string')
        set['deliveryError'] = scrub(m.deliveryError, needles);
      await models.Message.updateOne({ _id: m._id }, { $set: set });
    }
    const attachments = await db.collection('attachments').deleteMany({
      messageKey: { $in: messageIds },
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

    const suggestions = await models.Suggestion.deleteMany({ ticketId: { $in: ticketIds } });
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
          $unset: { name: 1 },
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
