/**
 * Everything the console's contact page shows about one contact: its identities and attributes,
 * the contacts merged into it, the tickets of all of them on every channel, and the open merge
 * suggestions. Each read is by _id or on an index (tickets by contactId, contacts by mergedInto,
 * suggestions by contactIds): on FerretDB any other filter scans its collection.
 */
import type { Types } from 'mongoose';
import { SwitchboardError } from '../domain/errors.ts';
import { mergedFamily } from './contact-merge.ts';
import { suggestionViews, type ContactsById, type SuggestionView } from './merge-suggestions.ts';
import type { ContactDoc, PoolModels } from './models.ts';

/** Most tickets the timeline lists (the newest); `ticketsTruncated` says when there are more. */
export const CONTACT_TIMELINE_MAX = 200;
/** Most open suggestions the page lists. */
export const CONTACT_SUGGESTIONS_MAX = 50;

type IdentityView = { kind: string; value: string; verified: boolean | null };

export interface ContactPage {
  contact: {
    id: string;
    name: string | null;
    identities: IdentityView[];
    attributes: Record<string, unknown>;
    /** Set when this contact was merged into another: its tickets are that one's now. */
    mergedInto: string | null;
    createdAt: Date | null;
  };
  mergedFrom: Array<{
    id: string;
    name: string | null;
    identities: IdentityView[];
    mergedAt: Date | null;
    mergedBy: string | null;
    /** False for a merge made before merges were recorded: it cannot be undone. */
    canUnmerge: boolean;
  }>;
  tickets: Array<{
    id: string;
    number: number;
    channel: string;
    status: string;
    subject: string | null;
    preview: string | null;
    createdAt: Date | null;
    /** The merged contact the ticket came with, when it did. */
    mergedFrom: string | null;
  }>;
  ticketsTruncated: boolean;
  suggestions: SuggestionView[];
}

const identityViews = (c: ContactDoc): IdentityView[] =>
  c.identities.map((i) => ({ kind: i.kind, value: i.value, verified: i.verified ?? null }));

export async function contactPage(models: PoolModels, id: Types.ObjectId): Promise<ContactPage> {
  const [contact, ...merged] = await mergedFamily(models, id);
  if (!contact) throw new SwitchboardError('SB_ERR_NOT_FOUND', 'no such contact');
  const ids = [contact._id, ...merged.map((c) => c._id)];
  const tickets = await models.Ticket.find(
    { contactId: { $in: ids } },
    { number: 1, channel: 1, status: 1, subject: 1, preview: 1, createdAt: 1 },
  )
    .sort({ createdAt: -1 })
    .limit(CONTACT_TIMELINE_MAX + 1)
    .lean();
  const cameWith = new Map<string, string>();
  for (const c of merged)
    for (const t of c.merge?.ticketIds ?? []) cameWith.set(String(t), String(c._id));
  const suggestions = await models.MergeSuggestion.find({
    contactIds: { $in: ids },
    status: 'open',
  })
    .sort({ updatedAt: -1 })
    .limit(CONTACT_SUGGESTIONS_MAX)
    .lean();
  return {
    contact: {
      id: String(contact._id),
      name: contact.name ?? null,
      identities: identityViews(contact),
      attributes: (contact.attributes ?? {}) as Record<string, unknown>,
      mergedInto: contact.mergedInto ? String(contact.mergedInto) : null,
      createdAt: contact.createdAt ?? null,
    },
    mergedFrom: merged.map((c) => ({
      id: String(c._id),
      name: c.name ?? null,
      identities: identityViews(c),
      mergedAt: c.merge?.at ?? null,
      mergedBy: c.merge?.by ?? null,
      canUnmerge: Boolean(c.merge) && String(c.mergedInto) === String(c.merge?.into),
    })),
    tickets: tickets
      .slice(0, CONTACT_TIMELINE_MAX)
      .map(({ _id, number, channel, status, subject, preview, createdAt }) => ({
        id: String(_id),
        number,
        channel,
        status,
        subject: subject ?? null,
        preview: preview ?? null,
        createdAt: createdAt ?? null,
        mergedFrom: cameWith.get(String(_id)) ?? null,
      })),
    ticketsTruncated: tickets.length > CONTACT_TIMELINE_MAX,
    suggestions: await suggestionViews(contactsById(models), suggestions),
  };
}

/** The contacts reader suggestionViews and listSuggestions take. */
export function contactsById(models: PoolModels): ContactsById {
  return async (ids) => await models.Contact.find({ _id: { $in: ids } }).lean();
}
