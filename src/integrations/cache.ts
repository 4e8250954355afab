import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';

/**
 * The API channel reads its integration twice per message: the key check of the request and the
 * callback that answers it. Integrations change a few times a year, so each process keeps them,
 * and every change (disable, enable, key rotation) stamps this Redis key with a new random value:
 * a process compares the stamp (one Redis GET, a fraction of a store read) before using what it
 * keeps, so a revoked key stops working at once in every process (issue 21: one store read less
 * per inbound request and per callback).
 */
export const INTEGRATIONS_STAMP_KEY = 'switchboard:integrations:stamp';

/**
 * Kept no longer than this even when the stamp says nothing changed: the bound on staleness if
 * Redis lost the stamp of a change (a restart without persistence) right after it was made.
 */
const MAX_AGE_MS = 60_000;

/** Tells every process that an integration changed; called after the store's write. */
export async function announceIntegrationChange(redis: Redis): Promise<void> {
  await redis.set(INTEGRATIONS_STAMP_KEY, randomUUID());
}

/**
 * `read` behind a per-process cache checked against the change stamp. Only found integrations are
 * kept: the ids of unknown keys come from whoever calls the API, and must not fill memory.
 */
export function cachedIntegrationReads<T>(
  read: (id: string) => Promise<T | null>,
  redis: Redis,
  now: () => number = Date.now,
): (id: string) => Promise<T | null> {
  const kept = new Map<string, { stamp: string | null; at: number; value: T }>();
  return async (id) => {
    const stamp = await redis.get(INTEGRATIONS_STAMP_KEY);
    const hit = kept.get(id);
    if (hit && hit.stamp === stamp && now() - hit.at < MAX_AGE_MS) return hit.value;
    const value = await read(id);
    if (value === null) kept.delete(id);
    else kept.set(id, { stamp, at: now(), value });
    return value;
  };
}
