import { Types } from 'mongoose';
import { survivorIdOf } from '../pool/contact-merge.ts';
import type { PoolModels } from '../pool/models.ts';

/**
 * Where an email stands for a contact, as confirming it needs to know (contacts follow merges:
 * each side is the contact its chain of merges ends at):
 * - `verified-here`: the contact owns it verified; nothing to confirm;
 * - `claimed-here`: the contact owns it unverified; confirming verifies it;
 * - `verified-elsewhere`: another contact owns it verified; confirming merges this one into it;
 * - `claimed-elsewhere`: another contact holds it only on a claim (an unauthenticated mail's
 *   From, another visitor's form); confirming takes it over (pool/identity-takeover.ts);
 * - `unlinked`: nobody holds it (erased since).
 */
export type EmailStanding =
  | { kind: 'verified-here' | 'unlinked'; contactId: Types.ObjectId }
  | { kind: 'claimed-here'; contactId: Types.ObjectId; linkedTo: Types.ObjectId }
  | {
      kind: 'verified-elsewhere' | 'claimed-elsewhere';
      contactId: Types.ObjectId;
      ownerId: Types.ObjectId;
    };

export async function emailStanding(
  models: PoolModels,
  contactId: string,
  address: string,
): Promise<EmailStanding> {
  const contact = await survivorIdOf(models, new Types.ObjectId(contactId));
  const link = await models.ContactIdentity.findById(`email:${address}`).lean();
  if (!link) return { kind: 'unlinked', contactId: contact };
  const owner = await survivorIdOf(models, link.contactId);
  // A link is verified once complete (`ready`) and not marked unverified, as contacts.ts reads it.
  const verified = link.ready && link.verified !== false;
  if (owner.equals(contact))
    return verified
      ? { kind: 'verified-here', contactId: contact }
      : { kind: 'claimed-here', contactId: contact, linkedTo: link.contactId };
  return {
    kind: verified ? 'verified-elsewhere' : 'claimed-elsewhere',
    contactId: contact,
    ownerId: owner,
  };
}
