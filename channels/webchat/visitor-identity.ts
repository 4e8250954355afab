import { z } from 'zod';
import { SwitchboardError } from '../../src/domain/errors.ts';
import type { InboundMessageInput } from '../../src/domain/message.ts';
import type { WebchatConfig } from './config.ts';
import { SignedUserInputSchema, verifySignedUser } from './signed-user.ts';

/**
 * Who the visitor of a conversation is, fixed when the conversation starts and carried in its
 * Direct Line token (signed by us, so no later request can change it): a signed user the site
 * vouches for, or what the visitor typed in the pre-chat form (unverified), or neither.
 */
export const VisitorIdentitySchema = z
  .object({
    user: z
      .object({
        id: z.string().min(1).max(200),
        email: z.string().max(254).optional(),
        phone: z.string().max(32).optional(),
        name: z.string().max(200).optional(),
      })
      .strict()
      .optional(),
    claimed: z
      .object({ name: z.string().max(100).optional(), email: z.string().max(254).optional() })
      .strict()
      .optional(),
  })
  .strict();
export type VisitorIdentity = z.infer<typeof VisitorIdentitySchema>;

/** The body of `POST /v3/directline/tokens/generate` (all optional: no body = anonymous). */
export const TokenRequestSchema = z
  .object({
    user: SignedUserInputSchema.optional(),
    prechat: z
      .object({
        name: z.string().trim().max(100).optional(),
        email: z.string().trim().toLowerCase().max(254).email().optional().or(z.literal('')),
      })
      .strict()
      .optional(),
  })
  .strict();

/** Where the visitor's identity rides on an activity inside the gateway (never from a client). */
export const VISITOR_CHANNEL_DATA_KEY = 'switchboardVisitor';

/**
 * Removes a visitor identity from an activity that came from outside (Azure Bot Service): only
 * the gateway's own Direct Line sets one. normalize.ts reads it on local conversations only; this
 * keeps it out even of an activity that claims the local service URL.
 */
export function dropVisitorIdentity(activity: unknown): void {
  const channelData = (activity as { channelData?: unknown } | null)?.channelData;
  if (typeof channelData === 'object' && channelData !== null) {
    delete (channelData as Record<string, unknown>)[VISITOR_CHANNEL_DATA_KEY];
  }
}

/**
 * The visitor identity a token request asks for, checked: a signed user must verify against
 * WEBCHAT_IDENTITY_SECRET (401 otherwise, and 401 without one when WEBCHAT_IDENTITY_REQUIRED);
 * the pre-chat form's fields count only when the form is on and there is no signed user.
 */
export async function visitorOf(
  body: unknown,
  config: WebchatConfig,
  now: Date,
): Promise<VisitorIdentity | undefined> {
  const parsed = TokenRequestSchema.safeParse(body ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.join('.') || 'body';
    throw new SwitchboardError('SB_ERR_VALIDATION', `${field}: ${issue?.message ?? 'invalid'}`, {
      field,
    });
  }
  const { user, prechat } = parsed.data;
  const secret = config.WEBCHAT_IDENTITY_SECRET;
  if (user !== undefined) {
    if (secret === undefined) {
      throw new SwitchboardError(
        'SB_ERR_IDENTITY_INVALID',
        'user: this chat does not accept signed users (no WEBCHAT_IDENTITY_SECRET)',
        { field: 'user' },
      );
    }
    const signed = await verifySignedUser(
      user,
      { secret, jwtMaxAgeSeconds: config.WEBCHAT_JWT_MAX_AGE_SECONDS },
      now,
    );
    return { user: signed };
  }
  if (config.WEBCHAT_IDENTITY_REQUIRED) {
    throw new SwitchboardError('SB_ERR_IDENTITY_INVALID', 'user: a signed user is required', {
      field: 'user',
    });
  }
  if (!config.WEBCHAT_PRECHAT_FORM || prechat === undefined) return undefined;
  const claimed = {
    ...(prechat.name ? { name: prechat.name } : {}),
    ...(prechat.email ? { email: prechat.email } : {}),
  };
  return Object.keys(claimed).length === 0 ? undefined : { claimed };
}

/**
 * The `from` fields of a message by this visitor. A signed user is one contact on every browser
 * (`webchat:user:<site id>`), with the signed email and phone as identities the channel vouches
 * for; the pre-chat form's email is only claimed. `fallback` is the conversation's own identity.
 */
export function visitorFrom(
  visitor: VisitorIdentity | undefined,
  fallback: { identity: string; name: string | undefined },
): Pick<
  InboundMessageInput['from'],
  'identity' | 'name' | 'otherIdentities' | 'claimedIdentities'
> {
  const user = visitor?.user;
  if (user !== undefined) {
    const vouched = [
      ...(user.email === undefined ? [] : [{ kind: 'email' as const, value: user.email }]),
      ...(user.phone === undefined ? [] : [{ kind: 'phone' as const, value: user.phone }]),
    ];
    const name = user.name ?? fallback.name;
    return {
      identity: { kind: 'webchat', value: `user:${user.id}` },
      ...(name === undefined ? {} : { name }),
      ...(vouched.length > 0 ? { otherIdentities: vouched } : {}),
    };
  }
  const claimed = visitor?.claimed;
  const name = claimed?.name ?? fallback.name;
  return {
    identity: { kind: 'webchat', value: fallback.identity },
    ...(name === undefined ? {} : { name }),
    ...(claimed?.email === undefined
      ? {}
      : { claimedIdentities: [{ kind: 'email' as const, value: claimed.email }] }),
  };
}
