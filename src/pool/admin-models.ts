import { Schema, type Connection, type InferSchemaType, type Types } from 'mongoose';

/** Roles of console accounts and API tokens, least to most powerful. */
export const ADMIN_ROLES = ['agent', 'supervisor', 'admin'] as const;
export type AdminRole = (typeof ADMIN_ROLES)[number];

/**
 * A local console account, `_id` = the lower-cased email, so "one account per email" is the unique
 * _id and a login is one _id read. The password is stored only as an argon2id hash.
 */
const accountSchema = new Schema(
  {
    _id: { type: String },
    displayName: { type: String, required: true },
    passwordHash: { type: String, required: true },
    role: { type: String, enum: ADMIN_ROLES, required: true },
    disabled: { type: Boolean, default: false },
    /** The linked Agent record (identity `slack:U…`), so tickets assigned in Slack are theirs. */
    agentId: { type: Schema.Types.ObjectId, ref: 'Agent' },
    slackUserId: { type: String },
    lastLoginAt: { type: Date },
    /** Sessions signed in before this (a password change) are ended at their next request. */
    sessionsValidFrom: { type: Date },
  },
  { timestamps: true },
);

/** An API token for integrations, `_id` = its public id; the secret is stored as SHA-256 only. */
const apiTokenSchema = new Schema(
  {
    _id: { type: String },
    name: { type: String, required: true },
    role: { type: String, enum: ADMIN_ROLES, required: true },
    tokenHash: { type: String, required: true },
    createdBy: { type: String, required: true },
    revokedAt: { type: Date },
    lastUsedAt: { type: Date },
  },
  { timestamps: true },
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

/**
 * When each API token was last used, `_id` = the token's id. Kept apart from the token: FerretDB
 * 1.x applies an update by rewriting the whole document, so a "last used" write racing a
 * revocation on the same document could put `revokedAt` back to null.
 */
const apiTokenUseSchema = new Schema(
  { _id: { type: String }, lastUsedAt: { type: Date, required: true } },
  { versionKey: false },
);

/** Registers the console's models on a connection (called by registerModels). */
export function registerAdminModels(connection: Connection) {
  return {
    Account: connection.model('Account', accountSchema),
    ApiToken: connection.model('ApiToken', apiTokenSchema, 'api_tokens'),
    ApiTokenUse: connection.model('ApiTokenUse', apiTokenUseSchema, 'api_token_uses'),
    ArticleRevision: connection.model(
      'ArticleRevision',
      articleRevisionSchema,
      'article_revisions',
    ),
    Suggestion: connection.model('Suggestion', suggestionSchema),
  };
}

export type AccountDoc = InferSchemaType<typeof accountSchema> & {
  _id: string;
  agentId?: Types.ObjectId | null;
  createdAt: Date;
  updatedAt: Date;
};
export type ApiTokenDoc = InferSchemaType<typeof apiTokenSchema> & { _id: string; createdAt: Date };
export type ArticleRevisionDoc = InferSchemaType<typeof articleRevisionSchema> & { _id: string };
export type SuggestionDoc = InferSchemaType<typeof suggestionSchema> & {
  _id: string;
  createdAt: Date;
};
