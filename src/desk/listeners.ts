import type { App } from '@slack/bolt';
import { z } from 'zod';
import { ACTIONS } from './blocks.ts';
import type { DeskConfig } from './config.ts';
import { deskJobId, type DeskJobData } from './jobs.ts';
import { sharedFileOf } from './reply-files.ts';

/** The slash command the desk answers (declared in slack-app-manifest.yml). */
export const SLASH_COMMAND = '/switchboard';

/** The fields of a message event the desk reads; anything else is left alone. */
const ThreadMessageSchema = z.object({
  type: z.literal('message'),
  channel: z.string(),
  user: z.string(),
  text: z.string().default(''),
  ts: z.string(),
  thread_ts: z.string(),
  // A message with files comes as `file_share`; every other subtype (edits, joins…) is no reply.
  subtype: z.literal('file_share').optional(),
  bot_id: z.undefined().optional(),
  files: z.array(z.unknown()).max(100).optional(),
});

const ButtonBodySchema = z.object({
  user: z.object({ id: z.string(), username: z.string().optional(), name: z.string().optional() }),
  channel: z.object({ id: z.string() }).optional(),
  container: z.object({ channel_id: z.string().optional() }).optional(),
});

export interface DeskListenerDeps {
  config: DeskConfig;
  /** Adds a desk job; resolves once it is in Redis (so Slack is answered only then). */
  enqueue(data: DeskJobData, jobId: string): Promise<void>;
  /** `/switchboard …`: the ephemeral answer. */
  command(input: { userId: string; userName: string; text: string }): Promise<string>;
}

const BUTTONS = [
  [ACTIONS.take, 'take'],
  [ACTIONS.resolve, 'resolve'],
  [ACTIONS.release, 'release'],
  [ACTIONS.escalate, 'escalate'],
] as const;

/**
 * The desk's listeners on the shared Bolt app: card buttons, thread replies in the agents channel,
 * the slash command. They only queue (job ids derived from what Slack sent, so a retry adds
 * nothing) and answer; the work is the desk worker's.
 */
export function registerDeskListeners(app: App, deps: DeskListenerDeps): void {
  for (const [actionId, kind] of BUTTONS) {
    app.action(actionId, async ({ ack, body, action }) => {
      const parsed = ButtonBodySchema.safeParse(body);
      const value = 'value' in action ? action.value : undefined;
      const channel = parsed.data?.channel?.id ?? parsed.data?.container?.channel_id;
      if (!parsed.success || !value || !channel) {
        await ack();
        return;
      }
      const user = parsed.data.user;
      const actionTs = 'action_ts' in action ? action.action_ts : String(Date.now());
      await deps.enqueue(
        { kind, ticketId: value, channel, user: { id: user.id, name: user.name ?? user.username } },
        deskJobId(kind, value, user.id, actionTs),
      );
      await ack();
    });
  }

  app.event('message', async ({ event }) => {
    // Bots (ours included: ignoreSelf, plus bot_id/subtype here), edits, joins and top-level
    // messages are not agent replies. Any channel the app is in: cards are posted in the agents
    // channel and in teams' channels; a thread that is not a card's is dropped by the reply job
    // (one lookup by _id).
    const parsed = ThreadMessageSchema.safeParse(event);
    if (!parsed.success) return;
    const message = parsed.data;
    if (message.thread_ts === message.ts) return;
    await deps.enqueue(
      {
        kind: 'reply',
        channel: message.channel,
        threadTs: message.thread_ts,
        ts: message.ts,
        user: message.user,
        text: message.text,
        ...(message.files?.length ? { files: message.files.map(sharedFileOf) } : {}),
      },
      deskJobId('reply', message.channel, message.ts),
    );
  });

  app.command(SLASH_COMMAND, async ({ ack, command }) => {
    const text = await deps.command({
      userId: command.user_id,
      userName: command.user_name,
      text: command.text,
    });
    await ack({ response_type: 'ephemeral', text });
  });
}
