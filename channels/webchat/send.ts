import type { Activity, ConversationReference } from 'botbuilder';
import { SwitchboardError } from '../../src/domain/errors.ts';
import type { OutboundMessage, SendResult } from '../../src/domain/message.ts';
import type { DeliveryConfirmation } from '../../src/domain/ports.ts';
import type { GatewayCloudAdapter } from './bot.ts';
import { BOT_ID, answerActivityId, type SwitchboardChannelData } from './directline.ts';
import { LOCAL_CHANNEL_ID, LOCAL_SERVICE_URL, isLocal } from './normalize.ts';
import type { RedisTranscript } from './transcript.ts';

/**
 * The conversation reference a reply goes to: the one stored with the ticket's first message, or,
 * for a conversation on our own Direct Line, one rebuilt from the thread key (the conversation id).
 */
export function referenceFor(message: OutboundMessage): Partial<ConversationReference> {
  const stored = message.channelData['reference'];
  if (typeof stored === 'object' && stored !== null) {
    const reference = stored as Partial<ConversationReference>;
    if (
      typeof reference.serviceUrl === 'string' &&
      typeof reference.conversation?.id === 'string'
    ) {
      // Never answer as a reply to one message (Web Chat would thread it); keep the address only.
      const { activityId: _activityId, ...address } = reference;
      return address;
    }
  }
  return {
    channelId: LOCAL_CHANNEL_ID,
    serviceUrl: LOCAL_SERVICE_URL,
    conversation: { id: message.threadKey, isGroup: false, conversationType: 'personal', name: '' },
    bot: { id: BOT_ID, name: 'bot' },
    user: { id: message.to.value, name: '' },
  };
}

/** A name as literal markdown text (no emphasis, links or HTML from a name). */
function escapeMarkdown(name: string): string {
  return name.replace(/[\\`*_{}[\]()#+\-.!<>|~]/g, (c) => `\\${c}`);
}

/** The BCP 47 tag Web Chat has strings for: `zh` → `zh-CN`, `en` → `en-US`, others as given. */
export function webchatLocale(language: string): string {
  const base = language.toLowerCase();
  if (base === 'zh' || base.startsWith('zh-'))
    return base === 'zh-tw' || base === 'zh-hk' ? language : 'zh-CN';
  if (base === 'en') return 'en-US';
  return language;
}

/**
 * The activity for an outbound message: markdown (Web Chat renders it, sanitized), with who wrote
 * it in channelData. An agent's name heads the text, in bold: Web Chat shows no sender names (and
 * Teams shows the bot as the sender). On our own Direct Line it is also the activity's
 * `from.name`, for clients that show it. Choices become suggested actions for the visitor
 * (`visitorId`, the reference's user): buttons that send their text back as a message.
 */
export function activityFor(message: OutboundMessage, visitorId?: string): Partial<Activity> {
  const body = message.markdown ?? message.text;
  const agent = message.author.kind === 'agent' ? (message.author.name ?? 'Agent') : undefined;
  const switchboard: SwitchboardChannelData = {
    messageId: message.messageId,
    authorKind: message.author.kind,
    ...(agent === undefined ? {} : { authorName: agent }),
  };
  return {
    type: 'message',
    text: agent === undefined ? body : `**${escapeMarkdown(agent)}**\n\n${body}`,
    textFormat: 'markdown',
    // Web Chat localizes its own labels by it (chat.js switches when a reply says zh-CN).
    ...(message.language ? { locale: webchatLocale(message.language) } : {}),
    channelData: { switchboard },
    // An agent's files: Web Chat shows each as a download (images inline) from its signed link.
    ...(message.attachments?.length
      ? {
          attachments: message.attachments.map((a) => ({
            contentType: a.contentType,
            contentUrl: a.url,
            name: a.name,
          })),
        }
      : {}),
    ...(message.choices === undefined || message.choices.length === 0
      ? {}
      : {
          // https://learn.microsoft.com/azure/bot-service/rest-api/bot-framework-rest-connector-add-suggested-actions
          // Web Chat shows them only when `to` is empty or holds its user id; imBack posts the
          // value as the visitor's own message, so a click reaches the bot like typed text.
          suggestedActions: {
            to: visitorId === undefined ? [] : [visitorId],
            actions: message.choices.map((c) => ({ type: 'imBack', title: c, value: c })),
          },
        }),
  };
}

/** Sends one outbound message into its web chat conversation through the bot adapter. */
export async function sendWebchat(
  adapter: GatewayCloudAdapter,
  message: OutboundMessage,
): Promise<SendResult> {
  if (message.to.kind !== 'webchat') {
    throw new SwitchboardError(
      'SB_ERR_DELIVERY_REJECTED',
      `a web chat message goes to a web chat visitor, not ${message.to.kind}`,
    );
  }
  const reference = referenceFor(message);
  try {
    const id = await adapter.sendTo(reference, activityFor(message, reference.user?.id));
    return { providerMessageId: id || message.messageId };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new SwitchboardError('SB_ERR_DELIVERY_FAILED', `web chat send failed: ${reason}`, {
      cause: error,
    });
  }
}

/**
 * Did the message reach its conversation? On the gateway's own Direct Line an answer is an append
 * to the conversation's history under an id made of the message id, so the history says (and a
 * second delivery would append nothing anyway). A conversation on Azure Bot Service (Teams and the
 * other Bot Framework channels) cannot be asked: 'unknown'.
 */
export async function confirmWebchat(
  history: Pick<RedisTranscript, 'has'>,
  message: OutboundMessage,
): Promise<DeliveryConfirmation> {
  const reference = referenceFor(message);
  const conversationId = reference.conversation?.id;
  if (!isLocal(reference) || conversationId === undefined) return 'unknown';
  const id = answerActivityId(conversationId, message.messageId);
  return (await history.has(conversationId, id)) === undefined
    ? undefined
    : { providerMessageId: id };
}
