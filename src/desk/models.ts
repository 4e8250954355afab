import { Schema, type Connection, type Model, type Types } from 'mongoose';

// The Slack desk's own collections, registered on the pool's connection (pool.models.Ticket.db).
// Every lookup is by _id: FerretDB 1.x scans the collection for any other filter.

/** The one card a ticket has in the agents channel, `_id` = the ticket id. */
export interface DeskCardDoc {
  _id: string;
  channel: string;
  ts: string;
  /** The ticket status the card last showed, so a change (e.g. a reopen) is noticed. */
  status?: string;
}

/** The reverse map for thread replies, `_id` = `<channel>.<card ts>` → the ticket. */
export interface DeskThreadDoc {
  _id: string;
  ticketId: string;
}

/** An agent's Slack identity, `_id` = `slack:<user id>` → the Agent record. */
export interface DeskAgentLinkDoc {
  _id: string;
  agentId: Types.ObjectId;
}

const cardSchema = new Schema<DeskCardDoc>(
  {
    _id: String,
    channel: { type: String, required: true },
    ts: { type: String, required: true },
    status: { type: String },
  },
  { timestamps: true },
);
const threadSchema = new Schema<DeskThreadDoc>(
  { _id: String, ticketId: { type: String, required: true } },
  { timestamps: true },
);
const agentLinkSchema = new Schema<DeskAgentLinkDoc>(
  { _id: String, agentId: { type: Schema.Types.ObjectId, required: true } },
  { timestamps: true },
);

export interface DeskModels {
  DeskCard: Model<DeskCardDoc>;
  DeskThread: Model<DeskThreadDoc>;
  DeskAgentLink: Model<DeskAgentLinkDoc>;
}

/** Registers (once per connection) the desk's models. */
export function registerDeskModels(connection: Connection): DeskModels {
  const get = <T>(name: string, schema: Schema<T>, collection: string): Model<T> =>
    (connection.models[name] as Model<T> | undefined) ??
    connection.model<T>(name, schema, collection);
  return {
    DeskCard: get('DeskCard', cardSchema, 'desk_cards'),
    DeskThread: get('DeskThread', threadSchema, 'desk_threads'),
    DeskAgentLink: get('DeskAgentLink', agentLinkSchema, 'desk_agent_links'),
  };
}
