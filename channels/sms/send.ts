import twilio from 'twilio';
import type RequestClient from 'twilio/lib/base/RequestClient.js';
import { SwitchboardError } from '../../src/domain/errors.ts';
import type { OutboundMessage, SendResult } from '../../src/domain/message.ts';
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

/** The link to the full answer, when the outbound message carries one (`articleUrl`, proposed). */
function articleUrlOf(message: OutboundMessage): string | undefined {
  const value = (message as Record<string, unknown>)['articleUrl'];
  return typeof value === 'string' && /^https?:\/\//.test(value) ? value : undefined;
}

/** The SMS body: markdown stripped (links kept), cut to the configured number of segments. */
export function smsBodyFor(message: OutboundMessage, maxSegments: number): string {
  const text = markdownToSms(message.markdown ?? message.text);
  return fitSegments(text, { maxSegments, moreUrl: articleUrlOf(message) });
}

/** Twilio's error as ours: 429, 5xx and network failures are retried, other 4xx are not. */
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
  return new SwitchboardError('SB_ERR_DELIVERY_FAILED', `Twilio unreachable: ${reason}`, {
    cause: error,
  });
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

  const ourNumber = message.channelData['smsTo'];
  const sender =
    config.TWILIO_MESSAGING_SERVICE_SID !== undefined
      ? { messagingServiceSid: config.TWILIO_MESSAGING_SERVICE_SID }
      : {
          from:
            typeof ourNumber === 'string' && ourNumber.startsWith('+')
              ? ourNumber
              : (config.TWILIO_FROM_NUMBER ?? ''),
        };
  let sid: string;
  try {
    const created = await deps.client.messages.create({
      to: message.to.value,
      body: smsBodyFor(message, config.SMS_MAX_SEGMENTS),
      statusCallback: `${config.SMS_PUBLIC_URL}${STATUS_CALLBACK_PATH}`,
      ...sender,
    });
    sid = created.sid;
  } catch (error) {
    throw deliveryError(error);
  }
  await store.rememberSend(sid, message.messageId);
  return { providerMessageId: sid };
}
