import { z } from 'zod';
import { CHANNELS } from '../../channels/index.ts';
import { ContactAttributesSchema } from './contact-attributes.ts';

/** Channels a message can come from or go to: the registry's ids (channels/index.ts). */
export type ChannelId = (typeof CHANNELS)[number]['id'];
export const CHANNEL_IDS = CHANNELS.map((entry) => entry.id) as [ChannelId, ...ChannelId[]];
export const ChannelIdSchema = z.enum(CHANNEL_IDS);

/** Dispatch's default urgency points per channel, from the registry (channels/module.ts). */
export const CHANNEL_URGENCY: Readonly<Record<ChannelId, number>> = Object.fromEntries(
  CHANNELS.map((entry) => [entry.id, entry.urgency]),
) as Record<ChannelId, number>;

/**
 * The channel that writes first to an identity of each kind (email → email, phone → sms): the
 * registry lines marked `writesFirst`.
 */
export const CHANNEL_OF_KIND: Readonly<Partial<Record<string, ChannelId>>> = Object.fromEntries(
  CHANNELS.filter((entry) => 'writesFirst' in entry && entry.writesFirst).map((entry) => [
    entry.identityKind,
    entry.id,
  ]),
);

export type IdentityKind = (typeof CHANNELS)[number]['identityKind'];
export const IDENTITY_KINDS = [...new Set(CHANNELS.map((entry) => entry.identityKind))] as [
  IdentityKind,
  ...IdentityKind[],
];

/** Identity kinds whose values end in the customer's own id after a '/' (`scopedIdentity`). */
export const SCOPED_IDENTITY_KINDS: ReadonlySet<string> = new Set(
  CHANNELS.filter((entry) => 'scopedIdentity' in entry && entry.scopedIdentity).map(
    (entry) => entry.identityKind,
  ),
);

/** The channel that carries on a conversation the customer left (`continuesAway`), if any. */
export const CONTINUE_CHANNEL: { id: ChannelId; identityKind: IdentityKind } | undefined =
  CHANNELS.find((entry) => 'continuesAway' in entry && entry.continuesAway);
export const IdentityKindSchema = z.enum(IDENTITY_KINDS);

export const IdentitySchema = z.object({
  kind: IdentityKindSchema,
  /** Normalized: lower-case email, E.164 phone, `<integration>/<external id>` for api. */
  value: z.string().min(1).max(320),
});
export type Identity = z.infer<typeof IdentitySchema>;

export const AttachmentSchema = z.object({
  name: z.string().max(255),
  contentType: z.string().max(255),
  size: z.number().int().nonnegative(),
  url: z.string().url().max(2048).optional(),
});
export type Attachment = z.infer<typeof AttachmentSchema>;

/**
 * The one normalized shape every channel adapter produces for a customer message.
 * `channelMessageId` is the provider's id of the message: with `channel` it is the idempotency key.
 * `threadKey` says which conversation the message belongs to on that channel.
 */
export const InboundMessageSchema = z.object({
  channel: ChannelIdSchema,
  channelMessageId: z.string().min(1).max(512),
  threadKey: z.string().min(1).max(512),
  from: z.object({
    identity: IdentitySchema,
    name: z.string().max(200).optional(),
    /**
     * Does the channel vouch that `identity` is the sender's? True for the channel's own ids (an
     * SMS number, a Slack member, an API integration's customer); an email's From only when the
     * receiving server's Authentication-Results show DKIM or DMARC passing. An unverified
     * identity never links to a contact that owns it verified: it becomes a merge suggestion.
     * Absent means verified.
     */
    identityVerified: z.boolean().optional(),
    /**
     * Further identities the channel vouches for (an API integration passing an email, a signed
     * web-chat user's email, a Slack member's profile email): linked to the contact automatically.
     */
    otherIdentities: z.array(IdentitySchema).max(10).optional(),
    /**
     * Identities the customer typed and nobody verified (a web chat's pre-chat form): kept on the
     * contact as unverified, and only ever a merge suggestion when another contact owns them.
     */
    claimedIdentities: z.array(IdentitySchema).max(10).optional(),
    /** What a trusted integration says about the customer (tier, plan…): see contact-attributes.ts. */
    attributes: ContactAttributesSchema.optional(),
  }),
  text: z.string().max(100_000),
  /** Only the customer's new words (quoted history and signatures removed), for the intent layer. */
  newText: z.string().max(100_000).optional(),
  html: z.string().max(1_000_000).optional(),
  subject: z.string().max(998).optional(),
  attachments: z.array(AttachmentSchema).max(100).default([]),
  receivedAt: z.coerce.date(),
  /** Channel specifics the channel's send needs later (e.g. the integration id, a reply address). */
  channelData: z.record(z.string(), z.unknown()).default({}),
});
export type InboundMessage = z.infer<typeof InboundMessageSchema>;
export type InboundMessageInput = z.input<typeof InboundMessageSchema>;

export const AuthorKindSchema = z.enum(['customer', 'bot', 'agent', 'system']);
export type AuthorKind = z.infer<typeof AuthorKindSchema>;

/** Limits of an outbound message's choices (buttons are for a few short options). */
export const MAX_CHOICES = 10;
export const MAX_CHOICE_LENGTH = 200;

/**
 * A file an outbound message carries: a signed link anyone holding it may download it by until it
 * expires (OUTBOUND_FILE_LINK_SECONDS), and the id a channel that sends the bytes reads them by
 * (OutboundFiles in ports.ts).
 */
export const OutboundAttachmentSchema = z.object({
  fileId: z.string().min(1).max(600),
  name: z.string().max(255),
  contentType: z.string().max(255),
  size: z.number().int().nonnegative(),
  url: z.string().min(1).max(2048),
});
export type OutboundAttachment = z.infer<typeof OutboundAttachmentSchema>;

/**
 * What the pipeline hands a channel adapter to send: the stored message's id (the idempotency key
 * receivers may use), where it goes (the ticket's channel address) and what it says.
 */
export const OutboundMessageSchema = z.object({
  messageId: z.string().min(1),
  ticketId: z.string().min(1),
  channel: ChannelIdSchema,
  threadKey: z.string().min(1),
  to: IdentitySchema,
  author: z.object({ kind: AuthorKindSchema, name: z.string().optional() }),
  text: z.string().max(100_000),
  /** Markdown source when the text came from the knowledge base; channels that render it may use it. */
  markdown: z.string().optional(),
  /** Sanitized HTML rendering of `markdown`, for channels that show HTML (email). */
  html: z.string().optional(),
  /**
   * The address of the knowledge-base article this answer comes from (the help centre's page), for
   * channels that must cut a long answer (SMS ends with it).
   */
  articleUrl: z.string().url().max(2048).optional(),
  /** Short choices to offer as buttons (suggested actions); `text` lists them as well. */
  choices: z.array(z.string().max(MAX_CHOICE_LENGTH)).max(MAX_CHOICES).optional(),
  /** The conversation's language as the bot detected it (`en`, `zh`): chat clients localize by it. */
  language: z.string().max(20).optional(),
  inReplyTo: z.string().optional(),
  /**
   * Files an agent attached. A channel whose capabilities say `attachments.outbound` sends them;
   * for any other, the pipeline has put each name and link into `text` already.
   */
  attachments: z.array(OutboundAttachmentSchema).max(10).optional(),
  channelData: z.record(z.string(), z.unknown()).default({}),
});
export type OutboundMessage = z.infer<typeof OutboundMessageSchema>;

/** Result of a successful send: the provider's id, stored so echoes are recognized. */
export interface SendResult {
  providerMessageId: string;
}
