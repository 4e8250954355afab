import { Schema, type Connection, type Model } from 'mongoose';

/**
 * A Slack message the desk posted outside the card threads (a supervisors alert, a DM to an agent,
 * an offer), `_id` = its idempotency key, e.g. `offer.<ticket>.<agent>`. Found by _id only
 * (FerretDB 1.x pushes only _id equality down), so "was it posted already?" is one lookup.
 */
export interface DeskPostDoc {
  _id: string;
  channel: string;
  ts: string;
  /** What the post shows now, e.g. `open` / `lapsed` for an offer. */
  state?: string;
}

const postSchema = new Schema<DeskPostDoc>(
  {
    _id: String,
    channel: { type: String, required: true },
    ts: { type: String, required: true },
    state: { type: String },
  },
  { timestamps: true },
);

/** Registers (once per connection) the desk's post records, collection `desk_posts`. */
export function registerDeskPosts(connection: Connection): Model<DeskPostDoc> {
  return (
    (connection.models['DeskPost'] as Model<DeskPostDoc> | undefined) ??
    connection.model<DeskPostDoc>('DeskPost', postSchema, 'desk_posts')
  );
}
