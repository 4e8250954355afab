import type {
  PersonalDataContext,
  PersonalDataHolder,
  PersonalDataSubject,
} from '../../src/domain/personal-data.ts';
import { escapeRegex } from '../../src/domain/regex.ts';
import { registerEmailModels } from './store.ts';

/** The contact's email threads: their References chains and the Message-IDs filed under them. */
function threadKeysOf(subject: PersonalDataSubject): string[] {
  return subject.tickets.filter((t) => t.channel === 'email').map((t) => t.threadKey);
}

/**
 * Rejected mail that is about the contact: mail from them, and bounces that name them only in
 * their detail (the failed recipient of our reply).
 */
function rejectionsOf(subject: PersonalDataSubject): Record<string, unknown> {
  return {
    $or: [
      { from: { $in: subject.emails } },
      ...subject.emails.map((e) => ({ detail: { $regex: escapeRegex(e), $options: 'i' } })),
    ],
  };
}

/** The email channel's records about a contact: threads, Message-IDs and rejected mail. */
export function emailPersonalData(context: PersonalDataContext): PersonalDataHolder {
  const models = registerEmailModels(context.db);
  return {
    name: 'email',
    collections: ['email_message_ids', 'email_threads', 'email_rejections'],
    async export(subject) {
      const [threads, rejections] = await Promise.all([
        models.EmailThread.find({ _id: { $in: threadKeysOf(subject) } }).lean(),
        models.EmailRejection.find(rejectionsOf(subject)).lean(),
      ]);
      return { email: { threads, rejections } };
    },
    async erase(subject) {
      const threadKeys = threadKeysOf(subject);
      const emailRecords =
        (await models.EmailRejection.deleteMany(rejectionsOf(subject))).deletedCount +
        (await models.EmailThread.deleteMany({ _id: { $in: threadKeys } })).deletedCount +
        (await models.EmailMessageId.deleteMany({ threadKey: { $in: threadKeys } })).deletedCount;
      return { emailRecords };
    },
  };
}
