/**
 * What agents see of a message's files (the console's transcript, the Slack thread): name, type,
 * size, and a signed link when the content was kept, or why it was not. Read from the core's
 * attachment store, the one list every channel writes, in one query per transcript.
 */
import type { Connection } from 'mongoose';
import { PoolAttachments } from '../pool/attachments.ts';
import type { FileLinks } from './file-links.ts';

export interface FileView {
  id: string;
  name: string;
  contentType: string;
  size: number;
  /** A signed download link, when the content was kept. */
  link: string | null;
  /** Why the content was not kept (`too-large`, `type-mismatch`…), when it was not. */
  notStoredReason: string | null;
}

const stores = new WeakMap<Connection, Promise<PoolAttachments>>();

/** The attachment store on a connection, built once (it registers the model and its index). */
export function attachmentsOn(connection: Connection): Promise<PoolAttachments> {
  let store = stores.get(connection);
  if (store === undefined) {
    store = PoolAttachments.create(connection);
    stores.set(connection, store);
  }
  return store;
}

/** The files of each message (by message _id) with links valid for `seconds`. */
export async function fileViews(
  attachments: Pick<PoolAttachments, 'listForMessages'>,
  links: FileLinks,
  messageIds: readonly string[],
  seconds: number,
): Promise<Map<string, FileView[]>> {
  const metas = await attachments.listForMessages(messageIds);
  const now = new Date();
  const views = new Map<string, FileView[]>();
  for (const [messageId, list] of metas) {
    views.set(
      messageId,
      list.map((meta) => ({
        id: meta.id,
        name: meta.name,
        contentType: meta.contentType,
        size: meta.size,
        link: meta.stored ? links.linkFor(meta.id, seconds, now) : null,
        notStoredReason: meta.stored ? null : (meta.notStoredReason ?? 'unknown'),
      })),
    );
  }
  return views;
}
