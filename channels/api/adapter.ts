import type { Router } from 'express';
import type { ChannelAdapter, InboundSink } from '../../src/domain/ports.ts';
import type { IntegrationDirectory } from '../../src/domain/integrations.ts';
import { apiChannelRouter } from './routes.ts';
import { publicOnlyAgent } from './callback-guard.ts';
import { sendToCallback } from './send.ts';

/**
 * The generic API channel ("API inbox"): integrations post customer messages with an API key and
 * receive replies on their callback URL as signed webhooks.
 */
export function createApiChannel(deps: {
  directory: IntegrationDirectory;
  sink: InboundSink;
  maxBodyBytes: number;
  webhookTimeoutMs: number;
  /** Let callbacks reach loopback and private addresses (tests, an integration on the same host). */
  allowPrivateCallbacks?: boolean;
  /** The per-integration rate limit (see apiChannelRouter). */
  limitIntegration?: ((integrationId: string) => Promise<void>) | undefined;
  /**
   * Whether the gateway's file links are absolute (PUBLIC_URL set): then an agent's files go in
   * the callback's `files` (the integration fetches them), else as links in the text.
   */
  filesOut?: boolean;
}): { adapter: ChannelAdapter; router: Router } {
  const publicOnly = deps.allowPrivateCallbacks ? undefined : publicOnlyAgent();
  const adapter: ChannelAdapter = {
    id: 'api',
    capabilities: {
      threads: true,
      attachments: { inbound: true, outbound: deps.filesOut === true },
      maxTextLength: 20_000,
      format: 'markdown',
      canEdit: false,
    },
    send: (message) =>
      sendToCallback(deps.directory, message, { timeoutMs: deps.webhookTimeoutMs, publicOnly }),
  };
  return { adapter, router: apiChannelRouter(deps) };
}
