import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { PersonalDataHolder } from '../domain/personal-data.ts';
import { sentMarkKey } from './confirmation-limits.ts';
import { linkRecordKey, pendingListKey } from './confirmation-links.ts';

const RecordSchema = z.object({ address: z.string() });

/**
 * The confirmation links waiting in Redis for a contact (each names the address it confirms,
 * for a day past its expiry), and the marks that one was sent. The daily counters keep only a
 * hash of the address and a count, and expire by themselves.
 */
export function confirmationPersonalData(deps: {
  redis: Redis;
  prefix: string;
}): PersonalDataHolder {
  const { redis, prefix } = deps;
  const pending = async (contactIds: string[]) => {
    const found: Array<{ contactId: string; nonce: string; address: string }> = [];
    for (const contactId of contactIds)
      for (const nonce of await redis.smembers(pendingListKey(prefix, contactId))) {
        const stored = await redis.get(linkRecordKey(prefix, nonce));
        const record = stored === null ? undefined : RecordSchema.safeParse(JSON.parse(stored));
        if (record?.success) found.push({ contactId, nonce, address: record.data.address });
      }
    return found;
  };
  return {
    name: 'email-confirmation',
    collections: [],
    async export(subject) {
      const links = await pending(subject.contactIds);
      return { emailConfirmations: links.map((link) => ({ address: link.address })) };
    },
    async erase(subject) {
      const links = await pending(subject.contactIds);
      const keys = [
        ...links.map((link) => linkRecordKey(prefix, link.nonce)),
        ...subject.contactIds.map((id) => pendingListKey(prefix, id)),
        ...links.map((link) => sentMarkKey(prefix, link.contactId, link.address)),
        ...subject.contactIds.flatMap((id) =>
          subject.emails.map((email) => sentMarkKey(prefix, id, email)),
        ),
      ];
      if (keys.length > 0) await redis.del(...keys);
      return { emailConfirmations: links.length };
    },
  };
}
