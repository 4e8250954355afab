import { randomBytes } from 'node:crypto';
import type { Activity as BotActivity, ResourceResponse } from 'botbuilder';
import { z } from 'zod';
import { SwitchboardError } from '../../src/domain/errors.ts';
import type { GatewayCloudAdapter, LocalDelivery, SwitchboardBot } from './bot.ts';
import type { WebchatConfig } from './config.ts';
import type { WebchatLimits } from './limits.ts';
import { LOCAL_CHANNEL_ID, LOCAL_SERVICE_URL } from './normalize.ts';
import type { WebchatFileStore } from './ports.ts';
import type { Activity, ActivityPage, RedisTranscript } from './transcript.ts';
import type { DirectLineGrant, DirectLineTokens } from './verify.ts';
import { VISITOR_CHANNEL_DATA_KEY, type VisitorIdentity } from './visitor-identity.ts';

/** The bot's account in every conversation. */
export const BOT_ID = 'switchboard';

/** A random id: 128 bits, base64url. */
export function randomId(bytes = 16): string {
  return randomBytes(bytes).toString('base64url');
}

/** What POST /conversations, GET /conversations/:id and token refreshes answer (before streamUrl). */
export interface ConversationGrant {
  conversationId: string;
  userId: string;
  token: string;
  expiresIn: number;
}

/** An uploaded file before it is stored. */
export interface UploadedFile {
  name: string;
  contentType: string;
  data: Buffer;
}

const AttachmentSchema = z
  .object({
    contentType: z.string().max(255).optional(),
    contentUrl: z.string().max(2048).optional(),
    name: z.string().max(255).optional(),
  })
  .loose();

/**
 * What a visitor may post. Web Chat sends `channelData.clientActivityID` with every activity and
 * expects to see it again on the echo; the rest of the activity (ids, timestamps, addresses) is
 * set here, never taken from the client.
 */
const VisitorActivitySchema = z.object({
  type: z.string().min(1).max(64),
  text: z.string().optional(),
  textFormat: z.enum(['plain', 'markdown', 'xml']).optional(),
  locale: z.string().max(35).optional(),
  from: z
    .object({ name: z.string().max(200).optional() })
    .loose()
    .optional(),
  channelData: z.record(z.string(), z.unknown()).optional(),
  attachments: z.array(AttachmentSchema).max(10).optional(),
  name: z.string().max(200).optional(),
  value: z.unknown().optional(),
});
type VisitorActivity = z.infer<typeof VisitorActivitySchema>;

/**
 * The parts of a visitor's channelData the product uses: Web Chat's `clientActivityID` (it marks
 * its message sent by the echo carrying it) and the sizes of uploaded files (set by us). Nothing
 * else a client sends is kept: the transcript lives in Redis for weeks, and Redis runs noeviction.
 */
function keptChannelData(
  clientId: string | undefined,
  channelData: Record<string, unknown> | undefined,
): Record<string, unknown> | undefined {
  const sizes = channelData?.['attachmentSizes'];
  const kept = {
    ...(clientId === undefined ? {} : { clientActivityID: clientId }),
    ...(Array.isArray(sizes) && sizes.length <= 10 && sizes.every((n) => typeof n === 'number')
      ? { attachmentSizes: sizes }
      : {}),
  };
  return Object.keys(kept).length === 0 ? undefined : kept;
}

export interface DirectLineDeps {
  config: WebchatConfig;
  tokens: DirectLineTokens;
  transcript: RedisTranscript;
  limits: WebchatLimits;
  files: WebchatFileStore;
  adapter: GatewayCloudAdapter;
  bot: SwitchboardBot;
  now: () => Date;
}

/**
 * The gateway's own Direct Line 3.0 service, without HTTP: starting and resuming conversations,
 * tokens, the visitor's activities (echoed into the transcript, then handed to the bot) and the
 * bot's activities (written to the transcript by the adapter). Routes and the WebSocket stream are
 * thin layers over it.
 */
export class DirectLineService {
  constructor(private readonly deps: DirectLineDeps) {}

  /**
   * Starts a conversation for a new visitor (rate-limited per IP) and grants a token for it; the
   * visitor's checked identity, if any, is bound into the token.
   */
  async start(ip: string, visitor?: VisitorIdentity): Promise<ConversationGrant> {
    const { transcript, config, tokens, limits, now } = this.deps;
    await limits.conversationStart(ip);
    const conversationId = randomId();
    // Not `dl_`: Web Chat reserves that prefix for ids embedded by Azure's Direct Line.
    const userId = `visitor-${randomId(12)}`;
    await transcript.create(conversationId, { userId, createdAt: now().toISOString() });
    if (config.WEBCHAT_WELCOME_MESSAGE !== undefined) {
      await transcript.append(conversationId, {
        id: `${conversationId}.welcome`,
        type: 'message',
        timestamp: now().toISOString(),
        channelId: LOCAL_CHANNEL_ID,
        conversation: { id: conversationId },
        from: { id: BOT_ID, name: config.WEBCHAT_BRAND_NAME, role: 'bot' },
        recipient: { id: userId, role: 'user' },
        text: config.WEBCHAT_WELCOME_MESSAGE,
        textFormat: 'markdown',
      });
    }
    const { token, expiresIn } = await tokens.issue({ conversationId, userId, visitor });
    return { conversationId, userId, token, expiresIn };
  }

  /** The grant of a token whose conversation still exists (404 once its history expired). */
  async open(token: string | undefined, conversationId?: string): Promise<DirectLineGrant> {
    const grant =
      conversationId === undefined
        ? await this.deps.tokens.verify(token)
        : await this.deps.tokens.verifyFor(token, conversationId);
    if ((await this.deps.transcript.get(grant.conversationId)) === undefined) {
      throw new SwitchboardError('SB_ERR_NOT_FOUND', 'the conversation has ended or expired');
    }
    return grant;
  }

  /** A fresh token for the same visitor and conversation (an expired token cannot be refreshed). */
  async refresh(token: string | undefined): Promise<ConversationGrant> {
    const grant = await this.open(token);
    const fresh = await this.deps.tokens.issue(grant);
    return { conversationId: grant.conversationId, userId: grant.userId, ...fresh };
  }

  /** Activities after the watermark ('' = the whole history). */
  activities(grant: DirectLineGrant, watermark: string): Promise<ActivityPage> {
    return this.deps.transcript.after(grant.conversationId, watermark);
  }

  /**
   * A visitor's activity: a message is given its id (the same id again for a retried post with the
   * same `clientActivityID`), echoed into the transcript, and handed to the bot, which resolves once
   * the pipeline holds it. Typing and event activities are acknowledged and dropped.
   */
  async post(grant: DirectLineGrant, body: unknown, ip: string): Promise<{ id: string }> {
    const activity = VisitorActivitySchema.parse(body);
    if (activity.type === 'typing' || activity.type === 'event') return { id: randomId() };
    if (activity.type !== 'message') {
      throw new SwitchboardError('SB_ERR_VALIDATION', `type: "${activity.type}" is not accepted`, {
        field: 'type',
      });
    }
    const text = activity.text ?? '';
    if (text.length > this.deps.config.WEBCHAT_MAX_TEXT_LENGTH) {
      throw new SwitchboardError(
        'SB_ERR_PAYLOAD_TOO_LARGE',
        `text: longer than ${this.deps.config.WEBCHAT_MAX_TEXT_LENGTH} characters`,
        { field: 'text' },
      );
    }
    // Files come through /upload; attachments posted here (links, cards) are not taken.
    if (text.trim() === '') {
      throw new SwitchboardError(
        'SB_ERR_VALIDATION',
        'text: a message needs text (files go to /upload)',
        {
          field: 'text',
        },
      );
    }
    await this.deps.limits.message(grant.userId, ip);
    return this.accept(grant, activity, []);
  }

  /**
   * An upload (Web Chat's "send file"): the files are checked against the size and type limits and
   * stored, then posted as one message whose attachments link to them.
   */
  async upload(
    grant: DirectLineGrant,
    input: { activity: unknown; files: UploadedFile[]; baseUrl: string },
    ip: string,
  ): Promise<{ id: string }> {
    const { config, files, limits } = this.deps;
    if (input.files.length === 0) {
      throw new SwitchboardError('SB_ERR_VALIDATION', 'file: no file in the upload', {
        field: 'file',
      });
    }
    if (input.files.length > 10) {
      throw new SwitchboardError('SB_ERR_VALIDATION', 'file: at most 10 files at once', {
        field: 'file',
      });
    }
    for (const file of input.files) {
      if (file.data.length > config.WEBCHAT_UPLOAD_MAX_BYTES) {
        throw new SwitchboardError(
          'SB_ERR_PAYLOAD_TOO_LARGE',
          `file: "${file.name}" is larger than ${config.WEBCHAT_UPLOAD_MAX_BYTES} bytes`,
          { field: 'file' },
        );
      }
      const type = file.contentType.split(';')[0]?.trim().toLowerCase() ?? '';
      if (!config.WEBCHAT_UPLOAD_TYPES.includes(type)) {
        throw new SwitchboardError(
          'SB_ERR_UNSUPPORTED_MEDIA_TYPE',
          `file: "${file.name}" is ${type || 'of no type'}; accepted: ${config.WEBCHAT_UPLOAD_TYPES.join(', ')}`,
          { field: 'file' },
        );
      }
    }
    const activity =
      input.activity === undefined
        ? { type: 'message' }
        : VisitorActivitySchema.parse(input.activity);
    if ((activity.text ?? '').length > config.WEBCHAT_MAX_TEXT_LENGTH) {
      throw new SwitchboardError(
        'SB_ERR_PAYLOAD_TOO_LARGE',
        `text: longer than ${config.WEBCHAT_MAX_TEXT_LENGTH} characters`,
        { field: 'text' },
      );
    }
    await limits.message(grant.userId, ip);
    const attachments: Array<Record<string, unknown>> = [];
    for (const file of input.files) {
      const id = randomId();
      const contentType = file.contentType.split(';')[0]?.trim().toLowerCase() ?? '';
      await files.save({
        id,
        conversationId: grant.conversationId,
        name: file.name,
        contentType,
        size: file.data.length,
        data: file.data,
      });
      attachments.push({
        contentType,
        contentUrl: `${input.baseUrl}/v3/directline/files/${id}`,
        name: file.name,
      });
    }
    // Sizes where Web Chat itself puts them (`channelData.attachmentSizes`), ours, not the client's.
    const channelData = {
      ...activity.channelData,
      attachmentSizes: input.files.map((file) => file.data.length),
    };
    return this.accept(
      grant,
      { ...activity, type: 'message', attachments: [], channelData },
      attachments,
    );
  }

  private async accept(
    grant: DirectLineGrant,
    activity: VisitorActivity,
    uploaded: Array<Record<string, unknown>>,
  ): Promise<{ id: string }> {
    const { transcript, adapter, bot, config, now } = this.deps;
    const conversationId = grant.conversationId;
    const clientId =
      typeof activity.channelData?.['clientActivityID'] === 'string'
        ? activity.channelData['clientActivityID'].slice(0, 200)
        : undefined;
    const channelData = keptChannelData(clientId, activity.channelData);
    const candidate = `${conversationId}.${randomId(12)}`;
    const id =
      clientId === undefined
        ? candidate
        : await transcript.reserveId(conversationId, clientId, candidate);
    const full: Activity = {
      id,
      type: 'message',
      timestamp: now().toISOString(),
      channelId: LOCAL_CHANNEL_ID,
      serviceUrl: LOCAL_SERVICE_URL,
      from: {
        id: grant.userId,
        role: 'user',
        ...(activity.from?.name === undefined ? {} : { name: activity.from.name }),
      },
      conversation: { id: conversationId },
      recipient: { id: BOT_ID, name: config.WEBCHAT_BRAND_NAME, role: 'bot' },
      text: activity.text ?? '',
      textFormat: activity.textFormat ?? 'plain',
      ...(activity.locale === undefined ? {} : { locale: activity.locale }),
      ...(uploaded.length > 0 ? { attachments: uploaded } : {}),
      ...(channelData === undefined ? {} : { channelData }),
    };
    // The echo first, so the visitor's message always precedes the answer in the transcript; a
    // retried post finds it there (by id) and adds nothing. Then the bot, which resolves once the
    // pipeline holds the message: only then is the post acknowledged.
    const { serviceUrl: _omit, ...echo } = full;
    await transcript.append(conversationId, echo);
    // The bot's copy carries the visitor's identity (kept out of the transcript: it is personal
    // data the visitor's browser has no use for, and Redis keeps transcripts for weeks).
    const forBot =
      grant.visitor === undefined
        ? full
        : {
            ...full,
            channelData: { ...channelData, [VISITOR_CHANNEL_DATA_KEY]: grant.visitor },
          };
    await adapter.processLocal(forBot as unknown as BotActivity, (context) => bot.run(context));
    return { id };
  }

  /** Writes the bot's activities (answers, agents' replies, typing) into the conversation. */
  readonly delivery: LocalDelivery = {
    deliver: async (activity): Promise<ResourceResponse> => {
      const conversationId = activity.conversation?.id;
      if (conversationId === undefined) throw new Error('an activity without a conversation');
      const { transcript, config, now } = this.deps;
      const meta = (activity.channelData as { switchboard?: SwitchboardChannelData } | undefined)
        ?.switchboard;
      // (Answers come without replyToId: see GatewayCloudAdapter.sendActivities. Web Chat would
      // wait for the activity a message replies to before showing it.)
      const { serviceUrl: _omit, ...rest } = activity;
      if (activity.type === 'typing') {
        const id = randomId();
        await transcript.publishEphemeral(conversationId, {
          ...rest,
          id,
          type: 'typing',
          timestamp: now().toISOString(),
          from: { id: BOT_ID, name: config.WEBCHAT_BRAND_NAME, role: 'bot' },
        });
        return { id };
      }
      const id =
        meta?.messageId === undefined
          ? randomId()
          : answerActivityId(conversationId, meta.messageId);
      const from =
        meta?.authorKind === 'agent'
          ? {
              id: `agent.${meta.authorName ?? 'agent'}`,
              name: meta.authorName ?? 'Agent',
              role: 'bot',
            }
          : { id: BOT_ID, name: config.WEBCHAT_BRAND_NAME, role: 'bot' };
      await transcript.append(conversationId, {
        ...rest,
        id,
        type: activity.type ?? 'message',
        timestamp: now().toISOString(),
        from,
      });
      return { id };
    },
  };
}

/**
 * The activity id of one of our messages in a conversation: made of the message id, so delivering
 * it again appends nothing (the transcript's appends are idempotent by activity id).
 */
export function answerActivityId(conversationId: string, messageId: string): string {
  return `${conversationId}.m${messageId}`;
}

/** What send.ts puts in an outgoing activity's channelData for the delivery above. */
export interface SwitchboardChannelData {
  messageId?: string;
  authorKind?: string;
  authorName?: string;
}
