/**
 * What a channel is to the gateway: one module with an inbound half (HTTP routes, WebSocket
 * streams, pollers) and an outbound half (the adapter), built by a factory from what the core
 * provides (`ChannelContext`). `channels/index.ts` lists the factories; the composition root
 * (src/app.ts) wires whatever they return and knows no channel by name.
 */
import type { Server } from 'node:http';
import type { App } from '@slack/bolt';
import type { Router } from 'express';
import type { Redis } from 'ioredis';
import type { Connection } from 'mongoose';
import type { Logger } from 'pino';
import type { Config } from '../src/config.ts';
import type {
  ChannelAdapter,
  ChannelPool,
  InboundFiles,
  InboundSink,
  OutboundFiles,
} from '../src/domain/ports.ts';
import type { PersonalDataContext, PersonalDataHolder } from '../src/domain/personal-data.ts';
import type { RateLimitKind } from '../src/http/rate-limit.ts';
import type { IntegrationDirectory } from '../src/domain/integrations.ts';

/** A path prefix counted per client address in one of the rate-limit buckets. */
export interface RouteLimit {
  path: string;
  kind: RateLimitKind;
}

/** What the core hands every channel factory. */
export interface ChannelContext {
  /** Where the channel's own variables are read (e.g. TWILIO_*). */
  env: NodeJS.ProcessEnv;
  /** The gateway's settings (PUBLIC_URL, QUEUE_PREFIX, HOST…). */
  config: Config;
  /** Where inbound messages go: durable once `accept` resolves. */
  sink: InboundSink;
  /** The producer Redis connection (fails fast while Redis is away). */
  redis: Redis;
  /** The MongoDB connection a channel's store registers its models on (`channels/<id>/store.ts`). */
  db: Connection;
  /** Per-document locks in Redis (for what FerretDB cannot update atomically). */
  locks: ChannelLocks;
  /** The ticket pool, as far as channels' stores need it. */
  pool: ChannelPool;
  /** Where inbound attachments are kept (served to agents by the attachments API). */
  files: InboundFiles;
  /** The bytes of the files agents send (OutboundMessage.attachments), for channels that carry them. */
  outboundFiles: OutboundFiles;
  /** The API integrations (their keys, callback URLs and secrets), kept by the admin side. */
  integrations: IntegrationDirectory;
  /** Counts one request against a rate-limit bucket; throws 429 when it is spent. */
  consumeRateLimit(kind: RateLimitKind, bucket: string, key: string, reason: string): Promise<void>;
  /** The Slack app of the agent desk, when one is configured (Slack customers share it). */
  slackApp?: SlackAppHost | undefined;
  logger?: Logger | undefined;
}

/** The lock a channel store may take around a read-modify-write of one document. */
export interface ChannelLocks {
  withLock<T>(key: string, work: () => Promise<T>): Promise<T>;
}

/** The desk's Slack app, as a customer channel sees it. */
export interface SlackAppHost {
  token: string;
  apiUrl?: string | undefined;
  /** Bolt's App, for the channel's listeners. */
  app: App;
  /** Whether a conversation is one of the desk's own (agents' channels), not a customer's. */
  isDeskConversation(place: {
    channel: string;
    threadTs: string | undefined;
    user: string;
  }): Promise<boolean>;
}

/** An HTTP surface: a router mounted at the root, and the rate-limit buckets of its paths. */
export interface ChannelHttp {
  router: Router;
  limits: RouteLimit[];
  /** Routers behind the operator token (`ADMIN_TOKEN`), e.g. stored files. */
  adminRouters?: Array<{ path: string; router: Router }>;
  /** A page where a customer starts a conversation in the browser: the help centre links to it. */
  chatPage?: string;
}

/** Work a channel does in the worker role (pollers): started after the pipeline's workers. */
export interface ChannelWorkerRole {
  start(): Promise<void>;
  /** Stops taking in new work; called before the pipeline's workers drain. */
  stop(): Promise<void>;
}

export interface ChannelModule {
  readonly id: string;
  /** Sends, and says what the channel can carry (`adapter.capabilities`). */
  adapter: ChannelAdapter;
  http?: ChannelHttp;
  /** WebSocket streams on the process's HTTP server; returns a detach function. */
  attachServer?(server: Server): () => void;
  workerRole?: ChannelWorkerRole;
  /** Closes connections; called after the workers drained. */
  stop?(): Promise<void>;
}

/**
 * What `channels/<id>/module.ts` exports as `channel`: its settings and how to build it. The id and
 * identity kind are on its registry line (channels/index.ts), which the domain reads without
 * loading any channel.
 */
export interface ChannelFactory {
  /** The environment variables it reads, for the configuration reference. */
  readonly configSchema?: { shape: Record<string, unknown> };
  /**
   * Reads its settings as `create` will, throwing SB_ERR_CONFIG naming the first bad variable:
   * `start` checks every channel before it brings up a single server.
   */
  checkConfig?(env: NodeJS.ProcessEnv): void;
  /**
   * What the channel keeps about a contact beyond the pool's tickets and messages. Registered
   * whether the channel is on or not: data stored while it was on is still exported and erased.
   */
  personalData?(context: PersonalDataContext): PersonalDataHolder[];
  /** Builds the channel, or returns undefined when its settings are absent (the channel is off). */
  create(context: ChannelContext): Promise<ChannelModule | undefined>;
}

/** A line of the registry. */
export interface ChannelEntry {
  readonly id: string;
  /** The identity kind its customers arrive with (`phone` for SMS). */
  readonly identityKind: string;
  /**
   * Dispatch's default urgency points for a waiting ticket of this channel (0–100): a channel
   * where the customer waits on the other end (chat, SMS) more than one they left (email).
   * Operators override them in the dispatch settings.
   */
  readonly urgency: number;
  /**
   * Can the channel write first to an address of its identity kind (an email, a phone number)?
   * An agent may then answer a customer there from another channel's ticket (reply-channels.ts).
   */
  readonly writesFirst?: boolean;
  /**
   * Do its customers type an email the gateway should confirm (a pre-chat form)? Each such claimed
   * address gets a confirmation link (src/identity/); an integration's claims do not (its customers
   * did not ask us to write).
   */
  readonly confirmsTypedEmail?: boolean;
  /**
   * Its identity values are `<scope>/<the customer's id there>` (an integration's, a site's): GDPR
   * erasure also scrubs that id on its own from texts.
   */
  readonly scopedIdentity?: boolean;
  /**
   * The channel that carries on a conversation the customer left (a channel's `customerAway`): an
   * agent's answer is also sent by it, to the contact's verified address of its identity kind.
   */
  readonly continuesAway?: boolean;
  load(): Promise<{ channel: ChannelFactory }>;
}
