/**
 * Slack files in: a customer's `file_share` message is queued (`slack-files`, see
 * channels/files/files-queue.ts) instead of going straight to the sink, and the job downloads
 * each file's `url_private_download` with the bot token (`Authorization: Bearer`, scope
 * `files:read`: https://docs.slack.dev/messaging/working-with-files#authenticating), stores it in
 * the core's attachment store, then hands the message on. Slack answers a request without a valid
 * token with its sign-in page (200, text/html): the type check refuses that as a mismatch.
 */
import type { Attachment, InboundMessageInput } from '../../src/domain/message.ts';
import type { InboundFileRecord, InboundFiles } from '../../src/domain/ports.ts';
import { fetchInboundFile, type FetchFileRequest } from '../files/fetch-file.ts';
import { keepFiles } from '../files/keep-files.ts';

export const SLACK_FILES_QUEUE = 'slack-files';

/** One download's time (Slack's file servers are fast; a slow one is retried by the job). */
const DOWNLOAD_TIMEOUT_MS = 30_000;

/**
 * Hosts a file link (and each redirect) may point to: Slack's over HTTPS (`files.slack.com`, its
 * CDN `*.slack-edge.com`), or the origin of SLACK_API_URL (the tests' stand-in). A link elsewhere
 * would get our bot token.
 */
export function slackFileHost(apiUrl: string | undefined) {
  const standIn = apiUrl === undefined ? undefined : new URL(apiUrl).origin;
  return (url: URL): boolean => {
    if (standIn !== undefined && url.origin === standIn) return true;
    if (url.protocol !== 'https:' || url.port !== '') return false;
    const host = url.hostname.toLowerCase();
    return host.endsWith('.slack.com') || host.endsWith('.slack-edge.com');
  };
}

export interface SlackFilesDeps {
  token: string;
  apiUrl: string | undefined;
  files: InboundFiles;
  maxBytes: number;
  fetch?: typeof fetch;
}

/** Where a Slack download goes and how much it may read. */
export type SlackDownloadDeps = Pick<SlackFilesDeps, 'token' | 'apiUrl' | 'maxBytes' | 'fetch'>;

function fileRequest(
  deps: SlackDownloadDeps,
  attachment: Pick<Attachment, 'url' | 'name' | 'contentType'>,
): FetchFileRequest {
  return {
    url: attachment.url ?? '',
    name: attachment.name,
    declaredType: attachment.contentType,
    headers: { authorization: `Bearer ${deps.token}` },
    isAllowedUrl: slackFileHost(deps.apiUrl),
    maxBytes: deps.maxBytes,
    timeoutMs: DOWNLOAD_TIMEOUT_MS,
    ...(deps.fetch === undefined ? {} : { fetch: deps.fetch }),
  };
}

/**
 * Downloads one shared file within the limits (an agent's, for a reply from the desk): its
 * record, content set when it passed, else why not. Throws FileFetchRetryable when a later try
 * may work.
 */
export function fetchSlackFile(
  deps: SlackDownloadDeps,
  file: { url: string; name: string; contentType: string },
): Promise<InboundFileRecord> {
  return fetchInboundFile(fileRequest(deps, file));
}

/** Downloads and stores a message's files; see keepFiles. */
export function keepSlackFiles(
  message: InboundMessageInput,
  deps: SlackFilesDeps,
  lastTry: boolean,
): Promise<InboundMessageInput> {
  return keepFiles(
    message,
    { files: deps.files, requestFor: (attachment) => fileRequest(deps, attachment) },
    lastTry,
  );
}
