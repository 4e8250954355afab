import { webApi } from '@slack/bolt';
import { neverConnected } from '../../src/domain/connection-errors.ts';
import { SwitchboardError } from '../../src/domain/errors.ts';
import type { OutboundMessage, SendResult } from '../../src/domain/message.ts';
import type { DeliveryConfirmation, OutboundFiles } from '../../src/domain/ports.ts';
import { escapeMrkdwn, markdownToMrkdwn } from './mrkdwn.ts';

/** Slack truncates longer message text (https://docs.slack.dev/reference/methods/chat.postMessage). */
export const SLACK_MAX_TEXT = 40_000;

/**
 * Web API errors a retry cannot fix: the conversation is gone or closed to us, or our token is.
 * (https://docs.slack.dev/reference/methods/chat.postMessage#errors)
 */
const PERMANENT = new Set([
  'channel_not_found',
  'not_in_channel',
  'is_archived',
  'msg_too_long',
  'no_text',
  'restricted_action',
  'cannot_reply_to_message',
  'invalid_auth',
  'not_authed',
  'account_inactive',
  'token_revoked',
  'missing_scope',
  'user_not_found',
]);

export interface SlackSendDeps {
  /** A client with rejectRateLimitedCalls and no retries of its own (adapter.ts). */
  client: webApi.WebClient;
  /** The bytes of the files agents send (OutboundMessage.attachments). */
  files?: OutboundFiles | undefined;
  /** The longest Retry-After waited here; longer ones fail the attempt (queue backoff). */
  maxRetryAfterSeconds: number;
  sleep?: (ms: number) => Promise<void>;
}

/** Where the answer goes: the channel and thread the customer wrote in. */
export function slackAddress(message: OutboundMessage): { channel: string; threadTs: string } {
  const channel = message.channelData['slackChannel'];
  const threadTs = message.channelData['slackThreadTs'];
  if (typeof channel === 'string' && typeof threadTs === 'string') return { channel, threadTs };
  const cut = message.threadKey.lastIndexOf(':');
  if (cut > 0)
    return { channel: message.threadKey.slice(0, cut), threadTs: message.threadKey.slice(cut + 1) };
  throw new SwitchboardError('SB_ERR_DELIVERY_REJECTED', `no Slack thread in ${message.threadKey}`);
}

/**
 * The text as Slack shows it: the bot's answers are markdown (the channel's format), an agent's
 * answer is what they typed in Slack (already mrkdwn, decoded to plain text by the desk) and names
 * the agent.
 */
export function slackTextFor(message: OutboundMessage): string {
  const body =
    message.author.kind === 'agent'
      ? escapeMrkdwn(message.text)
      : markdownToMrkdwn(message.markdown ?? message.text);
  const named =
    message.author.kind === 'agent' && message.author.name
      ? `*${escapeMrkdwn(message.author.name)}:* ${body}`
      : body;
  return named.length > SLACK_MAX_TEXT ? `${named.slice(0, SLACK_MAX_TEXT - 1)}…` : named;
}

function retryAfterOf(error: unknown): number | undefined {
  if (
    error instanceof Error &&
    (error as { code?: unknown }).code === webApi.ErrorCode.RateLimitedError
  ) {
    const seconds = (error as { retryAfter?: unknown }).retryAfter;
    return typeof seconds === 'number' && seconds > 0 ? seconds : 1;
  }
  return undefined;
}

/**
 * Whether a Web API failure may come after Slack posted the message: a request error (no answer)
 * other than a refused connection — a timeout, a reset. Slack's own answers (platform errors,
 * HTTP errors, 429) are definite.
 */
function uncertain(error: unknown): boolean {
  if ((error as { code?: unknown } | null)?.code !== webApi.ErrorCode.RequestError) return false;
  const original = (error as { original?: { code?: unknown } }).original;
  return !neverConnected(original?.code);
}

/** A Web API failure as ours: permanent platform errors are not retried, the rest are. */
function deliveryError(error: unknown, method: string): SwitchboardError {
  const code = (error as { code?: unknown }).code;
  if (code === webApi.ErrorCode.PlatformError) {
    const reported = (error as { data?: { error?: unknown } }).data?.error;
    const slackError = typeof reported === 'string' ? reported : 'unknown';
    return new SwitchboardError(
      PERMANENT.has(slackError) ? 'SB_ERR_DELIVERY_REJECTED' : 'SB_ERR_DELIVERY_FAILED',
      `Slack ${method}: ${slackError}`,
      { cause: error },
    );
  }
  const reason = error instanceof Error ? error.message : String(error);
  return new SwitchboardError('SB_ERR_DELIVERY_FAILED', `Slack unreachable: ${reason}`, {
    cause: error,
    deliveryUncertain: uncertain(error),
  });
}

/**
 * Our message id on the posted message, as Slack message metadata: what `confirmSlack` looks for.
 * https://docs.slack.dev/messaging/message-metadata
 */
export const METADATA_EVENT_TYPE = 'switchboard_message';

/**
 * One Web API call. A 429 is waited out for Slack's Retry-After, then tried once more, when Slack
 * asks for at most maxRetryAfterSeconds (https://docs.slack.dev/apis/web-api/rate-limits); nothing
 * is sent before that time.
 */
async function callSlack<T>(
  deps: SlackSendDeps,
  method: string,
  call: () => Promise<T>,
): Promise<T> {
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  try {
    return await call();
  } catch (error) {
    const retryAfter = retryAfterOf(error);
    if (retryAfter === undefined) throw deliveryError(error, method);
    if (retryAfter > deps.maxRetryAfterSeconds) {
      throw new SwitchboardError(
        'SB_ERR_DELIVERY_FAILED',
        `Slack rate limit: retry after ${retryAfter} s`,
        { cause: error },
      );
    }
    await sleep(retryAfter * 1000);
    try {
      return await call();
    } catch (again) {
      throw retryAfterOf(again) === undefined
        ? deliveryError(again, method)
        : new SwitchboardError('SB_ERR_DELIVERY_FAILED', 'Slack rate limit, again', {
            cause: again,
          });
    }
  }
}

/**
 * The message's files, shared in the customer's thread with files.uploadV2: a
 * files.getUploadURLExternal per file, its bytes POSTed to the upload_url Slack returned, then one
 * files.completeUploadExternal naming the channel and thread
 * (https://docs.slack.dev/messaging/working-with-files#uploading_files). A file no longer kept
 * (erased) is a permanent rejection: the customer must not get "here is the file" without it.
 */
async function uploadFiles(
  deps: SlackSendDeps,
  message: OutboundMessage,
  place: { channel: string; threadTs: string },
): Promise<void> {
  const uploads: Array<{ file: Buffer; filename: string; title: string }> = [];
  for (const file of message.attachments ?? []) {
    const content = await deps.files?.read(file.fileId);
    if (content === undefined)
      throw new SwitchboardError(
        'SB_ERR_DELIVERY_REJECTED',
        `the file ${file.name} of this reply is no longer kept`,
      );
    uploads.push({ file: content, filename: file.name, title: file.name });
  }
  if (uploads.length === 0) return;
  await callSlack(deps, 'files.uploadV2', () =>
    deps.client.files.uploadV2({
      channel_id: place.channel,
      thread_ts: place.threadTs,
      file_uploads: uploads,
    }),
  );
}

/**
 * Posts the answer in the customer's thread (chat.postMessage with thread_ts), after its files.
 * The text carries the metadata confirmSlack looks for, so an answer found posted had its files
 * already; an attempt that failed between the two shares the files again, never the text twice.
 */
export async function sendSlack(
  deps: SlackSendDeps,
  message: OutboundMessage,
): Promise<SendResult> {
  if (message.to.kind !== 'slack') {
    throw new SwitchboardError(
      'SB_ERR_DELIVERY_REJECTED',
      `a Slack message goes to a Slack user, not ${message.to.kind}`,
    );
  }
  const { channel, threadTs } = slackAddress(message);
  await uploadFiles(deps, message, { channel, threadTs });
  const posted = await callSlack(deps, 'chat.postMessage', () =>
    deps.client.chat.postMessage({
      channel,
      thread_ts: threadTs,
      text: slackTextFor(message),
      unfurl_links: false,
      metadata: {
        event_type: METADATA_EVENT_TYPE,
        event_payload: { message_id: message.messageId },
      },
    }),
  );
  if (!posted.ts)
    throw new SwitchboardError('SB_ERR_DELIVERY_FAILED', 'Slack answered without a ts');
  return { providerMessageId: `${posted.channel ?? channel}:${posted.ts}` };
}

/** How far back of the attempt's start a reply's ts may lie (clock skew, seconds). */
const CONFIRM_SKEW_SECONDS = 30;

/**
 * Did the answer reach its thread since `since`? Reads the thread's replies since then with their
 * metadata (conversations.replies, include_all_metadata; the history scopes the app already has)
 * and looks for the one carrying this message id. Slack unreachable or rate limited (non-Marketplace
 * apps get a low limit on this method): thrown, asked again on the retry. Another platform error:
 * 'unknown', so the answer is posted again. One page (the replies since the attempt began).
 * https://docs.slack.dev/reference/methods/conversations.replies
 */
export async function confirmSlack(
  deps: Pick<SlackSendDeps, 'client'>,
  message: OutboundMessage,
  since: Date,
): Promise<DeliveryConfirmation> {
  if (message.to.kind !== 'slack') return undefined; // send refuses it before calling Slack
  const { channel, threadTs } = slackAddress(message);
  const oldest = Math.max(0, Math.floor(since.getTime() / 1000) - CONFIRM_SKEW_SECONDS);
  let replies;
  try {
    replies = await deps.client.conversations.replies({
      channel,
      ts: threadTs,
      oldest: `${oldest}.000000`,
      include_all_metadata: true,
      limit: 200,
    });
  } catch (error) {
    if ((error as { code?: unknown }).code === webApi.ErrorCode.PlatformError) return 'unknown';
    throw new SwitchboardError(
      'SB_ERR_DELIVERY_FAILED',
      `Slack conversations.replies: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
  const posted = (replies.messages ?? []).find(
    (m) =>
      m.metadata?.event_type === METADATA_EVENT_TYPE &&
      (m.metadata.event_payload as { message_id?: unknown } | undefined)?.message_id ===
        message.messageId,
  );
  return posted?.ts === undefined ? undefined : { providerMessageId: `${channel}:${posted.ts}` };
}
