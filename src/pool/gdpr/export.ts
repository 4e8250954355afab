import type { Types } from 'mongoose';
import type { PersonalDataHolder } from '../../domain/personal-data.ts';
import type { PoolModels } from '../models.ts';
import { auditEventsAbout, footprint, subjectOf } from './footprint.ts';

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
  const [attachments, identityLinks, suggestions, notes, mergeSuggestions, ...held] =
    await Promise.all([
      models.Ticket.db
        .collection('attachments')
        .find(
          {
            $or: [
              { messageKey: { $in: messageIds } },
              { ticketId: { $in: ticketIds.map(String) } },
            ],
          },
          { projection: { content: 0 } },
        )
        .toArray(),
      models.ContactIdentity.find({ contactId: { $in: fp.contactIds } }).lean(),
      // The learning loop's suggested answers (src/knowledge/models.ts) quote the tickets: read
      // through the connection, since the pool does not import the feature that owns the model.
      models.Ticket.db
        .collection('suggestions')
        .find({ ticketId: { $in: ticketIds } })
        .toArray(),
      models.TicketNote.find({ ticketId: { $in: ticketIds } }).lean(),
      models.MergeSuggestion.find({ contactIds: { $in: fp.contactIds } }).lean(),
      ...holders.map((holder) => holder.export(subject)),
    ]);
  const audit = await auditEventsAbout(models, fp);
  return {
    exportedAt: new Date(),
    contact: fp.contact,
    /** Contacts merged into this one: their own names and identities, and what the merge moved. */
    mergedContacts: fp.merged,
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
    /** Files agents uploaded for replies on the tickets (without their bytes). */
    replyFiles: attachments.filter((a) => typeof a['ticketId'] === 'string'),
    // What the channels and features keep (email threads, SMS opt-outs, web chat files, the
    // learning loop's questions), each under its own keys.
    ...(Object.assign({}, ...held) as Record<string, unknown>),
    /** Agents' internal notes on the tickets (they are about the person too). */
    notes,
    /**
     * That an agent was asked whether this person is another contact, and why — not who or by
     * which address: those may be someone else's (a claimed email another contact owns).
     */
    mergeSuggestions: mergeSuggestions.map((s) => ({
      reason: s.reason,
      status: s.status,
      createdAt: s.createdAt,
    })),
    auditEvents: audit.events,
    auditTruncated: audit.truncated,
  };
}
