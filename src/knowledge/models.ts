import { Schema, type Connection, type InferSchemaType } from 'mongoose';
import { ARTICLE_STATUSES } from '../domain/article.ts';
import { perConnection } from '../domain/per-connection.ts';
import type { PoolModels } from '../pool/models.ts';

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

/**
 * One revision of a knowledge-base article: every change (edit, publish, unpublish, rollback) is a
 * new revision holding the full content after it. `_id` = `<article key>#<revision>`, so two
 * writers can never store the same revision twice.
 */
const articleRevisionSchema = new Schema(
  {
    _id: { type: String },
    articleKey: { type: String, required: true },
    revision: { type: Number, required: true },
    action: { type: String, required: true },
    /** The content version of the article (the store's `version`) after this change. */
    version: { type: Number, required: true },
    status: { type: String, required: true },
    title: { type: String, required: true },
    tags: { type: [String], default: [] },
    questions: { type: [String], default: [] },
    answer: { type: String, required: true },
    by: { type: String, required: true },
    at: { type: Date, required: true },
    note: { type: String },
  },
  { versionKey: false },
);
articleRevisionSchema.index({ articleKey: 1, revision: -1 });

/**
 * A suggested answer drawn from a resolved ticket, `_id` = `ticket.<ticket id>`: generating the
 * inbox twice proposes each ticket once.
 */
const suggestionSchema = new Schema(
  {
    _id: { type: String },
    ticketId: { type: Schema.Types.ObjectId, required: true },
    ticketNumber: { type: Number },
    locale: { type: String, required: true },
    question: { type: String, required: true },
    answer: { type: String, required: true },
    agentName: { type: String },
    /** `variant`: add the question to `articleKey`; `article`: a new article. */
    kind: { type: String, enum: ['variant', 'article'], required: true },
    articleKey: { type: String },
    status: {
      type: String,
      enum: ['pending', 'approved', 'dismissed'],
      required: true,
      default: 'pending',
    },
    resolvedAt: { type: Date },
    decidedBy: { type: String },
    decidedAt: { type: Date },
    /** The article the approval created or extended. */
    resultKey: { type: String },
  },
  { timestamps: true },
);
suggestionSchema.index({ status: 1, createdAt: -1 });

function buildKnowledgeModels(connection: Connection) {
  return {
    Article: connection.model('Article', articleSchema),
    IntentModelRecord: connection.model('IntentModelRecord', intentModelSchema, 'intent_models'),
    ArticleRevision: connection.model(
      'ArticleRevision',
      articleRevisionSchema,
      'article_revisions',
    ),
    Suggestion: connection.model('Suggestion', suggestionSchema),
  };
}
export type KnowledgeModels = ReturnType<typeof buildKnowledgeModels>;

/** Registers the knowledge base's models on a connection (once per connection). */
export const registerKnowledgeModels: (connection: Connection) => KnowledgeModels =
  perConnection(buildKnowledgeModels);

/** The knowledge base's models on the pool's database. */
export function knowledgeModels(pool: PoolModels): KnowledgeModels {
  return registerKnowledgeModels(pool.Ticket.db);
}

export type ArticleDoc = InferSchemaType<typeof articleSchema> & {
  _id: string;
  createdAt: Date;
  updatedAt: Date;
};
export type IntentModelDoc = InferSchemaType<typeof intentModelSchema> & { _id: string };
export type ArticleRevisionDoc = InferSchemaType<typeof articleRevisionSchema> & { _id: string };
export type SuggestionDoc = InferSchemaType<typeof suggestionSchema> & {
  _id: string;
  createdAt: Date;
};
