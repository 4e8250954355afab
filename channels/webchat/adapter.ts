import { VisitorPresence } from './presence.ts';
import { watchRedisErrors } from '../../src/redis-errors.ts';
import type { Server } from 'node:http';
import express, { Router } from 'express';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { ChannelAdapter, ChannelCapabilities, InboundSink } from '../../src/domain/ports.ts';
import { SwitchboardError } from '../../src/domain/errors.ts';
import { botAuthentication, GatewayCloudAdapter, SwitchboardBot } from './bot.ts';
import { loadWebchatConfig, type WebchatConfig } from './config.ts';
import { DirectLineService } from './directline.ts';
import { WebchatLimits } from './limits.ts';
import { LiveHub } from './live.ts';
import { chatPageRouter } from './page.ts';
import type { WebchatFileStore } from './ports.ts';
import { directLineRouter, isLoopbackInterface } from './routes.ts';
import { confirmWebchat, sendWebchat } from './send.ts';
import { DirectLineStream } from './stream.ts';
import { RedisTranscript } from './transcript.ts';
import { DirectLineTokens } from './verify.ts';
import { dropVisitorIdentity } from './visitor-identity.ts';

export const WEBCHAT_CAPABILITIES: ChannelCapabilities = {
  threads: true,
  attachments: { inbound: true, outbound: false },
  maxTextLength: 20_000,
  format: 'markdown',
  canEdit: false,
};

/** Where Azure Bot Service posts activities (Teams and the other Bot Framework channels). */
export const BOT_MESSAGES_PATH = '/api/messages';

export interface WebchatChannel {
  adapter: ChannelAdapter;
  /** Mount at the app's root: /v3/directline/*, /chat, /chat/*, and /api/messages when configured. */
  router: Router;
  config: WebchatConfig;
  /**
   * Serves the Direct Line WebSocket streams on an HTTP server (its 'upgrade' event). Returns a
   * function that detaches and closes the open sockets (call it before server.close, which would
   * otherwise wait for them).
   */
  attach(server: Server): () => void;
  /** Closes the subscriber connection and any open socket. */
  close(): void;
}

/**
 * The web chat channel, or undefined when it is not configured (no WEBCHAT_TOKEN_SECRET): the
 * gateway's own Direct Line 3.0 service for Microsoft Web Chat, the botbuilder bot behind it (also
 * on /api/messages for Azure Bot Service when an app id is set), and the chat page and bubble.
 * Conversations live in Redis (`redis`, shared by all processes); uploads in `files`.
 */
export function createWebchatChannel(deps: {
  sink: InboundSink;
  redis: Redis;
  files: WebchatFileStore;
  /** Key prefix in Redis (the deployment's QUEUE_PREFIX). */
  prefix: string;
  env?: NodeJS.ProcessEnv;
  config?: WebchatConfig;
  /** The gateway's PUBLIC_URL; WEBCHAT_PUBLIC_URL, when set, takes precedence. */
  publicUrl?: string | undefined;
  /** The interface the api role listens on (HOST): off loopback a public URL is required. */
  host?: string | undefined;
  logger?: Logger | undefined;
  now?: () => Date;
}): WebchatChannel | undefined {
  const loaded = deps.config ?? loadWebchatConfig(deps.env ?? process.env);
  if (loaded === undefined) return undefined;
  const publicUrl = loaded.WEBCHAT_PUBLIC_URL ?? deps.publicUrl;
  if (publicUrl === undefined && deps.host !== undefined && !isLoopbackInterface(deps.host)) {
    throw new SwitchboardError(
      'SB_ERR_CONFIG',
      `PUBLIC_URL: required for the web chat when HOST (${deps.host}) is not loopback — links would otherwise come from the request's Host header`,
      { field: 'PUBLIC_URL' },
    );
  }
  const config: WebchatConfig = {
    ...loaded,
    ...(publicUrl === undefined ? {} : { WEBCHAT_PUBLIC_URL: publicUrl }),
  };
  const now = deps.now ?? (() => new Date());
  const transcript = new RedisTranscript(deps.redis, {
    prefix: deps.prefix,
    ttlSeconds: config.WEBCHAT_HISTORY_TTL_SECONDS,
    maxActivities: config.WEBCHAT_HISTORY_MAX,
  });
  const tokens = new DirectLineTokens(
    config.WEBCHAT_TOKEN_SECRET,
    config.WEBCHAT_TOKEN_TTL_SECONDS,
    () => now().getTime(),
  );
  const bot = new SwitchboardBot({ sink: deps.sink, now, logger: deps.logger });
  const botAdapter: GatewayCloudAdapter = new GatewayCloudAdapter(
    botAuthentication(config),
    config.WEBCHAT_MICROSOFT_APP_ID ?? '',
    // The service is built just below; the adapter only calls this during a turn.
    { deliver: (activity) => directLine.delivery.deliver(activity) },
  );
  const directLine: DirectLineService = new DirectLineService({
    config,
    tokens,
    transcript,
    limits: new WebchatLimits(deps.redis, config, deps.prefix),
    files: deps.files,
    adapter: botAdapter,
    bot,
    now,
  });

  const presence = new VisitorPresence(deps.redis, deps.prefix, config.WEBCHAT_PRESENCE_SECONDS);
  const router = Router();
  router.use(directLineRouter({ config, service: directLine, files: deps.files, presence }));
  router.use(chatPageRouter(config));
  if (config.WEBCHAT_MICROSOFT_APP_ID !== undefined) {
    // Bot Framework JWT checked by CloudAdapter.process (401 without a valid one).
    router.post(
      BOT_MESSAGES_PATH,
      express.json({ limit: config.WEBCHAT_MAX_ACTIVITY_BYTES }),
      async (req, res) => {
        dropVisitorIdentity(req.body);
        await botAdapter.process(req, res, (context) => bot.run(context));
      },
    );
  }

  let hub: LiveHub | undefined;
  let stream: DirectLineStream | undefined;
  const streamFor = (): DirectLineStream => {
    if (stream) return stream;
    // One subscriber connection per process that serves sockets (api role only).
    const subscriber = watchRedisErrors(
      deps.redis.duplicate({ maxRetriesPerRequest: null }),
      deps.logger,
      'webchat-live',
    );
    hub = new LiveHub(subscriber, (id) => transcript.liveChannel(id), transcript.livePrefix);
    stream = new DirectLineStream(directLine, hub, deps.logger, presence);
    return stream;
  };

  const adapter: ChannelAdapter = {
    id: 'webchat',
    // An agent's files go as attachments whose `contentUrl` is the signed link: absolute only with
    // the gateway's PUBLIC_URL (a chat bubble on another site must reach it); else links in text.
    capabilities:
      deps.publicUrl === undefined
        ? WEBCHAT_CAPABILITIES
        : { ...WEBCHAT_CAPABILITIES, attachments: { inbound: true, outbound: true } },
    send: (message) => sendWebchat(botAdapter, message),
    confirmDelivery: (message) => confirmWebchat(transcript, message),
    // Only this gateway's own conversations have a page to be on (the thread key is their id).
    customerAway: (threadKey) =>
      threadKey.includes('/') ? Promise.resolve(false) : presence.away(threadKey),
  };

  return {
    adapter,
    router,
    config,
    attach(server) {
      const live = streamFor();
      const onUpgrade = (...args: Parameters<DirectLineStream['handleUpgrade']>) => {
        const handled = live.handleUpgrade(...args);
        // Nobody else upgrades on this server: refuse what is not a Direct Line stream.
        if (!handled && server.listenerCount('upgrade') === 1) args[1].destroy();
      };
      server.on('upgrade', onUpgrade);
      return () => {
        server.off('upgrade', onUpgrade);
        stream?.close();
        hub?.close();
        stream = undefined;
        hub = undefined;
      };
    },
    close() {
      stream?.close();
      hub?.close();
    },
  };
}
