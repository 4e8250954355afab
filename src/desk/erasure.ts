import type { webApi } from '@slack/bolt';
import type { Model } from 'mongoose';
import type { DeskModels } from './models.ts';
import type { DeskPostDoc } from './posts.ts';

/** Slack's answer when the message is gone already: nothing left to delete. */
const GONE = new Set(['message_not_found', 'channel_not_found', 'thread_not_found']);

function slackError(error: unknown): string | undefined {
  return (error as { data?: { error?: unknown } } | null)?.data?.error as string | undefined;
}

/**
 * Deletes from Slack what the bot posted about these tickets — each card with the customer
 * messages relayed into its thread, and the offers and alerts posted elsewhere — then forgets
 * their records. Agents' own replies in a thread stay: a bot token cannot delete other people's
 * messages (the workspace's retention settings govern them). Repeatable: gone is gone.
 */
export async function eraseDeskTickets(
  deps: { client: webApi.WebClient; models: DeskModels; posts: Model<DeskPostDoc> },
  ticketIds: readonly string[],
): Promise<number> {
  const { client, models, posts } = deps;
  let deleted = 0;
  const remove = async (channel: string, ts: string) => {
    try {
      await client.chat.delete({ channel, ts });
      deleted += 1;
    } catch (error) {
      if (!GONE.has(slackError(error) ?? '')) throw error;
    }
  };
  for (const ticketId of ticketIds) {
    const card = await models.DeskCard.findById(ticketId).lean();
    if (card) {
      const thread = await client.conversations
        .replies({ channel: card.channel, ts: card.ts, limit: 1000 })
        .catch((error: unknown) => {
          if (GONE.has(slackError(error) ?? '')) return { messages: [] };
          throw error;
        });
      // Replies first, the card last: a retry after a failure still finds the thread.
      for (const message of thread.messages ?? []) {
        if (message.ts && message.ts !== card.ts && message.bot_id)
          await remove(card.channel, message.ts);
      }
      await remove(card.channel, card.ts);
      await models.DeskThread.deleteOne({ _id: `${card.channel}.${card.ts}` });
      await models.DeskCard.deleteOne({ _id: ticketId });
    }
    // Offers and alerts are keyed `<kind>.<ticket id>[.<agent id>]`.
    const escaped = ticketId.replace(/[^0-9a-f]/gi, '');
    for (const post of await posts.find({ _id: { $regex: `\\.${escaped}(\\.|$)` } }).lean()) {
      await remove(post.channel, post.ts);
      await posts.deleteOne({ _id: post._id });
    }
  }
  return deleted;
}
