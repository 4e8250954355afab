import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Express } from 'express';
import request from 'supertest';

const FIXTURES = new URL('../fixtures/slack/', import.meta.url);

/** A recorded Slack payload (test/fixtures/slack), parsed fresh each time. */
export function fixture(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(name, FIXTURES), 'utf8')) as Record<string, unknown>;
}

/** Slack's request signature: v0=HMAC-SHA256(secret, `v0:<ts>:<raw body>`) in hex. */
export function slackSignature(secret: string, timestamp: number, body: string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
}

export interface PostOptions {
  /** undefined: sign with the secret; null: no signature headers at all. */
  secret?: string | null;
  /** Seconds since the epoch; default now. */
  timestamp?: number;
  retryNum?: number;
}

/** POSTs a raw body to the desk's endpoint as Slack does. */
export function postToSlackEndpoint(
  app: Express,
  path: string,
  body: string,
  contentType: 'application/json' | 'application/x-www-form-urlencoded',
  secret: string,
  options: PostOptions = {},
) {
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  const req = request(app).post(path).set('content-type', contentType);
  if (options.secret !== null) {
    req
      .set('x-slack-request-timestamp', String(timestamp))
      .set('x-slack-signature', slackSignature(options.secret ?? secret, timestamp, body));
  }
  if (options.retryNum !== undefined) {
    req
      .set('x-slack-retry-num', String(options.retryNum))
      .set('x-slack-retry-reason', 'http_timeout');
  }
  return req.send(body);
}

/** An Events API `message` event in a thread (JSON body). */
export function threadMessageEvent(fields: {
  channel: string;
  threadTs: string;
  ts: string;
  user: string;
  text: string;
  /** Files shared with the message: Slack then sends subtype `file_share` and a `files` list. */
  files?: Array<{ id: string; name: string }> | undefined;
}): string {
  const body = fixture('event-thread-message.json');
  const event = body['event'] as Record<string, unknown>;
  Object.assign(event, {
    channel: fields.channel,
    thread_ts: fields.threadTs,
    ts: fields.ts,
    event_ts: fields.ts,
    user: fields.user,
    text: fields.text,
    ...(fields.files ? { subtype: 'file_share', files: fields.files } : {}),
  });
  body['event_id'] = `Ev${fields.ts.replace('.', '')}`;
  return JSON.stringify(body);
}

/** A bot's message in a thread (subtype bot_message, bot_id set). */
export function botMessageEvent(fields: { channel: string; threadTs: string; ts: string }): string {
  const body = fixture('event-bot-message.json');
  Object.assign(body['event'] as Record<string, unknown>, {
    channel: fields.channel,
    thread_ts: fields.threadTs,
    ts: fields.ts,
    event_ts: fields.ts,
  });
  return JSON.stringify(body);
}

/** A block_actions interaction for a button, form-encoded as `payload=<json>`. */
export function buttonClick(fields: {
  actionId: string;
  ticketId: string;
  channel: string;
  messageTs: string;
  user: { id: string; name: string };
  actionTs: string;
}): string {
  const payload = fixture('block-actions-button.json');
  payload['user'] = { id: fields.user.id, username: fields.user.name, name: fields.user.name };
  payload['channel'] = { id: fields.channel, name: 'support-agents' };
  payload['container'] = {
    type: 'message',
    message_ts: fields.messageTs,
    channel_id: fields.channel,
    is_ephemeral: false,
  };
  const [action] = payload['actions'] as Array<Record<string, unknown>>;
  Object.assign(action!, {
    action_id: fields.actionId,
    value: fields.ticketId,
    action_ts: fields.actionTs,
  });
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

/** A slash command, form-encoded like Slack sends it. */
export function slashCommand(fields: { user: { id: string; name: string }; text: string }): string {
  const form = fixture('slash-command.json') as Record<string, string>;
  form['user_id'] = fields.user.id;
  form['user_name'] = fields.user.name;
  form['text'] = fields.text;
  return new URLSearchParams(form).toString();
}

/** A customer's direct message to the app (`message` event, channel_type `im`). */
export function directMessageEvent(fields: {
  eventId: string;
  channel: string;
  user: string;
  ts: string;
  text: string;
  threadTs?: string;
  botId?: string;
}): string {
  const body = fixture('event-im-message.json');
  const event = body['event'] as Record<string, unknown>;
  Object.assign(event, {
    channel: fields.channel,
    user: fields.user,
    ts: fields.ts,
    event_ts: fields.ts,
    text: fields.text,
    ...(fields.threadTs ? { thread_ts: fields.threadTs, parent_user_id: 'UBOT0001' } : {}),
    ...(fields.botId ? { bot_id: fields.botId } : {}),
  });
  body['event_id'] = fields.eventId;
  return JSON.stringify(body);
}

/** A mention of the app in a channel (`app_mention` event). */
export function appMentionEvent(fields: {
  eventId: string;
  channel: string;
  user: string;
  ts: string;
  text: string;
  threadTs?: string;
}): string {
  const body = fixture('event-app-mention.json');
  const event = body['event'] as Record<string, unknown>;
  Object.assign(event, {
    channel: fields.channel,
    user: fields.user,
    ts: fields.ts,
    event_ts: fields.ts,
    text: fields.text,
    ...(fields.threadTs ? { thread_ts: fields.threadTs } : {}),
  });
  body['event_id'] = fields.eventId;
  return JSON.stringify(body);
}
