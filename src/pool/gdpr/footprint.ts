import { Types } from 'mongoose';
import { SwitchboardError } from '../../domain/errors.ts';
import { SCOPED_IDENTITY_KINDS } from '../../domain/message.ts';
import { escapeRegex } from '../../domain/regex.ts';
import type { PersonalDataSubject } from '../../domain/personal-data.ts';
import { mergedFamily, survivorIdOf } from '../contact-merge.ts';
import type { ContactDoc, MessageDoc, PoolModels, TicketDoc } from '../models.ts';

/** What replaces erased text. */
export const ERASED = '[erased]';
/** Most audit events one export or erasure looks through for the contact's identities. */
export const GDPR_AUDIT_SCAN_MAX = 100_000;

/** Everything the erasure and the export need to know about one contact. */
export interface ContactFootprint {
  /** The survivor: the contact asked for, or the one it was merged into. */
  contact: ContactDoc;
  /** Contacts merged into it. */
  merged: ContactDoc[];
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

/**
 * The person's footprint. A contact merged into another is the same person as its survivor, and
 * its tickets and links live there now: the footprint is the survivor's, with every contact merged
 * into it (through chains of merges too).
 */
export async function footprint(models: PoolModels, id: Types.ObjectId): Promise<ContactFootprint> {
  if (!(await models.Contact.exists({ _id: id })))
    throw new SwitchboardError('SB_ERR_NOT_FOUND', 'no such contact');
  const [contact, ...merged] = await mergedFamily(models, await survivorIdOf(models, id));
  if (!contact) throw new SwitchboardError('SB_ERR_NOT_FOUND', 'no such contact');
  const contactIds = [contact._id, ...merged.map((c) => c._id)];
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
    if (SCOPED_IDENTITY_KINDS.has(kind)) {
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
    merged,
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
export function subjectOf(fp: ContactFootprint): PersonalDataSubject {
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
export function mentions(value: unknown, needles: readonly string[]): boolean {
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

/** Audit events about the contact: its own and its tickets' subjects, or naming its identities. */
export async function auditEventsAbout(
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
