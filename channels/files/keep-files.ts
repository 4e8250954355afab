/**
 * Files first, then the message: a channel whose customers send files as provider links (MMS
 * media, Slack files) fetches and stores each one before the message goes to the pipeline, so the
 * message names only files that are in the store. A refused file is stored as metadata with the
 * reason; the message always goes on.
 */
import type { Attachment, InboundMessageInput } from '../../src/domain/message.ts';
import type { InboundFileRecord, InboundFiles } from '../../src/domain/ports.ts';
import {
  fetchInboundFile,
  FileFetchRetryable,
  gaveUp,
  type FetchFileRequest,
} from './fetch-file.ts';
import { savedFiles } from './saved.ts';

/** Whether the message has files still to fetch (links on its attachments). */
export function hasFileLinks(message: InboundMessageInput): boolean {
  return (message.attachments ?? []).some((a) => a.url !== undefined);
}

/**
 * Fetches and stores a message's files (`files.save(channel, channelMessageId, …)`, once per
 * message: a retry stores nothing twice); the message with its attachments' real sizes, without
 * the provider's links (they need our credentials), and `channelData.attachments` naming the
 * stored ids. Throws FileFetchRetryable when a later try may work, unless `lastTry`: then the file
 * is recorded as `download-failed`.
 */
export async function keepFiles(
  message: InboundMessageInput,
  deps: { files: InboundFiles; requestFor(attachment: Attachment): FetchFileRequest },
  lastTry: boolean,
): Promise<InboundMessageInput> {
  const records: InboundFileRecord[] = [];
  for (const attachment of message.attachments ?? []) {
    const request = deps.requestFor(attachment);
    try {
      records.push(await fetchInboundFile(request));
    } catch (error) {
      if (!(error instanceof FileFetchRetryable) || !lastTry) throw error;
      records.push(gaveUp(request, error));
    }
  }
  const ids = await deps.files.save(message.channel, message.channelMessageId, records);
  return {
    ...message,
    attachments: records.map(({ name, contentType, size }) => ({ name, contentType, size })),
    channelData: { ...message.channelData, attachments: savedFiles(records, ids) },
  };
}
