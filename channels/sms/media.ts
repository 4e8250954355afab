/**
 * MMS media in: each `MediaUrl<n>` of an incoming message is downloaded from Twilio with HTTP
 * Basic auth (account SID and auth token,
 * https://www.twilio.com/docs/messaging/api/media-resource) and kept in the core's attachment
 * store before the message goes on (channels/files/keep-files.ts, by the `sms-media` job of
 * channels/files/files-queue.ts: the webhook only queues it).
 */
import type { Attachment, InboundMessageInput } from '../../src/domain/message.ts';
import type { InboundFiles } from '../../src/domain/ports.ts';
import type { FetchFileRequest } from '../files/fetch-file.ts';
import { keepFiles } from '../files/keep-files.ts';
import type { SmsConfig } from './config.ts';

export const SMS_MEDIA_QUEUE = 'sms-media';

/**
 * Hosts a media URL (and each redirect) may point to: Twilio's API and its media CDN, over HTTPS,
 * or the stand-in base URL tests set (TWILIO_API_BASE_URL). A signed webhook is Twilio's, but a
 * URL elsewhere would make us send our credentials or fetch an internal address.
 */
export function twilioMediaHost(config: Pick<SmsConfig, 'TWILIO_API_BASE_URL'>) {
  const standIn =
    config.TWILIO_API_BASE_URL === undefined ? undefined : new URL(config.TWILIO_API_BASE_URL);
  return (url: URL): boolean => {
    if (standIn !== undefined && url.origin === standIn.origin) return true;
    if (url.protocol !== 'https:' || url.port !== '') return false;
    const host = url.hostname.toLowerCase();
    return (
      host === 'api.twilio.com' || host.endsWith('.twilio.com') || host.endsWith('.twiliocdn.com')
    );
  };
}

/** How one medium is fetched: Basic auth, SMS_MEDIA_MAX_BYTES, TWILIO_TIMEOUT_MS. */
function mediumRequest(
  config: SmsConfig,
  attachment: Attachment,
  fetchImpl: typeof fetch | undefined,
): FetchFileRequest {
  const auth = Buffer.from(`${config.TWILIO_ACCOUNT_SID}:${config.TWILIO_AUTH_TOKEN}`);
  return {
    url: attachment.url ?? '',
    name: attachment.name,
    declaredType: attachment.contentType,
    headers: { authorization: `Basic ${auth.toString('base64')}` },
    isAllowedUrl: twilioMediaHost(config),
    maxBytes: config.SMS_MEDIA_MAX_BYTES,
    timeoutMs: config.TWILIO_TIMEOUT_MS,
    ...(fetchImpl === undefined ? {} : { fetch: fetchImpl }),
  };
}

/** Downloads and stores a message's media; see keepFiles. */
export function keepMedia(
  message: InboundMessageInput,
  deps: { config: SmsConfig; files: InboundFiles; fetch?: typeof fetch },
  lastTry: boolean,
): Promise<InboundMessageInput> {
  return keepFiles(
    message,
    {
      files: deps.files,
      requestFor: (attachment) => mediumRequest(deps.config, attachment, deps.fetch),
    },
    lastTry,
  );
}
