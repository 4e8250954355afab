import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IntegrationDoc, PoolModels } from './models.ts';

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
  input: { name: string; callbackUrl?: string | undefined },
): Promise<{ integration: IntegrationDoc; apiKey: string; webhookSecret: string }> {
  const keyId = randomBytes(6).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  const apiKey = `${KEY_PREFIX}_${keyId}_${secret}`;
  const webhookSecret = `whsec_${randomBytes(24).toString('base64url')}`;
  const created = await models.Integration.create({
    _id: keyId,
    name: input.name,
    keyHash: sha256(apiKey),
    webhookSecret,
    ...(input.callbackUrl === undefined ? {} : { callbackUrl: input.callbackUrl }),
  });
  return { integration: created.toObject() as IntegrationDoc, apiKey, webhookSecret };
}

/** The enabled integration a presented key belongs to, compared in constant time; else null. */
export async function findIntegrationByKey(
  models: PoolModels,
  apiKey: string,
): Promise<IntegrationDoc | null> {
  const match = /^sbk_([0-9a-f]{12})_[A-Za-z0-9_-]{20,100}$/.exec(apiKey);
  const keyId = match?.[1];
  if (keyId === undefined) return null;
  const integration = (await models.Integration.findOne({
    _id: keyId,
    disabled: false,
  }).lean()) as IntegrationDoc | null;
  if (!integration) return null;
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
  return (await models.Integration.findById(id).lean()) as IntegrationDoc | null;
}
