import type { Server } from 'node:http';
import type { Router } from 'express';
import { CHANNELS } from '../../channels/index.ts';
import type { ChannelContext, ChannelModule, RouteLimit } from '../../channels/module.ts';
import type { ChannelId } from '../domain/message.ts';
import type { ChannelAdapter, ChannelCapabilities } from '../domain/ports.ts';
import type { PersonalDataHolder } from '../domain/personal-data.ts';

/** What a channel that is not on (or not known) is assumed to carry: plain text, nothing else. */
export const PLAIN_CAPABILITIES: ChannelCapabilities = {
  threads: false,
  attachments: { inbound: false, outbound: false },
  maxTextLength: 1600,
  format: 'plain',
  canEdit: false,
};

/** The channels that are on in this process, built from the registry, and their wiring. */
export interface ChannelSet {
  modules: ChannelModule[];
  adapters: ReadonlyMap<ChannelId, ChannelAdapter>;
  capabilitiesOf(channel: ChannelId): ChannelCapabilities;
  /** Routers mounted at the app's root, and the per-address limits of their paths. */
  routers: Router[];
  limits: RouteLimit[];
  /** Routers behind the operator token. */
  adminRouters: Array<{ path: string; router: Router }>;
  /** Every registered channel's personal-data holders, whether the channel is on or not. */
  personalData: PersonalDataHolder[];
  attachServer(server: Server): () => void;
  /** Starts the channels' worker-role work (pollers). */
  startWorkerRoles(): Promise<void>;
  /** Stops taking in new work (before the pipeline's workers drain). */
  stopWorkerRoles(): Promise<void>;
  /** Closes the channels' connections (after the workers drained). */
  stop(): Promise<void>;
}

/** Builds every registered channel whose settings are present; the others stay off. */
export async function buildChannels(context: ChannelContext): Promise<ChannelSet> {
  const modules: ChannelModule[] = [];
  const personalData: PersonalDataHolder[] = [];
  const holderContext = {
    db: context.db,
    redis: context.redis,
    prefix: context.config.QUEUE_PREFIX,
    locks: context.locks,
  };
  for (const entry of CHANNELS) {
    const { channel } = await entry.load();
    // Registered whether the channel is on or not: what it stored while on is still a person's.
    personalData.push(...(channel.personalData?.(holderContext) ?? []));
    const built = await channel.create(context);
    if (built === undefined) continue;
    if (built.id !== entry.id || built.adapter.id !== entry.id)
      throw new Error(`channel ${entry.id} built a module named ${built.id}`);
    modules.push(built);
  }
  const adapters = new Map<ChannelId, ChannelAdapter>(
    modules.map((module) => [module.adapter.id, module.adapter]),
  );
  return {
    modules,
    adapters,
    capabilitiesOf: (channel) => adapters.get(channel)?.capabilities ?? PLAIN_CAPABILITIES,
    routers: modules.flatMap((module) => (module.http ? [module.http.router] : [])),
    limits: modules.flatMap((module) => module.http?.limits ?? []),
    adminRouters: modules.flatMap((module) => module.http?.adminRouters ?? []),
    personalData,
    attachServer(server) {
      const detach = modules.flatMap((module) =>
        module.attachServer ? [module.attachServer(server)] : [],
      );
      return () => {
        for (const run of detach) run();
      };
    },
    async startWorkerRoles() {
      for (const module of modules) await module.workerRole?.start();
    },
    async stopWorkerRoles() {
      for (const module of modules) await module.workerRole?.stop();
    },
    async stop() {
      for (const module of [...modules].reverse()) await module.stop?.();
    },
  };
}
