import { z } from 'zod';
import { ContactAttributesSchema } from '../../src/domain/contact-attributes.ts';
import type { InboundMessageInput } from '../../src/domain/message.ts';

/** The body of `POST /api/v1/messages`. */
export const ApiMessageBodySchema = z
  .object({
    /** Your id for this message: sending the same id again is a no-op. */
    messageId: z.string().min(1).max(200),
    /** Your id for the conversation: messages with the same id share a ticket. */
    conversationId: z.string().min(1).max(200),
    from: z
      .object({
        id: z.string().min(1).max(200),
        name: z.string().max(200).optional(),
        email: z.string().email().max(320).optional(),
        phone: z
          .string()
          .regex(/^\+[1-9]\d{6,14}$/, 'must be an E.164 number such as +14155550123')
          .optional(),
        /** Tier (urgency), plan, company and custom fields, stored on the contact. */
        attributes: ContactAttributesSchema.optional(),
      })
      .strict(),
    text: z.string().trim().min(1).max(20_000),
    attachments: z
      .array(
        z
          .object({
            name: z.string().min(1).max(255),
            contentType: z.string().min(1).max(255),
            size: z.number().int().nonnegative(),
            url: z.string().url().max(2048).optional(),
          })
          .strict(),
      )
      .max(20)
      .optional(),
    sentAt: z.coerce.date().optional(),
  })
  .strict();

export type ApiMessageBody = z.infer<typeof ApiMessageBodySchema>;

/**
 * The integration's message as the pipeline's InboundMessage; ids are scoped by integration. The
 * email and phone it passes are vouched for only by an integration that verifies its customers'
 * identities; any other caller could name anyone's address, so they stay claimed (unverified).
 */
export function normalizeApiMessage(
  integrationId: string,
  body: ApiMessageBody,
  receivedAt: Date,
  verifiesIdentities = false,
): InboundMessageInput {
  const passed = [
    ...(body.from.email ? [{ kind: 'email' as const, value: body.from.email.toLowerCase() }] : []),
    ...(body.from.phone ? [{ kind: 'phone' as const, value: body.from.phone }] : []),
  ];
  return {
    channel: 'api',
    channelMessageId: `${integrationId}/${body.messageId}`,
    threadKey: `${integrationId}/${body.conversationId}`,
    from: {
      identity: { kind: 'api', value: `${integrationId}/${body.from.id}` },
      ...(body.from.name === undefined ? {} : { name: body.from.name }),
      ...(passed.length === 0
        ? {}
        : verifiesIdentities
          ? { otherIdentities: passed }
          : { claimedIdentities: passed }),
      ...(body.from.attributes ? { attributes: body.from.attributes } : {}),
    },
    text: body.text,
    attachments: body.attachments ?? [],
    receivedAt: body.sentAt ?? receivedAt,
    channelData: { integrationId, conversationId: body.conversationId, userId: body.from.id },
  };
}
