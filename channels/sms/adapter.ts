import { smsThreadKey } from './normalize.ts';
import type { Router } from 'express';
import type twilio from 'twilio';
import type {
  ChannelAdapter,
  ChannelCapabilities,
  InboundSink,
  OutboundFileLimits,
} from '../../src/domain/ports.ts';
import type { Identity } from '../../src/domain/message.ts';
import { loadSmsConfig, type SmsConfig } from './config.ts';
import type { SmsStore } from './ports.ts';
import { smsChannelRouter, type SmsRouterDeps } from './routes.ts';
import { confirmSms, createTwilioClient, sendSms } from './send.ts';

export const SMS_CAPABILITIES: ChannelCapabilities = {
  threads: false,
  attachments: { inbound: true, outbound: false },
  // Twilio's own limit per message; send.ts cuts further to SMS_MAX_SEGMENTS.
  maxTextLength: 1600,
  format: 'plain',
  canEdit: false,
};

/**
 * What one MMS may carry (https://www.twilio.com/docs/messaging/guides/accepted-mime-types): at
 * most 10 media, 5 MB together, and of the types we store only those Twilio accepts for MMS (not
 * WebP, which is WhatsApp's, nor plain text). Beyond that the pipeline sends links instead.
 */
export const MMS_LIMITS: OutboundFileLimits = {
  maxFiles: 10,
  maxTotalBytes: 5 * 1024 * 1024,
  types: ['image/jpeg', 'image/png', 'image/gif', 'application/pdf'],
};

export interface SmsChannel {
  adapter: ChannelAdapter;
  /** Mount at the app's root: it serves /channels/sms/twilio and /channels/sms/twilio/status. */
  router: Router;
  config: SmsConfig;
}

/**
 * The SMS channel on Twilio, or undefined when it is not configured (no TWILIO_ACCOUNT_SID).
 * `config` (parsed) wins over `env`; `client` replaces the twilio REST client (tests).
 */
export function createSmsChannel(deps: {
  sink: InboundSink;
  store: SmsStore;
  env?: NodeJS.ProcessEnv;
  config?: SmsConfig;
  client?: twilio.Twilio;
  /**
   * Whether the gateway's file links are absolute (PUBLIC_URL set): then an agent's files go as
   * MMS media (`MediaUrl`, which Twilio fetches), else as links in the text (the pipeline's).
   */
  mediaOut?: boolean;
  /** Where messages with media wait for their downloads (without it, media stay Twilio URLs). */
  media?: SmsRouterDeps['media'];
  now?: () => Date;
}): SmsChannel | undefined {
  const config = deps.config ?? loadSmsConfig(deps.env ?? process.env);
  if (config === undefined) return undefined;
  const client = deps.client ?? createTwilioClient(config);
  const adapter: ChannelAdapter = {
    id: 'sms',
    capabilities: deps.mediaOut
      ? {
          ...SMS_CAPABILITIES,
          attachments: { inbound: true, outbound: true, outboundLimits: MMS_LIMITS },
        }
      : SMS_CAPABILITIES,
    send: (message) => sendSms({ config, client, store: deps.store }, message),
    confirmDelivery: (message, since) =>
      confirmSms({ config, client, store: deps.store }, message, since),
    // With one number of ours, the customer's texts arrive on one thread; a messaging service's
    // pool of numbers has no single one to link.
    ...(config.TWILIO_FROM_NUMBER === undefined
      ? {}
      : {
          threadKeyFor: (address: Identity) =>
            smsThreadKey(address.value, config.TWILIO_FROM_NUMBER as string),
        }),
  };
  const router = smsChannelRouter({
    config,
    sink: deps.sink,
    store: deps.store,
    media: deps.media,
    ...(deps.now === undefined ? {} : { now: deps.now }),
  });
  return { adapter, router, config };
}
