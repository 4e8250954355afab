/**
 * Files on the Slack desk: each relayed message lists its files under the text, an agent's answer
 * posted in the thread lists the files it carried, and the card shows the customers' files, each
 * as a signed download link (src/http/file-links.ts) that lives SLACK_LINK_SECONDS. The card is updated on every change, so its links are made anew then;
 * an old thread post's link expires, and the console makes a fresh one. Links need PUBLIC_URL
 * (Slack opens them outside the gateway): without it only names and sizes are shown.
 */
import type { KnownBlock } from '@slack/types';
import type { Redis } from 'ioredis';
import type { Connection } from 'mongoose';
import type { Config } from '../config.ts';
import type { OutboundFile } from '../pool/messages.ts';
import { lazyFileLinks, SLACK_LINK_SECONDS } from '../http/file-links.ts';
import { attachmentsOn, fileViews, type FileView } from '../http/file-views.ts';
import { clip, escapeMrkdwn } from './blocks.ts';

/** Most files a card lists (a ticket may gather many; the console lists them all). */
const CARD_FILES = 10;

/** Where the desk reads a message's files from. */
export interface DeskFiles {
  /** The files of these messages (by message _id), with links valid SLACK_LINK_SECONDS. */
  ofMessages(messageIds: readonly string[]): Promise<Map<string, FileView[]>>;
  /** The files an agent sent with an answer (uploads, always kept), with links as above. */
  sentFiles(files: readonly OutboundFile[]): Promise<FileView[]>;
}

/** The desk's file reader on the pool's database and the deployment's link key. */
export function deskFiles(options: {
  db: Connection;
  redis: Redis;
  config: Pick<Config, 'QUEUE_PREFIX' | 'ADMIN_SESSION_SECRET' | 'PUBLIC_URL'>;
}): DeskFiles {
  const links = lazyFileLinks({
    redis: options.redis,
    prefix: options.config.QUEUE_PREFIX,
    sessionSecret: options.config.ADMIN_SESSION_SECRET,
    publicUrl: options.config.PUBLIC_URL,
  });
  return {
    async ofMessages(messageIds) {
      if (messageIds.length === 0) return new Map();
      const [attachments, signer] = await Promise.all([attachmentsOn(options.db), links()]);
      return fileViews(attachments, signer, messageIds, SLACK_LINK_SECONDS);
    },
    async sentFiles(files) {
      if (files.length === 0) return [];
      const signer = await links();
      const now = new Date();
      return files.map((file) => ({
        id: file.fileId,
        name: file.name,
        contentType: file.contentType,
        size: file.size,
        link: signer.linkFor(file.fileId, SLACK_LINK_SECONDS, now),
        notStoredReason: null,
      }));
    },
  };
}

function size(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  return bytes < 1024 * 1024
    ? `${(bytes / 1024).toFixed(0)} KB`
    : `${(bytes / 1048576).toFixed(1)} MB`;
}

/**
 * One mrkdwn line per file. The name is the customer's: escaped, and without `|` and `>` (which
 * would end the link text and let a name disguise where the link goes).
 */
export function fileLines(files: readonly FileView[]): string[] {
  return files.map((file) => {
    const name = escapeMrkdwn(clip(file.name.replace(/[|>]/g, '_'), 120));
    const what = `${escapeMrkdwn(file.contentType)}, ${size(file.size)}`;
    if (file.notStoredReason !== null)
      return `:paperclip: ${name} (${what}): not kept, ${escapeMrkdwn(file.notStoredReason)}`;
    // Only absolute links are clickable in Slack; a relative one (no PUBLIC_URL) is left out.
    return file.link?.startsWith('http')
      ? `:paperclip: <${escapeMrkdwn(file.link)}|${name}> (${what})`
      : `:paperclip: ${name} (${what}): open the ticket in the console`;
  });
}

/** The card's files block, when the ticket has files. */
export function cardFilesBlock(files: readonly FileView[]): KnownBlock | undefined {
  if (files.length === 0) return undefined;
  const shown = fileLines(files.slice(-CARD_FILES));
  const more = files.length > CARD_FILES ? [`…and ${files.length - CARD_FILES} earlier`] : [];
  return {
    type: 'section',
    text: { type: 'mrkdwn', text: clip(['*Files*', ...more, ...shown].join('\n'), 2900) },
  };
}
