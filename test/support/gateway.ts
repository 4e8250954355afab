import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { createGateway, type Gateway, type Role } from '../../src/app.ts';
import { loadConfig, type Config } from '../../src/config.ts';
import type { Responder } from '../../src/domain/ports.ts';
import { createLogger } from '../../src/logger.ts';
import { Metrics } from '../../src/metrics.ts';
import { serviceUrl } from './services.ts';

/** A unique suffix so test files never share a database or queue keys. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${randomBytes(5).toString('hex')}`;
}

/** A config for tests: its own database and queue prefix on the run's shared servers. */
export function testConfig(overrides: Record<string, string> = {}): Config {
  return loadConfig({
    MONGODB_URI: serviceUrl('mongoUrl'),
    REDIS_URL: serviceUrl('redisUrl'),
    MONGODB_DB: uniqueName('sbtest'),
    QUEUE_PREFIX: uniqueName('sbtest'),
    LOG_LEVEL: 'silent',
    ADMIN_TOKEN: 'test-admin-token-0123456789',
    OUTBOUND_BACKOFF_MS: '200',
    JOB_LOCK_MS: '4000',
    // The tests' callback receivers listen on loopback.
    API_CALLBACK_ALLOW_PRIVATE: 'true',
    ...overrides,
  });
}

export async function startTestGateway(
  options: { config?: Config; role?: Role; responder?: Responder; env?: NodeJS.ProcessEnv } = {},
): Promise<Gateway> {
  const config = options.config ?? testConfig();
  return createGateway({
    config,
    role: options.role ?? 'all',
    mongoUri: serviceUrl('mongoUrl'),
    redisUrl: serviceUrl('redisUrl'),
    logger: createLogger({ level: config.LOG_LEVEL }),
    metrics: new Metrics({ collectDefaults: false }),
    ...(options.responder ? { responder: options.responder } : {}),
    // Channels read their own variables; tests pass them explicitly, never the runner's env.
    env: options.env ?? {},
  });
}

/** Polls until `check` returns a value other than undefined/false, or fails after timeoutMs. */
export async function waitFor<T>(
  check: () => PromiseLike<T | undefined | null | false> | T | undefined | null | false,
  options: { timeoutMs?: number; intervalMs?: number; what?: string } = {},
): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 20_000);
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined && value !== null && value !== false) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 50));
  }
  throw new Error(
    `timed out waiting for ${options.what ?? 'a condition'}${last instanceof Error ? `: ${last.message}` : ''}`,
  );
}

/**
 * Serves the gateway's HTTP app on a real loopback port (what WebSockets and browsers need), with
 * its upgrade handlers attached as src/server.ts does. `close` detaches them and stops the server.
 */
export async function listenGateway(
  gateway: Gateway,
): Promise<{ url: string; server: Server; close(): Promise<void> }> {
  const app = gateway.http;
  if (!app) throw new Error('the gateway has no HTTP app (role worker)');
  const server = await new Promise<Server>((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  const detach = gateway.attachServer(server);
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    async close() {
      detach();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
