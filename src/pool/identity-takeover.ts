import type { Types } from 'mongoose';
import type { Identity } from '../domain/message.ts';
import { identityKey } from './contacts.ts';
import type { DocumentLocks } from './locks.ts';
import { suggestMerge } from './merge-suggestions.ts';
import type { PoolModels } from './models.ts';

/**
 * An identity one contact proved (its owner opened an email confirmation link) that another
 * contact held only on a claim (a form, a mail nobody authenticated): the link moves to the one
 * who proved it, verified, and leaves the claimant's list — a contact lists only identities it
 * owns, so exporting or erasing the claimant never reaches the owner's data. Otherwise whoever
 * typed an address first could keep its owner from ever confirming it. The pair stays a merge
 * suggestion, so an agent sees that both named the address. False when the link changed
 * meanwhile (nothing is moved then).
 */
export async function takeOverClaimedIdentity(
  deps: { models: PoolModels; locks: DocumentLocks },
  input: { identity: Identity; from: Types.ObjectId; to: Types.ObjectId },
): Promise<boolean> {
  const { models, locks } = deps;
  const key = identityKey(input.identity);
  const [first, second] = [String(input.from), String(input.to)].sort();
  return locks.withLock(`contact.${first}`, () =>
    locks.withLock(`contact.${second}`, async () => {
      const moved = await models.ContactIdentity.updateOne(
        { _id: key, contactId: input.from, verified: false },
        { $set: { contactId: input.to, verified: true, ready: true } },
      );
      if (moved.matchedCount === 0) return false;
      // Read and rewritten whole, as markVerified does: FerretDB 1.x has no arrayFilters.
      const claimant = await models.Contact.findById(input.from, { identities: 1 }).lean();
      if (claimant)
        await models.Contact.updateOne(
          { _id: input.from },
          {
            $set: { identities: claimant.identities.filter((i) => `${i.kind}:${i.value}` !== key) },
          },
        );
      const owner = await models.Contact.findById(input.to, { identities: 1 }).lean();
      const listed = owner?.identities.some((i) => `${i.kind}:${i.value}` === key) ?? false;
      await models.Contact.updateOne(
        { _id: input.to },
        listed
          ? {
              $set: {
                identities: (owner?.identities ?? []).map((i) =>
                  `${i.kind}:${i.value}` === key ? { ...i, verified: true } : i,
                ),
              },
            }
          : { $push: { identities: { ...input.identity, verified: true } } },
      );
      await suggestMerge(models.MergeSuggestion, {
        contactId: input.to,
        otherContactId: input.from,
        identity: input.identity,
        reason: 'claimed-identity',
      });
      return true;
    }),
  );
}
