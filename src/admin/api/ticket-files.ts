/**
 * The files of a ticket's inbound messages for the console's transcript, with signed links that
 * live CONSOLE_LINK_SECONDS (the view makes new ones each time it is opened).
 */
import { CONSOLE_LINK_SECONDS, lazyFileLinks, type FileLinks } from '../../http/file-links.ts';
import { attachmentsOn, fileViews, type FileView } from '../../http/file-views.ts';
import type { AdminDeps } from '../deps.ts';
import { sentFilesOf } from '../../pool/messages.ts';

const linksOf = new WeakMap<AdminDeps, () => Promise<FileLinks>>();

/** The deployment's file links, as the admin deps configure them (made once per deps). */
function linksFor(deps: AdminDeps): Promise<FileLinks> {
  let links = linksOf.get(deps);
  if (links === undefined) {
    links = lazyFileLinks({
      redis: deps.redis,
      prefix: deps.config.QUEUE_PREFIX,
      sessionSecret: deps.config.ADMIN_SESSION_SECRET,
      publicUrl: deps.config.PUBLIC_URL,
    });
    linksOf.set(deps, links);
  }
  return links();
}

/** A stored message's file, as the message records it (an agent's upload has a fileId). */
interface MessageFile {
  fileId?: string | null | undefined;
  name?: string | null | undefined;
  contentType?: string | null | undefined;
  size?: number | null | undefined;
}

/**
 * The files of the messages, by message _id: the customers' (inbound) from the attachment store,
 * and those agents sent with their answers (uploads the message names).
 */
export async function transcriptFiles(
  deps: AdminDeps,
  messages: ReadonlyArray<{ _id: unknown; direction: string; attachments?: MessageFile[] }>,
): Promise<Map<string, FileView[]>> {
  const inbound = messages.filter((m) => m.direction === 'in').map((m) => String(m._id));
  const sent = messages.filter(
    (m) => m.direction === 'out' && (m.attachments ?? []).some((a) => a.fileId),
  );
  if (inbound.length === 0 && sent.length === 0) return new Map();
  const [attachments, links] = await Promise.all([
    attachmentsOn(deps.models.Ticket.db),
    linksFor(deps),
  ]);
  const views = await fileViews(attachments, links, inbound, CONSOLE_LINK_SECONDS);
  for (const m of sent) {
    views.set(
      String(m._id),
      sentFilesOf(m.attachments).map((f) => ({
        id: f.fileId,
        name: f.name,
        contentType: f.contentType,
        size: f.size,
        link: links.linkFor(f.fileId, CONSOLE_LINK_SECONDS),
        notStoredReason: null,
      })),
    );
  }
  return views;
}
