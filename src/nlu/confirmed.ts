/**
 * Real customer questions labelled by the customer (issue 17 item 2): the question whose answer
 * they confirmed ("did that answer your question?" — yes) or whose article they picked from "did
 * you mean". Never trained on, they are the in-scope half of the held-out slice that each
 * retrain's learning report measures the models on (src/nlu/retrain-report.ts).
 */
import { createHash } from 'node:crypto';
import { Schema, type Connection, type Model, type Types } from 'mongoose';
import { MAX_NEGATIVE_CHARS } from './negatives.ts';

export interface ConfirmedDoc {
  /** `<locale>.<sha256 of the normalized text>`: one record per question. */
  _id: string;
  locale: string;
  text: string;
  /** The article the customer confirmed (the newest confirmation's). */
  articleId: string;
  ticketId: Types.ObjectId;
  count: number;
  createdAt?: Date;
  updatedAt?: Date;
}

const confirmedSchema = new Schema<ConfirmedDoc>(
  {
    _id: String,
    locale: { type: String, required: true },
    text: { type: String, required: true },
    articleId: { type: String, required: true },
    ticketId: { type: Schema.Types.ObjectId, required: true },
    count: { type: Number, default: 1 },
  },
  { timestamps: true },
);
confirmedSchema.index({ locale: 1, updatedAt: -1 });

/** Registers (once per connection) the confirmed questions, collection `kb_confirmed`. */
export function registerConfirmed(connection: Connection): Model<ConfirmedDoc> {
  return (
    (connection.models['KbConfirmed'] as Model<ConfirmedDoc> | undefined) ??
    connection.model<ConfirmedDoc>('KbConfirmed', confirmedSchema, 'kb_confirmed')
  );
}

function confirmedId(locale: string, text: string): string {
  const normalized = text.normalize('NFKC').toLowerCase().replace(/\s+/g, ' ').trim();
  return `${locale}.${createHash('sha256').update(normalized).digest('hex').slice(0, 32)}`;
}

/** Records a confirmed question (a repeat counts; the newest confirmation's article wins). */
export async function collectConfirmed(
  confirmed: Model<ConfirmedDoc>,
  input: { locale: string; text: string; articleId: string; ticketId: Types.ObjectId },
): Promise<void> {
  const text = input.text.trim().slice(0, MAX_NEGATIVE_CHARS);
  if (!text) return;
  await confirmed.updateOne(
    { _id: confirmedId(input.locale, text) },
    {
      $setOnInsert: { locale: input.locale, text },
      $set: { articleId: input.articleId, ticketId: input.ticketId },
      $inc: { count: 1 },
    },
    { upsert: true },
  );
}
