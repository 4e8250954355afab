import { createHash } from 'node:crypto';
import type { AgentDoc } from '../pool/models.ts';
import type { DeskTools } from './context.ts';
import { lapsedOfferMessage, offerMessage, supervisorAlert } from './notice-blocks.ts';
import { readCardView } from './view.ts';

interface Content {
  text: string;
  blocks?: unknown[];
}

/** A short stable digest for keys made of free text (an alert reason). */
export function digest(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

/**
 * Posts once per key: the record `desk_posts/<key>` says it was posted, and the key's lock keeps
 * two jobs from posting at once. (A crash between the post and the record posts again on the
 * retry: Slack has no idempotency key for chat.postMessage.)
 */
export async function postOnce(
  tools: DeskTools,
  key: string,
  channel: string,
  content: Content,
): Promise<'posted' | 'already-posted'> {
  const { posts, client, locks } = tools.deps;
  return locks.withLock(`desk.post.${key}`, async () => {
    if (await posts.exists({ _id: key })) return 'already-posted';
    const posted = await client.chat.postMessage({
      channel,
      unfurl_links: false,
      text: content.text,
      ...(content.blocks ? { blocks: content.blocks as never } : {}),
    });
    if (!posted.ts) throw new Error('chat.postMessage answered without a ts');
    await posts.updateOne(
      { _id: key },
      { $set: { channel: posted.channel ?? channel, ts: posted.ts, state: 'open' } },
      { upsert: true },
    );
    return 'posted';
  });
}

/** The Slack user id of an agent linked from Slack (`slack:U…`), else undefined. */
async function slackUserOf(tools: DeskTools, agentId: string): Promise<string | undefined> {
  const agent = (await tools.deps.pool.models.Agent.findById(agentId).lean()) as AgentDoc | null;
  return agent?.identity.startsWith('slack:') ? agent.identity.slice('slack:'.length) : undefined;
}

/** A post in the supervisors channel, once per ticket and reason. */
export async function alertSupervisors(
  tools: DeskTools,
  ticketId: string,
  reason: string,
): Promise<string> {
  const channel = tools.deps.config.SLACK_SUPERVISORS_CHANNEL;
  if (!channel) {
    tools.deps.logger?.warn({ ticketId, reason }, 'no SLACK_SUPERVISORS_CHANNEL: alert not posted');
    return 'no-supervisors-channel';
  }
  const view = await readCardView(tools.deps.pool, ticketId, tools.now());
  if (!view) return 'no-ticket';
  return postOnce(
    tools,
    `alert.${ticketId}.${digest(reason)}`,
    channel,
    supervisorAlert(view, reason),
  );
}

/** A direct message to an agent's Slack user, once per key. */
export async function notifyAgent(
  tools: DeskTools,
  agentId: string,
  text: string,
  key: string,
): Promise<string> {
  const user = await slackUserOf(tools, agentId);
  if (!user) return 'not-a-slack-agent';
  // A user id as channel posts to the app's DM with that user (the app's Messages tab).
  return postOnce(tools, `notify.${digest(key)}`, user, { text });
}

/** The offer of a ticket to one agent, as a DM with the Take button; once per ticket and agent. */
export async function offerTicket(
  tools: DeskTools,
  ticketId: string,
  agentId: string,
  expiresAt: Date,
): Promise<string> {
  const user = await slackUserOf(tools, agentId);
  if (!user) return 'not-a-slack-agent';
  const view = await readCardView(tools.deps.pool, ticketId, tools.now());
  if (!view) return 'no-ticket';
  return postOnce(tools, offerKey(ticketId, agentId), user, offerMessage(view, expiresAt));
}

/** The offer DM rewritten to say the offer lapsed (its Take button removed). */
export async function withdrawOffer(
  tools: DeskTools,
  ticketId: string,
  agentId: string,
): Promise<string> {
  const { posts, client, locks } = tools.deps;
  const key = offerKey(ticketId, agentId);
  return locks.withLock(`desk.post.${key}`, async () => {
    const offer = await posts.findById(key).lean();
    if (!offer) return 'no-offer';
    if (offer.state === 'lapsed') return 'already-withdrawn';
    const view = await readCardView(tools.deps.pool, ticketId, tools.now());
    if (!view) return 'no-ticket';
    const content = lapsedOfferMessage(view);
    await client.chat.update({ channel: offer.channel, ts: offer.ts, ...content });
    await posts.updateOne({ _id: key }, { $set: { state: 'lapsed' } });
    return 'withdrawn';
  });
}

function offerKey(ticketId: string, agentId: string): string {
  return `offer.${ticketId}.${agentId}`;
}
