import type { PersonalDataContext, PersonalDataHolder } from '../../src/domain/personal-data.ts';
import { filesQueuePersonalData } from '../files/personal-data.ts';
import { SMS_MEDIA_QUEUE } from './media.ts';
import { eraseOptOuts, registerSmsModels } from './store.ts';

/**
 * The SMS channel's records about a contact: the opt-out record of each of their numbers. Erasure
 * removes it, but a STOP must outlive it (we may never text that number again until a START), so
 * an opted-out number's refusal stays on the suppression list, as a keyed hash only.
 */
export function smsPersonalData(context: PersonalDataContext): PersonalDataHolder {
  const models = registerSmsModels(context.db);
  // MMS waiting for their media (media.ts) hold the number and the text too.
  const pending = filesQueuePersonalData(SMS_MEDIA_QUEUE, context);
  return {
    name: 'sms',
    // sms_sends and sms_deliveries map provider ids to message ids: no person in them.
    collections: ['sms_opt_outs', 'sms_suppressions'],
    async export(subject) {
      return {
        smsOptOuts: await models.SmsOptOut.find({ _id: { $in: subject.phones } }).lean(),
        ...(await pending.export(subject)),
      };
    },
    async erase(subject) {
      const optOuts = await eraseOptOuts(
        { connection: context.db, locks: context.locks },
        subject.phones,
      );
      return {
        smsOptOuts: optOuts.removed,
        smsSuppressed: optOuts.suppressed,
        ...(await pending.erase(subject)),
      };
    },
  };
}
