import type { Activity, ConversationReference } from 'botbuilder';
import { createHash } from 'node:crypto';
import type { Attachment, InboundMessageInput } from '../../src/domain/message.ts';
import {
  VISITOR_CHANNEL_DATA_KEY,
  VisitorIdentitySchema,
  visitorFrom,
  type VisitorIdentity,
} from './visitor-identity.ts';

/**
 * The channel id and service URL of conversations on the gateway's own Direct Line. The service
 * URL is never called: the adapter recognizes it and writes to the transcript store instead.
 */
export const LOCAL_CHANNEL_ID = 'directline';
export const LOCAL_SERVICE_URL = 'https://directline.switchboard.invalid/';

/** True for a conversation on the gateway's own Direct Line (not one reached through Azure). */
export function isLocal(reference: Partial<ConversationReference> | Partial<Activity>): boolean {
  return reference.serviceUrl === LOCAL_SERVICE_URL;
}

/** A key that fits the domain's 512-character limit: long keys are replaced by their hash. */
function fit(value: string): string {
  return value.length <= 512 ? value : `h${createHash('sha256').update(value).digest('hex')}`;
}

/** Attachments with an http(s) URL as attachment metadata (the bytes stay where the URL points). */
function attachmentsOf(activity: Partial<Activity>): Attachment[] {
  const out: Attachment[] = [];
  // Sizes as Web Chat carries them beside the attachments (set by our upload endpoint).
  const sizes = (activity.channelData as { attachmentSizes?: unknown } | undefined)
    ?.attachmentSizes;
  for (const [index, attachment] of (activity.attachments ?? []).entries()) {
    const url = attachment.contentUrl;
    if (typeof url !== 'string' || !/^https?:\/\//.test(url) || url.length > 2048) continue;
    const size: unknown = Array.isArray(sizes) ? sizes[index] : undefined;
    out.push({
      name: (attachment.name ?? 'file').slice(0, 255),
      contentType: (attachment.contentType || 'application/octet-stream').slice(0, 255),
      size: typeof size === 'number' && Number.isInteger(size) && size >= 0 ? size : 0,
      url,
    });
  }
  return out;
}

/**
 * The visitor identity the gateway's own Direct Line put on the activity (from the conversation's
 * token). Read only on local conversations: on Azure's, channelData is the client's to write.
 */
function visitorOf(activity: Activity, local: boolean): VisitorIdentity | undefined {
  if (!local) return undefined;
  const raw = (activity.channelData as Record<string, unknown> | undefined)?.[
    VISITOR_CHANNEL_DATA_KEY
  ];
  const parsed = raw === undefined ? undefined : VisitorIdentitySchema.safeParse(raw);
  return parsed?.success === true ? parsed.data : undefined;
}

/**
 * A visitor's message activity as our InboundMessage. On the gateway's own Direct Line the
 * activity id (given by us, unique) is the idempotency key and the conversation id the thread key;
 * from Azure Bot Service (Teams and the other channels) both are qualified by the channel and the
 * conversation, as those ids are only unique within them. The conversation reference goes with the
 * message (and so onto the ticket): it is what send needs to answer later.
 */
export function normalizeActivity(
  activity: Activity,
  reference: Partial<ConversationReference>,
  receivedAt: Date,
): InboundMessageInput {
  const local = isLocal(activity);
  const conversationId = activity.conversation.id;
  const qualified = (id: string) => (local ? id : `${activity.channelId}/${conversationId}/${id}`);
  return {
    channel: 'webchat',
    channelMessageId: fit(qualified(activity.id ?? '')),
    threadKey: fit(local ? conversationId : `${activity.channelId}/${conversationId}`),
    from: visitorFrom(visitorOf(activity, local), {
      identity: (local ? activity.from.id : `${activity.channelId}/${activity.from.id}`).slice(
        0,
        320,
      ),
      name:
        typeof activity.from.name === 'string' && activity.from.name !== ''
          ? activity.from.name.slice(0, 200)
          : undefined,
    }),
    text: activity.text ?? '',
    attachments: attachmentsOf(activity),
    receivedAt,
    channelData: { reference: JSON.parse(JSON.stringify(reference)) as unknown },
  };
}
