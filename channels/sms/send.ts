import twilio from 'twilio';
import type RequestClient from 'twilio/lib/base/RequestClient.js';
import type { MessageInstance } from 'twilio/lib/rest/api/v2010/account/message.js';
import { neverConnected } from '../../src/domain/connection-errors.ts';
import { SwitchboardError } from '../../src/domain/errors.ts';
import type { OutboundMessage, SendResult } from '../../src/domain/message.ts';
import type { DeliveryConfirmation } from '../../src/domain/ports.ts';
import { optedOutReason } from './compliance.ts';
import type { SmsConfig } from './config.ts';
import type { SmsStore } from './ports.ts';
import { fitSegments, markdownToSms } from './text.ts';

export const STATUS_CALLBACK_PATH = '/channels/sms/twilio/status';
export const INBOUND_PATH = '/channels/sms/twilio';

/**
 * The SDK's own request client with every call sent to another base URL. The SDK has no base-URL
 * option (`https://api.twilio.com` is fixed in rest/ApiBase; `edge`/`region` only rename the
 * host), but it takes any `httpClient`: this keeps its auth, headers, form encoding and errors.
 */
class RebasedRequestClient extends twilio.RequestClient {
  constructor(
    private readonly baseUrl: URL,
    options: ConstructorParameters<typeof twilio.RequestClient>[0],
  ) {
    super(options);
  }

  override request<TData>(opts: RequestClient.RequestOptions<TData>) {
    const uri = new URL(opts.uri);
    uri.protocol = this.baseUrl.protocol;
    uri.host = this.baseUrl.host;
    return super.request<TData>({ ...opts, uri: uri.href });
  }
}

/** A twilio REST client for the configuration (pointed at TWILIO_API_BASE_URL in tests). */
export function createTwilioClient(config: SmsConfig): twilio.Twilio {
  // No SDK-level retries: the outbound queue retries with backoff, and records each attempt.
  const clientOptions = { timeout: config.TWILIO_TIMEOUT_MS, autoRetry: false };
  return twilio(config.TWILIO_ACCOUNT_SID, config.TWILIO_AUTH_TOKEN, {
    ...clientOptions,
    ...(config.TWILIO_API_BASE_URL === undefined
      ? {}
      : {
          httpClient: new RebasedRequestClient(new URL(config.TWILIO_API_BASE_URL), clientOptions),
        }),
  });
}

/**
 * The SMS body: markdown stripped (links kept), cut to the configured number of segments. A
 * message that waits for a reply (it has choices) keeps its last paragraph, the question, whole.
 */
export function smsBodyFor(message: OutboundMessage, maxSegments: number): string {
  const text = markdownToSms(message.markdown ?? message.text);
  const question = message.choices?.length
    ? text
        .split(/\n\s*\n/)
        .at(-1)
        ?.trim()
    : undefined;
  return fitSegments(text, { maxSegments, moreUrl: message.articleUrl, keepLast: question });
}

/**
 * Twilio's error as ours: 429, 5xx and network failures are retried, other 4xx are not. A failure
 * without Twilio's answer, other than a refused connection, is `deliveryUncertain`.
 */
function deliveryError(error: unknown): SwitchboardError {
  if (error instanceof twilio.RestException) {
    const detail = `Twilio ${error.status}${error.code === undefined ? '' : ` (error ${error.code})`}: ${error.message}`;
    const retryable = error.status === 429 || error.status >= 500;
    return new SwitchboardError(
      retryable ? 'SB_ERR_DELIVERY_FAILED' : 'SB_ERR_DELIVERY_REJECTED',
      detail,
      {
        cause: error,
      },
    );
  }
  const reason = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: unknown } | null)?.code;
  return new SwitchboardError('SB_ERR_DELIVERY_FAILED', `Twilio unreachable: ${reason}`, {
    cause: error,
    deliveryUncertain: !neverConnected(code),
  });
}

/** Who sends: the Messaging Service, else the number the customer wrote to, else our number. */
function senderFor(
  config: SmsConfig,
  message: OutboundMessage,
): { messagingServiceSid: string } | { from: string } {
  if (config.TWILIO_MESSAGING_SERVICE_SID !== undefined)
    return { messagingServiceSid: config.TWILIO_MESSAGING_SERVICE_SID };
  const ourNumber = message.channelData['smsTo'];
  return {
    from:
      typeof ourNumber === 'string' && ourNumber.startsWith('+')
        ? ourNumber
        : (config.TWILIO_FROM_NUMBER ?? ''),
  };
}

/**
 * Sends one outbound message as an SMS. Refuses (not retried) when the recipient opted out,
 * except the STOP confirmation itself; a message Twilio already took is not sent again.
 */
export async function sendSms(
  deps: { config: SmsConfig; client: twilio.Twilio; store: SmsStore },
  message: OutboundMessage,
): Promise<SendResult> {
  const { config, store } = deps;
  if (message.to.kind !== 'phone') {
    throw new SwitchboardError(
      'SB_ERR_DELIVERY_REJECTED',
      `an SMS goes to a phone number, not ${message.to.kind}`,
    );
  }
  const optOut = await store.optOutOf(message.to.value);
  if (
    optOut?.optedOut &&
    message.messageId !== store.replyMessageId(`sms.stop.${optOut.messageSid}`)
  ) {
    throw new SwitchboardError('SB_ERR_DELIVERY_REJECTED', optedOutReason(optOut));
  }
  const already = await store.sentAs(message.messageId);
  if (already !== undefined) return { providerMessageId: already };

  let sid: string;
  try {
    const created = await deps.client.messages.create({
      to: message.to.value,
      body: smsBodyFor(message, config.SMS_MAX_SEGMENTS),
      // An agent's files as MMS media: Twilio fetches each signed link (absolute: mediaOut).
      ...(message.attachments?.length ? { mediaUrl: message.attachments.map((a) => a.url) } : {}),
      statusCallback: `${config.SMS_PUBLIC_URL}${STATUS_CALLBACK_PATH}`,
      ...senderFor(config, message),
    });
    sid = created.sid;
  } catch (error) {
    throw deliveryError(error);
  }
  try {
    await store.rememberSend(sid, message.messageId);
  } catch {
    // Twilio has the message: reporting a failure now would invite a second one. Without the
    // mapping, this message's status callbacks stay unapplied; the SID is recorded on the message.
  }
  return { providerMessageId: sid };
}

/** How far back of the attempt's start a Twilio `date_created` may lie (clock skew, seconds). */
const CONFIRM_SKEW_MS = 30_000;
/** Messages read per question: one page; a customer's conversation is far smaller. */
const CONFIRM_PAGE = 50;

/** Twilio may store the body with typographic characters replaced (Smart Encoding): compare loosely. */
function comparable(body: string): string {
  return body
    .normalize('NFKC')
    .replace(/[\u2018\u2019\u201A\u2032]/g, "'")
    .replace(/[\u201C\u201D\u201E\u2033]/g, '"')
    .replace(/[\u2013\u2014]/g, '-')
    .replace(/\s+/g, ' ')
    .trim();
}

function dateOf(value: unknown): Date | undefined {
  const date = value instanceof Date ? value : new Date(String(value));
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/**
 * Did Twilio take this message since `since`? Asked when an attempt's outcome was lost (a crash
 * between Twilio's 201 and our record of it, or a timeout). First the SID we remembered, if the
 * attempt got that far; then Twilio's Messages list for this recipient (and our number, when we
 * send from a fixed one).
 *
 * The heuristic, as Twilio has no lookup by our id: an outbound message to the same number,
 * created no earlier than `since` minus 30 s of clock skew, from our number or Messaging Service,
 * whose body is the body we would send now (`smsBodyFor`, compared with typographic characters
 * and whitespace folded). Twilio's `DateSent` filter is a date, not a time, and a message still
 * queued has no `date_sent` yet: so one read for messages sent since that day, and, when that
 * finds nothing, one read of the newest messages without a date filter; the time is checked on
 * `date_created`, here.
 * https://www.twilio.com/docs/messaging/api/message-resource#read-multiple-message-resources
 *
 * Limits: the same text sent to the same number within that window by another message of ours
 * would be taken for this one (the customer has that text, once); Twilio's list has been reported
 * to lag behind recent sends (twilio/twilio-node#647), which would read as "not sent" and send
 * again. Twilio unreachable, 429 or 5xx: thrown (retried, the question asked again); another 4xx
 * (say, the key may not read messages): 'unknown', so the message is sent again.
 */
export async function confirmSms(
  deps: { config: SmsConfig; client: twilio.Twilio; store: SmsStore },
  message: OutboundMessage,
  since: Date,
): Promise<DeliveryConfirmation> {
  if (message.to.kind !== 'phone') return undefined; // send refuses it before calling Twilio
  const remembered = await deps.store.sentAs(message.messageId);
  if (remembered !== undefined) return { providerMessageId: remembered };

  const sender = senderFor(deps.config, message);
  const body = comparable(smsBodyFor(message, deps.config.SMS_MAX_SEGMENTS));
  const after = new Date(since.getTime() - CONFIRM_SKEW_MS);
  const ours = (m: MessageInstance): boolean => {
    const created = dateOf(m.dateCreated);
    return (
      (m.direction ?? '').startsWith('outbound') &&
      ('from' in sender
        ? m.from === sender.from
        : m.messagingServiceSid === sender.messagingServiceSid) &&
      created !== undefined &&
      created >= after &&
      comparable(m.body ?? '') === body
    );
  };
  const filter = { to: message.to.value, ...('from' in sender ? { from: sender.from } : {}) };
  const page = { limit: CONFIRM_PAGE, pageSize: CONFIRM_PAGE };
  const dayStart = new Date(
    Date.UTC(after.getUTCFullYear(), after.getUTCMonth(), after.getUTCDate()),
  );
  let found: MessageInstance | undefined;
  try {
    const sent = await deps.client.messages.list({ ...filter, dateSentAfter: dayStart, ...page });
    found = sent.find(ours);
    if (found === undefined) {
      const newest = await deps.client.messages.list({ ...filter, ...page });
      found = newest.find(ours);
    }
  } catch (error) {
    const failure = deliveryError(error);
    if (failure.retryable) throw failure;
    return 'unknown';
  }
  if (found === undefined) return undefined;
  // The mapping the interrupted attempt did not write: status callbacks find this message.
  await deps.store.rememberSend(found.sid, message.messageId);
  return { providerMessageId: found.sid };
}
