import type { Types } from 'mongoose';
import { IDENTITY_KINDS } from '../../domain/message.ts';
import { escapeRegex } from '../../domain/regex.ts';
import type { ContactDoc, PoolModels } from '../models.ts';

/** Most contacts one search returns. */
export const CONTACT_SEARCH_LIMIT = 25;

/** A contact as the search lists it. */
export interface ContactSummary {
  id: string;
  name: string | null;
  identities: Array<{ kind: string; value: string; verified: boolean }>;
  erasedAt: Date | null;
  createdAt: Date | null;
}

function summary(c: ContactDoc): ContactSummary {
  const attributes = (c.attributes ?? {}) as { gdprErasedAt?: unknown };
  return {
    id: String(c._id),
    name: c.name ?? null,
    identities: c.identities.map((i) => ({
      kind: i.kind,
      value: i.value,
      verified: i.verified !== false,
    })),
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
