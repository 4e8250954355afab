import { webApi, type App } from '@slack/bolt';
import type { Logger } from 'pino';
import type {
  ChannelAdapter,
  ChannelCapabilities,
  InboundSink,
  OutboundFiles,
} from '../../src/domain/ports.ts';
import { loadSlackChannelConfig, type SlackChannelConfig } from './config.ts';
import { registerCustomerListeners, type CustomerListenerDeps } from './listeners.ts';
import { SlackNames } from './names.ts';
import type { SlackPlace } from './normalize.ts';
import { SLACK_MAX_TEXT, confirmSlack, sendSlack } from './send.ts';

export const SLACK_CAPABILITIES: ChannelCapabilities = {
  threads: true,
  // In: files customers share are fetched and stored (files.ts). Out: agents' files are uploaded
  // into the customer's thread (send.ts).
  attachments: { inbound: true, outbound: true },
  maxTextLength: SLACK_MAX_TEXT,
  // The pipeline hands markdown; send.ts turns it into Slack's mrkdwn.
  format: 'markdown',
  canEdit: false,
};

export interface SlackChannel {
  adapter: ChannelAdapter;
  config: SlackChannelConfig;
  /** Registers the customer listeners on the (shared) Bolt app. */
  listen(app: App): void;
}

/**
 * Slack as a customer channel, on the desk's Slack app: `token` and `apiUrl` are the desk's
 * (SLACK_BOT_TOKEN, SLACK_API_URL). Undefined when SLACK_CUSTOMER_CHANNEL is false.
 */
export function createSlackChannel(deps: {
  sink: InboundSink;
  token: string;
  apiUrl?: string | undefined;
  isDeskConversation(place: SlackPlace): Promise<boolean>;
  env?: NodeJS.ProcessEnv;
  /** The bytes of the files agents send, uploaded into the customer's thread. */
  outboundFiles?: OutboundFiles | undefined;
  /** Where messages with files wait for their download (without it, files are links only). */
  filesFirst?: CustomerListenerDeps['filesFirst'];
  logger?: Logger | undefined;
  sleep?: (ms: number) => Promise<void>;
}): SlackChannel | undefined {
  const config = loadSlackChannelConfig(deps.env ?? process.env);
  if (!config.SLACK_CUSTOMER_CHANNEL) return undefined;
  const clientOptions = {
    ...(deps.apiUrl ? { slackApiUrl: deps.apiUrl } : {}),
    // No retries of its own: 429s are handled in send.ts, other failures by the outbound queue.
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
  };
  const client = new webApi.WebClient(deps.token, clientOptions);
  const names = new SlackNames(
    new webApi.WebClient(deps.token, { ...clientOptions, timeout: config.SLACK_NAME_LOOKUP_MS }),
    config.SLACK_NAME_LOOKUP_MS,
  );
  const adapter: ChannelAdapter = {
    id: 'slack',
    capabilities: SLACK_CAPABILITIES,
    send: (message) =>
      sendSlack(
        {
          client,
          files: deps.outboundFiles,
          maxRetryAfterSeconds: config.SLACK_RETRY_AFTER_MAX_SECONDS,
          ...(deps.sleep ? { sleep: deps.sleep } : {}),
        },
        message,
      ),
    confirmDelivery: (message, since) => confirmSlack({ client }, message, since),
  };
  return {
    adapter,
    config,
    listen: (app) =>
      registerCustomerListeners(app, {
        sink: deps.sink,
        names,
        isDeskConversation: (place) => deps.isDeskConversation(place),
        filesFirst: deps.filesFirst,
        logger: deps.logger,
      }),
  };
}
