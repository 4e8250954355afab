import { Schema, type Connection, type Model, Types } from 'mongoose';
import { SwitchboardError } from '../domain/errors.ts';
import type { Identity } from '../domain/message.ts';

/** Why two contacts may be one person, as the linking code saw it. */
export const MERGE_REASONS = [
  // An unverified sighting (an email without DKIM/DMARC pass) of an identity another contact owns
  // verified: never linked silently.
  'unverified-sighting',
  // A customer typed an identity (pre-chat form) that another contact owns.
  'claimed-identity',
  // An identity a channel vouched for (an integration, a signed web-chat user, a Slack profile)
  // is another contact's already.
  'vouched-identity',
] as const;
export type MergeReason = (typeof MERGE_REASONS)[number];

export const MERGE_SUGGESTION_STATUSES = ['open', 'merged', 'dismissed'] as const;
export type MergeSuggestionStatus = (typeof MERGE_SUGGESTION_STATUSES)[number];

/**
 * "These two contacts may be one person": shown to agents, who merge or dismiss. `_id` is
 * `<lower contact id>.<higher contact id>`, so one pair has one suggestion however often linking
 * meets it (the first reason and identity are kept; `seen` counts the meetings — a sender's later
 * messages, on the hot path, are not counted).
 */
export interface MergeSuggestionDoc {
  _id: string;
  contactIds: [Types.ObjectId, Types.ObjectId];
  identity: { kind: string; value: string };
  reason: MergeReason;
  status: MergeSuggestionStatus;
  seen: number;
  decidedBy?: string;
  decidedAt?: Date;
  createdAt?: Date;
  updatedAt?: Date;
}

const suggestionSchema = new Schema<MergeSuggestionDoc>(
  {
    _id: String,
    contactIds: { type: [Schema.Types.ObjectId], required: true, index: true },
    identity: { type: new Schema({ kind: String, value: String }, { _id: false }), required: true },
    reason: { type: String, enum: MERGE_REASONS, required: true },
    status: { type: String, enum: MERGE_SUGGESTION_STATUSES, required: true, default: 'open' },
    seen: { type: Number },
    decidedBy: { type: String },
    decidedAt: { type: Date },
  },
  { timestamps: true },
);
suggestionSchema.index({ status: 1, updatedAt: -1 });

/** Registers (once per connection) the `merge_suggestions` collection. */
export function registerMergeSuggestionModel(connection: Connection): Model<MergeSuggestionDoc> {
  return (
    (connection.models['MergeSuggestion'] as Model<MergeSuggestionDoc> | undefined) ??
    connection.model<MergeSuggestionDoc>('MergeSuggestion', suggestionSchema, 'merge_suggestions')
  );
}

export function suggestionId(a: Types.ObjectId, b: Types.ObjectId): string {
  const [low, high] = [String(a), String(b)].sort();
  return `${low}.${high}`;
}

/**
 * Records (idempotently, one upsert by _id) that `contactId` and `otherContactId` may be one
 * person because of `identity`. A dismissed or merged pair stays as decided; only `seen` grows.
 */
export async function suggestMerge(
  suggestions: Model<MergeSuggestionDoc>,
  input: {
    contactId: Types.ObjectId;
    otherContactId: Types.ObjectId;
    identity: Identity;
    reason: MergeReason;
  },
): Promise<void> {
  if (input.contactId.equals(input.otherContactId)) return;
  const ids = [input.contactId, input.otherContactId].sort((a, b) =>
    String(a).localeCompare(String(b)),
  ) as [Types.ObjectId, Types.ObjectId];
  await suggestions.updateOne(
    { _id: suggestionId(input.contactId, input.otherContactId) },
    {
      $setOnInsert: {
        contactIds: ids.map((id) => new Types.ObjectId(String(id))),
        identity: { kind: input.identity.kind, value: input.identity.value },
        reason: input.reason,
        status: 'open',
      },
      $inc: { seen: 1 },
    },
    { upsert: true },
  );
}

/** Most suggestions one page lists. */
export const SUGGESTION_PAGE_MAX = 100;

/** A contact as a suggestion shows it: enough for an agent to tell the two apart. */
export interface SuggestedContact {
  id: string;
  name: string | null;
  identities: Array<{ kind: string; value: string; verified: boolean | null }>;
  mergedInto: string | null;
}

/** A suggestion as the admin API lists it. */
export interface SuggestionView {
  id: string;
  reason: MergeReason;
  status: MergeSuggestionStatus;
  identity: { kind: string; value: string };
  seen: number;
  contacts: SuggestedContact[];
  decidedBy: string | null;
  decidedAt: Date | null;
  createdAt: Date | null;
  updatedAt: Date | null;
}

export type ContactLike = {
  _id: Types.ObjectId;
  name?: string | null;
  identities: Array<{ kind: string; value: string; verified?: boolean | null }>;
  mergedInto?: Types.ObjectId | null;
};

/** Reads contacts by _id (the pool's Contact model, kept out of this module's imports). */
export type ContactsById = (ids: string[]) => Promise<ContactLike[]>;

/** Suggestions with their two contacts, each read once by _id. */
export async function suggestionViews(
  contactsById: ContactsById,
  docs: readonly MergeSuggestionDoc[],
): Promise<SuggestionView[]> {
  const ids = [...new Set(docs.flatMap((d) => d.contactIds.map(String)))];
  const found = ids.length === 0 ? [] : await contactsById(ids);
  const byId = new Map(found.map((c) => [String(c._id), c]));
  return docs.map((d) => ({
    id: d._id,
    reason: d.reason,
    status: d.status,
    identity: { kind: d.identity.kind, value: d.identity.value },
    seen: d.seen ?? 1,
    contacts: d.contactIds.flatMap((id) => {
      const c = byId.get(String(id));
      return c
        ? [
            {
              id: String(c._id),
              name: c.name ?? null,
              identities: c.identities.map((i) => ({
                kind: i.kind,
                value: i.value,
                verified: i.verified ?? null,
              })),
              mergedInto: c.mergedInto ? String(c.mergedInto) : null,
            },
          ]
        : [];
    }),
    decidedBy: d.decidedBy ?? null,
    decidedAt: d.decidedAt ?? null,
    createdAt: d.createdAt ?? null,
    updatedAt: d.updatedAt ?? null,
  }));
}

/** One page of suggestions in a status, the most recently seen first (the status index). */
export async function listSuggestions(
  suggestions: Model<MergeSuggestionDoc>,
  contactsById: ContactsById,
  query: { status: MergeSuggestionStatus; limit: number; offset: number },
): Promise<{ total: number; suggestions: SuggestionView[] }> {
  const filter = { status: query.status };
  const [total, docs] = await Promise.all([
    suggestions.countDocuments(filter),
    suggestions
      .find(filter)
      .sort({ updatedAt: -1 })
      .skip(query.offset)
      .limit(Math.min(query.limit, SUGGESTION_PAGE_MAX))
      .lean(),
  ]);
  return { total, suggestions: await suggestionViews(contactsById, docs) };
}

/**
 * Dismisses an open suggestion ("two people"). Dismissing it again changes nothing; a merged one
 * is refused (unmerge the contact instead).
 */
export async function dismissSuggestion(
  suggestions: Model<MergeSuggestionDoc>,
  id: string,
  by: string,
): Promise<MergeSuggestionDoc> {
  await suggestions.updateOne(
    { _id: id, status: 'open' },
    { $set: { status: 'dismissed', decidedBy: by, decidedAt: new Date() } },
  );
  const after = (await suggestions.findById(id).lean()) as MergeSuggestionDoc | null;
  if (!after) throw new SwitchboardError('SB_ERR_NOT_FOUND', 'no such merge suggestion');
  if (after.status === 'merged')
    throw new SwitchboardError('SB_ERR_CONFLICT', 'the contacts were merged: unmerge instead');
  return after;
}
