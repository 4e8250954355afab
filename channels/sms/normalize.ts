import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';
import { z } from 'zod';
import { SwitchboardError } from '../../src/domain/errors.ts';
import type { Attachment, InboundMessageInput } from '../../src/domain/message.ts';

/**
 * The fields of Twilio's incoming-message webhook we use (form-encoded; all values are strings).
 * https://www.twilio.com/docs/messaging/guides/webhook-request
 */
export const TwilioInboundSchema = z.object({
  MessageSid: z.string().regex(/^(SM|MM)[0-9a-fA-F]{32}$/, 'a Twilio message SID'),
  AccountSid: z.string().min(1),
  From: z.string().min(1).max(64),
  To: z.string().min(1).max(64),
  Body: z.string().max(10_000).default(''),
  NumMedia: z.coerce.number().int().min(0).max(10).default(0),
  MessagingServiceSid: z.string().optional(),
});
export type TwilioInbound = z.infer<typeof TwilioInboundSchema>;

/** Twilio's status callback fields. https://www.twilio.com/docs/messaging/guides/track-outbound-message-status */
export const TwilioStatusSchema = z.object({
  MessageSid: z.string().min(1).max(64),
  MessageStatus: z.string().min(1).max(32),
  ErrorCode: z.string().max(16).optional(),
});

/**
 * E.164 form of a number as Twilio reports it; numbers without `+` are read in the default
 * country. What is not a phone number (a short code, an alphanumeric sender) is kept as sent.
 */
export function toE164(raw: string, defaultCountry: CountryCode): string {
  const value = raw.trim().replace(/^(sms|tel):/i, '');
  const parsed = parsePhoneNumberFromString(value, defaultCountry);
  return parsed?.isValid() ? parsed.number : value;
}

/** The thread: one conversation per customer number and our number. */
export function smsThreadKey(customer: string, ours: string): string {
  return `${customer}/${ours}`;
}

/** A media URL we can keep: an http(s) URL within the domain's 2048 characters, else undefined. */
function mediaUrl(value: unknown): URL | undefined {
  if (typeof value !== 'string' || value === '' || value.length > 2048) return undefined;
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url : undefined;
  } catch {
    // A signed webhook may still carry a field that is not a URL: skip the media, keep the text.
    return undefined;
  }
}

/** MMS media as attachment metadata (the media stays on Twilio; size is not reported). */
function mediaOf(form: Record<string, unknown>, count: number): Attachment[] {
  const attachments: Attachment[] = [];
  for (let i = 0; i < count; i += 1) {
    const raw = form[`MediaUrl${i}`];
    const url = mediaUrl(raw);
    const contentType = form[`MediaContentType${i}`];
    if (url === undefined || typeof raw !== 'string') continue;
    const name = url.pathname.split('/').filter(Boolean).pop() ?? `media-${i}`;
    attachments.push({
      name: name.slice(0, 255),
      contentType:
        typeof contentType === 'string' && contentType !== ''
          ? contentType.slice(0, 255)
          : 'application/octet-stream',
      size: 0,
      url: raw,
    });
  }
  return attachments;
}

/** Twilio's incoming-message webhook as our InboundMessage. */
export function normalizeTwilioMessage(
  form: Record<string, unknown>,
  options: { defaultCountry: CountryCode; receivedAt: Date },
): InboundMessageInput {
  const parsed = TwilioInboundSchema.parse(form);
  const from = toE164(parsed.From, options.defaultCountry);
  const to = toE164(parsed.To, options.defaultCountry);
  // " " or a bare "tel:" passes the schema but leaves no address to answer.
  for (const [field, value] of [
    ['From', from],
    ['To', to],
  ] as const) {
    if (value === '') {
      throw new SwitchboardError('SB_ERR_VALIDATION', `${field}: no phone number or sender id`, {
        field,
      });
    }
  }
  return {
    channel: 'sms',
    channelMessageId: parsed.MessageSid,
    threadKey: smsThreadKey(from, to),
    from: { identity: { kind: 'phone', value: from } },
    text: parsed.Body,
    attachments: mediaOf(form, parsed.NumMedia),
    receivedAt: options.receivedAt,
    // The number the customer wrote to: replies go from it (see send.ts).
    channelData: { smsTo: to },
  };
}
