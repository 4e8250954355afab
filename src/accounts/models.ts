import { Schema, type Connection, type InferSchemaType, type Types } from 'mongoose';
import { perConnection } from '../domain/per-connection.ts';
import type { PoolModels } from '../pool/models.ts';

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
 * When each API token was last used, `_id` = the token's id. Kept apart from the token: FerretDB
 * 1.x applies an update by rewriting the whole document, so a "last used" write racing a
 * revocation on the same document could put `revokedAt` back to null.
 */
const apiTokenUseSchema = new Schema(
  { _id: { type: String }, lastUsedAt: { type: Date, required: true } },
  { versionKey: false },
);

function buildAccountModels(connection: Connection) {
  return {
    Account: connection.model('Account', accountSchema),
    ApiToken: connection.model('ApiToken', apiTokenSchema, 'api_tokens'),
    ApiTokenUse: connection.model('ApiTokenUse', apiTokenUseSchema, 'api_token_uses'),
  };
}
export type AccountModels = ReturnType<typeof buildAccountModels>;

/** Registers the console's accounts and API tokens on a connection (once per connection). */
export const registerAccountModels: (connection: Connection) => AccountModels =
  perConnection(buildAccountModels);

/** The accounts' models on the pool's database. */
export function accountModels(pool: PoolModels): AccountModels {
  return registerAccountModels(pool.Ticket.db);
}

export type AccountDoc = InferSchemaType<typeof accountSchema> & {
  _id: string;
  agentId?: Types.ObjectId | null;
  createdAt: Date;
  updatedAt: Date;
};
export type ApiTokenDoc = InferSchemaType<typeof apiTokenSchema> & { _id: string; createdAt: Date };
