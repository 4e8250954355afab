import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

const DAY_SECONDS = 24 * 3600;

/** An address as a key: hashed, so Redis's key list holds no addresses. */
export function addressDigest(address: string): string {
  return createHash('sha256').update(address).digest('hex').slice(0, 32);
}

/** The mark that a contact was sent a link for an address (once while a link lives). */
export function sentMarkKey(prefix: string, contactId: string, address: string): string {
  return `${prefix}:email-confirm:sent:${contactId}:${addressDigest(address)}`;
}

/**
 * The daily budget of confirmation emails, per contact and per address (fixed windows in Redis,
 * shared by every worker). The address is what a hostile visitor would aim at: typing someone
 * else's address into forms from many browsers (a contact each) still mails it at most `max`
 * times a day. A contact's budget is taken first, so a visitor whose own budget is spent spends
 * nothing of the address's.
 */
export async function takeConfirmationSlot(
  deps: { redis: Redis; prefix: string; maxPerDay: number },
  input: { contactId: string; address: string },
  now = new Date(),
): Promise<boolean> {
  if (deps.maxPerDay === 0) return false;
  const day = Math.floor(now.getTime() / (DAY_SECONDS * 1000));
  const base = `${deps.prefix}:email-confirm:rate`;
  for (const key of [
    `${base}:contact:${input.contactId}:${day}`,
    `${base}:address:${addressDigest(input.address)}:${day}`,
  ]) {
    const count = await deps.redis.incr(key);
    if (count === 1) await deps.redis.expire(key, DAY_SECONDS + 300);
    if (count > deps.maxPerDay) return false;
  }
  return true;
}
