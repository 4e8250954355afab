import { Schema, type Connection, type Model, type Types } from 'mongoose';

/** Where a note was written: a `//` reply in the Slack card's thread, or the console's note box. */
export const NOTE_SOURCES = ['slack', 'console'] as const;
export type NoteSource = (typeof NOTE_SOURCES)[number];

/**
 * An internal note on a ticket: never sent to the customer, shown to agents in Slack and in the
 * console. `_id` is the idempotency key of the act that wrote it (`slack.<channel>.<ts>`,
 * `console.<request id>`), so a retried job or request stores it once.
 */
export interface TicketNoteDoc {
  _id: string;
  ticketId: Types.ObjectId;
  /** The agent's record id, or the console account for an admin who is not an agent. */
  authorId: string;
  authorName: string;
  source: NoteSource;
  text: string;
  /**
   * Why an agent's thread reply became a note instead of reaching the customer (someone else holds
   * the ticket, it is closed…); unset for a note written as one.
   */
  notSentBecause?: string;
  createdAt?: Date;
}

/** Notes are short internal remarks; longer text is cut here rather than refused mid-thread. */
export const MAX_NOTE_CHARS = 4_000;

const noteSchema = new Schema<TicketNoteDoc>(
  {
    _id: String,
    ticketId: { type: Schema.Types.ObjectId, required: true },
    authorId: { type: String, required: true },
    authorName: { type: String, required: true },
    source: { type: String, enum: NOTE_SOURCES, required: true },
    text: { type: String, required: true },
    notSentBecause: { type: String },
  },
  { timestamps: true },
);
noteSchema.index({ ticketId: 1, createdAt: 1 });

/** Registers (once per connection) the notes collection, `ticket_notes`. */
export function registerNoteModel(connection: Connection): Model<TicketNoteDoc> {
  return (
    (connection.models['TicketNote'] as Model<TicketNoteDoc> | undefined) ??
    connection.model<TicketNoteDoc>('TicketNote', noteSchema, 'ticket_notes')
  );
}

/**
 * Stores a note once per key (a repeated key changes nothing) and returns it, with `created`
 * saying whether this call stored it (so only the first one is announced elsewhere).
 */
export async function addNote(
  notes: Model<TicketNoteDoc>,
  note: Omit<TicketNoteDoc, 'createdAt'>,
): Promise<{ note: TicketNoteDoc; created: boolean }> {
  const text = note.text.slice(0, MAX_NOTE_CHARS);
  const result = await notes.updateOne(
    { _id: note._id },
    { $setOnInsert: { ...note, text } },
    { upsert: true },
  );
  const stored = await notes.findById(note._id).lean<TicketNoteDoc>();
  if (!stored) throw new Error(`note ${note._id} was not stored`);
  return { note: stored, created: result.upsertedCount > 0 };
}

/** A ticket's notes, oldest first (bounded: a ticket with more shows its latest 200). */
export async function listNotes(
  notes: Model<TicketNoteDoc>,
  ticketId: Types.ObjectId,
): Promise<TicketNoteDoc[]> {
  const latest = await notes
    .find({ ticketId })
    .sort({ createdAt: -1 })
    .limit(200)
    .lean<TicketNoteDoc[]>();
  return latest.reverse();
}
