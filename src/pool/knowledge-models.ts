import { Schema, type Connection, type InferSchemaType } from 'mongoose';
import { ARTICLE_STATUSES } from '../domain/article.ts';

/**
 * The knowledge base's documents. `_id` is `<article id>.<locale>` (e.g. `order-status.en`), so the
 * two language versions of one article are siblings and every lookup is by _id.
 */
const articleSchema = new Schema(
  {
    _id: { type: String },
    articleId: { type: String, required: true },
    locale: { type: String, required: true },
    title: { type: String, required: true },
    questions: { type: [String], default: [] },
    /** The answer as markdown; channels shape it (plain text for SMS, HTML for email). */
    answer: { type: String, required: true },
    tags: { type: [String], default: [] },
    status: { type: String, enum: ARTICLE_STATUSES, required: true, default: 'draft' },
    version: { type: Number, required: true, default: 1 },
    /** Hash of the content fields: an import that changes nothing leaves the article untouched. */
    contentHash: { type: String, required: true },
    updatedBy: { type: String, required: true },
  },
  { timestamps: true },
);
articleSchema.index({ status: 1, locale: 1 });

/**
 * A trained intent model, `_id` = `<locale>.<knowledge hash>`: the hash of the published articles
 * it was trained on (and of the training corpus), so a process finds the model for the knowledge
 * it sees with one _id read, and two trainings of the same knowledge write the same document.
 */
const intentModelSchema = new Schema(
  {
    _id: { type: String },
    locale: { type: String, required: true },
    knowledgeHash: { type: String, required: true },
    /** The serialized model (JSON text: FerretDB refuses keys containing '.'). */
    model: { type: String, required: true },
    /**
     * The published articles it was trained on (JSON text), so answers, titles and the search
     * index are swapped in together with the model that names them.
     */
    articles: { type: String, required: true },
    trainedAt: { type: Date, required: true },
    trainSeconds: { type: Number },
    /**
     * Answer precision the model expects at its threshold and the share of questions it expects
     * to answer (from its calibration), kept beside the model so the console reads them without
     * loading megabytes of model JSON. Absent on models stored before issue 17.
     */
    expectedPrecision: { type: Number },
    answerRate: { type: Number },
    /** Collected negatives it was trained with. */
    negatives: { type: Number },
  },
  { versionKey: false },
);

/** Registers the knowledge-base models on a connection (called by registerModels). */
export function registerKnowledgeModels(connection: Connection) {
  return {
    Article: connection.model('Article', articleSchema),
    IntentModelRecord: connection.model('IntentModelRecord', intentModelSchema, 'intent_models'),
  };
}

export type ArticleDoc = InferSchemaType<typeof articleSchema> & {
  _id: string;
  createdAt: Date;
  updatedAt: Date;
};
export type IntentModelDoc = InferSchemaType<typeof intentModelSchema> & { _id: string };
