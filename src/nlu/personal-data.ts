import { Types, type Model } from 'mongoose';
import type { PersonalDataHolder, PersonalDataSubject } from '../domain/personal-data.ts';
import type { ConfirmedDoc } from './confirmed.ts';
import type { NegativeDoc } from './negatives.ts';

function ticketIdsOf(subject: PersonalDataSubject): Types.ObjectId[] {
  return subject.tickets.map((t) => new Types.ObjectId(t.id));
}

/**
 * The learning loop's records from the contact's tickets: their uncovered questions in the review
 * queue (with an agent's answer) and the questions they confirmed an article answers.
 */
export function learningPersonalData(stores: {
  negatives: Model<NegativeDoc>;
  confirmed: Model<ConfirmedDoc>;
}): PersonalDataHolder {
  const negativesOf = (ids: Types.ObjectId[]) => ({
    $or: [{ ticketId: { $in: ids } }, { 'agentAnswer.ticketId': { $in: ids } }],
  });
  return {
    name: 'learning',
    collections: ['kb_negatives', 'kb_confirmed'],
    async export(subject) {
      const ids = ticketIdsOf(subject);
      const [negatives, confirmed] = await Promise.all([
        stores.negatives.find(negativesOf(ids)).lean(),
        stores.confirmed.find({ ticketId: { $in: ids } }).lean(),
      ]);
      return { learningQuestions: { negatives, confirmed } };
    },
    async erase(subject) {
      const ids = ticketIdsOf(subject);
      const learningQuestions =
        (await stores.negatives.deleteMany(negativesOf(ids))).deletedCount +
        (await stores.confirmed.deleteMany({ ticketId: { $in: ids } })).deletedCount;
      return { learningQuestions };
    },
  };
}
