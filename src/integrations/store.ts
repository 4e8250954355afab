import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Redis } from 'ioredis';
import { Schema, type Connection, type InferSchemaType } from 'mongoose';
import { SwitchboardError } from '../domain/errors.ts';
import type { ApiIntegration, IntegrationDirectory } from '../domain/integrations.ts';
import { perConnection } from '../domain/per-connection.ts';
import { recordAudit } from '../pool/audit.ts';
import type { PoolModels } from '../pool/models.ts';
import { announceIntegrationChange, cachedIntegrationReads } from './cache.ts';

/** An API-channel integration: its key is stored only as a SHA-256 hash. */
const integrationSchema = new Schema(
  {
    /** The public key id (the middle part of the API key), so key lookups are by _id. */
    _id: { type: String },
    name: { type: String, required: true },
    keyHash: { type: String, required: true },
    callbackUrl: { type: String },
    /** Used to sign callbacks (HMAC-SHA256), so it must be kept readable, unlike the API key. */
    webhookSecret: { type: String, required: true },
    disabled: { type: Boolean, default: false },
    /**
     * The integration proves its customers' emails and phones (they signed in to it): those it
     * passes link contacts automatically. Off: they are kept as claimed, unverified (issue 19).
     */
    verifiesIdentities: { type: Boolean, default: false },
  },
  { timestamps: true },
);

export type IntegrationDoc = InferSchemaType<typeof integrationSchema> & { _id: string };

const registerIntegrationModel = perConnection((connection: Connection) =>
  connection.model('Integration', integrationSchema),
);

/** The integrations' models on the pool's database (registered once per connection). */
export function integrationModels(pool: PoolModels) {
  return { Integration: registerIntegrationModel(pool.Ticket.db) };
}

/** Registers the integrations collection on a connection (once per connection). */
export function registerIntegrationModels(connection: Connection) {
  return { Integration: registerIntegrationModel(connection) };
}

const KEY_PREFIX = 'sbk';

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * Creates an API-channel integration. Returns the API key once: only its SHA-256 is stored (the key
 * has 256 bits of entropy, so a slow password hash would add nothing). The key reads
 * `sbk_<keyId>_<secret>`, the keyId finding the record without scanning.
 */
export async function createIntegration(
  models: PoolModels,
  input: { name: string; callbackUrl?: string | undefined; verifiesIdentities?: boolean },
): Promise<{ integration: IntegrationDoc; apiKey: string; webhookSecret: string }> {
  const keyId = randomBytes(6).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  const apiKey = `${KEY_PREFIX}_${keyId}_${secret}`;
  const webhookSecret = `whsec_${randomBytes(24).toString('base64url')}`;
  const created = await integrationModels(models).Integration.create({
    _id: keyId,
    name: input.name,
    keyHash: sha256(apiKey),
    webhookSecret,
    ...(input.callbackUrl === undefined ? {} : { callbackUrl: input.callbackUrl }),
    verifiesIdentities: input.verifiesIdentities === true,
  });
  return { integration: created.toObject() as IntegrationDoc, apiKey, webhookSecret };
}

/** The enabled integration a presented key belongs to, compared in constant time; else null. */
export async function findIntegrationByKey(
  models: PoolModels,
  apiKey: string,
  read: (id: string) => Promise<IntegrationDoc | null> = (id) => findIntegrationById(models, id),
): Promise<IntegrationDoc | null> {
  const match = /^sbk_([0-9a-f]{12})_[A-Za-z0-9_-]{20,100}$/.exec(apiKey);
  const keyId = match?.[1];
  if (keyId === undefined) return null;
  const integration = await read(keyId);
  if (!integration || integration.disabled) return null;
  const presented = Buffer.from(sha256(apiKey), 'hex');
  const stored = Buffer.from(integration.keyHash, 'hex');
  return presented.length === stored.length && timingSafeEqual(presented, stored)
    ? integration
    : null;
}

export async function findIntegrationById(
  models: PoolModels,
  id: string,
): Promise<IntegrationDoc | null> {
  return (await integrationModels(models).Integration.findById(id).lean()) as IntegrationDoc | null;
}

/** An integration as the admin API and CLI show it: never its key or webhook secret. */
export interface IntegrationView {
  id: string;
  name: string;
  callbackUrl: string | null;
  disabled: boolean;
  verifiesIdentities: boolean;
  createdAt: Date;
}

export function toIntegrationView(doc: IntegrationDoc): IntegrationView {
  return {
    id: doc._id,
    name: doc.name,
    callbackUrl: doc.callbackUrl ?? null,
    disabled: doc.disabled,
    verifiesIdentities: doc.verifiesIdentities === true,
    createdAt: doc.createdAt,
  };
}

export async function listIntegrations(models: PoolModels): Promise<IntegrationView[]> {
  const docs = (await integrationModels(models)
    .Integration.find({})
    .sort({ createdAt: 1 })
    .lean()) as IntegrationDoc[];
  return docs.map(toIntegrationView);
}

async function requireIntegration(models: PoolModels, id: string): Promise<IntegrationDoc> {
  const doc = (await integrationModels(models)
    .Integration.findById(id)
    .lean()) as IntegrationDoc | null;
  if (!doc) throw new SwitchboardError('SB_ERR_NOT_FOUND', `no integration ${id}`);
  return doc;
}

/**
 * Disables (or enables again) an integration: a disabled one's key is refused (401) and its
 * callbacks are not sent (refused for good, recorded on the message). Audited.
 */
export async function setIntegrationDisabled(
  models: PoolModels,
  input: { id: string; disabled: boolean; by: string },
  redis: Redis,
): Promise<IntegrationView> {
  const before = await requireIntegration(models, input.id);
  await integrationModels(models).Integration.updateOne(
    { _id: input.id },
    { $set: { disabled: input.disabled } },
  );
  // Every process's kept integrations are checked against this stamp (cache.ts).
  await announceIntegrationChange(redis);
  await recordAudit(models, {
    actor: input.by,
    action: input.disabled ? 'integration.disable' : 'integration.enable',
    subject: `integration:${input.id}`,
    before: { disabled: before.disabled },
    after: { disabled: input.disabled },
  });
  return toIntegrationView({ ...before, disabled: input.disabled });
}

/**
 * A new API key (and webhook secret) for an integration; the old key stops working at once (no
 * grace: a key is rotated because it may have leaked). The new key and secret are shown once.
 */
export async function rotateIntegrationKey(
  models: PoolModels,
  input: { id: string; by: string },
  redis: Redis,
): Promise<{ integration: IntegrationView; apiKey: string; webhookSecret: string }> {
  const before = await requireIntegration(models, input.id);
  const apiKey = `${KEY_PREFIX}_${input.id}_${randomBytes(32).toString('base64url')}`;
  const webhookSecret = `whsec_${randomBytes(24).toString('base64url')}`;
  await integrationModels(models).Integration.updateOne(
    { _id: input.id },
    { $set: { keyHash: sha256(apiKey), webhookSecret } },
  );
  // Every process's kept integrations are checked against this stamp (cache.ts).
  await announceIntegrationChange(redis);
  await recordAudit(models, {
    actor: input.by,
    action: 'integration.rotate',
    subject: `integration:${input.id}`,
  });
  return { integration: toIntegrationView(before), apiKey, webhookSecret };
}

function toApiIntegration(doc: IntegrationDoc | null): ApiIntegration | null {
  return doc
    ? {
        id: String(doc._id),
        name: doc.name,
        callbackUrl: doc.callbackUrl ?? undefined,
        webhookSecret: doc.webhookSecret,
        disabled: doc.disabled,
        verifiesIdentities: doc.verifiesIdentities === true,
      }
    : null;
}

/**
 * The API channel's view of the integrations the admin side keeps. With `redis`, each process
 * keeps what it read until an integration changes (cache.ts); the writers above announce it.
 */
export function integrationDirectory(models: PoolModels, redis?: Redis): IntegrationDirectory {
  const stored = (id: string) => findIntegrationById(models, id);
  const read = redis ? cachedIntegrationReads(stored, redis) : stored;
  return {
    findByKey: async (key) => toApiIntegration(await findIntegrationByKey(models, key, read)),
    findById: async (id) => toApiIntegration(await read(id)),
  };
}
