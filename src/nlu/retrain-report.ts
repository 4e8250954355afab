/**
 * The learning report, per retrain (issue 17 item 2): each time a locale's model is trained, one
 * record of what it was trained with and how it does on a held-out slice of real questions, beside
 * the model it replaces, so the effect of collected negatives is visible week over week.
 *
 * The held-out slice is made of questions no model was trained on:
 * - in scope: customers' questions they confirmed an article answers (src/nlu/confirmed.ts);
 * - out of scope: questions awaiting review that the bot handed over and an agent answered with
 *   something the knowledge base does not contain (`agent-answered`, pending).
 * A question that became training data (an article's question, a kept negative) leaves the slice.
 */
import { setImmediate } from 'node:timers/promises';
import { Schema, type Connection, type Model } from 'mongoose';
import type { Logger } from 'pino';
import { OOS_INTENT, type IntentModel, type LabeledUtterance } from '../../intents/index.ts';
import type { ConfirmedDoc } from './confirmed.ts';
import type { NegativeDoc } from './negatives.ts';

/** At most this many questions of each half of the slice (the newest). */
export const HELD_OUT_MAX = 500;

/** How a model does on the held-out slice, at its own threshold (direct answers only). */
export interface SliceMetrics {
  questions: number;
  inScope: number;
  answered: number;
  right: number;
  /** Right answers / answers given; null when it answered nothing. */
  answerPrecision: number | null;
  /** Right answers / in-scope questions; null without in-scope questions. */
  selfService: number | null;
  /** Wrong answers per 100 questions; null without questions. */
  wrongAnswersPer100: number | null;
}

export interface RetrainReportDoc {
  /** `<locale>.<knowledge hash>`: one record per trained model. */
  _id: string;
  locale: string;
  hash: string;
  /** The model it replaces (the locale's previous training), if any. */
  previousHash: string | null;
  trainedAt: Date;
  trainSeconds: number;
  articles: number;
  /** Collected negatives trained as `oos`. */
  negatives: number;
  threshold: number;
  /** What the model expects at its threshold, from its own held-out calibration predictions. */
  expectedPrecision: number | null;
  answerRate: number | null;
  heldOut: { inScope: number; outOfScope: number };
  /** The previous model on the same slice; null when there was none (or it cannot be loaded). */
  before: SliceMetrics | null;
  after: SliceMetrics;
}

const reportSchema = new Schema<RetrainReportDoc>(
  {
    _id: String,
    locale: { type: String, required: true },
    hash: { type: String, required: true },
    previousHash: { type: String, default: null },
    trainedAt: { type: Date, required: true },
    trainSeconds: { type: Number, required: true },
    articles: { type: Number, required: true },
    negatives: { type: Number, required: true },
    threshold: { type: Number, required: true },
    expectedPrecision: { type: Number, default: null },
    answerRate: { type: Number, default: null },
    heldOut: { type: Schema.Types.Mixed, required: true },
    before: { type: Schema.Types.Mixed, default: null },
    after: { type: Schema.Types.Mixed, required: true },
  },
  { versionKey: false },
);
reportSchema.index({ trainedAt: -1 });

/** Registers (once per connection) the reports, collection `kb_retrain_reports`. */
export function registerRetrainReports(connection: Connection): Model<RetrainReportDoc> {
  return (
    (connection.models['KbRetrainReport'] as Model<RetrainReportDoc> | undefined) ??
    connection.model<RetrainReportDoc>('KbRetrainReport', reportSchema, 'kb_retrain_reports')
  );
}

function normalized(text: string): string {
  return text.normalize('NFKC').toLowerCase().replace(/\s+/g, ' ').trim();
}

/** Classifications between two yields to the event loop (see sliceMetrics). */
const YIELD_EVERY = 20;

/**
 * The model's answers on the slice, at its own threshold. Classifying runs on the worker's event
 * loop, which also answers customers: it yields every few questions, so up to 1,000 questions per
 * model never hold a customer's message for more than a few classifications.
 */
export async function sliceMetrics(
  model: IntentModel,
  slice: readonly LabeledUtterance[],
): Promise<SliceMetrics> {
  let answered = 0;
  let right = 0;
  let inScope = 0;
  for (const [i, q] of slice.entries()) {
    if (i % YIELD_EVERY === YIELD_EVERY - 1) await setImmediate();
    if (q.intent !== OOS_INTENT) inScope += 1;
    const predicted = model.classify(q.text).intent;
    if (predicted === null) continue;
    answered += 1;
    if (predicted === q.intent) right += 1;
  }
  return {
    questions: slice.length,
    inScope,
    answered,
    right,
    answerPrecision: answered === 0 ? null : right / answered,
    selfService: inScope === 0 ? null : right / inScope,
    wrongAnswersPer100: slice.length === 0 ? null : (100 * (answered - right)) / slice.length,
  };
}

/** What a training hands the reporter. */
export interface TrainedModel {
  locale: string;
  hash: string;
  trainedAt: Date;
  trainSeconds: number;
  articleIds: readonly string[];
  /** Every training utterance (articles' titles and questions, conversational, negatives). */
  trainTexts: readonly string[];
  negatives: number;
  model: IntentModel;
  /** The locale's previous model, when there is one that loads. */
  previous: { hash: string; model: IntentModel } | null;
}

/** Stores a locale's learning report after a training (see createRetrainReporter). */
export type RetrainReporter = (trained: TrainedModel) => Promise<void>;

/** The held-out slice of a locale: labelled real questions none of `trainTexts` repeats. */
export async function heldOutSlice(
  stores: { confirmed: Model<ConfirmedDoc>; negatives: Model<NegativeDoc> },
  locale: string,
  articleIds: ReadonlySet<string>,
  trainTexts: ReadonlySet<string>,
): Promise<LabeledUtterance[]> {
  const confirmed = await stores.confirmed
    .find({ locale }, { text: 1, articleId: 1 })
    .sort({ updatedAt: -1 })
    .limit(HELD_OUT_MAX)
    .lean<Array<{ text: string; articleId: string }>>();
  const uncovered = await stores.negatives
    .find({ locale, status: 'pending', source: 'agent-answered' }, { text: 1 })
    .sort({ updatedAt: -1 })
    .limit(HELD_OUT_MAX)
    .lean<Array<{ text: string }>>();
  const unseen = (text: string) => !trainTexts.has(normalized(text));
  return [
    ...confirmed
      .filter((c) => articleIds.has(c.articleId) && unseen(c.text))
      .map((c) => ({ text: c.text, intent: c.articleId })),
    ...uncovered.filter((n) => unseen(n.text)).map((n) => ({ text: n.text, intent: OOS_INTENT })),
  ].sort((a, b) => (a.text < b.text ? -1 : a.text > b.text ? 1 : 0));
}

/** The reporter of a gateway: measures both models on the slice and stores the record. */
export function createRetrainReporter(deps: {
  confirmed: Model<ConfirmedDoc>;
  negatives: Model<NegativeDoc>;
  reports: Model<RetrainReportDoc>;
  logger?: Logger | undefined;
}): RetrainReporter {
  return async (t) => {
    const slice = await heldOutSlice(
      deps,
      t.locale,
      new Set(t.articleIds),
      new Set(t.trainTexts.map(normalized)),
    );
    const inScope = slice.filter((q) => q.intent !== OOS_INTENT).length;
    const report: RetrainReportDoc = {
      _id: `${t.locale}.${t.hash}`,
      locale: t.locale,
      hash: t.hash,
      previousHash: t.previous?.hash ?? null,
      trainedAt: t.trainedAt,
      trainSeconds: t.trainSeconds,
      articles: t.articleIds.length,
      negatives: t.negatives,
      threshold: t.model.threshold,
      expectedPrecision: t.model.calibration.expectedPrecision,
      answerRate: t.model.calibration.answerRate,
      heldOut: { inScope, outOfScope: slice.length - inScope },
      before: t.previous ? await sliceMetrics(t.previous.model, slice) : null,
      after: await sliceMetrics(t.model, slice),
    };
    await deps.reports.replaceOne({ _id: report._id }, report, { upsert: true });
    deps.logger?.info(
      { locale: t.locale, hash: t.hash, heldOut: slice.length, after: report.after },
      'learning report stored',
    );
  };
}

/** The reports, newest first. */
export async function listRetrainReports(
  reports: Model<RetrainReportDoc>,
  filter: { locale?: string | undefined; limit: number },
): Promise<RetrainReportDoc[]> {
  return reports
    .find(filter.locale ? { locale: filter.locale } : {})
    .sort({ trainedAt: -1 })
    .limit(filter.limit)
    .lean<RetrainReportDoc[]>();
}
