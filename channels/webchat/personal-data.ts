import type {
  PersonalDataContext,
  PersonalDataHolder,
  PersonalDataSubject,
} from '../../src/domain/personal-data.ts';
import { registerWebchatModels } from './store.ts';
import { transcriptKeys } from './transcript.ts';

/** The Direct Line conversation ids of the contact's web chat tickets. */
function conversationsOf(subject: PersonalDataSubject): string[] {
  const ids = new Set<string>();
  for (const t of subject.tickets) {
    if (t.channel !== 'webchat') continue;
    ids.add(t.threadKey.slice(t.threadKey.lastIndexOf('/') + 1));
    const ref = (t.channelData as { reference?: { conversation?: { id?: unknown } } }).reference;
    if (typeof ref?.conversation?.id === 'string') ids.add(ref.conversation.id);
  }
  return [...ids];
}

/** Upload ids named by the messages' attachment URLs (`…/v3/directline/files/<id>`). */
function fileIdsOf(subject: PersonalDataSubject): string[] {
  const ids = new Set<string>();
  for (const m of subject.messages) {
    for (const url of m.attachmentUrls) {
      const id = /\/files\/([A-Za-z0-9_-]{16,64})(?:$|[?#])/.exec(url)?.[1];
      if (id) ids.add(id);
    }
  }
  return [...ids];
}

/** The web chat's records about a contact: uploaded files, and the transcripts in Redis. */
export function webchatPersonalData(context: PersonalDataContext): PersonalDataHolder {
  const { WebchatFile } = registerWebchatModels(context.db);
  const filesOf = (subject: PersonalDataSubject) => ({
    $or: [
      { _id: { $in: fileIdsOf(subject) } },
      { conversationId: { $in: conversationsOf(subject) } },
    ],
  });
  return {
    name: 'webchat',
    collections: ['webchat_files'],
    async export(subject) {
      return { webchatFiles: await WebchatFile.find(filesOf(subject), { data: 0 }).lean() };
    },
    async erase(subject) {
      const webchatFiles = (await WebchatFile.deleteMany(filesOf(subject))).deletedCount;
      let webchatTranscripts = 0;
      for (const conversation of conversationsOf(subject))
        webchatTranscripts += await context.redis.del(
          ...Object.values(transcriptKeys(context.prefix, conversation)),
        );
      return { webchatFiles, webchatTranscripts };
    },
  };
}
