import { z } from 'zod';
import type { Attachment, InboundMessageInput } from '../../src/domain/message.ts';
import { mrkdwnToPlain } from './mrkdwn.ts';

/**
 * The Events API envelope (https://docs.slack.dev/apis/events-api/#callback-field): `event_id` is
 * the same on every retry of one event, so it is the message's idempotency key.
 */
const EnvelopeSchema = z.object({
  type: z.literal('event_callback'),
  event_id: z.string().min(1).max(100),
  team_id: z.string().min(1).max(64).optional(),
  event: z.object({ type: z.string() }).passthrough(),
});

/**
 * A file a customer shared (https://docs.slack.dev/reference/objects/file-object): only what the
 * download needs. Names and types are cut, not refused: a long file name must not drop the message.
 */
const SlackFileSchema = z.object({
  id: z.string().min(1).max(64),
  name: z.string().optional(),
  mimetype: z.string().optional(),
  size: z.number().int().nonnegative().optional(),
  url_private_download: z.string().max(2048).optional(),
});

/**
 * A person's message: no subtype (edits, joins, bot posts have one) but `file_share` (a message
 * with files), no bot_id.
 */
const PersonMessageSchema = z.object({
  // Ids and timestamps are bounded so the identity (320) and thread key (512) always fit.
  user: z
    .string()
    .max(64)
    .regex(/^[UW][A-Z0-9]+$/, 'a Slack user id'),
  channel: z
    .string()
    .max(64)
    .regex(/^[CDG][A-Z0-9]+$/, 'a Slack channel id'),
  text: z.string().max(40_000).default(''),
  ts: z
    .string()
    .max(32)
    .regex(/^\d+\.\d+$/, 'a Slack ts'),
  thread_ts: z
    .string()
    .max(32)
    .regex(/^\d+\.\d+$/)
    .optional(),
  team: z.string().max(64).optional(),
  subtype: z.literal('file_share', { message: 'not a person message' }).optional(),
  // Slack caps a message's files at 10; more is not a message Slack sent.
  files: z.array(SlackFileSchema).max(10).optional(),
  bot_id: z.undefined({ message: 'a bot message' }).optional(),
});

/** Where in Slack a message was written: the desk claims some conversations for itself. */
export interface SlackPlace {
  channel: string;
  threadTs: string | undefined;
  user: string;
}

export type SlackEventOutcome =
  | { kind: 'message'; message: InboundMessageInput; place: SlackPlace }
  | { kind: 'ignored'; reason: string };

/** The conversation: `<channel>:<thread ts>`, the top message's ts for a message not in a thread. */
export function slackThreadKey(channel: string, threadTs: string): string {
  return `${channel}:${threadTs}`;
}

/**
 * A shared file as an attachment to fetch (channels/slack/files.ts): its private download link,
 * which needs the bot token. A file without one (an external file, one hidden by the workspace's
 * plan) is left out.
 */
function fileAttachment(file: z.infer<typeof SlackFileSchema>): Attachment[] {
  const url = file.url_private_download;
  if (url === undefined || !URL.canParse(url)) return [];
  return [
    {
      name: (file.name || file.id).slice(0, 255),
      contentType: (file.mimetype || 'application/octet-stream').slice(0, 255),
      size: file.size ?? 0,
      url,
    },
  ];
}

/** Removes the mention of our app that starts a mention message (`<@U0BOT> where is…`). */
function withoutOurMention(text: string, botUserId: string | undefined): string {
  const ours = botUserId ? `<@${botUserId}>` : undefined;
  return text
    .replace(ours ? new RegExp(`^\\s*${ours}[:,]?\\s*`) : /^\s*<@[UW][A-Z0-9]+>[:,]?\s*/, '')
    .trim();
}

/**
 * A customer's message to the app as our InboundMessage: a direct message (`message` event with
 * channel_type `im`) or an `app_mention` in a channel the app is in. Everything else — bot posts,
 * edits and other subtypes, messages in channels without a mention — is ignored, with a reason.
 */
export function normalizeSlackEvent(
  body: unknown,
  options: { receivedAt: Date; botUserId?: string | undefined },
): SlackEventOutcome {
  const envelope = EnvelopeSchema.safeParse(body);
  if (!envelope.success) return { kind: 'ignored', reason: 'not an event callback' };
  const { event } = envelope.data;
  const isDirect = event.type === 'message' && event['channel_type'] === 'im';
  if (event.type !== 'app_mention' && !isDirect) {
    return { kind: 'ignored', reason: `${event.type} event outside a direct message` };
  }
  const parsed = PersonMessageSchema.safeParse(event);
  if (!parsed.success) {
    return { kind: 'ignored', reason: parsed.error.issues[0]?.message ?? 'not a person message' };
  }
  const message = parsed.data;
  if (options.botUserId && message.user === options.botUserId) {
    return { kind: 'ignored', reason: 'our own message' };
  }
  const team = message.team ?? envelope.data.team_id;
  if (!team) return { kind: 'ignored', reason: 'no team id' };
  const threadTs = message.thread_ts ?? message.ts;
  const attachments = (message.files ?? []).flatMap(fileAttachment);
  const text = mrkdwnToPlain(
    isDirect ? message.text : withoutOurMention(message.text, options.botUserId),
  );
  return {
    kind: 'message',
    place: { channel: message.channel, threadTs: message.thread_ts, user: message.user },
    message: {
      channel: 'slack',
      channelMessageId: envelope.data.event_id,
      threadKey: slackThreadKey(message.channel, threadTs),
      from: { identity: { kind: 'slack', value: `${team}/${message.user}` } },
      text,
      ...(attachments.length === 0 ? {} : { attachments }),
      receivedAt: options.receivedAt,
      // Where replies go (send.ts): the thread under the customer's message.
      channelData: { slackTeam: team, slackChannel: message.channel, slackThreadTs: threadTs },
    },
  };
}
