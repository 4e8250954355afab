/**
 * Files an agent shares with an answer in a card's thread. They reach the customer as a console
 * upload does: downloaded with the bot token (channels/slack/files.ts: Slack's hosts only, on every
 * redirect; the body read as a stream up to the cap; the declared type, the served type and the
 * first bytes must agree), stored once as the ticket's uploads (`ADMIN_UPLOAD_MAX_BYTES`, the same
 * types), then named in `sendAgentReply`'s `files`. Each file is stored under its Slack message's
 * ts and index, so a retried job downloads and stores nothing twice.
 */
import { z } from 'zod';
import { FileFetchRetryable, type NotStoredReason } from '../../channels/files/fetch-file.ts';
import { fetchSlackFile, type SlackDownloadDeps } from '../../channels/slack/files.ts';
import type { InboundFileRecord } from '../domain/ports.ts';
import { attachmentsOn } from '../http/file-views.ts';
import { PoolAttachments } from '../pool/attachments.ts';
import type { OutboundFile } from '../pool/messages.ts';

/** How many files one answer may carry (the console's limit, and Slack's per message). */
export const MAX_SHARED_FILES = 10;

/** A file an agent shared, as the message event describes it: only what the download needs. */
export interface SharedFile {
  name: string;
  contentType: string;
  size: number;
  /** Its `url_private_download`; absent when Slack gave none (an external or hidden file). */
  url?: string;
}

/**
 * One entry of the event's `files` (https://docs.slack.dev/reference/objects/file-object). Names
 * and types are cut, not refused; a link too long to be Slack's is dropped (the file is refused).
 */
const SlackFileSchema = z.object({
  id: z.string().max(64).optional(),
  name: z.string().optional(),
  mimetype: z.string().optional(),
  size: z.number().int().nonnegative().optional(),
  url_private_download: z.string().optional(),
});

/** What the reply job carries of each shared file (an entry that is not a file: no link). */
export function sharedFileOf(value: unknown): SharedFile {
  const parsed = SlackFileSchema.safeParse(value);
  const file = parsed.success ? parsed.data : {};
  const url = file.url_private_download;
  return {
    name: (file.name || file.id || 'file').slice(0, 255),
    contentType: (file.mimetype || 'application/octet-stream').slice(0, 255),
    size: file.size ?? 0,
    ...(url !== undefined && url.length <= 2048 && URL.canParse(url) ? { url } : {}),
  };
}

/** What the agent is told when a file is refused, by the download's reason. */
function refusedBecause(record: InboundFileRecord, maxBytes: number): string {
  const name = record.name;
  const reasons: Record<NotStoredReason, string> = {
    'too-large': `${name} is larger than the ${maxBytes} bytes an answer's file may have`,
    'type-not-allowed': `${name} is a ${record.contentType}: only PDF, PNG, JPEG, GIF, WebP and plain text files are sent`,
    'type-mismatch': `${name} is not the ${record.contentType} it claims to be`,
    'host-not-allowed': `${name} is not on Slack's file servers`,
    'download-failed': `${name} could not be downloaded from Slack`,
  };
  const reason = record.notStored?.reason ?? 'download-failed';
  return reasons[reason as NotStoredReason] ?? reasons['download-failed'];
}

/** The files, kept for the ticket and ready to send, or why one of them cannot go. */
export type KeptFiles = { files: OutboundFile[] } | { refused: string };

/**
 * Downloads and stores the shared files as uploads of ticket `ticketId`, under `key` (the Slack
 * message's). Stops at the first file refused. Throws FileFetchRetryable when a later try may
 * work, unless `lastTry`: then that file is refused as not downloadable.
 */
export async function keepSharedFiles(
  deps: { db: Parameters<typeof attachmentsOn>[0]; download: SlackDownloadDeps },
  input: { ticketId: string; key: string; files: readonly SharedFile[]; lastTry: boolean },
): Promise<KeptFiles> {
  const attachments = await attachmentsOn(deps.db);
  const kept: OutboundFile[] = [];
  for (const [index, file] of input.files.entries()) {
    const uploadKey = `${input.key}.${index}`;
    const id = `${PoolAttachments.uploadKeyOf(input.ticketId)}.${uploadKey}`;
    // Stored by an earlier try of this job: not downloaded again.
    const earlier = (await attachments.uploadsOf(input.ticketId, [id]))?.[0];
    if (earlier) {
      kept.push(sent(earlier));
      continue;
    }
    if (file.url === undefined)
      return { refused: `${file.name} cannot be downloaded from Slack (no download link)` };
    let record: InboundFileRecord;
    try {
      record = await fetchSlackFile(deps.download, { ...file, url: file.url });
    } catch (error) {
      if (!(error instanceof FileFetchRetryable) || !input.lastTry) throw error;
      return { refused: `${file.name} could not be downloaded from Slack` };
    }
    if (record.content === undefined)
      return { refused: refusedBecause(record, deps.download.maxBytes) };
    if (record.content.length === 0) return { refused: `${file.name} is empty` };
    const meta = await attachments.saveUpload(
      input.ticketId,
      { name: record.name, contentType: record.contentType, content: record.content },
      uploadKey,
    );
    kept.push(sent(meta));
  }
  return { files: kept };
}

function sent(meta: { id: string; name: string; contentType: string; size: number }): OutboundFile {
  return { fileId: meta.id, name: meta.name, contentType: meta.contentType, size: meta.size };
}
