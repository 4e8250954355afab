import { SwitchboardError } from '../domain/errors.ts';
import { recordAudit } from '../pool/audit.ts';
import { mergeContacts } from '../pool/contact-merge.ts';
import { markVerified } from '../pool/contacts.ts';
import type { DocumentLocks } from '../pool/locks.ts';
import { takeOverClaimedIdentity } from '../pool/identity-takeover.ts';
import type { PoolModels } from '../pool/models.ts';
import { emailStanding } from './email-standing.ts';

/** Who the audit log names for what a confirmation does (no person: the link's holder). */
export const CONFIRMATION_ACTOR = 'email-confirmation';

export type ConfirmOutcome =
  { kind: 'verified'; contactId: string } | { kind: 'merged'; contactId: string; mergedId: string };

/**
 * The holder of a confirmation link proved the address: it becomes verified on their contact, so
 * from now on it links automatically (contacts.ts). When another contact owns it verified, the
 * visitor is that customer: their contact is merged into it with the audited merge, and the chat
 * joins their history; when another contact holds it only on a claim, the link moves to the
 * visitor (identity-takeover.ts). Confirming again changes nothing.
 */
export async function confirmEmail(
  deps: { models: PoolModels; locks: DocumentLocks },
  input: { contactId: string; address: string },
): Promise<ConfirmOutcome> {
  const { models } = deps;
  const standing = await emailStanding(models, input.contactId, input.address);
  const key = `email:${input.address}`;
  switch (standing.kind) {
    case 'verified-here':
      return { kind: 'verified', contactId: String(standing.contactId) };
    case 'claimed-here':
      await markVerified(models, key, standing.linkedTo);
      await recordAudit(models, {
        actor: CONFIRMATION_ACTOR,
        action: 'contact.identity-verified',
        subject: `contact:${String(standing.contactId)}`,
        after: { identity: key, verified: true },
      });
      return { kind: 'verified', contactId: String(standing.contactId) };
    case 'verified-elsewhere': {
      const moved = await mergeContacts(deps, {
        survivorId: standing.ownerId,
        mergedId: standing.contactId,
        by: CONFIRMATION_ACTOR,
      });
      await recordAudit(models, {
        actor: CONFIRMATION_ACTOR,
        action: 'contact.merged',
        subject: `contact:${moved.survivorId}`,
        after: { ...moved, confirmed: key },
      });
      return { kind: 'merged', contactId: moved.survivorId, mergedId: moved.mergedId };
    }
    case 'claimed-elsewhere': {
      const taken = await takeOverClaimedIdentity(deps, {
        identity: { kind: 'email', value: input.address },
        from: standing.ownerId,
        to: standing.contactId,
      });
      if (!taken) break;
      await recordAudit(models, {
        actor: CONFIRMATION_ACTOR,
        action: 'contact.identity-verified',
        subject: `contact:${String(standing.contactId)}`,
        after: { identity: key, verified: true, claimedBy: String(standing.ownerId) },
      });
      return { kind: 'verified', contactId: String(standing.contactId) };
    }
    default:
      break;
  }
  // Nobody holds it (erased since), or a concurrent change won: left to an agent.
  throw new SwitchboardError(
    'SB_ERR_CONFLICT',
    'this address cannot be confirmed automatically any more; our team will link it for you',
  );
}
