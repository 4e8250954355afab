/**
 * The files of a ticket's inbound messages for the console's transcript, with signed links that
 * live CONSOLE_LINK_SECONDS (the view makes new ones each time it is opened).
 */
import { CONSOLE_LINK_SECONDS, lazyFileLinks, type FileLinks } from '../../http/file-links.ts';
import { attachmentsOn, fileViews, type FileView } from '../../http/file-views.ts';
import type { AdminDeps } from '../deps.ts';

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

/** The files of the inbound messages, by message _id. */
export async function transcriptFiles(
  deps: AdminDeps,
  messages: ReadonlyArray<{ _id: unknown; direction: string }>,
): Promise<Map<string, FileView[]>> {
  const inbound = messages.filter((m) => m.direction === 'in').map((m) => String(m._id));
  if (inbound.length === 0) return new Map();
  const [attachments, links] = await Promise.all([
    attachmentsOn(deps.models.Ticket.db),
    linksFor(deps),
  ]);
  return fileViews(attachments, links, inbound, CONSOLE_LINK_SECONDS);
}
