import { Schema, type Connection, type Model, Types } from 'mongoose';
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
