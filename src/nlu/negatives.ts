/**
 * Questions the knowledge base does not cover, collected from real conversations (issue 17 item
 * 2), of two kinds: a question whose answer the customer said did not help (`unhelpful`), and a
 * question the bot handed over because nothing matched that an agent then answered with something
 * the knowledge base does not contain (`agent-answered`, src/nlu/agent-answers.ts; the agent's
 * answer is attached, ready to become an article). Each waits in a review queue; an
 * admin keeps it (it is then trained as the intent model's `oos` class, so the bot hands such
 * questions over instead of answering them wrongly), drops it, or turns it into an article or an
 * extra question of one (it is then a positive example instead).
 */
import { createHash } from 'node:crypto';
import { Schema, type Connection, type Model, type Types } from 'mongoose';
import { SwitchboardError } from '../domain/errors.ts';
import { MAX_NEGATIVES, type NegativesSource } from './training-set.ts';

export const NEGATIVE_STATUSES = ['pending', 'kept', 'dropped', 'converted'] as const;
export type NegativeStatus = (typeof NEGATIVE_STATUSES)[number];

/** Why a question was collected (its kind, as the console shows it). */
export const NEGATIVE_SOURCES = ['unhelpful', 'agent-answered'] as const;
export type NegativeSource = (typeof NEGATIVE_SOURCES)[number];

/** Questions longer than this are cut: a negative is a question, not a mail. */
export const MAX_NEGATIVE_CHARS = 500;

/** The most characters of an agent's answer kept with a question (an article's draft). */
export const MAX_AGENT_ANSWER_CHARS = 4000;

/** What an agent answered to a collected question, on the ticket it was last answered on. */
export interface AgentAnswer {
  text: string;
  agentName?: string;
  ticketId: Types.ObjectId;
  at: Date;
}

export interface NegativeDoc {
  /** `<locale>.<sha256 of the normalized text>`: one record per question however often asked. */
  _id: string;
  locale: string;
  text: string;
  /** The first reason it was collected; a later one of the other kind keeps it. */
  source: NegativeSource;
  /** The article the customer said did not help. */
  articleId?: string;
  /**
   * An agent's answer to the question, the newest ticket's (any kind: a question an agent
   * answered after an unhelpful article carries it too).
   */
  agentAnswer?: AgentAnswer;
  ticketId: Types.ObjectId;
  status: NegativeStatus;
  /** How often it was collected. */
  count: number;
  reviewedBy?: string;
  reviewedAt?: Date;
  /** Where a converted question went (`<id>.<locale>`). */
  articleKey?: string;
  createdAt?: Date;
}

const negativeSchema = new Schema<NegativeDoc>(
  {
    _id: String,
    locale: { type: String, required: true },
    text: { type: String, required: true },
    source: { type: String, enum: NEGATIVE_SOURCES, required: true },
    articleId: { type: String },
    agentAnswer: {
      type: new Schema<AgentAnswer>(
        {
          text: { type: String, required: true },
          agentName: { type: String },
          ticketId: { type: Schema.Types.ObjectId, required: true },
          at: { type: Date, required: true },
        },
        { _id: false },
      ),
    },
    ticketId: { type: Schema.Types.ObjectId, required: true },
    status: { type: String, enum: NEGATIVE_STATUSES, required: true },
    count: { type: Number, default: 1 },
    reviewedBy: { type: String },
    reviewedAt: { type: Date },
    articleKey: { type: String },
  },
  { timestamps: true },
);
negativeSchema.index({ locale: 1, status: 1, updatedAt: -1 });

/** Registers (once per connection) the review queue, collection `kb_negatives`. */
export function registerNegatives(connection: Connection): Model<NegativeDoc> {
  return (
    (connection.models['KbNegative'] as Model<NegativeDoc> | undefined) ??
    connection.model<NegativeDoc>('KbNegative', negativeSchema, 'kb_negatives')
  );
}

function negativeId(locale: string, text: string): string {
  const normalized = text.normalize('NFKC').toLowerCase().replace(/\s+/g, ' ').trim();
  return `${locale}.${createHash('sha256').update(normalized).digest('hex').slice(0, 32)}`;
}

/** Adds a question to the review queue (a repeat only counts); a reviewed one stays reviewed. */
export async function collectNegative(
  negatives: Model<NegativeDoc>,
  input: { locale: string; text: string; articleId?: string | undefined; ticketId: Types.ObjectId },
): Promise<void> {
  const text = input.text.trim().slice(0, MAX_NEGATIVE_CHARS);
  if (!text) return;
  await negatives.updateOne(
    { _id: negativeId(input.locale, text) },
    {
      $setOnInsert: {
        locale: input.locale,
        text,
        source: 'unhelpful',
        ticketId: input.ticketId,
        status: 'pending',
        ...(input.articleId ? { articleId: input.articleId } : {}),
      },
      $inc: { count: 1 },
    },
    { upsert: true },
  );
}

/**
 * Adds a question an agent answered to the review queue with the agent's answer. A further reply
 * on the same ticket, or a retry, only replaces the answer; `count` goes up for a ticket that is
 * neither the one that collected the question nor the last one answered (so a ticket answered
 * again after another ticket's answer counts twice: the record keeps no list of tickets). A
 * question already queued, of either kind, gets the answer attached and keeps its kind and status.
 */
export async function collectAgentAnswered(
  negatives: Model<NegativeDoc>,
  input: {
    locale: string;
    text: string;
    ticketId: Types.ObjectId;
    answer: string;
    agentName?: string | undefined;
    at: Date;
  },
): Promise<void> {
  const text = input.text.trim().slice(0, MAX_NEGATIVE_CHARS);
  const answer = input.answer.trim().slice(0, MAX_AGENT_ANSWER_CHARS);
  if (!text || !answer) return;
  const _id = negativeId(input.locale, text);
  const agentAnswer: AgentAnswer = {
    text: answer,
    ticketId: input.ticketId,
    at: input.at,
    ...(input.agentName ? { agentName: input.agentName } : {}),
  };
  try {
    // Counted when this ticket has not counted yet (neither collected it nor answered it before).
    await negatives.updateOne(
      { _id, ticketId: { $ne: input.ticketId }, 'agentAnswer.ticketId': { $ne: input.ticketId } },
      {
        $setOnInsert: {
          locale: input.locale,
          text,
          source: 'agent-answered',
          ticketId: input.ticketId,
          status: 'pending',
        },
        $set: { agentAnswer },
        $inc: { count: 1 },
      },
      { upsert: true },
    );
  } catch (error) {
    if ((error as { code?: unknown }).code !== 11000) throw error;
    // This ticket counted already: the upsert's insert met the existing record.
    await negatives.updateOne({ _id }, { $set: { agentAnswer } });
  }
}

/** The training's NegativesSource: the kept questions of a locale, newest first, bounded. */
export function keptNegatives(negatives: Model<NegativeDoc>): NegativesSource {
  return async (locale) =>
    (
      await negatives
        .find({ locale, status: 'kept' }, { text: 1 })
        .sort({ reviewedAt: -1 })
        .limit(MAX_NEGATIVES)
        .lean<Array<{ text: string }>>()
    )
      .map((n) => n.text)
      .sort();
}

export async function listNegatives(
  negatives: Model<NegativeDoc>,
  filter: {
    status: NegativeStatus;
    source?: NegativeSource | undefined;
    locale?: string | undefined;
    limit: number;
  },
): Promise<NegativeDoc[]> {
  return negatives
    .find({
      status: filter.status,
      ...(filter.source ? { source: filter.source } : {}),
      ...(filter.locale ? { locale: filter.locale } : {}),
    })
    .sort({ updatedAt: -1 })
    .limit(filter.limit)
    .lean<NegativeDoc[]>();
}

/** Records an admin's decision on a pending (or earlier reviewed) question; 404 when unknown. */
export async function reviewNegative(
  negatives: Model<NegativeDoc>,
  id: string,
  status: Exclude<NegativeStatus, 'pending'>,
  by: string,
  articleKey?: string,
): Promise<NegativeDoc> {
  const updated = await negatives
    .findOneAndUpdate(
      { _id: id },
      {
        $set: {
          status,
          reviewedBy: by,
          reviewedAt: new Date(),
          ...(articleKey ? { articleKey } : {}),
        },
      },
      { returnDocument: 'after' },
    )
    .lean<NegativeDoc>();
  if (!updated) throw new SwitchboardError('SB_ERR_NOT_FOUND', 'no such question in the queue');
  return updated;
}
