/**
 * Sends the link confirming an email a customer typed (issue 19: the web chat's pre-chat form
 * keeps it claimed until confirmed). Once per contact and address while a link lives, within the
 * daily budget (confirmation-limits.ts), through the email channel's own notices; with no email
 * channel or no PUBLIC_URL nothing is sent and the email stays claimed.
 */
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { ChannelId, InboundMessage } from '../domain/message.ts';
import type { Notice } from '../domain/ports.ts';
import type { PipelineListener } from '../pipeline/listeners.ts';
import type { PoolModels } from '../pool/models.ts';
import type { ConfirmationLinks } from './confirmation-links.ts';
import { sentMarkKey, takeConfirmationSlot } from './confirmation-limits.ts';
import { emailStanding } from './email-standing.ts';

/** How long after a failed send a later message may try again. */
const RETRY_AFTER_SECONDS = 300;

export interface ConfirmationSenderDeps {
  /**
   * The channels whose claimed emails are confirmed: the web chat's pre-chat form. An API
   * integration's customers did not ask us to write to them (its unverified emails stay claims).
   */
  channels: ReadonlySet<ChannelId>;
  models: PoolModels;
  redis: Redis;
  prefix: string;
  /** Undefined without PUBLIC_URL: a link must be absolute to work from a mailbox. */
  links: (() => Promise<ConfirmationLinks>) | undefined;
  /** The email channel's notices; undefined when email is not configured. */
  sendNotice: ((notice: Notice) => Promise<unknown>) | undefined;
  maxPerDay: number;
  linkSeconds: number;
  /** Who the email says the chat was with (WEBCHAT_BRAND_NAME). */
  brandName: string;
  logger?: Logger | undefined;
}

export type SendOutcome =
  'sent' | 'not-configured' | 'verified-already' | 'not-linked' | 'sent-already' | 'rate-limited';

/**
 * The email: who it is from, the link and how long it lives, what to do if it was not you.
 * Nothing of the chat and not the visitor's name: whoever typed the address may not own it.
 */
export function confirmationText(brandName: string, link: string, seconds: number): string {
  const hours = Math.round(seconds / 3600);
  const lifetime =
    hours >= 1 ? `${hours} hour${hours === 1 ? '' : 's'}` : `${Math.round(seconds / 60)} minutes`;
  return [
    'Hello,',
    '',
    `This email address was given in a chat with ${brandName}. To confirm that it is yours, open this link within ${lifetime} and press the button:`,
    '',
    link,
    '',
    'If you did not give it, ignore this email: the address stays unconfirmed.',
  ].join('\n');
}

/** Sends the confirmation of `address` to the contact's visitor, if one is due. */
export async function sendConfirmation(
  deps: ConfirmationSenderDeps,
  input: { contactId: string; address: string },
): Promise<SendOutcome> {
  if (!deps.links || !deps.sendNotice || deps.maxPerDay === 0) return 'not-configured';
  const standing = await emailStanding(deps.models, input.contactId, input.address);
  if (standing.kind === 'verified-here') return 'verified-already';
  // Nobody holds it (erased meanwhile): nothing to confirm it for.
  if (standing.kind === 'unlinked') return 'not-linked';
  const contactId = String(standing.contactId);
  // Once while a link lives: every message of the conversation claims the address again.
  const once = sentMarkKey(deps.prefix, contactId, input.address);
  if ((await deps.redis.set(once, '1', 'EX', deps.linkSeconds, 'NX')) !== 'OK')
    return 'sent-already';
  try {
    if (!(await takeConfirmationSlot(deps, { contactId, address: input.address }))) {
      // The marker stays: this conversation's next messages do not knock on the limit again.
      deps.logger?.warn({ contactId }, 'confirmation email not sent: daily limit reached');
      return 'rate-limited';
    }
    const link = await (await deps.links()).issue({ contactId, address: input.address });
    await deps.sendNotice({
      to: { kind: 'email', value: input.address },
      subject: `Confirm your email address for ${deps.brandName}`,
      text: confirmationText(deps.brandName, link, deps.linkSeconds),
      key: `confirm.${once.slice(once.lastIndexOf(':') + 1)}.${Date.now()}`,
    });
    return 'sent';
  } catch (error) {
    // Not sent: a later message tries again, after a pause (each try may wait on a mail server).
    await deps.redis.expire(once, RETRY_AFTER_SECONDS);
    throw error;
  }
}

/**
 * The pipeline's part: after a message is stored, each email its sender claimed (the pre-chat
 * form's) gets its confirmation, if due. Best effort: a failed send is logged and never fails
 * the message, and the next message tries again.
 */
export function confirmationListener(deps: ConfirmationSenderDeps): PipelineListener {
  return {
    name: 'email-confirmation',
    async stored(inbound: InboundMessage, contactId: string) {
      if (!deps.channels.has(inbound.channel)) return;
      for (const claimed of inbound.from.claimedIdentities ?? []) {
        if (claimed.kind !== 'email') continue;
        try {
          await sendConfirmation(deps, { contactId, address: claimed.value });
        } catch (error) {
          deps.logger?.warn({ contactId, err: error }, 'confirmation email not sent');
        }
      }
    },
  };
}
